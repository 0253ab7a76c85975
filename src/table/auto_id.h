// AutoIDAllocator: hands out row ids / auto_increment values of one table from TiDB's
// allocator field (hash DB:{db}, field TID:{table}), which holds the largest id handed out
// (the "base"). As in TiDB, one allocator serves both the implicit row id (_tidb_rowid) and
// the AUTO_INCREMENT column.
//
// Each Alloc/Rebase is its own small transaction (restarted on conflicts), separate from the
// rows that use the ids: ids taken by a batch that then fails are simply skipped, never
// handed out twice. Values written explicitly must be reported with Rebase *before* the rows
// are committed, so that later allocations never collide with them.
// Thread-safety: thread-safe (each call is one transaction).
#pragma once

#include <cstdint>
#include <vector>

#include "client/cluster.h"
#include "common/status.h"

namespace brkv::table {

class AutoIDAllocator {
 public:
  // REQUIRES: cluster outlives the allocator.
  AutoIDAllocator(client::Cluster* cluster, int64_t db_id, int64_t table_id)
      : cluster_(cluster), db_id_(db_id), table_id_(table_id) {}

  // Reserves n (>= 1) consecutive ids and returns the first: first..first+n-1.
  // InvalidArgument when the ids would pass `max_id` (the column's or int64's maximum).
  Result<int64_t> Alloc(int64_t n, int64_t max_id = INT64_MAX);
  // Raises the base to at least `id` (no-op if it is already there).
  Status Rebase(int64_t id);
  // The current base (0 if nothing was allocated).
  Result<int64_t> Base();

 private:
  client::Cluster* cluster_;
  int64_t db_id_;
  int64_t table_id_;
};

// One allocator to raise: the table's base becomes at least `base`.
struct AutoIDRebase {
  int64_t db_id = 0;
  int64_t table_id = 0;
  int64_t base = 0;
};

// AutoIDAllocator::Rebase for many tables in ONE transaction (restarted on conflicts): every
// allocator whose base is below its target is raised, the others are left alone. For callers
// that rebase many tables at once (restore), where a transaction per table dominates.
// On failure nothing is written.
Status RebaseAutoIDs(client::Cluster* cluster, const std::vector<AutoIDRebase>& rebases);

}  // namespace brkv::table
