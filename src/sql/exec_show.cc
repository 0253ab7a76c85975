// SHOW statements, and the column-definition / SHOW CREATE TABLE text of catalog columns.
#include "catalog/row.h"
#include "sql/brie.h"
#include "sql/exec_internal.h"
#include "table/auto_id.h"
#include "table/meta_reader.h"

namespace brkv::sql {

namespace {

using catalog::Datum;
namespace my = catalog::mysql;

ColumnDef TextColumn(const std::string& name, uint32_t length = 256) {
  ColumnDef c;
  c.name = c.org_name = name;
  c.length = length;
  return c;
}

ColumnDef IntColumn(const std::string& name) {
  ColumnDef c;
  c.name = c.org_name = name;
  c.type = 8;
  c.charset = kCollationBinary;
  c.length = 21;
  c.flags = 128;
  return c;
}

Datum Text(const std::string& s) { return Datum::Bytes(s); }

bool Matches(const std::optional<std::string>& like, const std::string& value) {
  return !like || LikeMatch(value, *like, /*fold_case=*/true);
}

std::string QuoteIdent(const std::string& s) {
  std::string out = "`";
  for (char c : s) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  return out + "`";
}

std::string QuoteString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

std::string DefaultText(const catalog::ColumnInfo& c) {
  const catalog::Json& d = c.default_value.is_null() ? c.origin_default : c.default_value;
  if (d.is_null()) return "";
  if (d.is_string()) return d.get<std::string>();
  return d.dump();
}

bool HasDefault(const catalog::ColumnInfo& c) {
  return !c.default_value.is_null() || !c.origin_default.is_null();
}

bool IsStringType(uint8_t tp) {
  return tp == my::kTypeVarchar || tp == my::kTypeString || tp == my::kTypeVarString ||
         tp == my::kTypeBlob || tp == my::kTypeTinyBlob || tp == my::kTypeMediumBlob ||
         tp == my::kTypeLongBlob;
}

}  // namespace

std::string ColumnTypeText(const catalog::ColumnInfo& col) {
  const catalog::FieldType& t = col.type;
  const bool binary = t.charset == "binary";
  auto n = [&](int def) { return "(" + std::to_string(t.flen > 0 ? t.flen : def) + ")"; };
  std::string s;
  switch (t.tp) {
    case my::kTypeTiny: s = "tinyint" + n(4); break;
    case my::kTypeShort: s = "smallint" + n(6); break;
    case my::kTypeInt24: s = "mediumint" + n(9); break;
    case my::kTypeLong: s = "int" + n(11); break;
    case my::kTypeLonglong: s = "bigint" + n(20); break;
    case my::kTypeFloat: s = "float"; break;
    case my::kTypeDouble: s = "double"; break;
    case my::kTypeVarchar:
    case my::kTypeVarString: s = (binary ? "varbinary" : "varchar") + n(1); break;
    case my::kTypeString: s = (binary ? "binary" : "char") + n(1); break;
    case my::kTypeTinyBlob: s = binary ? "tinyblob" : "tinytext"; break;
    case my::kTypeBlob: s = binary ? "blob" : "text"; break;
    case my::kTypeMediumBlob: s = binary ? "mediumblob" : "mediumtext"; break;
    case my::kTypeLongBlob: s = binary ? "longblob" : "longtext"; break;
    default: s = "unknown(" + std::to_string(t.tp) + ")"; break;
  }
  if (t.HasFlag(my::kUnsignedFlag)) s += " unsigned";
  return s;
}

ColumnDef ColumnDefFor(const std::string& db, const std::string& table,
                       const catalog::ColumnInfo& col, const std::string& alias) {
  ColumnDef c;
  c.schema = db;
  c.table = table;
  c.org_table = table;
  c.name = alias;
  c.org_name = col.name.O;
  uint8_t tp = col.type.tp;
  if (tp == my::kTypeVarchar) tp = my::kTypeVarString;
  if (tp == my::kTypeTinyBlob || tp == my::kTypeMediumBlob || tp == my::kTypeLongBlob) {
    tp = my::kTypeBlob;
  }
  c.type = tp;
  c.flags = static_cast<uint16_t>(col.type.flag & 0xFFFF & ~my::kNoDefaultValueFlag);
  const bool binary = col.type.charset == "binary" || !IsStringType(col.type.tp);
  c.charset = binary ? kCollationBinary : kCollationUtf8mb4Bin;
  if (binary) c.flags |= my::kBinaryFlag;
  int flen = col.type.flen;
  switch (col.type.tp) {
    case my::kTypeTinyBlob: flen = 255; break;
    case my::kTypeBlob: flen = 65535; break;
    case my::kTypeMediumBlob: flen = 16777215; break;
    case my::kTypeLongBlob: flen = -1; break;
    case my::kTypeDouble: flen = 22; c.decimals = 31; break;
    case my::kTypeFloat: flen = 12; c.decimals = 31; break;
    default: break;
  }
  if (flen < 0) {
    c.length = 0xFFFFFFFF;
  } else {
    c.length = static_cast<uint32_t>(flen) * (binary ? 1 : 4);
  }
  return c;
}

std::string ShowCreateTableText(const catalog::TableInfo& t, int64_t auto_increment_base) {
  std::string s = "CREATE TABLE " + QuoteIdent(t.name.O) + " (\n";
  std::vector<std::string> lines;
  const catalog::ColumnInfo* pk = t.PkHandleColumn();
  for (const catalog::ColumnInfo& c : t.columns) {
    std::string l = "  " + QuoteIdent(c.name.O) + " " + ColumnTypeText(c);
    if (c.IsNotNull()) l += " NOT NULL";
    if (c.IsAutoIncrement()) l += " AUTO_INCREMENT";
    if (HasDefault(c)) {
      l += " DEFAULT " + QuoteString(DefaultText(c));
    } else if (!c.IsNotNull()) {
      l += " DEFAULT NULL";
    }
    if (!c.comment.empty()) l += " COMMENT " + QuoteString(c.comment);
    lines.push_back(l);
  }
  if (pk) lines.push_back("  PRIMARY KEY (" + QuoteIdent(pk->name.O) + ") /*T![clustered_index] CLUSTERED */");
  for (const catalog::IndexInfo& idx : t.indices) {
    std::string cols;
    for (const catalog::IndexColumn& ic : idx.columns) {
      if (!cols.empty()) cols += ",";
      cols += QuoteIdent(ic.name.O);
      if (ic.length != catalog::kUnspecifiedLength) cols += "(" + std::to_string(ic.length) + ")";
    }
    if (idx.primary) {
      lines.push_back("  PRIMARY KEY (" + cols + ") /*T![clustered_index] NONCLUSTERED */");
    } else {
      lines.push_back(std::string("  ") + (idx.unique ? "UNIQUE KEY " : "KEY ") +
                      QuoteIdent(idx.name.O) + " (" + cols + ")");
    }
  }
  for (size_t i = 0; i < lines.size(); ++i) s += lines[i] + (i + 1 < lines.size() ? ",\n" : "\n");
  s += ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  if (auto_increment_base > 0) s += " AUTO_INCREMENT=" + std::to_string(auto_increment_base + 1);
  if (!t.comment.empty()) s += " COMMENT=" + QuoteString(t.comment);
  return s;
}

SqlResult<ExecResult> StatementRunner::Show(ShowStmt* s) {
  ExecResult res;
  res.has_result_set = true;
  auto where_ok = [&](const std::vector<Datum>& row) -> SqlResult<bool> {
    if (!s->where) return true;
    // Columns of SHOW output are referenced by their names.
    Expr* w = s->where.get();
    std::function<void(Expr*)> bind = [&](Expr* e) {
      if (e->kind == Expr::Kind::kColumn) {
        for (size_t i = 0; i < res.columns.size(); ++i) {
          if (LowerCase(res.columns[i].name) == LowerCase(e->name)) e->column_index = static_cast<int>(i);
        }
      }
      for (ExprPtr& a : e->args) bind(a.get());
    };
    bind(w);
    SQL_ASSIGN_OR_RETURN(Datum v, Eval(*w, Env(row)));
    return Truth(v).value_or(false);
  };
  auto add = [&](std::vector<Datum> row, const std::string& like_value) -> SqlError {
    if (!Matches(s->like, like_value)) return SqlError::OK();
    SQL_ASSIGN_OR_RETURN(bool ok, where_ok(row));
    if (ok) res.rows.push_back(std::move(row));
    return SqlError::OK();
  };
  SQL_ASSIGN_OR_RETURN(table::KvReader * kv, reader());
  table::MetaReader meta(kv);
  switch (s->kind) {
    case ShowStmt::Kind::kDatabases: {
      res.columns = {TextColumn("Database")};
      SQL_ASSIGN_OR_RETURN_STATUS(std::vector<catalog::DBInfo> dbs, meta.ListDatabases());
      std::sort(dbs.begin(), dbs.end(), [](const auto& a, const auto& b) { return a.name.L < b.name.L; });
      for (const catalog::DBInfo& d : dbs) SQL_RETURN_IF_ERROR(add({Text(d.name.O)}, d.name.O));
      break;
    }
    case ShowStmt::Kind::kTables:
    case ShowStmt::Kind::kTableStatus: {
      SQL_ASSIGN_OR_RETURN(catalog::DBInfo db,
                           ResolveDatabase(s->db.empty() ? session_->current_db() : s->db));
      SQL_ASSIGN_OR_RETURN_STATUS(std::vector<catalog::TableInfo> tables, meta.ListTables(db.id));
      std::sort(tables.begin(), tables.end(), [](const auto& a, const auto& b) { return a.name.L < b.name.L; });
      if (s->kind == ShowStmt::Kind::kTables) {
        res.columns = {TextColumn("Tables_in_" + db.name.O)};
        if (s->full) res.columns.push_back(TextColumn("Table_type"));
        for (const catalog::TableInfo& t : tables) {
          std::vector<Datum> row = {Text(t.name.O)};
          if (s->full) row.push_back(Text("BASE TABLE"));
          SQL_RETURN_IF_ERROR(add(std::move(row), t.name.O));
        }
      } else {
        for (const char* n : {"Name", "Engine"}) res.columns.push_back(TextColumn(n));
        res.columns.push_back(IntColumn("Version"));
        res.columns.push_back(TextColumn("Row_format"));
        for (const char* n : {"Rows", "Avg_row_length", "Data_length", "Max_data_length",
                              "Index_length", "Data_free", "Auto_increment"}) {
          res.columns.push_back(IntColumn(n));
        }
        for (const char* n : {"Create_time", "Update_time", "Check_time", "Collation",
                              "Checksum", "Create_options", "Comment"}) {
          res.columns.push_back(TextColumn(n));
        }
        for (const catalog::TableInfo& t : tables) {
          SQL_ASSIGN_OR_RETURN_STATUS(int64_t base, meta.AutoTableID(db.id, t.id));
          std::vector<Datum> row = {Text(t.name.O), Text("InnoDB"), Datum::Int(10), Text("Compact"),
                                    Datum::Int(0), Datum::Int(0), Datum::Int(0), Datum::Int(0),
                                    Datum::Int(0), Datum::Int(0), Datum::Int(base + 1),
                                    Datum(), Datum(), Datum(), Text("utf8mb4_bin"), Datum(),
                                    Text(""), Text(t.comment)};
          SQL_RETURN_IF_ERROR(add(std::move(row), t.name.O));
        }
      }
      break;
    }
    case ShowStmt::Kind::kCreateTable: {
      SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(s->table));
      SQL_ASSIGN_OR_RETURN_STATUS(int64_t base, meta.AutoTableID(t.db.id, t.table.id));
      res.columns = {TextColumn("Table"), TextColumn("Create Table", 1 << 20)};
      res.rows.push_back({Text(t.table.name.O), Text(ShowCreateTableText(t.table, base))});
      break;
    }
    case ShowStmt::Kind::kCreateDatabase: {
      SQL_ASSIGN_OR_RETURN(catalog::DBInfo db, ResolveDatabase(s->db));
      res.columns = {TextColumn("Database"), TextColumn("Create Database", 1024)};
      res.rows.push_back({Text(db.name.O),
                          Text(std::string("CREATE DATABASE ") +
                               (s->if_not_exists ? "/*!32312 IF NOT EXISTS*/ " : "") +
                               QuoteIdent(db.name.O) +
                               " /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin */")});
      break;
    }
    case ShowStmt::Kind::kColumns: {
      SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(s->table));
      if (s->full) {
        for (const char* n : {"Field", "Type", "Collation", "Null", "Key", "Default", "Extra",
                              "Privileges", "Comment"}) {
          res.columns.push_back(TextColumn(n));
        }
      } else {
        for (const char* n : {"Field", "Type", "Null", "Key", "Default", "Extra"}) {
          res.columns.push_back(TextColumn(n));
        }
      }
      for (const catalog::ColumnInfo& c : t.table.columns) {
        std::string key = c.IsPriKey() ? "PRI"
                          : c.type.HasFlag(my::kUniqueKeyFlag) ? "UNI"
                          : c.type.HasFlag(my::kMultipleKeyFlag) ? "MUL" : "";
        Datum def = HasDefault(c) ? Text(DefaultText(c)) : Datum();
        std::vector<Datum> row = {Text(c.name.O), Text(ColumnTypeText(c))};
        if (s->full) {
          row.push_back(IsStringType(c.type.tp) && c.type.charset != "binary" ? Text("utf8mb4_bin")
                                                                             : Datum());
        }
        row.push_back(Text(c.IsNotNull() ? "NO" : "YES"));
        row.push_back(Text(key));
        row.push_back(def);
        row.push_back(Text(c.IsAutoIncrement() ? "auto_increment" : ""));
        if (s->full) {
          row.push_back(Text("select,insert,update,references"));
          row.push_back(Text(c.comment));
        }
        SQL_RETURN_IF_ERROR(add(std::move(row), c.name.O));
      }
      break;
    }
    case ShowStmt::Kind::kIndex: {
      SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(s->table));
      res.columns = {TextColumn("Table"), IntColumn("Non_unique"), TextColumn("Key_name"),
                     IntColumn("Seq_in_index"), TextColumn("Column_name"), TextColumn("Collation"),
                     IntColumn("Cardinality"), IntColumn("Sub_part"), TextColumn("Packed"),
                     TextColumn("Null"), TextColumn("Index_type"), TextColumn("Comment"),
                     TextColumn("Index_comment")};
      auto index_row = [&](const std::string& key_name, bool unique, int seq,
                           const catalog::ColumnInfo& c, int sub_part) {
        res.rows.push_back({Text(t.table.name.O), Datum::Int(unique ? 0 : 1), Text(key_name),
                            Datum::Int(seq), Text(c.name.O), Text("A"), Datum::Int(0),
                            sub_part >= 0 ? Datum::Int(sub_part) : Datum(), Datum(),
                            Text(c.IsNotNull() ? "" : "YES"), Text("BTREE"), Text(""), Text("")});
      };
      if (const catalog::ColumnInfo* pk = t.table.PkHandleColumn()) index_row("PRIMARY", true, 1, *pk, -1);
      for (const catalog::IndexInfo& idx : t.table.indices) {
        for (size_t i = 0; i < idx.columns.size(); ++i) {
          index_row(idx.name.O, idx.unique, static_cast<int>(i + 1),
                    t.table.columns[idx.columns[i].offset], idx.columns[i].length);
        }
      }
      break;
    }
    case ShowStmt::Kind::kVariables: {
      res.columns = {TextColumn("Variable_name"), TextColumn("Value", 1024)};
      SystemVariables defaults;
      for (const auto& [name, unused] : defaults.Snapshot()) {
        SQL_ASSIGN_OR_RETURN(Datum v, session_->GetSysVar(name, s->global ? "global" : ""));
        SQL_RETURN_IF_ERROR(add({Text(name), Text(FormatText(v).value_or(""))}, name));
      }
      break;
    }
    case ShowStmt::Kind::kWarnings:
    case ShowStmt::Kind::kErrors:
      res.columns = {TextColumn("Level"), IntColumn("Code"), TextColumn("Message")};
      break;
    case ShowStmt::Kind::kProcessList:
      res.columns = {IntColumn("Id"),   TextColumn("User"), TextColumn("Host"),
                     TextColumn("db"),  TextColumn("Command"), IntColumn("Time"),
                     TextColumn("State"), TextColumn("Info")};
      res.rows.push_back({Datum::Int(session_->connection_id()), Text(session_->user()),
                          Text("127.0.0.1"),
                          session_->current_db().empty() ? Datum() : Text(session_->current_db()),
                          Text("Query"), Datum::Int(0), Text("autocommit"),
                          Text("show processlist")});
      break;
    case ShowStmt::Kind::kEngines:
      res.columns = {TextColumn("Engine"), TextColumn("Support"), TextColumn("Comment"),
                     TextColumn("Transactions"), TextColumn("XA"), TextColumn("Savepoints")};
      res.rows.push_back({Text("InnoDB"), Text("DEFAULT"),
                          Text("Supports transactions, row-level locking, and foreign keys"),
                          Text("YES"), Text("YES"), Text("YES")});
      break;
    case ShowStmt::Kind::kCollation:
      res.columns = {TextColumn("Collation"), TextColumn("Charset"), IntColumn("Id"),
                     TextColumn("Default"), TextColumn("Compiled"), IntColumn("Sortlen")};
      SQL_RETURN_IF_ERROR(add({Text("utf8mb4_bin"), Text("utf8mb4"), Datum::Int(46), Text("Yes"),
                               Text("Yes"), Datum::Int(1)},
                              "utf8mb4_bin"));
      SQL_RETURN_IF_ERROR(add({Text("binary"), Text("binary"), Datum::Int(63), Text("Yes"),
                               Text("Yes"), Datum::Int(1)},
                              "binary"));
      break;
    case ShowStmt::Kind::kCharset:
      res.columns = {TextColumn("Charset"), TextColumn("Description"),
                     TextColumn("Default collation"), IntColumn("Maxlen")};
      SQL_RETURN_IF_ERROR(add({Text("utf8mb4"), Text("UTF-8 Unicode"), Text("utf8mb4_bin"),
                               Datum::Int(4)},
                              "utf8mb4"));
      SQL_RETURN_IF_ERROR(
          add({Text("binary"), Text("binary"), Text("binary"), Datum::Int(1)}, "binary"));
      break;
    case ShowStmt::Kind::kStatus:
      res.columns = {TextColumn("Variable_name"), TextColumn("Value")};
      break;
    case ShowStmt::Kind::kBackups:
    case ShowStmt::Kind::kRestores: {
      const bool backups = s->kind == ShowStmt::Kind::kBackups;
      SQL_RETURN_IF_ERROR(RequireBriePrivilege(*session_, backups));
      ColumnDef progress = TextColumn("Progress");
      progress.type = 5;  // DOUBLE
      progress.charset = kCollationBinary;
      progress.length = 22;
      progress.flags = 128;
      progress.decimals = 31;
      auto datetime = [](const char* name) {
        ColumnDef c = TextColumn(name);
        c.type = 12;  // DATETIME
        c.charset = kCollationBinary;
        c.length = 19;
        c.flags = 128;
        return c;
      };
      res.columns = {TextColumn("Destination", 255), TextColumn("State"), progress,
                     datetime("Queue_time"),         datetime("Execution_time"),
                     datetime("Finish_time"),        IntColumn("Connection"),
                     TextColumn("Message", 1024)};
      if (!brie_) break;
      for (const BrieJobView& j :
           brie_->List(backups ? BrieStmt::Kind::kBackup : BrieStmt::Kind::kRestore)) {
        std::vector<Datum> row = {Text(j.destination),
                                  Text(j.state),
                                  Datum::Double(j.progress),
                                  Text(FormatBrieTime(j.queue_time)),
                                  Text(FormatBrieTime(j.execution_time)),
                                  Text(FormatBrieTime(j.finish_time)),
                                  Datum::Int(j.connection_id),
                                  j.message.empty() ? Datum() : Text(j.message)};
        SQL_RETURN_IF_ERROR(add(std::move(row), j.destination));
      }
      break;
    }
  }
  return res;
}

}  // namespace brkv::sql
