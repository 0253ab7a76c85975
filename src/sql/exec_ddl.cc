// CREATE / DROP DATABASE and TABLE on the catalog in meta keys (table/ddl.h, MetaMutator).
#include <set>

#include "catalog/column_spec.h"
#include "catalog/row.h"
#include "sql/exec_internal.h"
#include "table/ddl.h"
#include "table/meta_mutator.h"
#include "table/txn_retry.h"

namespace brkv::sql {

namespace {

using catalog::Datum;
namespace my = catalog::mysql;

std::string Quote(const std::string& name) { return "`" + name + "`"; }

// How an AST type maps onto a kvctl column-spec type, and the MySQL type it really is.
struct TypeMapping {
  std::string spec;  // type text for ParseColumnSpec
  int tp = -1;       // patched FieldType.Tp (-1: keep what the spec gave)
  int flen = 0;      // patched Flen when tp is patched
};

SqlResult<TypeMapping> MapType(const ColumnDefAst& c) {
  const std::string& t = c.type;
  auto with_len = [&](const std::string& base) {
    return c.length >= 0 ? base + "(" + std::to_string(c.length) + ")" : base;
  };
  if (c.is_unsigned) {
    return SqlError(er::kNotSupportedYet,
                    "This version of TiDB doesn't yet support 'UNSIGNED columns' (column '" +
                        c.name + "')");
  }
  if (t == "int" || t == "integer") return TypeMapping{with_len("int")};
  if (t == "bigint") return TypeMapping{with_len("bigint")};
  if (t == "tinyint") return TypeMapping{"int", my::kTypeTiny, c.length > 0 ? c.length : 4};
  if (t == "bool" || t == "boolean") return TypeMapping{"int", my::kTypeTiny, 1};
  if (t == "smallint") return TypeMapping{"int", my::kTypeShort, c.length > 0 ? c.length : 6};
  if (t == "mediumint") return TypeMapping{"int", my::kTypeInt24, c.length > 0 ? c.length : 9};
  if (t == "double" || t == "real") return TypeMapping{"double"};
  if (t == "float") return TypeMapping{"double", my::kTypeFloat, 12};
  if (t == "char") return TypeMapping{with_len("char")};
  if (t == "varchar") {
    if (c.length < 0) return SqlError(er::kParse, "VARCHAR column '" + c.name + "' needs a length");
    return TypeMapping{with_len("varchar")};
  }
  if (t == "text") return TypeMapping{"text"};
  if (t == "blob") return TypeMapping{"blob"};
  if (t == "tinytext") return TypeMapping{"text", my::kTypeTinyBlob, 255};
  if (t == "mediumtext") return TypeMapping{"text", my::kTypeMediumBlob, 16777215};
  if (t == "longtext") return TypeMapping{"text", my::kTypeLongBlob, -1};
  if (t == "tinyblob") return TypeMapping{"blob", my::kTypeTinyBlob, 255};
  if (t == "mediumblob") return TypeMapping{"blob", my::kTypeMediumBlob, 16777215};
  if (t == "longblob") return TypeMapping{"blob", my::kTypeLongBlob, -1};
  return SqlError(er::kNotSupportedYet,
                  "This version of TiDB doesn't yet support 'column type " + t + "' (column '" +
                      c.name + "')");
}

// Builds the TableInfo of a CREATE TABLE; `alloc` hands out the table id.
SqlResult<catalog::TableInfo> BuildTableInfo(const CreateTableStmt& s,
                                             const catalog::IdAllocator& alloc) {
  if (s.columns.empty()) {
    return SqlError(1113, "42000", "A table must have at least 1 column");
  }
  std::string spec;
  std::vector<TypeMapping> types;
  for (const ColumnDefAst& c : s.columns) {
    if (c.name.find('`') != std::string::npos) {
      return SqlError(1166, "42000", "Incorrect column name '" + c.name + "'");
    }
    SQL_ASSIGN_OR_RETURN(TypeMapping m, MapType(c));
    if (!spec.empty()) spec += ", ";
    spec += Quote(c.name) + " " + m.spec;
    if (c.not_null) spec += " NOT NULL";
    if (c.auto_increment) spec += " AUTO_INCREMENT";
    if (c.primary) spec += " PRIMARY KEY";
    if (c.unique) spec += " UNIQUE";
    types.push_back(std::move(m));
  }
  for (const IndexDefAst& idx : s.indexes) {
    spec += ", ";
    if (idx.primary) {
      spec += "PRIMARY KEY";
    } else {
      spec += idx.unique ? "UNIQUE INDEX" : "INDEX";
      if (!idx.name.empty()) spec += " " + Quote(idx.name);
    }
    spec += " (";
    for (size_t i = 0; i < idx.columns.size(); ++i) {
      if (i) spec += ", ";
      spec += Quote(idx.columns[i].first);
      if (idx.columns[i].second >= 0) spec += "(" + std::to_string(idx.columns[i].second) + ")";
    }
    spec += ")";
  }
  Result<catalog::TableInfo> parsed = catalog::ParseColumnSpec(s.table.name, spec, alloc);
  if (!parsed.ok()) {
    if (parsed.status().code() == Status::Code::kInvalidArgument) {
      return SqlError(er::kUnknown, "Invalid table definition: " + parsed.status().message());
    }
    return FromStatus(parsed.status());
  }
  catalog::TableInfo info = std::move(parsed).value();
  for (size_t i = 0; i < s.columns.size(); ++i) {
    const ColumnDefAst& c = s.columns[i];
    catalog::ColumnInfo& col = info.columns[i];
    if (types[i].tp >= 0) {
      col.type.tp = static_cast<uint8_t>(types[i].tp);
      col.type.flen = types[i].flen;
    }
    col.comment = c.comment;
    if (c.has_default) {
      if (c.default_value.is_null()) {
        if (col.IsNotNull()) {
          return SqlError(1067, "42000", "Invalid default value for '" + c.name + "'");
        }
      } else {
        if (col.IsAutoIncrement()) {
          return SqlError(1067, "42000", "Invalid default value for '" + c.name + "'");
        }
        Result<Datum> d = catalog::CastColumnValue(col, c.default_value);
        if (!d.ok()) return SqlError(1067, "42000", "Invalid default value for '" + c.name + "'");
        std::string text = catalog::FormatColumnValue(*d).value_or("");
        col.origin_default = text;
        col.default_value = text;
        col.type.flag &= ~my::kNoDefaultValueFlag;
      }
    }
  }
  info.comment = s.comment;
  Status supported = catalog::CheckTableSupported(info);
  if (!supported.ok()) return FromStatus(supported);
  return info;
}

}  // namespace

SqlResult<ExecResult> StatementRunner::CreateDatabase(const CreateDatabaseStmt& s) {
  Status valid = table::ValidateName("database", s.name);
  if (!valid.ok()) return SqlError(1102, "42000", "Incorrect database name '" + s.name + "'");
  Result<catalog::DBInfo> r = table::CreateDatabase(cluster_, s.name, s.if_not_exists);
  if (!r.ok()) {
    if (r.status().code() == Status::Code::kAlreadyExists) {
      return SqlError(er::kDbCreateExists,
                      "Can't create database '" + s.name + "'; database exists");
    }
    return FromStatus(r.status());
  }
  ExecResult res;
  res.affected_rows = 1;
  return res;
}

SqlResult<ExecResult> StatementRunner::DropDatabase(const DropDatabaseStmt& s) {
  Result<std::vector<table::DroppedTable>> r = table::DropDatabase(cluster_, s.name);
  if (!r.ok()) {
    if (r.status().IsNotFound()) {
      if (s.if_exists) return ExecResult{};
      return SqlError(er::kDbDropExists,
                      "Can't drop database '" + s.name + "'; database doesn't exist");
    }
    return FromStatus(r.status());
  }
  ExecResult res;
  res.affected_rows = r->size();
  if (LowerCase(session_->current_db()) == LowerCase(s.name)) {
    session_->set_current_db("");
    res.db_dropped = true;
  }
  return res;
}

SqlResult<ExecResult> StatementRunner::CreateTable(const CreateTableStmt& s) {
  Status valid = table::ValidateName("table", s.table.name);
  if (!valid.ok()) return SqlError(1103, "42000", "Incorrect table name '" + s.table.name + "'");
  const std::string db_name = s.table.db.empty() ? session_->current_db() : s.table.db;
  SQL_ASSIGN_OR_RETURN(catalog::DBInfo db, ResolveDatabase(db_name));
  // Check the definition before any write.
  SQL_ASSIGN_OR_RETURN(catalog::TableInfo probe,
                       BuildTableInfo(s, [] { return Result<int64_t>(1); }));
  (void)probe;
  bool existed = false;
  auto body = [&](client::Txn* txn) -> Status {
    existed = false;
    table::MetaMutator m(txn);
    ASSIGN_OR_RETURN(std::vector<catalog::TableInfo> tables, m.reader()->ListTables(db.id));
    const std::string l = LowerCase(s.table.name);
    for (const catalog::TableInfo& t : tables) {
      if (t.name.L == l) {
        existed = true;
        return Status::OK();
      }
    }
    SqlResult<catalog::TableInfo> info = BuildTableInfo(s, [&] { return m.GenGlobalIDs(1); });
    if (!info.ok()) return Status::InvalidArgument(info.error().message());
    info->update_timestamp = txn->start_ts();
    RETURN_IF_ERROR(m.PutTable(db.id, *info));
    if (s.auto_increment > 1) {
      RETURN_IF_ERROR(m.SetAutoTableID(db.id, info->id, s.auto_increment - 1));
    }
    return m.BumpSchemaVersion().status();
  };
  Result<uint64_t> r = table::RunInTxn(cluster_, body);
  if (!r.ok()) return FromStatus(r.status());
  if (existed && !s.if_not_exists) {
    return SqlError(er::kTableExists, "Table '" + db.name.O + "." + s.table.name + "' already exists");
  }
  return ExecResult{};
}

SqlResult<ExecResult> StatementRunner::DropTable(const DropTableStmt& s) {
  // Check every name first, so an unknown table drops nothing (as MySQL does).
  std::vector<std::string> missing;
  std::vector<std::pair<std::string, std::string>> present;
  for (const TableName& tn : s.tables) {
    const std::string db_name = tn.db.empty() ? session_->current_db() : tn.db;
    SqlResult<ResolvedTable> t = ResolveTable(TableName{db_name, tn.name});
    if (t.ok()) {
      SQL_RETURN_IF_ERROR(RequireBaseTable(*t));
      present.emplace_back(t->db.name.O, t->table.name.O);
    } else if (t.error().code() == er::kNoSuchTable || t.error().code() == er::kBadDb) {
      missing.push_back((db_name.empty() ? std::string("") : db_name + ".") + tn.name);
    } else {
      return t.error();
    }
  }
  if (!missing.empty() && !s.if_exists) {
    std::string names;
    for (const std::string& m : missing) names += (names.empty() ? "" : ",") + m;
    return SqlError(er::kBadTable, "Unknown table '" + names + "'");
  }
  for (const auto& [db, name] : present) {
    Result<table::DroppedTable> r = table::DropTable(cluster_, db, name);
    if (!r.ok() && !r.status().IsNotFound()) return FromStatus(r.status());
  }
  return ExecResult{};
}

}  // namespace brkv::sql
