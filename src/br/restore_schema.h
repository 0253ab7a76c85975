// Restoring the catalog: the target check, database and table creation with new ids, and the
// auto-id rebase after the data is in (architecture.md "Restore flow" steps 2 and 5;
// lessons.md 2, 14, 15, 24).
//
// Target check (before anything is written): a table of the backup that already exists in the
// target is an error, AlreadyExists "table already exists: db.table" — restoring into it would
// silently merge data (tidb#35215). An incremental restore (backup start_version > 0) instead
// expects the tables its earlier full restore created and writes into them.
//
// Creation: databases are reused when one of the same name exists (CREATE DATABASE IF NOT
// EXISTS), else created from the backup's DBInfo with a new id. Tables are created from the
// backup's TableInfo — names, columns, indexes and their ids, options — with a NEW table id,
// many tables per catalog transaction (`batch_size`, BR's --ddl-batch-size), re-checking names
// inside each transaction. An incremental restore whose table definition changed since the
// full backup (columns or indexes) replaces the existing definition, keeping its id.
//
// Auto ids: after the data is ingested, each table's allocator (hash DB:{db} field TID:{id})
// is raised to at least max(TableInfo.auto_inc_id, the largest int handle restored), so rows
// inserted after the restore never collide with restored ones (lessons.md 14); many tables
// per catalog transaction. The largest handle is found with a short scan, or for a large table
// a binary search of 1-row scans, never by reading the whole table.
//
// Thread-safety: functions are thread-safe (each catalog change is its own transaction).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "br/restore_plan.h"
#include "catalog/schema.h"
#include "client/cluster.h"
#include "common/status.h"

namespace brkv::br {

// The target's catalog as far as the check needs it: lower-case (db, table) names that exist.
struct TargetCatalog {
  std::set<std::pair<std::string, std::string>> tables;
  bool HasTable(std::string_view db, std::string_view table) const;
};

// Reads the target's catalog (a snapshot at a fresh ts).
Result<TargetCatalog> ReadTargetCatalog(client::Cluster* cluster);

// OK when no table of `schemas` exists in `target`, or when `incremental`. Otherwise
// AlreadyExists "table already exists: db.table" naming the first one (and how many more).
Status CheckTablesAbsent(const RestoreSchemas& schemas, const TargetCatalog& target,
                         bool incremental);

// The TableInfo created for `backup` in the target: the same definition under `new_id`,
// public, with `update_ts` as its update_timestamp.
catalog::TableInfo NewTableInfo(const catalog::TableInfo& backup, int64_t new_id,
                                uint64_t update_ts);

// A restored table: where it came from and what it is now. Both definitions are the modelled
// fields only (the parsed JSON kept for round trips is dropped once the table exists), so they
// must not be written back to a catalog.
struct RestoredTable {
  BackupTable source;
  catalog::DBInfo target_db;
  catalog::TableInfo target;
  // Incremental restore into a table that existed already.
  bool existed = false;
};

struct CreateSchemasOptions {
  // Tables created per catalog transaction. Default: 128.
  size_t batch_size = 128;
  // Incremental restore: existing tables are written into, not refused. Default: false.
  bool incremental = false;
};

struct CreateSchemasResult {
  std::vector<RestoredTable> tables;  // in the order of schemas.tables
  size_t databases_created = 0;
  size_t tables_created = 0;
};

// Creates what `schemas` needs in the target; see the top of the file. AlreadyExists when a
// table appeared meanwhile (non-incremental). A failure after some batches were committed
// leaves those tables in place (the error says how many).
Result<CreateSchemasResult> CreateSchemas(client::Cluster* cluster, const RestoreSchemas& schemas,
                                          const CreateSchemasOptions& options = {});

// The allocator base a restored table needs: max(auto_inc_id, max_handle), at least 0.
int64_t AutoIdRebaseTarget(int64_t auto_inc_id, int64_t max_handle);

// The largest int handle of table `table_id`'s rows visible at `ts` (0 when it has none, or
// for a table whose handles are not ints). Reads only the last region(s) of the record range
// that hold data.
Result<int64_t> MaxHandle(client::Cluster* cluster, int64_t table_id, uint64_t ts);

// Raises the allocator of `t` (see the top of the file). Returns the base it ensured.
Result<int64_t> RebaseAutoId(client::Cluster* cluster, const RestoredTable& t, uint64_t ts);

struct RebaseAutoIdsOptions {
  // Tables whose largest handle is read at once. Default: 8.
  int concurrency = 8;
  // Allocators raised per transaction. Default: 128 (restore passes --ddl-batch-size).
  size_t batch_size = 128;
  // Called once per table after every batch committed, with the base ensured. May be empty.
  std::function<void(const RestoredTable&, int64_t base)> on_rebased{};
};

// RebaseAutoId for many tables: the targets are computed concurrently, then the allocators are
// raised `batch_size` tables per transaction (a transaction per table dominated restores of
// many small tables). A failure names the batch; the batches committed before it stay.
Status RebaseAutoIds(client::Cluster* cluster, const std::vector<RestoredTable>& tables,
                     uint64_t ts, const RebaseAutoIdsOptions& options = {});

}  // namespace brkv::br
