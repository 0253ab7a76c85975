#include "sql/schema_cache.h"

namespace brkv::sql {

bool SchemaCache::Current(int64_t version) {
  if (version > version_) {
    dbs_.clear();
    tables_.clear();
    version_ = version;
  }
  return version == version_;
}

std::optional<catalog::DBInfo> SchemaCache::FindDatabase(int64_t version,
                                                         const std::string& lower_name) {
  std::lock_guard<std::mutex> l(mu_);
  if (!Current(version)) return std::nullopt;
  auto it = dbs_.find(lower_name);
  if (it == dbs_.end()) return std::nullopt;
  return it->second;
}

void SchemaCache::PutDatabase(int64_t version, const catalog::DBInfo& db) {
  std::lock_guard<std::mutex> l(mu_);
  if (Current(version)) dbs_[db.name.L] = db;
}

std::optional<catalog::TableInfo> SchemaCache::FindTable(int64_t version, int64_t db_id,
                                                         const std::string& lower_name) {
  std::lock_guard<std::mutex> l(mu_);
  if (!Current(version)) return std::nullopt;
  auto it = tables_.find({db_id, lower_name});
  if (it == tables_.end()) return std::nullopt;
  return it->second;
}

void SchemaCache::PutTable(int64_t version, int64_t db_id, const catalog::TableInfo& table) {
  std::lock_guard<std::mutex> l(mu_);
  if (Current(version)) tables_[{db_id, table.name.L}] = table;
}

}  // namespace brkv::sql
