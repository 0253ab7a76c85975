// TableReader: reads the rows of one table at one snapshot ts, in handle order (the order of
// the record keys), decoded with the table's TableInfo.
//
// CountRows asks the storage nodes: the number of record keys visible at ts is the total_kvs
// of a node-side checksum over the record range, so no row travels to the client.
// DumpCsv writes every row as one CSV record (table/csv.h), so the output is deterministic for
// a given ts and reads back through ImportCsv into an identical table.
// Thread-safety: thread-safe; the Cluster must outlive the reader.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "catalog/datum.h"
#include "catalog/schema.h"
#include "client/cluster.h"
#include "common/status.h"

namespace brkv::table {

class TableReader {
 public:
  TableReader(client::Cluster* cluster, catalog::TableInfo table, uint64_t ts)
      : cluster_(cluster), table_(std::move(table)), ts_(ts) {}

  uint64_t ts() const { return ts_; }
  const catalog::TableInfo& table() const { return table_; }

  // Calls fn(handle, row) for every row in handle order; stops early (OK) when fn returns
  // false. Corruption when a stored row does not decode with the TableInfo.
  Status ScanRows(
      const std::function<bool(int64_t handle, std::span<const catalog::Datum> row)>& fn) const;

  // The number of rows visible at ts (computed by the nodes).
  Result<uint64_t> CountRows() const;

  // Writes every row as CSV to `sink`, in chunks of about 64 KiB; an error from the sink
  // stops the dump and is returned.
  Status DumpCsv(const std::function<Status(std::string_view chunk)>& sink) const;

 private:
  client::Cluster* cluster_;
  catalog::TableInfo table_;
  uint64_t ts_;
};

}  // namespace brkv::table
