// Backup planning: what one `br backup` covers — the schemas to record and the key ranges to
// back up — derived from the catalog read at the backup ts (architecture.md "Backup flow" 3).
//
//   full        every database and table the -f rules match (default `*.*`)
//   db          the tables of --db D (and the -f rules, if any, narrow it further)
//   table       --db D --table T (likewise)
//   raw         one user-key range [--start, --end) of the raw-KV key space, no schemas
//
// For each matched table the ranges are its record range plus one range per public index
// (table::TableDataRanges), as BR asks TiKV for them and as ADMIN CHECKSUM covers them, so
// the per-table checksum of the files equals the nodes' table checksum. Views and sequences
// are recorded as schemas without ranges. A matched database with no tables at all is
// recorded as a database-only Schema (lessons.md 15); a database that has tables none of
// which match is not.
//
// Errors are reported before any work starts: an unknown --db or --table is NotFound naming
// it; a plan with no database and no table is NotFound (a typo in -f must not produce an empty
// backup); a malformed -f rule is InvalidArgument.
//
// Incremental backups also record the catalog changes in (lastbackupts, backupts] as DDL
// entries (BuildIncrementalDdls; the entry format is documented in docs/backup.md).
//
// Thread-safety: pure functions over a CatalogSource used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "br/range_tree.h"
#include "br/table_filter.h"
#include "catalog/schema.h"
#include "common/status.h"

namespace brkv::table {
class KvReader;
}

namespace brkv::br {

// The catalog as of one snapshot ts. Implemented over table::MetaReader in production and by
// an in-memory fake in tests.
class CatalogSource {
 public:
  virtual ~CatalogSource() = default;
  // Every database, in id order.
  virtual Result<std::vector<catalog::DBInfo>> ListDatabases() = 0;
  // Every table of the database, in id order.
  virtual Result<std::vector<catalog::TableInfo>> ListTables(int64_t db_id) = 0;
};

// A CatalogSource reading TiDB meta keys through `kv` (which must outlive the result), e.g. a
// table::SnapshotReader at the backup ts.
std::unique_ptr<CatalogSource> NewMetaCatalogSource(table::KvReader* kv);

enum class BackupKind { kFull, kDatabase, kTable, kRaw };

// "full", "db", "table", "raw".
std::string_view BackupKindName(BackupKind kind);

struct BackupScope {
  BackupKind kind = BackupKind::kFull;
  // kDatabase / kTable: the database named by --db.
  std::string db;
  // kTable: the table named by --table.
  std::string table;
  // -f rules; empty = no further restriction (kFull: everything).
  std::vector<std::string> filters;
  // Match names case-sensitively. Default: false (TiDB identifiers are case-insensitive).
  bool case_sensitive = false;
};

// One Schema entry to record: a table of a database, or a database alone (no table).
struct PlannedSchema {
  catalog::DBInfo db;
  std::optional<catalog::TableInfo> table;
  // The table's data ranges (empty for a database alone, a view or a sequence).
  std::vector<KeyRange> ranges;
};

struct BackupPlan {
  std::vector<PlannedSchema> schemas;
  // Every range to back up, sorted by start key; never overlapping.
  std::vector<KeyRange> ranges;
  size_t databases = 0;  // distinct databases in `schemas`
  size_t tables = 0;     // schemas with a table
  // The filter that selected the plan, and the ids of every public database at the plan's ts
  // (both kept for incremental DDL planning).
  std::shared_ptr<const TableFilter> filter;
  std::vector<int64_t> existing_database_ids;
};

// Plans a transactional backup (kind != kRaw) from `catalog`. See the top of the file.
Result<BackupPlan> PlanTableBackup(CatalogSource* catalog, const BackupScope& scope);

// Plans a raw-KV backup of [start, end) (end empty = to the end of the raw key space).
// InvalidArgument when end is not after start.
Result<BackupPlan> PlanRawBackup(const std::string& start, const std::string& end);

// The catalog changes an incremental backup records: one JSON document per created, changed or
// dropped database/table of the plan's scope, comparing `before` (the catalog at lastbackupts)
// with `plan` (the catalog at backup_ts). Shaped like a TiDB DDL job (type, schema_id,
// table_id, schema_name, table_name, binlog.DBInfo / binlog.TableInfo, binlog.FinishedTS) with
// an extra "brkv_change" naming the change ("create-database", "create-table", "alter-table",
// "drop-table", "drop-database"). Databases first, then tables, in id order.
Result<std::vector<std::string>> BuildIncrementalDdls(CatalogSource* before, const BackupPlan& plan,
                                                      uint64_t backup_ts);

}  // namespace brkv::br
