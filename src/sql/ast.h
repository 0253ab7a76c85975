// The parsed form of the SQL subset the server runs (docs/sql.md): expressions and one struct
// per statement kind, combined in the Statement variant.
// Expressions are trees of Expr owned through unique_ptr; the executor binds column
// references (column_index) in place before evaluating, so a Statement is used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "catalog/datum.h"

namespace brkv::sql {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,   // literal
    kColumn,    // name (qualifier = table or "")
    kParam,     // param_index
    kUserVar,   // name
    kSysVar,    // name, qualifier = scope ("", "session", "global")
    kUnary,     // op: "not", "-", "~"; args[0]
    kBinary,    // op: "or", "and", "xor", "=", "<=>", "<>", "<", "<=", ">", ">=", "+", "-",
                //     "*", "/", "div", "%"; args[0], args[1]
    kFunc,      // name (lower case), args; distinct for COUNT(DISTINCT …); star for COUNT(*)
    kIn,        // args[0] IN (args[1..]); negated
    kBetween,   // args[0] BETWEEN args[1] AND args[2]; negated
    kLike,      // args[0] LIKE args[1]; negated
    kIsNull,    // args[0] IS NULL; negated
    kIsBool,    // args[0] IS TRUE (literal 1) / FALSE (literal 0); negated
    kDefault,   // DEFAULT in INSERT VALUES
  };
  Kind kind = Kind::kLiteral;
  catalog::Datum literal;
  std::string name;
  std::string qualifier;
  std::string op;
  std::vector<ExprPtr> args;
  bool negated = false;
  bool distinct = false;
  bool star = false;
  int param_index = 0;
  // Set by the executor: position of the column in the row being evaluated, or of the
  // aggregate's value in the aggregated row.
  int column_index = -1;
  int agg_index = -1;
};

struct TableName {
  std::string db;  // "" = current database
  std::string name;
};

struct SelectItem {
  ExprPtr expr;       // null for * / t.*
  bool star = false;
  std::string alias;  // AS alias, else the expression text
};

struct OrderItem {
  ExprPtr expr;
  bool desc = false;
};

struct SelectStmt {
  bool distinct = false;
  std::vector<SelectItem> items;
  std::optional<TableName> from;
  std::string from_alias;
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  ExprPtr having;
  std::vector<OrderItem> order_by;
  ExprPtr limit;   // null: none
  ExprPtr offset;  // null: 0
};

struct InsertStmt {
  bool replace = false;
  bool ignore = false;
  TableName table;
  std::vector<std::string> columns;  // empty: all, in order
  std::vector<std::vector<ExprPtr>> rows;
};

struct UpdateStmt {
  TableName table;
  std::vector<std::pair<std::string, ExprPtr>> sets;
  ExprPtr where;
  std::vector<OrderItem> order_by;
  ExprPtr limit;
};

struct DeleteStmt {
  TableName table;
  ExprPtr where;
  std::vector<OrderItem> order_by;
  ExprPtr limit;
};

struct ColumnDefAst {
  std::string name;
  std::string type;  // lower case: int, bigint, varchar, …
  int length = -1;
  int decimals = -1;
  bool is_unsigned = false;
  bool not_null = false;
  bool auto_increment = false;
  bool primary = false;
  bool unique = false;
  bool has_default = false;
  catalog::Datum default_value;  // when has_default (NULL for DEFAULT NULL)
  std::string comment;
};

struct IndexDefAst {
  std::string name;
  bool primary = false;
  bool unique = false;
  std::vector<std::pair<std::string, int>> columns;  // name, prefix length (-1 = none)
};

struct CreateTableStmt {
  bool if_not_exists = false;
  TableName table;
  std::vector<ColumnDefAst> columns;
  std::vector<IndexDefAst> indexes;
  int64_t auto_increment = 0;  // table option AUTO_INCREMENT=N (0: none)
  std::string comment;
};

struct DropTableStmt {
  bool if_exists = false;
  std::vector<TableName> tables;
};

struct CreateDatabaseStmt {
  bool if_not_exists = false;
  std::string name;
};

struct DropDatabaseStmt {
  bool if_exists = false;
  std::string name;
};

struct UseStmt {
  std::string db;
};

struct TxnStmt {
  enum class Op { kBegin, kCommit, kRollback };
  Op op = Op::kBegin;
};

struct SetStmt {
  struct Assign {
    enum class Scope { kSession, kGlobal, kUser };
    Scope scope = Scope::kSession;
    std::string name;  // lower case for system variables
    ExprPtr value;     // null: DEFAULT
  };
  std::vector<Assign> assigns;
};

