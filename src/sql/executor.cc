#include "sql/executor.h"

#include <cctype>

#include "catalog/row.h"
#include "catalog/tablecodec.h"
#include "sql/brie.h"
#include "sql/exec_internal.h"
#include "table/meta_reader.h"
#include "table/txn_retry.h"

namespace brkv::sql {

using catalog::Datum;

std::string LowerCase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status PagedTxnReader::ScanEach(std::string_view start, std::string_view end,
                                const std::function<bool(const client::KvPair&)>& fn) {
  constexpr size_t kPage = 512;
  std::string from(start);
  while (true) {
    ASSIGN_OR_RETURN(std::vector<client::KvPair> page, txn_->Scan(from, end, kPage));
    for (const client::KvPair& kv : page) {
      if (!fn(kv)) return Status::OK();
    }
    if (page.size() < kPage) return Status::OK();
    from = page.back().key;
    from.push_back('\0');
  }
}

SqlError MergeStatement(client::Txn* dst, const client::Txn& src) {
  using Op = client::Mutation::Op;
  for (const auto& [key, m] : src.mutations()) {
    if (m.op != Op::kInsert) continue;
    auto it = dst->mutations().find(key);
    if (it != dst->mutations().end() && it->second.op != Op::kDelete) {
      return SqlError(er::kDupEntry, "Duplicate entry for key written earlier in this transaction");
    }
  }
  for (const auto& [key, m] : src.mutations()) {
    Status s;
    switch (m.op) {
      case Op::kPut: s = dst->Set(key, m.value); break;
      case Op::kDelete: s = dst->Delete(key); break;
      case Op::kInsert: s = dst->Insert(key, m.value); break;
    }
    SQL_RETURN_IF_STATUS(s);
  }
  return SqlError::OK();
}

SqlResult<table::KvReader*> StatementRunner::reader() {
  if (!reader_) {
    client::Txn* txn = read_txn_ ? read_txn_ : session_->txn();
    if (txn) {
      reader_ = std::make_unique<PagedTxnReader>(txn);
    } else {
      SQL_ASSIGN_OR_RETURN_STATUS(uint64_t ts, cluster_->GetTS());
      reader_ = std::make_unique<table::SnapshotReader>(cluster_->GetSnapshot(ts));
    }
  }
  return reader_.get();
}

SqlResult<catalog::DBInfo> StatementRunner::ResolveDatabase(const std::string& name) {
  if (name.empty()) return SqlError(er::kNoDb, "No database selected");
  if (LowerCase(name) == "information_schema") {
    return catalog::MakeDBInfo(0, "information_schema");
  }
  SQL_ASSIGN_OR_RETURN(table::KvReader * kv, reader());
  SQL_ASSIGN_OR_RETURN(int64_t version, SchemaVersion());
  if (cache_) {
    std::optional<catalog::DBInfo> hit = cache_->FindDatabase(version, LowerCase(name));
    if (hit) return std::move(*hit);
  }
  table::MetaReader meta(kv);
  Result<catalog::DBInfo> db = meta.FindDatabase(name);
  if (!db.ok()) {
    if (db.status().IsNotFound()) return SqlError(er::kBadDb, "Unknown database '" + name + "'");
    return FromStatus(db.status());
  }
  if (cache_) cache_->PutDatabase(version, *db);
  return std::move(db).value();
}

SqlResult<int64_t> StatementRunner::SchemaVersion() {
  if (!schema_version_) {
    SQL_ASSIGN_OR_RETURN(table::KvReader * kv, reader());
    table::MetaReader meta(kv);
    SQL_ASSIGN_OR_RETURN_STATUS(int64_t v, meta.SchemaVersion());
    schema_version_ = v;
  }
  return *schema_version_;
}

SqlResult<ResolvedTable> StatementRunner::ResolveTable(const TableName& name) {
  const std::string db_name = name.db.empty() ? session_->current_db() : name.db;
  if (LowerCase(db_name) == "information_schema") return InfoSchemaTable(name.name);
  SQL_ASSIGN_OR_RETURN(catalog::DBInfo db, ResolveDatabase(db_name));
  SQL_ASSIGN_OR_RETURN(table::KvReader * kv, reader());
  SQL_ASSIGN_OR_RETURN(int64_t version, SchemaVersion());
  if (cache_) {
    std::optional<catalog::TableInfo> hit = cache_->FindTable(version, db.id, LowerCase(name.name));
    if (hit) return ResolvedTable{std::move(db), std::move(*hit), nullptr};
  }
  table::MetaReader meta(kv);
  Result<catalog::TableInfo> t = meta.FindTable(db, name.name);
  if (!t.ok()) {
    if (t.status().IsNotFound()) {
      return SqlError(er::kNoSuchTable,
                      "Table '" + db.name.O + "." + name.name + "' doesn't exist");
    }
    return FromStatus(t.status());
  }
  if (cache_) cache_->PutTable(version, db.id, *t);
  return ResolvedTable{std::move(db), std::move(t).value(), nullptr};
}

EvalEnv StatementRunner::Env(std::span<const Datum> row, std::span<const Datum> aggs) const {
  EvalEnv env;
  env.session = session_;
  env.params = params_;
  env.row = row;
  env.aggs = aggs;
  return env;
}

SqlError StatementRunner::BindColumns(Expr* e, const catalog::TableInfo& table,
                                      const std::string& alias, const char* clause) const {
  if (e == nullptr) return SqlError::OK();
  if (e->kind == Expr::Kind::kColumn) {
    if (!e->qualifier.empty() && LowerCase(e->qualifier) != table.name.L &&
        LowerCase(e->qualifier) != LowerCase(alias)) {
      return SqlError(er::kBadField, "Unknown column '" + e->qualifier + "." + e->name +
                                         "' in '" + clause + "'");
    }
    const std::string l = LowerCase(e->name);
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].name.L == l) {
        e->column_index = static_cast<int>(i);
        return SqlError::OK();
      }
    }
    return SqlError(er::kBadField, "Unknown column '" + e->name + "' in '" + clause + "'");
  }
  for (ExprPtr& a : e->args) SQL_RETURN_IF_ERROR(BindColumns(a.get(), table, alias, clause));
  return SqlError::OK();
}

