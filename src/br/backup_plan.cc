#include "br/backup_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "catalog/tablecodec.h"
#include "table/meta_reader.h"
#include "table/table_ranges.h"

namespace brkv::br {

namespace {

class MetaCatalogSource final : public CatalogSource {
 public:
  explicit MetaCatalogSource(table::KvReader* kv) : reader_(kv) {}
  Result<std::vector<catalog::DBInfo>> ListDatabases() override { return reader_.ListDatabases(); }
  Result<std::vector<catalog::TableInfo>> ListTables(int64_t db_id) override {
    return reader_.ListTables(db_id);
  }

 private:
  table::MetaReader reader_;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool SameName(const catalog::CIStr& name, std::string_view wanted, bool case_sensitive) {
  return case_sensitive ? name.O == wanted : name.L == Lower(wanted);
}

// The filter a scope stands for (without the -f rules).
Result<std::shared_ptr<const TableFilter>> ScopeFilter(const BackupScope& scope) {
  TableFilter::Options fo;
  fo.case_sensitive = scope.case_sensitive;
  switch (scope.kind) {
    case BackupKind::kFull:
      if (scope.filters.empty()) return std::make_shared<const TableFilter>(TableFilter::All());
      {
        ASSIGN_OR_RETURN(TableFilter f, TableFilter::Parse(scope.filters, fo));
        return std::make_shared<const TableFilter>(std::move(f));
      }
    case BackupKind::kDatabase:
      return std::make_shared<const TableFilter>(TableFilter::Schemas({scope.db}, fo));
    case BackupKind::kTable:
      return std::make_shared<const TableFilter>(TableFilter::Tables(scope.db, {scope.table}, fo));
    case BackupKind::kRaw:
      break;
  }
  return Status::InvalidArgument("a raw backup has no table scope");
}

bool IsDataTable(const catalog::TableInfo& t) { return !t.is_view && !t.is_sequence; }

}  // namespace

std::unique_ptr<CatalogSource> NewMetaCatalogSource(table::KvReader* kv) {
  return std::make_unique<MetaCatalogSource>(kv);
}

std::string_view BackupKindName(BackupKind kind) {
  switch (kind) {
    case BackupKind::kFull:
      return "full";
    case BackupKind::kDatabase:
      return "db";
    case BackupKind::kTable:
      return "table";
    case BackupKind::kRaw:
      return "raw";
  }
  return "unknown";
}

Result<BackupPlan> PlanTableBackup(CatalogSource* catalog, const BackupScope& scope) {
  if (scope.kind == BackupKind::kRaw) {
    return Status::InvalidArgument("PlanTableBackup called for a raw backup");
  }
  if (scope.kind != BackupKind::kFull && scope.db.empty()) {
    return Status::InvalidArgument("--db is required for a " +
                                   std::string(BackupKindName(scope.kind)) + " backup");
  }
  if (scope.kind == BackupKind::kTable && scope.table.empty()) {
    return Status::InvalidArgument("--table is required for a table backup");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const TableFilter> scope_filter, ScopeFilter(scope));
  // -f rules narrow a db/table scope further (both must match).
  std::shared_ptr<const TableFilter> extra;
  if (scope.kind != BackupKind::kFull && !scope.filters.empty()) {
    TableFilter::Options fo;
    fo.case_sensitive = scope.case_sensitive;
    ASSIGN_OR_RETURN(TableFilter f, TableFilter::Parse(scope.filters, fo));
    extra = std::make_shared<const TableFilter>(std::move(f));
  }
  auto match_table = [&](std::string_view db, std::string_view t) {
    return scope_filter->MatchTable(db, t) && (!extra || extra->MatchTable(db, t));
  };
  auto match_schema = [&](std::string_view db) {
    return scope_filter->MatchSchema(db) && (!extra || extra->MatchSchema(db));
  };

  ASSIGN_OR_RETURN(std::vector<catalog::DBInfo> dbs, catalog->ListDatabases());
  BackupPlan plan;
  plan.filter = scope_filter;
  bool named_db_seen = false;
  bool named_table_seen = false;
  for (const catalog::DBInfo& db : dbs) {
    if (db.state != catalog::kStatePublic) continue;
    plan.existing_database_ids.push_back(db.id);
    const bool is_named_db =
        scope.kind != BackupKind::kFull && SameName(db.name, scope.db, scope.case_sensitive);
    named_db_seen |= is_named_db;
    if (!match_schema(db.name.O)) continue;
    ASSIGN_OR_RETURN(std::vector<catalog::TableInfo> tables, catalog->ListTables(db.id));
    size_t matched = 0;
    size_t public_tables = 0;
    for (catalog::TableInfo& t : tables) {
      if (t.state != catalog::kStatePublic) continue;
      ++public_tables;
      if (is_named_db && scope.kind == BackupKind::kTable &&
          SameName(t.name, scope.table, scope.case_sensitive)) {
        named_table_seen = true;
      }
      if (!match_table(db.name.O, t.name.O)) continue;
      PlannedSchema s;
      s.db = db;
      if (IsDataTable(t)) {
        s.ranges = table::TableDataRanges(t);
        plan.ranges.insert(plan.ranges.end(), s.ranges.begin(), s.ranges.end());
      }
      s.table = std::move(t);
      plan.schemas.push_back(std::move(s));
      ++matched;
    }
    if (matched > 0) {
      ++plan.databases;
      plan.tables += matched;
    } else if (public_tables == 0 && scope.kind != BackupKind::kTable) {
      // An empty database is kept so that restore recreates it (lessons.md 15).
      PlannedSchema s;
      s.db = db;
      plan.schemas.push_back(std::move(s));
      ++plan.databases;
    }
  }
  if (scope.kind != BackupKind::kFull && !named_db_seen) {
    return Status::NotFound("unknown database '" + scope.db +
                            "': no such database at the backup ts; check the name with "
                            "`kvctl databases`");
  }
  if (scope.kind == BackupKind::kTable && !named_table_seen) {
    return Status::NotFound("unknown table '" + scope.db + "." + scope.table +
                            "': no such table at the backup ts; check the name with "
                            "`kvctl tables " +
                            scope.db + "`");
  }
  const TableFilter& describe = extra ? *extra : *scope_filter;
  RETURN_IF_ERROR(CheckFilterMatchedSomething(describe, "backup", plan.databases, plan.tables));
  std::sort(plan.ranges.begin(), plan.ranges.end(),
            [](const KeyRange& a, const KeyRange& b) { return a.start < b.start; });
  for (size_t i = 1; i < plan.ranges.size(); ++i) {
    if (RangesOverlap(plan.ranges[i - 1], plan.ranges[i])) {
      return Status::Internal("backup plan has overlapping ranges " +
                              RangeToString(plan.ranges[i - 1]) + " and " +
                              RangeToString(plan.ranges[i]));
    }
  }
  return plan;
}

Result<BackupPlan> PlanRawBackup(const std::string& start, const std::string& end) {
  KeyRange r{start, end};
  if (!end.empty() && end <= start) {
    return Status::InvalidArgument("raw backup range is empty: --end must be after --start");
  }
  BackupPlan plan;
  plan.ranges.push_back(std::move(r));
  return plan;
}

namespace {

// TiDB model.ActionType values used for the DDL entries.
constexpr int kActionNone = 0;
constexpr int kActionCreateSchema = 1;
constexpr int kActionDropSchema = 2;
constexpr int kActionCreateTable = 3;
constexpr int kActionDropTable = 4;
// model.JobStateSynced: BR replays jobs in state Done or Synced.
constexpr int kJobStateSynced = 6;

std::string DdlEntry(int action, std::string_view change, const catalog::DBInfo& db,
                     const catalog::TableInfo* table, bool with_infos, uint64_t ts) {
  catalog::Json j;
  j["id"] = 0;
  j["type"] = action;
  j["brkv_change"] = std::string(change);
  j["schema_id"] = db.id;
  j["table_id"] = table != nullptr ? table->id : 0;
  j["schema_name"] = db.name.O;
  j["table_name"] = table != nullptr ? table->name.O : "";
  j["state"] = kJobStateSynced;
  j["query"] = "";
  catalog::Json binlog;
  binlog["DBInfo"] = with_infos ? catalog::ToJsonValue(db) : catalog::Json(nullptr);
  binlog["TableInfo"] =
      with_infos && table != nullptr ? catalog::ToJsonValue(*table) : catalog::Json(nullptr);
  binlog["FinishedTS"] = ts;
  j["binlog"] = std::move(binlog);
  return j.dump();
}

}  // namespace

Result<std::vector<std::string>> BuildIncrementalDdls(CatalogSource* before, const BackupPlan& plan,
                                                      uint64_t backup_ts) {
  if (plan.filter == nullptr) return std::vector<std::string>{};
  ASSIGN_OR_RETURN(std::vector<catalog::DBInfo> old_dbs, before->ListDatabases());
  std::map<int64_t, catalog::DBInfo> old_db_by_id;
  for (auto& d : old_dbs) {
    if (d.state == catalog::kStatePublic) old_db_by_id.emplace(d.id, std::move(d));
  }
  // The databases and tables of the plan (catalog at backup_ts).
  std::map<int64_t, const catalog::DBInfo*> new_dbs;
  std::map<int64_t, const PlannedSchema*> new_tables;
  for (const PlannedSchema& s : plan.schemas) {
    new_dbs.emplace(s.db.id, &s.db);
    if (s.table) new_tables.emplace(s.table->id, &s);
  }

  std::vector<std::string> db_entries;
  std::vector<std::pair<int64_t, std::string>> table_entries;
  for (const auto& [id, db] : new_dbs) {
    if (old_db_by_id.count(id) == 0) {
      db_entries.push_back(
          DdlEntry(kActionCreateSchema, "create-database", *db, nullptr, true, backup_ts));
    }
  }
  // Tables that existed at lastbackupts in the scope: compare or report as dropped.
  std::set<int64_t> old_table_ids;
  for (const auto& [db_id, old_db] : old_db_by_id) {
    if (!plan.filter->MatchSchema(old_db.name.O)) continue;
    ASSIGN_OR_RETURN(std::vector<catalog::TableInfo> old_tables, before->ListTables(db_id));
    for (const catalog::TableInfo& t : old_tables) {
      if (t.state != catalog::kStatePublic) continue;
      if (!plan.filter->MatchTable(old_db.name.O, t.name.O)) continue;
      old_table_ids.insert(t.id);
      auto it = new_tables.find(t.id);
      if (it == new_tables.end()) {
        table_entries.emplace_back(
            t.id, DdlEntry(kActionDropTable, "drop-table", old_db, &t, false, backup_ts));
        continue;
      }
      const PlannedSchema& now = *it->second;
      if (catalog::ToJson(*now.table) != catalog::ToJson(t) || now.db.id != db_id) {
        table_entries.emplace_back(
            t.id, DdlEntry(kActionNone, "alter-table", now.db, &*now.table, true, backup_ts));
      }
    }
  }
  for (const auto& [id, s] : new_tables) {
    if (old_table_ids.count(id) == 0) {
      table_entries.emplace_back(
          id, DdlEntry(kActionCreateTable, "create-table", s->db, &*s->table, true, backup_ts));
    }
  }
  const std::set<int64_t> existing(plan.existing_database_ids.begin(),
                                   plan.existing_database_ids.end());
  for (const auto& [id, old_db] : old_db_by_id) {
    if (existing.count(id) > 0 || !plan.filter->MatchSchema(old_db.name.O)) continue;
    db_entries.push_back(
        DdlEntry(kActionDropSchema, "drop-database", old_db, nullptr, false, backup_ts));
  }
  std::sort(table_entries.begin(), table_entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out = std::move(db_entries);
  for (auto& [id, e] : table_entries) out.push_back(std::move(e));
  return out;
}

}  // namespace brkv::br
