// INFORMATION_SCHEMA: virtual tables built from the catalog on each query and then filtered,
// sorted and projected by the normal SELECT pipeline. SCHEMATA, TABLES and COLUMNS have rows;
// TRIGGERS, PARTITIONS, VIEWS, ROUTINES and EVENTS are empty; anything else (FILES included)
// is 1109, which mysqldump takes as "no tablespaces".
#include "sql/exec_internal.h"
#include "table/meta_reader.h"

namespace brkv::sql {

namespace {

using catalog::Datum;
namespace my = catalog::mysql;

catalog::ColumnInfo VirtualColumn(const std::string& name, bool is_int, int offset) {
  catalog::ColumnInfo c;
  c.id = offset + 1;
  c.name = catalog::CIStr::From(name);
  c.offset = offset;
  if (is_int) {
    c.type.tp = my::kTypeLonglong;
    c.type.flen = 21;
    c.type.charset = std::string(my::kCharsetBin);
    c.type.collate = std::string(my::kCollationBin);
  } else {
    c.type.tp = my::kTypeVarchar;
    c.type.flen = 512;
    c.type.charset = std::string(my::kCharsetUTF8MB4);
    c.type.collate = std::string(my::kCollationUTF8MB4Bin);
  }
  return c;
}

// "name" or "#name" (an integer column).
catalog::TableInfo VirtualTable(const std::string& name, const std::vector<std::string>& cols) {
  catalog::TableInfo t;
  t.name = catalog::CIStr::From(name);
  for (const std::string& c : cols) {
    const bool is_int = !c.empty() && c[0] == '#';
    t.columns.push_back(VirtualColumn(is_int ? c.substr(1) : c, is_int,
                                      static_cast<int>(t.columns.size())));
  }
  return t;
}

Datum S(const std::string& s) { return Datum::Bytes(s); }

std::string DataType(const catalog::ColumnInfo& c) {
  std::string t = ColumnTypeText(c);
  size_t cut = t.find_first_of("( ");
  return cut == std::string::npos ? t : t.substr(0, cut);
}

Datum DefaultValue(const catalog::ColumnInfo& c) {
  const catalog::Json& d = c.default_value.is_null() ? c.origin_default : c.default_value;
  if (d.is_null()) return Datum();
  return S(d.is_string() ? d.get<std::string>() : d.dump());
}

}  // namespace

SqlResult<ResolvedTable> StatementRunner::InfoSchemaTable(const std::string& name) {
  const std::string n = LowerCase(name);
  ResolvedTable r;
  r.db = catalog::MakeDBInfo(0, "information_schema");
  r.virtual_rows = std::make_shared<std::vector<std::vector<Datum>>>();
  auto& rows = *r.virtual_rows;
  SQL_ASSIGN_OR_RETURN(table::KvReader * kv, reader());
  table::MetaReader meta(kv);
  if (n == "schemata") {
    r.table = VirtualTable("SCHEMATA", {"CATALOG_NAME", "SCHEMA_NAME", "DEFAULT_CHARACTER_SET_NAME",
                                        "DEFAULT_COLLATION_NAME", "SQL_PATH"});
    SQL_ASSIGN_OR_RETURN_STATUS(auto dbs, meta.ListDatabases());
    for (const catalog::DBInfo& d : dbs) {
      rows.push_back({S("def"), S(d.name.O), S("utf8mb4"), S("utf8mb4_bin"), Datum()});
    }
  } else if (n == "tables" || n == "columns") {
    if (n == "tables") {
      r.table = VirtualTable(
          "TABLES", {"TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "TABLE_TYPE", "ENGINE",
                     "#VERSION", "ROW_FORMAT", "#TABLE_ROWS", "#AVG_ROW_LENGTH", "#DATA_LENGTH",
                     "#MAX_DATA_LENGTH", "#INDEX_LENGTH", "#DATA_FREE", "#AUTO_INCREMENT",
                     "CREATE_TIME", "UPDATE_TIME", "CHECK_TIME", "TABLE_COLLATION", "#CHECKSUM",
                     "CREATE_OPTIONS", "TABLE_COMMENT"});
    } else {
      r.table = VirtualTable(
          "COLUMNS", {"TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME",
                      "#ORDINAL_POSITION", "COLUMN_DEFAULT", "IS_NULLABLE", "DATA_TYPE",
                      "#CHARACTER_MAXIMUM_LENGTH", "#CHARACTER_OCTET_LENGTH",
                      "#NUMERIC_PRECISION", "#NUMERIC_SCALE", "#DATETIME_PRECISION",
                      "CHARACTER_SET_NAME", "COLLATION_NAME", "COLUMN_TYPE", "COLUMN_KEY",
                      "EXTRA", "PRIVILEGES", "COLUMN_COMMENT", "GENERATION_EXPRESSION"});
    }
    SQL_ASSIGN_OR_RETURN_STATUS(auto dbs, meta.ListDatabases());
    for (const catalog::DBInfo& d : dbs) {
      SQL_ASSIGN_OR_RETURN_STATUS(auto tables, meta.ListTables(d.id));
      for (const catalog::TableInfo& t : tables) {
        if (n == "tables") {
          SQL_ASSIGN_OR_RETURN_STATUS(int64_t base, meta.AutoTableID(d.id, t.id));
          rows.push_back({S("def"), S(d.name.O), S(t.name.O), S("BASE TABLE"), S("InnoDB"),
                          Datum::Int(10), S("Compact"), Datum::Int(0), Datum::Int(0),
                          Datum::Int(0), Datum::Int(0), Datum::Int(0), Datum::Int(0),
                          Datum::Int(base + 1), Datum(), Datum(), Datum(), S("utf8mb4_bin"),
                          Datum(), S(""), S(t.comment)});
          continue;
        }
        for (const catalog::ColumnInfo& c : t.columns) {
          const bool is_string = c.type.charset != "binary";
          std::string key = c.IsPriKey()                                  ? "PRI"
                            : c.type.HasFlag(my::kUniqueKeyFlag)          ? "UNI"
                            : c.type.HasFlag(my::kMultipleKeyFlag)        ? "MUL"
                                                                          : "";
          rows.push_back({S("def"), S(d.name.O), S(t.name.O), S(c.name.O),
                          Datum::Int(c.offset + 1), DefaultValue(c),
                          S(c.IsNotNull() ? "NO" : "YES"), S(DataType(c)),
                          is_string ? Datum::Int(c.type.flen) : Datum(),
                          is_string ? Datum::Int(static_cast<int64_t>(c.type.flen) * 4) : Datum(),
                          is_string ? Datum() : Datum::Int(c.type.flen), is_string ? Datum() : Datum::Int(0),
                          Datum(), is_string ? S("utf8mb4") : Datum(),
                          is_string ? S("utf8mb4_bin") : Datum(), S(ColumnTypeText(c)), S(key),
                          S(c.IsAutoIncrement() ? "auto_increment" : ""),
                          S("select,insert,update,references"), S(c.comment), S("")});
        }
      }
    }
  } else if (n == "triggers") {
    r.table = VirtualTable("TRIGGERS", {"TRIGGER_CATALOG", "TRIGGER_SCHEMA", "TRIGGER_NAME",
                                        "EVENT_MANIPULATION", "EVENT_OBJECT_CATALOG",
                                        "EVENT_OBJECT_SCHEMA", "EVENT_OBJECT_TABLE",
                                        "ACTION_STATEMENT", "ACTION_TIMING", "DEFINER"});
  } else if (n == "partitions") {
    r.table = VirtualTable("PARTITIONS", {"TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME",
                                          "PARTITION_NAME", "TABLESPACE_NAME"});
  } else if (n == "views") {
    r.table = VirtualTable("VIEWS", {"TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME",
                                     "VIEW_DEFINITION"});
  } else if (n == "routines") {
    r.table = VirtualTable("ROUTINES", {"ROUTINE_SCHEMA", "ROUTINE_NAME", "ROUTINE_TYPE"});
  } else if (n == "events") {
    r.table = VirtualTable("EVENTS", {"EVENT_SCHEMA", "EVENT_NAME"});
  } else {
    return SqlError(er::kUnknownTableIS,
                    "Unknown table '" + name + "' in information_schema");
  }
  return r;
}

}  // namespace brkv::sql