SqlResult<Datum> ColumnDefault(const catalog::ColumnInfo& col) {
  const catalog::Json& d = col.default_value.is_null() ? col.origin_default : col.default_value;
  if (!d.is_null()) {
    Datum v;
    if (d.is_string()) {
      v = Datum::Bytes(d.get<std::string>());
    } else if (d.is_number_integer()) {
      v = Datum::Int(d.get<int64_t>());
    } else if (d.is_number()) {
      v = Datum::Double(d.get<double>());
    }
    Result<Datum> cast = catalog::CastColumnValue(col, v);
    if (!cast.ok()) return SqlError(1067, "42000", "Invalid default value for '" + col.name.O + "'");
    return std::move(cast).value();
  }
  if (col.IsNotNull() && !col.IsAutoIncrement()) {
    return SqlError(1364, "HY000", "Field '" + col.name.O + "' doesn't have a default value");
  }
  return Datum::Null();
}

SqlError StatementRunner::CommitSessionTxn() {
  std::unique_ptr<client::Txn> txn = session_->take_txn();
  if (!txn) return SqlError::OK();
  Result<uint64_t> r = txn->Commit();
  if (!r.ok()) return FromCommitStatus(r.status());
  return SqlError::OK();
}

SqlError StatementRunner::BeginIfNeeded() {
  if (session_->in_txn()) return SqlError::OK();
  SQL_ASSIGN_OR_RETURN_STATUS(std::unique_ptr<client::Txn> txn, cluster_->Begin());
  session_->set_txn(std::move(txn));
  return SqlError::OK();
}

