// Executor: runs parsed statements for a session against the cluster.
//
// Transactions: a statement outside BEGIN…COMMIT is its own optimistic transaction (reads use
// a snapshot at a fresh timestamp; writes commit at the end of the statement and the
// statement is re-run, up to a few times, when the commit loses a write conflict). Inside an
// explicit transaction, reads see the transaction's own writes, and each statement's writes are
// first collected in a statement buffer that joins the transaction only when the statement
// succeeds, so a failed statement leaves the transaction as it was (statement rollback).
// DDL commits an open transaction first and runs in its own catalog transactions
// (table/ddl.h), as MySQL's implicit commit does.
// Thread-safety: an Executor is shared by all connections (it holds no per-session state);
// a Session is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "catalog/datum.h"
#include "catalog/schema.h"
#include "client/cluster.h"
#include "sql/ast.h"
#include "sql/error.h"
#include "sql/protocol.h"
#include "sql/schema_cache.h"
#include "sql/session.h"

namespace brkv::sql {

class BrieQueue;

struct ExecResult {
  bool has_result_set = false;
  std::vector<ColumnDef> columns;
  std::vector<std::vector<catalog::Datum>> rows;
  uint64_t affected_rows = 0;
  uint64_t last_insert_id = 0;
  std::string info;
  bool db_dropped = false;
};

class Executor {
 public:
  // Ends connection `id` (query_only: only its running statement). False if there is no
  // such connection.
  using Killer = std::function<bool(uint32_t id, bool query_only)>;

  // REQUIRES: cluster (and brie, if given) outlive the executor. Without `brie`, BACKUP,
  // RESTORE and SHOW BACKUPS|RESTORES are refused with 1235.
  explicit Executor(client::Cluster* cluster, Killer killer = nullptr, BrieQueue* brie = nullptr)
      : cluster_(cluster), killer_(std::move(killer)), brie_(brie) {}

  // Runs one statement. `params` are the values of its ? markers (prepared statements).
  SqlResult<ExecResult> Execute(ParsedStatement* stmt, Session* session,
                                std::span<const catalog::Datum> params = {});

  // The columns a statement will return, without running it (COM_STMT_PREPARE): the select
  // list with `*` expanded; empty for statements without a result set. 1146/1054 as Execute.
  SqlResult<std::vector<ColumnDef>> Describe(ParsedStatement* stmt, Session* session);

  // Column definitions of a table (COM_FIELD_LIST).
  SqlResult<std::vector<ColumnDef>> FieldList(Session* session, const std::string& table);
  // Switches the current database (COM_INIT_DB, USE). 1049 if it does not exist.
  SqlError UseDatabase(Session* session, const std::string& db);
  // Ends the session: an open transaction is rolled back.
  void CloseSession(Session* session);

 private:
  friend class StatementRunner;
  // BACKUP / RESTORE: privilege and catalog checks, then the queue.
  SqlResult<ExecResult> RunBrie(const BrieStmt& s, Session* session);

  client::Cluster* cluster_;
  Killer killer_;
  BrieQueue* brie_;
  SchemaCache schema_cache_;
};

// The MySQL column type text of a column ("int(11)", "varchar(120)", "text", …).
std::string ColumnTypeText(const catalog::ColumnInfo& col);
// The result-set column definition of a table column.
ColumnDef ColumnDefFor(const std::string& db, const std::string& table,
                       const catalog::ColumnInfo& col, const std::string& alias);
// SHOW CREATE TABLE text for a table.
std::string ShowCreateTableText(const catalog::TableInfo& table, int64_t auto_increment_base);

}  // namespace brkv::sql
