// Table checksums computed by the storage nodes (TiDB's ADMIN CHECKSUM TABLE): crc64xor,
// total_kvs and total_bytes of the record range and every public index range of a table at
// one snapshot ts (formats.md 5.4). The client only cuts the ranges at region boundaries and
// folds the per-region answers (client::Admin::Checksum).
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "catalog/schema.h"
#include "client/admin.h"
#include "client/cluster.h"
#include "common/checksum.h"
#include "common/status.h"

namespace brkv::table {

struct TableChecksum {
  std::string db;
  std::string table;
  int64_t table_id = 0;
  Checksum sum;
};

// The checksum of `table` at `ts`.
Result<Checksum> ChecksumTable(client::Cluster* cluster, const catalog::TableInfo& table,
                               uint64_t ts);

// The same, for a table whose data lives under another table id (a restored copy): keys read
// under t{new_table_id} are hashed as if they were under t{table.id}, so the result equals
// the original table's checksum when the data are the same.
Result<Checksum> ChecksumTableAs(client::Cluster* cluster, const catalog::TableInfo& table,
                                 int64_t new_table_id, uint64_t ts);

// One JSON object on one line:
// {"db":…,"table":…,"table_id":…,"crc64xor":…,"total_kvs":…,"total_bytes":…}
std::string ToJsonLine(const TableChecksum& c);

}  // namespace brkv::table
