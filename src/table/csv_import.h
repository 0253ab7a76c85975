// ImportCsv: `kvctl insert D.T < rows.csv` as a library call. Rows are CSV records in column
// order (table/csv.h), written with TiDB's key layout through TableWriter.
//
// Phases, and what a failure leaves behind:
//   1. parse and check every record (field count, each value against its column type, NOT
//      NULL). Errors name the line (and the column): nothing is written.
//   2. ids: AUTO_INCREMENT values given as \N or 0 and the implicit row ids of tables without
//      an integer primary key come from the table's allocator (AutoIDAllocator); explicit
//      AUTO_INCREMENT values move the allocator past them. Like a failed INSERT in TiDB, a
//      later failure leaves the allocator advanced (ids are skipped, never reused).
//   3. uniqueness: primary-key and unique-index values are checked against each other and
//      against the table at one snapshot. A duplicate is AlreadyExists naming the line, the
//      value and the key: nothing is written.
//   4. write, in transactions of `batch_rows` rows. Each committed batch is durable; a batch
//      whose commit fails (e.g. a concurrent writer took a unique key after phase 3) is not
//      written at all, and the error says how many rows were committed before it.
// Memory grows with the input (all rows are checked before the first write).
// Thread-safety: thread-safe (each call uses its own transactions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/schema.h"
#include "client/cluster.h"
#include "common/status.h"

namespace brkv::table {

struct ImportOptions {
  // Rows per transaction. Default: 1000.
  size_t batch_rows = 1000;
};

struct ImportStats {
  uint64_t rows = 0;
  uint64_t batches = 0;
};

Result<ImportStats> ImportCsv(client::Cluster* cluster, const catalog::DBInfo& db,
                              const catalog::TableInfo& table, std::string_view csv,
                              const ImportOptions& options = {});

// The largest value of an integer column type (TINYINT 127 ... BIGINT 2^63-1).
int64_t MaxIntColumnValue(const catalog::ColumnInfo& col);

}  // namespace brkv::table
