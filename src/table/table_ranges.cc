#include "table/table_ranges.h"

namespace brkv::table {

std::vector<catalog::KeyRange> TableDataRanges(const catalog::TableInfo& table) {
  std::vector<catalog::KeyRange> out;
  out.push_back(catalog::TableRecordRange(table.id));
  for (const catalog::IndexInfo& idx : table.indices) {
    if (idx.state != catalog::kStatePublic) continue;
    out.push_back(catalog::IndexRange(table.id, idx.id));
  }
  return out;
}

std::vector<client::KeyRange> ToClientRanges(const std::vector<catalog::KeyRange>& ranges) {
  std::vector<client::KeyRange> out;
  out.reserve(ranges.size());
  for (const auto& r : ranges) out.push_back(client::KeyRange{r.start, r.end});
  return out;
}

}  // namespace brkv::table
