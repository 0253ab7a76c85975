// The key ranges that hold a table's data, as TiDB's ADMIN CHECKSUM and BR's backup use them:
// the record range of the int-handle rows, then one range per public index (formats.md 3.4,
// 5.1). Raw TiDB keys. Thread-safety: pure functions.
#pragma once

#include <vector>

#include "catalog/schema.h"
#include "catalog/tablecodec.h"
#include "client/types.h"

namespace brkv::table {

// Record range first, then public indexes in TableInfo order.
std::vector<catalog::KeyRange> TableDataRanges(const catalog::TableInfo& table);

// The same ranges in the client's range type.
std::vector<client::KeyRange> ToClientRanges(const std::vector<catalog::KeyRange>& ranges);

}  // namespace brkv::table