SqlResult<ExecResult> StatementRunner::RunTxn(const TxnStmt& s) {
  switch (s.op) {
    case TxnStmt::Op::kBegin:
      SQL_RETURN_IF_ERROR(CommitSessionTxn());  // BEGIN commits an open transaction
      SQL_RETURN_IF_ERROR(BeginIfNeeded());
      break;
    case TxnStmt::Op::kCommit: SQL_RETURN_IF_ERROR(CommitSessionTxn()); break;
    case TxnStmt::Op::kRollback: {
      std::unique_ptr<client::Txn> txn = session_->take_txn();
      if (txn) txn->Rollback();
      break;
    }
  }
  return ExecResult{};
}

SqlError RequireBaseTable(const ResolvedTable& t) {
  if (!t.virtual_rows) return SqlError::OK();
  return SqlError(1044, "42000", "Access denied for user to database 'information_schema'");
}

// Savepoints are supported while the transaction has no writes (what mysqldump
// --single-transaction does); undoing writes back to a savepoint is not.
SqlResult<ExecResult> StatementRunner::RunSavepoint(const SavepointStmt& s) {
  const std::string name = LowerCase(s.name);
  client::Txn* txn = session_->txn();
  const bool has_writes = txn && txn->size() > 0;
  switch (s.op) {
    case SavepointStmt::Op::kSet:
      if (!txn) return ExecResult{};  // outside a transaction: nothing to mark
      if (has_writes) {
        return SqlError(er::kNotSupportedYet,
                        "This version of TiDB doesn't yet support 'SAVEPOINT after writes'");
      }
      session_->savepoints().insert(name);
      return ExecResult{};
    case SavepointStmt::Op::kRollbackTo:
    case SavepointStmt::Op::kRelease:
      if (!session_->savepoints().count(name)) {
        return SqlError(1305, "42000", "SAVEPOINT " + s.name + " does not exist");
      }
      if (s.op == SavepointStmt::Op::kRelease) {
        session_->savepoints().erase(name);
      } else if (has_writes) {
        return SqlError(er::kNotSupportedYet,
                        "This version of TiDB doesn't yet support 'ROLLBACK TO SAVEPOINT over "
                        "writes'");
      }
      return ExecResult{};
  }
  return ExecResult{};
}

SqlResult<ExecResult> StatementRunner::RunSet(SetStmt* s) {
  for (SetStmt::Assign& a : s->assigns) {
    Datum v;
    if (a.value) {
      SQL_ASSIGN_OR_RETURN(v, Eval(*a.value, Env()));
    } else {
      v = Datum::Bytes("DEFAULT");
    }
    if (a.scope == SetStmt::Assign::Scope::kUser) {
      session_->SetUserVar(a.name, std::move(v));
      continue;
    }
    const bool was_autocommit = session_->autocommit();
    if (!a.value) {
      SystemVariables defaults;
      std::optional<Datum> d = defaults.Get(a.name);
      v = d ? *d : Datum::Bytes("");
    }
    SQL_RETURN_IF_ERROR(
        session_->SetSysVar(a.name, a.scope == SetStmt::Assign::Scope::kGlobal, std::move(v)));
    // SET autocommit=1 commits an open transaction.
    if (!was_autocommit && session_->autocommit()) SQL_RETURN_IF_ERROR(CommitSessionTxn());
  }
  return ExecResult{};
}

