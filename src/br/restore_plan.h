// Restore planning: what one `br restore full|db|table|raw` takes from a backup, decided from
// the backup's metadata alone, before the target cluster is touched (architecture.md
// "Restore flow" step 1).
//
//   CheckBackupCompatible  refuses metadata this restore cannot apply correctly: a log-backup
//                          root, file-copy mode, another API version, a newer restore-compat
//                          version, raw KV restored as tables or the other way round.
//   ScopeFilter            full (-f rules or everything), db (--db D, narrowed by -f), table
//                          (--db D --table T).
//   CollectSchemas         walks every Schema of the backup (leaves are verified as they are
//                          read) and keeps the databases and tables in scope. A database with no
//                          table in the backup (an empty database) is kept as a database. An
//                          unknown --db / --table is NotFound naming it: a typo never
//                          "restores nothing" successfully.
//
// Thread-safety: pure functions over a MetaReader (itself safe to share).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "br/meta_reader.h"
#include "br/table_filter.h"
#include "catalog/schema.h"
#include "common/checksum.h"
#include "common/status.h"
#include "proto/brpb.pb.h"

namespace brkv::br {

enum class RestoreKind { kFull, kDatabase, kTable, kRaw };

// "full", "db", "table", "raw".
std::string_view RestoreKindName(RestoreKind kind);
// "Full Restore", "Database Restore", "Table Restore", "Raw Restore"; with `incremental`
// "Incremental Restore", "Incremental Database Restore", ...
std::string RestoreTitle(RestoreKind kind, bool incremental);

struct RestoreScope {
  RestoreKind kind = RestoreKind::kFull;
  // kDatabase / kTable: --db.
  std::string db;
  // kTable: --table.
  std::string table;
  // -f rules; empty = no further restriction.
  std::vector<std::string> filters;
  // Match names case-sensitively. Default: false.
  bool case_sensitive = false;
};

// The restore-compat version (BackupMeta.backup_schema_version) this br understands.
inline constexpr uint32_t kMaxBackupSchemaVersion = 1;

// InvalidArgument / NotSupported explaining why the backup cannot be restored as `kind`.
Status CheckBackupCompatible(const ::backup::BackupMeta& meta, RestoreKind kind);

// A filter matching what the scope covers. InvalidArgument for a malformed -f rule, or for
// kRaw (no table scope).
Result<std::shared_ptr<const TableFilter>> ScopeFilter(const RestoreScope& scope);

// One table of the backup to restore.
struct BackupTable {
  catalog::DBInfo db;
  catalog::TableInfo table;
  // The table checksum recorded at backup (all zero for incremental backups).
  Checksum checksum;
  // "db.table" (original names), for messages.
  std::string Name() const { return db.name.O + "." + table.name.O; }
};

struct RestoreSchemas {
  // Every database in scope, once each (by lower-case name), in backup order — including
  // databases without tables.
  std::vector<catalog::DBInfo> databases;
  std::vector<BackupTable> tables;
};

// Reads the backup's schemas in scope; see the top of the file. Corruption for a Schema whose
// JSON does not parse (naming it); NotSupported for a partitioned table, a view or a sequence
// in scope (restoring those is not implemented; nothing has been written).
Result<RestoreSchemas> CollectSchemas(const MetaReader& reader, const RestoreScope& scope);

}  // namespace brkv::br