struct ShowStmt {
  enum class Kind {
    kDatabases,
    kTables,
    kCreateTable,
    kCreateDatabase,
    kColumns,
    kIndex,
    kVariables,
    kWarnings,
    kErrors,
    kTableStatus,
    kProcessList,
    kEngines,
    kCollation,
    kCharset,
    kStatus,
    kBackups,   // SHOW BACKUPS [LIKE 'dest' | WHERE …]
    kRestores,  // SHOW RESTORES …
  };
  Kind kind = Kind::kDatabases;
  bool full = false;
  bool global = false;
  bool if_not_exists = false;
  std::string db;      // FROM db / SHOW CREATE DATABASE db
  TableName table;     // SHOW CREATE TABLE / COLUMNS / INDEX
  std::optional<std::string> like;
  ExprPtr where;
};

// ADMIN CHECKSUM TABLE t[, …] / ADMIN CHECK TABLE t[, …].
struct AdminStmt {
  enum class Kind { kChecksumTable, kCheckTable };
  Kind kind = Kind::kChecksumTable;
  std::vector<TableName> tables;
};

// CREATE [UNIQUE] INDEX name ON t (cols) / ALTER TABLE t ADD [UNIQUE] INDEX|KEY name (cols).
struct CreateIndexStmt {
  TableName table;
  IndexDefAst index;
};

// SAVEPOINT x / ROLLBACK TO [SAVEPOINT] x / RELEASE SAVEPOINT x.
struct SavepointStmt {
  enum class Op { kSet, kRollbackTo, kRelease };
  Op op = Op::kSet;
  std::string name;
};

// KILL [TIDB] [CONNECTION | QUERY] id.
struct KillStmt {
  bool query_only = false;
  int64_t connection_id = 0;
};

// BACKUP {DATABASE {* | db[, …]} | TABLE t[, …]} TO 'url' [option …] and
// RESTORE … FROM 'url' [option …] (TiDB's BRIE statements; docs/sql.md). Options not given
// are unset (the runner's defaults apply); the parser refuses options the statement kind does
// not take.
struct BrieStmt {
  enum class Kind { kBackup, kRestore };
  Kind kind = Kind::kBackup;
  bool tables = false;                 // TABLE list (else DATABASE list)
  bool all = false;                    // DATABASE *
  std::vector<std::string> databases;  // DATABASE db, …
  std::vector<TableName> table_names;  // TABLE [db.]t, …
  std::string url;
  // RATE_LIMIT [=] n MB/SECOND: MiB/s per node.
  std::optional<uint64_t> rate_limit_mib;
  // CONCURRENCY [=] n.
  std::optional<uint32_t> concurrency;
  // CHECKSUM [=] bool.
  std::optional<bool> checksum;
  // SEND_CREDENTIALS_TO_TIKV [=] bool.
  std::optional<bool> send_credentials;
  // SNAPSHOT [=] tso | 'datetime' (backup): the text given to br::ParseTS ...
  std::optional<std::string> snapshot;
  // ... or SNAPSHOT [=] n unit AGO: that many microseconds before now.
  std::optional<int64_t> snapshot_ago_us;
  // LAST_BACKUP [=] tso | 'datetime' (backup): incremental since then.
  std::optional<std::string> last_backup;
  // COMPRESSION_TYPE [=] 'lz4' | 'snappy' | 'zstd', COMPRESSION_LEVEL [=] n (backup).
  std::optional<std::string> compression_type;
  std::optional<int> compression_level;
};

// TRUNCATE [TABLE] t.
struct TruncateStmt {
  TableName table;
};

// Statements accepted and answered with OK without doing anything (LOCK TABLES, FLUSH TABLES,
// ANALYZE TABLE, ALTER TABLE … DISABLE KEYS, SET TRANSACTION …, a comment-only query).
struct NoopStmt {
  std::string what;
};

// Statements recognised but outside the subset: 1235 naming `what`.
struct UnsupportedStmt {
  std::string what;
};

using Statement =
    std::variant<SelectStmt, InsertStmt, UpdateStmt, DeleteStmt, CreateTableStmt, DropTableStmt,
                 CreateDatabaseStmt, DropDatabaseStmt, UseStmt, TxnStmt, SetStmt, ShowStmt,
                 AdminStmt, CreateIndexStmt, TruncateStmt, SavepointStmt, KillStmt, BrieStmt,
                 NoopStmt, UnsupportedStmt>;

// One statement of a query and the text it was parsed from.
struct ParsedStatement {
  Statement stmt;
  std::string text;
  int param_count = 0;
};

}  // namespace brkv::sql
