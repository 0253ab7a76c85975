// MetaReader: reads the catalog (databases, tables, auto-id bases, global ids and the schema
// version) from TiDB's meta keys through a KvReader, so it works at any snapshot ts (br reads
// the catalog at the backup ts) and inside a DDL transaction.
//
// Layout (catalog/meta_keys.h, formats.md 3.6): hash "DBs" field "DB:{id}" -> DBInfo JSON;
// hash "DB:{db}" field "Table:{id}" -> TableInfo JSON, field "TID:{id}" -> row-id base;
// strings "NextGlobalID" and "SchemaVersionKey" -> decimal ASCII. Absent integers read as 0.
// Names are matched case-insensitively (DBInfo/TableInfo name.L), as TiDB does.
// Thread-safety: as the KvReader; the reader must outlive this object.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "catalog/schema.h"
#include "common/status.h"
#include "table/kv_reader.h"

namespace brkv::table {

class MetaReader {
 public:
  explicit MetaReader(KvReader* kv) : kv_(kv) {}

  // The schema version (0 before the first catalog change).
  Result<int64_t> SchemaVersion();
  // The highest global id handed out so far (0 on a fresh cluster).
  Result<int64_t> NextGlobalID();

  // Every database, in id order. Corruption if a DBInfo does not parse.
  Result<std::vector<catalog::DBInfo>> ListDatabases();
  // The database with this id; NotFound if there is none.
  Result<catalog::DBInfo> GetDatabase(int64_t db_id);
  // The database named `name` (case-insensitive); NotFound "unknown database 'name'".
  Result<catalog::DBInfo> FindDatabase(std::string_view name);

  // Every table of the database, in id order.
  Result<std::vector<catalog::TableInfo>> ListTables(int64_t db_id);
  // The table named `name` in `db`; NotFound "unknown table 'db.name'".
  Result<catalog::TableInfo> FindTable(const catalog::DBInfo& db, std::string_view name);

  // The row-id / auto_increment base of a table (hash DB:{db} field TID:{table}): the largest
  // id handed out, 0 if none was.
  Result<int64_t> AutoTableID(int64_t db_id, int64_t table_id);

 private:
  Result<int64_t> ReadInt(const std::string& key);

  KvReader* kv_;
};

}  // namespace brkv::table