SqlResult<ExecResult> StatementRunner::RunDml(Statement* stmt) {
  auto dispatch = [&]() -> SqlResult<ExecResult> {
    if (auto* s = std::get_if<InsertStmt>(stmt)) return Insert(s);
    if (auto* s = std::get_if<UpdateStmt>(stmt)) return Update(s);
    return Delete(&std::get<DeleteStmt>(*stmt));
  };
  if (session_->in_txn() || !session_->autocommit()) {
    SQL_RETURN_IF_ERROR(BeginIfNeeded());
    client::Txn* txn = session_->txn();
    client::Txn scratch(cluster_, txn->start_ts());
    read_txn_ = txn;
    write_txn_ = &scratch;
    reader_.reset();
    schema_version_.reset();
    SQL_ASSIGN_OR_RETURN(ExecResult r, dispatch());
    SQL_RETURN_IF_ERROR(MergeStatement(txn, scratch));
    return r;
  }
  // Autocommit: the statement is a transaction; a lost write conflict re-runs it.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    SQL_ASSIGN_OR_RETURN_STATUS(std::unique_ptr<client::Txn> txn, cluster_->Begin());
    read_txn_ = txn.get();
    write_txn_ = txn.get();
    reader_.reset();
    schema_version_.reset();
    SqlResult<ExecResult> r = dispatch();
    read_txn_ = write_txn_ = nullptr;
    reader_.reset();
    schema_version_.reset();
    if (!r.ok()) {
      txn->Rollback();
      return r;
    }
    Result<uint64_t> c = txn->Commit();
    if (c.ok()) return r;
    if (attempt < kAttempts && table::IsRestartable(c.status())) continue;
    return FromCommitStatus(c.status());
  }
}

SqlResult<ExecResult> StatementRunner::Run(Statement* stmt) {
  if (auto* s = std::get_if<SelectStmt>(stmt)) {
    if (!session_->autocommit() && s->from) SQL_RETURN_IF_ERROR(BeginIfNeeded());
    return Select(s);
  }
  if (std::holds_alternative<InsertStmt>(*stmt) || std::holds_alternative<UpdateStmt>(*stmt) ||
      std::holds_alternative<DeleteStmt>(*stmt)) {
    return RunDml(stmt);
  }
  if (auto* s = std::get_if<TxnStmt>(stmt)) return RunTxn(*s);
  if (auto* s = std::get_if<SetStmt>(stmt)) return RunSet(s);
  if (auto* s = std::get_if<ShowStmt>(stmt)) return Show(s);
  if (auto* s = std::get_if<UseStmt>(stmt)) {
    SQL_ASSIGN_OR_RETURN(catalog::DBInfo db, ResolveDatabase(s->db));
    session_->set_current_db(db.name.O);
    return ExecResult{};
  }
  if (auto* s = std::get_if<AdminStmt>(stmt)) return Admin(s);
  if (auto* s = std::get_if<SavepointStmt>(stmt)) return RunSavepoint(*s);
  if (std::holds_alternative<NoopStmt>(*stmt)) return ExecResult{};
  if (auto* s = std::get_if<UnsupportedStmt>(stmt)) {
    if (s->what == "FLUSH TABLES WITH READ LOCK") {
      return SqlError(er::kUnknown, "FLUSH TABLES WITH READ LOCK is not supported.  Please use @@tidb_snapshot");
    }
    return SqlError(er::kNotSupportedYet,
                    "This version of TiDB doesn't yet support '" + s->what + "'");
  }
  // DDL: implicit commit first.
  SQL_RETURN_IF_ERROR(CommitSessionTxn());
  if (auto* s = std::get_if<CreateDatabaseStmt>(stmt)) return CreateDatabase(*s);
  if (auto* s = std::get_if<DropDatabaseStmt>(stmt)) return DropDatabase(*s);
  if (auto* s = std::get_if<CreateTableStmt>(stmt)) return CreateTable(*s);
  if (auto* s = std::get_if<DropTableStmt>(stmt)) return DropTable(*s);
  if (auto* s = std::get_if<CreateIndexStmt>(stmt)) return CreateIndex(*s);
  if (auto* s = std::get_if<TruncateStmt>(stmt)) return Truncate(*s);
  return SqlError(er::kUnknown, "statement not handled");
}

