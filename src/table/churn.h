// RunChurn: `kvctl churn` — a seeded stream of small committed transactions over the sysbench
// tables (sbtest*) of a database, to make the data change between two backups or checksums.
//
// Each operation is one transaction on one random table:
//   insert  a new row (id from the table's allocator, random k, c, pad)
//   update  a random existing row: new random k and c (the k_1 entry moves with k)
//   delete  a random existing row and its index entry
// A "random existing row" is the first row at or after a random id in [1, allocator base]
// (wrapping to the first row); an update or delete on an empty table becomes an insert.
// Write conflicts (e.g. with a concurrent churn) restart the operation (RunInTxn).
// The sequence of choices depends only on the seed; the rows touched also depend on the data.
// Thread-safety: thread-safe (single-threaded work per call).
#pragma once

#include <cstdint>
#include <string>

#include "client/cluster.h"
#include "common/status.h"

namespace brkv::table {

struct ChurnOptions {
  // Database holding the sbtest tables. REQUIRES: non-empty.
  std::string db;
  // Number of operations. Default: 1000.
  int64_t ops = 1000;
  // Seed of the choices. Default: 1.
  uint64_t seed = 1;
};

struct ChurnReport {
  uint64_t inserts = 0;
  uint64_t updates = 0;
  uint64_t deletes = 0;
  double seconds = 0;
  uint64_t ops() const { return inserts + updates + deletes; }
  double OpsPerSecond() const { return seconds > 0 ? ops() / seconds : 0; }
};

// NotFound for an unknown database or one without sbtest tables.
Result<ChurnReport> RunChurn(client::Cluster* cluster, const ChurnOptions& options);

}  // namespace brkv::table
