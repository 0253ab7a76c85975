// Internal to the executor: StatementRunner runs one statement for one session; its methods
// are spread over exec_*.cc by statement family. Not part of the library's interface.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/datum.h"
#include "catalog/schema.h"
#include "client/cluster.h"
#include "sql/ast.h"
#include "sql/error.h"
#include "sql/eval.h"
#include "sql/executor.h"
#include "sql/session.h"
#include "table/kv_reader.h"

namespace brkv::sql {

struct ResolvedTable {
  catalog::DBInfo db;
  catalog::TableInfo table;
  // Set for INFORMATION_SCHEMA tables: their rows, built from the catalog.
  std::shared_ptr<std::vector<std::vector<catalog::Datum>>> virtual_rows;
};

// A row read from a table: its handle and one datum per column.
struct TableRow {
  int64_t handle = 0;
  std::vector<catalog::Datum> values;
};

// Reads through a transaction (its writes, then its snapshot) a page at a time, so scans of
// big ranges stay bounded in memory.
class PagedTxnReader final : public table::KvReader {
 public:
  explicit PagedTxnReader(client::Txn* txn) : txn_(txn) {}
  Result<std::string> Get(std::string_view key) override { return txn_->Get(key); }
  Result<std::map<std::string, std::string>> BatchGet(
      const std::vector<std::string>& keys) override {
    return txn_->BatchGet(keys);
  }
  Status ScanEach(std::string_view start, std::string_view end,
                  const std::function<bool(const client::KvPair&)>& fn) override;

 private:
  client::Txn* txn_;
};

class StatementRunner {
 public:
  StatementRunner(client::Cluster* cluster, Session* session,
                  std::span<const catalog::Datum> params, SchemaCache* cache = nullptr)
      : cluster_(cluster), session_(session), params_(params), cache_(cache) {}

  SqlResult<ExecResult> Run(Statement* stmt);

  // exec_select.cc
  SqlResult<ExecResult> Select(SelectStmt* s);
  SqlResult<std::vector<ColumnDef>> DescribeSelect(SelectStmt* s);
  // exec_dml.cc
  SqlResult<ExecResult> Insert(InsertStmt* s);
  SqlResult<ExecResult> Update(UpdateStmt* s);
  SqlResult<ExecResult> Delete(DeleteStmt* s);
  // exec_ddl.cc
  SqlResult<ExecResult> CreateDatabase(const CreateDatabaseStmt& s);
  SqlResult<ExecResult> DropDatabase(const DropDatabaseStmt& s);
  SqlResult<ExecResult> CreateTable(const CreateTableStmt& s);
  SqlResult<ExecResult> DropTable(const DropTableStmt& s);
  // exec_admin.cc
  SqlResult<ExecResult> Admin(AdminStmt* s);
  SqlResult<ExecResult> CreateIndex(const CreateIndexStmt& s);
  SqlResult<ExecResult> Truncate(const TruncateStmt& s);
  // exec_show.cc
  SqlResult<ExecResult> Show(ShowStmt* s);

  // Shared helpers.
  // The reader of this statement: the session's / statement's transaction, or a snapshot at
  // a fresh timestamp taken on first use.
  SqlResult<table::KvReader*> reader();
  SqlResult<catalog::DBInfo> ResolveDatabase(const std::string& name);
  SqlResult<ResolvedTable> ResolveTable(const TableName& name);
  // exec_infoschema.cc: an INFORMATION_SCHEMA table; 1109 for unknown ones.
  SqlResult<ResolvedTable> InfoSchemaTable(const std::string& name);
  EvalEnv Env(std::span<const catalog::Datum> row = {},
              std::span<const catalog::Datum> aggs = {}) const;
  // Binds the column references in `e` to positions in the table's columns. 1054 naming
  // `clause` for an unknown column.
  SqlError BindColumns(Expr* e, const catalog::TableInfo& table, const std::string& alias,
                       const char* clause) const;
  // The rows of `table` that `where` (bound, may be null) selects, in handle order, using a
  // point get, a batch point get or a handle range when the predicate allows. Stops after
  // `limit` matches (0 = all).
  SqlError FindRows(const ResolvedTable& t, const Expr* where, size_t limit,
                    const std::function<SqlError(TableRow&&)>& fn);
  // A commit/rollback of the session's explicit transaction.
  SqlError CommitSessionTxn();

  // The server's BACKUP/RESTORE jobs, for SHOW BACKUPS | RESTORES (null: none).
  void set_brie(BrieQueue* brie) { brie_ = brie; }

  client::Cluster* cluster() { return cluster_; }
  Session* session() { return session_; }
  // Where the statement's writes go (set by Run for DML).
  client::Txn* write_txn() { return write_txn_; }

 private:
  SqlResult<ExecResult> RunDml(Statement* stmt);
  SqlResult<ExecResult> RunTxn(const TxnStmt& s);
  SqlResult<ExecResult> RunSet(SetStmt* s);
  SqlResult<ExecResult> RunSavepoint(const SavepointStmt& s);
  SqlError BeginIfNeeded();
  // The schema version as this statement's reader sees it.
  SqlResult<int64_t> SchemaVersion();

  client::Cluster* cluster_;
  Session* session_;
  std::span<const catalog::Datum> params_;
  SchemaCache* cache_;
  BrieQueue* brie_ = nullptr;
  std::optional<int64_t> schema_version_;  // read once per reader
  std::unique_ptr<table::KvReader> reader_;
  client::Txn* read_txn_ = nullptr;
  client::Txn* write_txn_ = nullptr;
};

// 1227 unless the session may run BACKUP (backup) / RESTORE statements and list them: root.
SqlError RequireBriePrivilege(const Session& session, bool backup);

// 1044 for INFORMATION_SCHEMA tables, which cannot be written.
SqlError RequireBaseTable(const ResolvedTable& t);

// Merges the mutations of a statement buffer into a transaction: all or nothing.
SqlError MergeStatement(client::Txn* dst, const client::Txn& src);

// Default value of a column for an INSERT that does not give one: its DEFAULT, else NULL.
// 1364 for a NOT NULL column without a default (auto-increment columns excepted).
SqlResult<catalog::Datum> ColumnDefault(const catalog::ColumnInfo& col);

std::string LowerCase(std::string s);

}  // namespace brkv::sql
