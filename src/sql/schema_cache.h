// SchemaCache: databases and tables looked up by name, shared by every connection and valid
// for one schema version. Every catalog change (CREATE/DROP/TRUNCATE/CREATE INDEX here, kvctl's
// DDL, br restore) bumps the schema version in the same transaction, so an entry read at a
// snapshot that saw version V is exactly what any reader at version V sees.
//
// A reader passes the version it read; entries are served and stored only when that version
// equals the cache's, a newer version empties the cache, and an older one bypasses it. Only
// successful look-ups are cached.
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "catalog/schema.h"

namespace brkv::sql {

class SchemaCache {
 public:
  std::optional<catalog::DBInfo> FindDatabase(int64_t version, const std::string& lower_name);
  void PutDatabase(int64_t version, const catalog::DBInfo& db);
  std::optional<catalog::TableInfo> FindTable(int64_t version, int64_t db_id,
                                              const std::string& lower_name);
  void PutTable(int64_t version, int64_t db_id, const catalog::TableInfo& table);

 private:
  // REQUIRES: mu_ held. True if entries at `version` may be used (emptying older ones).
  bool Current(int64_t version);

  std::mutex mu_;
  int64_t version_ = -1;
  std::map<std::string, catalog::DBInfo> dbs_;
  std::map<std::pair<int64_t, std::string>, catalog::TableInfo> tables_;
};

}  // namespace brkv::sql
