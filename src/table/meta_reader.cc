#include "table/meta_reader.h"

#include <algorithm>
#include <string>

#include "catalog/meta_keys.h"

namespace brkv::table {

namespace meta = catalog::meta;

namespace {

std::string Lower(std::string_view s) { return catalog::CIStr::From(s).L; }

}  // namespace

Result<int64_t> MetaReader::ReadInt(const std::string& key) {
  Result<std::string> v = kv_->Get(key);
  if (!v.ok()) {
    if (v.status().IsNotFound()) return int64_t{0};
    return v.status();
  }
  if (v->empty()) return int64_t{0};
  return meta::ParseInt(*v);
}

Result<int64_t> MetaReader::SchemaVersion() { return ReadInt(meta::SchemaVersionKey()); }

Result<int64_t> MetaReader::NextGlobalID() { return ReadInt(meta::NextGlobalIDKey()); }

Result<std::vector<catalog::DBInfo>> MetaReader::ListDatabases() {
  const catalog::KeyRange r = meta::DatabasesRange();
  std::vector<catalog::DBInfo> out;
  Status parse_error;
  RETURN_IF_ERROR(kv_->ScanEach(r.start, r.end, [&](const client::KvPair& kv) {
    Result<catalog::DBInfo> db = catalog::ParseDBInfo(kv.value);
    if (!db.ok()) {
      parse_error = db.status().WithContext("database entry in the catalog");
      return false;
    }
    out.push_back(std::move(db).value());
    return true;
  }));
  RETURN_IF_ERROR(parse_error);
  std::sort(out.begin(), out.end(),
            [](const catalog::DBInfo& a, const catalog::DBInfo& b) { return a.id < b.id; });
  return out;
}

Result<catalog::DBInfo> MetaReader::GetDatabase(int64_t db_id) {
  Result<std::string> v = kv_->Get(meta::DatabaseKey(db_id));
  if (!v.ok()) {
    if (v.status().IsNotFound()) {
      return Status::NotFound("unknown database id " + std::to_string(db_id));
    }
    return v.status();
  }
  return catalog::ParseDBInfo(*v);
}

Result<catalog::DBInfo> MetaReader::FindDatabase(std::string_view name) {
  ASSIGN_OR_RETURN(auto dbs, ListDatabases());
  const std::string l = Lower(name);
  for (auto& db : dbs) {
    if (db.name.L == l) return std::move(db);
  }
  return Status::NotFound("unknown database '" + std::string(name) + "'");
}

Result<std::vector<catalog::TableInfo>> MetaReader::ListTables(int64_t db_id) {
  const std::string hash = meta::DBField(db_id);
  const catalog::KeyRange r = meta::DatabaseHashRange(db_id);
  std::vector<catalog::TableInfo> out;
  Status error;
  RETURN_IF_ERROR(kv_->ScanEach(r.start, r.end, [&](const client::KvPair& kv) {
    Result<std::string> field = meta::DecodeHashField(hash, kv.key);
    if (!field.ok()) {
      error = field.status();
      return false;
    }
    if (!meta::ParseIDField("Table", *field)) return true;  // TID:, IID:, ...
    Result<catalog::TableInfo> t = catalog::ParseTableInfo(kv.value);
    if (!t.ok()) {
      error = t.status().WithContext("catalog entry " + *field + " of database id " +
                                     std::to_string(db_id));
      return false;
    }
    out.push_back(std::move(t).value());
    return true;
  }));
  RETURN_IF_ERROR(error);
  std::sort(out.begin(), out.end(),
            [](const catalog::TableInfo& a, const catalog::TableInfo& b) { return a.id < b.id; });
  return out;
}

Result<catalog::TableInfo> MetaReader::FindTable(const catalog::DBInfo& db, std::string_view name) {
  ASSIGN_OR_RETURN(auto tables, ListTables(db.id));
  const std::string l = Lower(name);
  for (auto& t : tables) {
    if (t.name.L == l) return std::move(t);
  }
  return Status::NotFound("unknown table '" + db.name.O + "." + std::string(name) + "'");
}

Result<int64_t> MetaReader::AutoTableID(int64_t db_id, int64_t table_id) {
  return ReadInt(meta::AutoTableIDKey(db_id, table_id));
}

}  // namespace brkv::table