SqlResult<ExecResult> Executor::Execute(ParsedStatement* stmt, Session* session,
                                        std::span<const Datum> params) {
  if (auto* k = std::get_if<KillStmt>(&stmt->stmt)) {
    if (k->connection_id <= 0 || k->connection_id > UINT32_MAX || !killer_ ||
        !killer_(static_cast<uint32_t>(k->connection_id), k->query_only)) {
      return SqlError(1094, "HY000", "Unknown thread id: " + std::to_string(k->connection_id));
    }
    return ExecResult{};
  }
  if (auto* b = std::get_if<BrieStmt>(&stmt->stmt)) return RunBrie(*b, session);
  StatementRunner runner(cluster_, session, params, &schema_cache_);
  runner.set_brie(brie_);
  return runner.Run(&stmt->stmt);
}

SqlError RequireBriePrivilege(const Session& session, bool backup) {
  // Users have no privileges yet: root alone may run BRIE statements (TiDB: SUPER or
  // BACKUP_ADMIN / RESTORE_ADMIN).
  if (session.user() == "root") return SqlError::OK();
  return SqlError(er::kSpecificAccessDenied,
                  std::string("Access denied; you need (at least one of) the SUPER or ") +
                      (backup ? "BACKUP_ADMIN" : "RESTORE_ADMIN") +
                      " privilege(s) for this operation");
}

SqlResult<ExecResult> Executor::RunBrie(const BrieStmt& s, Session* session) {
  const bool backup = s.kind == BrieStmt::Kind::kBackup;
  if (!brie_) {
    return SqlError(er::kNotSupportedYet, std::string("This version of TiDB doesn't yet support '") +
                                              (backup ? "BACKUP" : "RESTORE") + "'");
  }
  SQL_RETURN_IF_ERROR(RequireBriePrivilege(*session, backup));
  // A backup of the present names what exists now: an unknown database or table is the usual
  // 1049 / 1146, before the job is queued. (A SNAPSHOT in the past is checked by the runner
  // against the catalog at that ts.)
  if (backup && !s.snapshot && !s.snapshot_ago_us) {
    StatementRunner runner(cluster_, session, {}, &schema_cache_);
    for (const std::string& db : s.databases) {
      SQL_ASSIGN_OR_RETURN(catalog::DBInfo unused, runner.ResolveDatabase(db));
      (void)unused;
    }
    for (const TableName& t : s.table_names) {
      if (t.db.empty() && session->current_db().empty()) break;  // 1046 from the queue
      SQL_ASSIGN_OR_RETURN(ResolvedTable unused, runner.ResolveTable(t));
      if (unused.virtual_rows) {
        return SqlError(er::kBackupFailed, "Backup failed: information_schema tables are not "
                                           "backed up");
      }
    }
  }
  return brie_->Run(s, session);
}

SqlResult<std::vector<ColumnDef>> Executor::Describe(ParsedStatement* stmt, Session* session) {
  auto* s = std::get_if<SelectStmt>(&stmt->stmt);
  if (!s) return std::vector<ColumnDef>{};
  StatementRunner runner(cluster_, session, {}, &schema_cache_);
  return runner.DescribeSelect(s);
}

SqlError Executor::UseDatabase(Session* session, const std::string& db) {
  StatementRunner runner(cluster_, session, {}, &schema_cache_);
  SQL_ASSIGN_OR_RETURN(catalog::DBInfo info, runner.ResolveDatabase(db));
  session->set_current_db(info.name.O);
  return SqlError::OK();
}

SqlResult<std::vector<ColumnDef>> Executor::FieldList(Session* session, const std::string& table) {
  StatementRunner runner(cluster_, session, {}, &schema_cache_);
  SQL_ASSIGN_OR_RETURN(ResolvedTable t, runner.ResolveTable(TableName{"", table}));
  std::vector<ColumnDef> defs;
  for (const catalog::ColumnInfo& c : t.table.columns) {
    defs.push_back(ColumnDefFor(t.db.name.O, t.table.name.O, c, c.name.O));
  }
  return defs;
}

void Executor::CloseSession(Session* session) {
  std::unique_ptr<client::Txn> txn = session->take_txn();
  if (txn) txn->Rollback();
}

}  // namespace brkv::sql
