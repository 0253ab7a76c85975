#include "client/batching.h"

namespace brkv::client {

std::vector<Batch> SplitIntoBatches(const std::vector<RegionGroup>& groups,
                                    const std::function<size_t(size_t)>& size_of,
                                    const BatchLimits& limits) {
  std::vector<Batch> out;
  for (const auto& g : groups) {
    size_t bytes = 0;
    bool open = false;
    for (size_t i : g.indexes) {
      size_t sz = size_of(i);
      if (open && (out.back().indexes.size() >= limits.max_keys ||
                   bytes + sz > limits.max_bytes)) {
        open = false;
      }
      if (!open) {
        out.push_back(Batch{g.location, {}});
        bytes = 0;
        open = true;
      }
      out.back().indexes.push_back(i);
      bytes += sz;
    }
  }
  return out;
}

}  // namespace brkv::client
