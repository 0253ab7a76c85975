// Cutting region groups into RPC-sized batches (prewrite, commit, raw batch put).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "client/region_cache.h"

namespace brkv::client {

struct BatchLimits {
  // Most keys in one RPC. Default: 4096.
  size_t max_keys = 4096;
  // Most key+value bytes in one RPC (a single larger entry still goes alone). Default: 1 MiB.
  size_t max_bytes = 1 << 20;
};

// One RPC's worth of keys in one region (indexes into the caller's vectors).
struct Batch {
  KeyLocation location;
  std::vector<size_t> indexes;
};

// Cuts every group into consecutive batches within the limits, keeping order. size_of(i) is
// the payload size of entry i.
std::vector<Batch> SplitIntoBatches(const std::vector<RegionGroup>& groups,
                                    const std::function<size_t(size_t)>& size_of,
                                    const BatchLimits& limits);

}  // namespace brkv::client
