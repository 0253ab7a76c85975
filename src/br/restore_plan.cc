#include "br/restore_plan.h"

#include <set>

namespace brkv::br {

namespace {

std::string Lower(std::string_view s) { return catalog::CIStr::From(s).L; }

bool SameName(const catalog::CIStr& name, std::string_view wanted, bool case_sensitive) {
  return case_sensitive ? name.O == wanted : name.L == Lower(wanted);
}

}  // namespace

std::string_view RestoreKindName(RestoreKind kind) {
  switch (kind) {
    case RestoreKind::kFull:
      return "full";
    case RestoreKind::kDatabase:
      return "db";
    case RestoreKind::kTable:
      return "table";
    case RestoreKind::kRaw:
      return "raw";
  }
  return "?";
}

std::string RestoreTitle(RestoreKind kind, bool incremental) {
  const std::string inc = incremental ? "Incremental " : "";
  switch (kind) {
    case RestoreKind::kFull:
      return inc + (incremental ? "Restore" : "Full Restore");
    case RestoreKind::kDatabase:
      return inc + "Database Restore";
    case RestoreKind::kTable:
      return inc + "Table Restore";
    case RestoreKind::kRaw:
      return "Raw Restore";
  }
  return "Restore";
}

Status CheckBackupCompatible(const ::backup::BackupMeta& meta, RestoreKind kind) {
  if (meta.end_version() == 0) {
    return Status::InvalidArgument(
        "the storage holds a log backup (PITR) root, not a snapshot backup (backupmeta "
        "end_version is 0); br restore full|db|table|raw restores snapshot backups");
  }
  if (meta.backup_schema_version() > kMaxBackupSchemaVersion) {
    return Status::NotSupported(
        "incompatible backup format: backup_schema_version " +
        std::to_string(meta.backup_schema_version()) + " was written by a newer BR; this br " +
        "restores versions up to " + std::to_string(kMaxBackupSchemaVersion) +
        " — use a br at least as new as the one that took the backup");
  }
  if (meta.mode() != ::backup::SCAN) {
    return Status::NotSupported(
        "incompatible backup format: file-copy mode (BackupMeta.mode FILE) backups cannot be "
        "restored by this br");
  }
  if (meta.api_version() != kvrpcpb::V1) {
    return Status::NotSupported("incompatible backup format: API version " +
                                std::to_string(static_cast<int>(meta.api_version())) +
                                " (this cluster stores keys as API V1)");
  }
  if (meta.is_txn_kv()) {
    return Status::NotSupported(
        "incompatible backup format: TxnKV (non-TiDB) backups are not "
        "supported");
  }
  if (kind == RestoreKind::kRaw && !meta.is_raw_kv()) {
    return Status::InvalidArgument(
        "the backup holds tables, not raw KV: use br restore "
        "full|db|table");
  }
  if (kind != RestoreKind::kRaw && meta.is_raw_kv()) {
    return Status::InvalidArgument("the backup is a raw KV backup: use br restore raw");
  }
  return Status::OK();
}

Result<std::shared_ptr<const TableFilter>> ScopeFilter(const RestoreScope& scope) {
  TableFilter::Options fo;
  fo.case_sensitive = scope.case_sensitive;
  switch (scope.kind) {
    case RestoreKind::kFull:
      if (scope.filters.empty()) return std::make_shared<const TableFilter>(TableFilter::All());
      {
        ASSIGN_OR_RETURN(TableFilter f, TableFilter::Parse(scope.filters, fo));
        return std::make_shared<const TableFilter>(std::move(f));
      }
    case RestoreKind::kDatabase:
      if (scope.db.empty()) return Status::InvalidArgument("--db is required");
      return std::make_shared<const TableFilter>(TableFilter::Schemas({scope.db}, fo));
    case RestoreKind::kTable:
      if (scope.db.empty() || scope.table.empty()) {
        return Status::InvalidArgument("--db and --table are required");
      }
      return std::make_shared<const TableFilter>(TableFilter::Tables(scope.db, {scope.table}, fo));
    case RestoreKind::kRaw:
      break;
  }
  return Status::InvalidArgument("a raw restore has no table scope");
}

Result<RestoreSchemas> CollectSchemas(const MetaReader& reader, const RestoreScope& scope) {
  ASSIGN_OR_RETURN(std::shared_ptr<const TableFilter> filter, ScopeFilter(scope));
  // db scope with -f: both must match.
  std::shared_ptr<const TableFilter> extra;
  if (scope.kind != RestoreKind::kFull && !scope.filters.empty()) {
    TableFilter::Options fo;
    fo.case_sensitive = scope.case_sensitive;
    ASSIGN_OR_RETURN(TableFilter f, TableFilter::Parse(scope.filters, fo));
    extra = std::make_shared<const TableFilter>(std::move(f));
  }
  auto match_table = [&](std::string_view db, std::string_view t) {
    return filter->MatchTable(db, t) && (!extra || extra->MatchTable(db, t));
  };
  auto match_schema = [&](std::string_view db) {
    return filter->MatchSchema(db) && (!extra || extra->MatchSchema(db));
  };

  RestoreSchemas out;
  std::set<std::string> dbs_seen;  // lower-case names in `out.databases`
  std::vector<catalog::CIStr> dbs_in_backup;
  std::set<std::string> tables_seen;  // "db\0table" lower-case
  size_t index = 0;
  RETURN_IF_ERROR(reader.ForEachSchema([&](const ::backup::Schema& s) -> Status {
    ++index;
    auto db = catalog::ParseDBInfo(s.db());
    if (!db.ok()) {
      return db.status().WithContext("backup schema #" + std::to_string(index) + ": database JSON");
    }
    // Older or hand-written JSON may lack the lower-case form; names match on it.
    if (db->name.L.empty()) db->name.L = Lower(db->name.O);
    dbs_in_backup.push_back(db->name);
    const bool has_table = !s.table().empty();
    catalog::TableInfo table;
    if (has_table) {
      auto t = catalog::ParseTableInfo(s.table());
      if (!t.ok()) {
        return t.status().WithContext("backup schema #" + std::to_string(index) + " (database " +
                                      db->name.O + "): table JSON");
      }
      table = std::move(t).value();
      if (table.name.L.empty()) table.name.L = Lower(table.name.O);
      if (!match_table(db->name.O, table.name.O)) return Status::OK();
    } else if (!match_schema(db->name.O)) {
      return Status::OK();
    }
    if (dbs_seen.insert(db->name.L).second) out.databases.push_back(*db);
    if (!has_table) return Status::OK();
    const std::string key = db->name.L + std::string(1, '\0') + table.name.L;
    if (!tables_seen.insert(key).second) {
      return Status::Corruption("backup lists table " + db->name.O + "." + table.name.O + " twice");
    }
    const std::string name = db->name.O + "." + table.name.O;
    if (table.has_partition) {
      return Status::NotSupported("table " + name +
                                  " is partitioned; restoring partitioned tables is not "
                                  "supported (exclude it with -f '!" +
                                  name + "')");
    }
    if (table.is_view || table.is_sequence) {
      return Status::NotSupported("table " + name + " is a " +
                                  (table.is_view ? "view" : "sequence") +
                                  "; restoring views and sequences is not supported (exclude it "
                                  "with -f '!" +
                                  name + "')");
    }
    BackupTable bt;
    bt.db = std::move(db).value();
    bt.table = std::move(table);
    bt.checksum.crc64xor = s.crc64xor();
    bt.checksum.total_kvs = s.total_kvs();
    bt.checksum.total_bytes = s.total_bytes();
    out.tables.push_back(std::move(bt));
    return Status::OK();
  }));

  // A named database or table that is not there is an error, never an empty restore.
  if (scope.kind == RestoreKind::kDatabase || scope.kind == RestoreKind::kTable) {
    bool db_found = false;
    for (const catalog::CIStr& d : dbs_in_backup) {
      db_found |= SameName(d, scope.db, scope.case_sensitive);
    }
    if (!db_found) {
      return Status::NotFound("database " + scope.db + " is not in the backup");
    }
    if (scope.kind == RestoreKind::kTable && out.tables.empty()) {
      return Status::NotFound("table " + scope.db + "." + scope.table + " is not in the backup");
    }
  }
  // A full restore of a backup that holds no database at all (an empty cluster) restores
  // nothing and succeeds (tidb#27552); a filter that matches nothing is an error.
  if (index == 0 && scope.kind == RestoreKind::kFull && scope.filters.empty()) return out;
  if (out.databases.empty() && out.tables.empty()) {
    return Status::NotFound(
        "restore: no database or table of the backup matches " +
        (extra ? filter->Describe() + " and " + extra->Describe() : filter->Describe()) +
        "; check the names and the filter rules");
  }
  return out;
}

}  // namespace brkv::br
