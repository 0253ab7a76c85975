#include "sql/parser.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>

#include "sql/lexer.h"

namespace brkv::sql {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Words that end an expression or a select item, so they are never taken as implicit aliases
// or bare column names.
const std::set<std::string>& ReservedWords() {
  static const std::set<std::string> k = {
      "select", "from",  "where", "group",  "order",  "by",      "limit",   "having", "union",
      "for",    "lock",  "into",  "on",     "and",    "or",      "not",     "as",     "asc",
      "desc",   "set",   "values", "value", "in",     "is",      "like",    "between", "xor",
      "div",    "mod",   "offset", "null",  "into",   "distinct", "insert", "update", "delete",
      "create", "drop",  "table", "key",    "primary", "unique", "index",   "default", "escape",
      "when",   "then",  "else",  "end",    "case"};
  return k;
}

ExprPtr MakeExpr(Expr::Kind kind) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  return e;
}

ExprPtr MakeBinary(std::string op, ExprPtr a, ExprPtr b) {
  ExprPtr e = MakeExpr(Expr::Kind::kBinary);
  e->op = std::move(op);
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

class Parser {
 public:
  Parser(std::string_view q, std::vector<Token> toks) : q_(q), t_(std::move(toks)) {}

  SqlResult<std::vector<ParsedStatement>> ParseAll() {
    std::vector<ParsedStatement> out;
    while (true) {
      while (AcceptOp(";")) {
      }
      if (Cur().kind == TokenKind::kEnd) break;
      const size_t start = Cur().pos;
      params_ = 0;
      SQL_ASSIGN_OR_RETURN(Statement s, ParseStatement());
      if (Cur().kind != TokenKind::kEnd && !IsOp(";")) return Error();
      ParsedStatement ps;
      ps.stmt = std::move(s);
      ps.text = std::string(q_.substr(start, Prev().end - start));
      ps.param_count = params_;
      out.push_back(std::move(ps));
    }
    if (out.empty()) {
      // Only comments (or nothing): a comment-only query is answered with OK.
      bool blank = std::all_of(q_.begin(), q_.end(),
                               [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
      if (blank) return SqlError(er::kEmptyQuery, "Query was empty");
      ParsedStatement ps;
      ps.stmt = NoopStmt{"comment"};
      out.push_back(std::move(ps));
    }
    return out;
  }

  SqlResult<ExprPtr> ParseOnlyExpr() {
    SQL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
    if (Cur().kind != TokenKind::kEnd) return Error();
    return e;
  }

 private:
  // ---- token helpers ----
  const Token& Cur() const { return t_[i_]; }
  const Token& PeekTok(size_t k = 1) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& Prev() const { return t_[i_ == 0 ? 0 : i_ - 1]; }
  void Advance() {
    if (i_ + 1 < t_.size()) ++i_;
  }
  bool IsWord(std::string_view w, size_t k = 0) const {
    const Token& t = PeekTok(k);
    return t.kind == TokenKind::kWord && EqualsIgnoreCase(t.text, w);
  }
  bool IsOp(std::string_view op, size_t k = 0) const {
    const Token& t = PeekTok(k);
    return t.kind == TokenKind::kOp && t.text == op;
  }
  bool AcceptWord(std::string_view w) {
    if (!IsWord(w)) return false;
    Advance();
    return true;
  }
  bool AcceptOp(std::string_view op) {
    if (!IsOp(op)) return false;
    Advance();
    return true;
  }
  SqlError Error() const { return SyntaxError(q_, Cur().pos); }
  SqlError ExpectWord(std::string_view w) {
    if (!AcceptWord(w)) return Error();
    return SqlError::OK();
  }
  SqlError ExpectOp(std::string_view op) {
    if (!AcceptOp(op)) return Error();
    return SqlError::OK();
  }
  // An identifier: a non-reserved word or a `quoted` one.
  SqlResult<std::string> Ident() {
    const Token& t = Cur();
    if (t.kind == TokenKind::kQuotedIdent ||
        (t.kind == TokenKind::kWord && !ReservedWords().count(Lower(t.text)))) {
      std::string s = t.text;
      Advance();
      return s;
    }
    return Error();
  }
  // An identifier, also accepting strings and reserved words (names after SHOW … LIKE etc.).
  SqlResult<std::string> AnyName() {
    const Token& t = Cur();
    if (t.kind == TokenKind::kQuotedIdent || t.kind == TokenKind::kWord ||
        t.kind == TokenKind::kString) {
      std::string s = t.text;
      Advance();
      return s;
    }
    return Error();
  }
  SqlResult<TableName> ParseTableName() {
    TableName tn;
    SQL_ASSIGN_OR_RETURN(tn.name, Ident());
    if (AcceptOp(".")) {
      tn.db = std::move(tn.name);
      SQL_ASSIGN_OR_RETURN(tn.name, AnyIdentAfterDot());
    }
    return tn;
  }
  // After "x." any word is a name (`db.table`, `t.status`).
  SqlResult<std::string> AnyIdentAfterDot() {
    const Token& t = Cur();
    if (t.kind == TokenKind::kQuotedIdent || t.kind == TokenKind::kWord) {
      std::string s = t.text;
      Advance();
      return s;
    }
    return Error();
  }
  SqlResult<int64_t> IntLiteral() {
    if (Cur().kind != TokenKind::kInt) return Error();
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(Cur().text.c_str(), &end, 10);
    if (errno != 0) return Error();
    Advance();
    return static_cast<int64_t>(v);
  }
  // Skips an optional "[=] value" table/database option value.
  void SkipOptionValue() {
    AcceptOp("=");
    if (Cur().kind != TokenKind::kEnd && !IsOp(";") && !IsOp(",")) Advance();
  }

  // ---- statements ----
  SqlResult<Statement> ParseStatement() {
    const Token& t = Cur();
    if (t.kind == TokenKind::kOp && t.text == "(") return Unsupported("parenthesized query");
    if (t.kind != TokenKind::kWord) return Error();
    const std::string w = Lower(t.text);
    if (w == "select") return Wrap(ParseSelect());
    if (w == "insert" || w == "replace") return Wrap(ParseInsert());
    if (w == "update") return Wrap(ParseUpdate());
    if (w == "delete") return Wrap(ParseDelete());
    if (w == "create") return ParseCreate();
    if (w == "drop") return ParseDrop();
    if (w == "use") {
      Advance();
      UseStmt u;
      SQL_ASSIGN_OR_RETURN(u.db, Ident());
      return Statement(std::move(u));
    }
    if (w == "begin") {
      Advance();
      AcceptWord("work");
      return Statement(TxnStmt{TxnStmt::Op::kBegin});
    }
    if (w == "start") {
      Advance();
      SQL_RETURN_IF_ERROR(ExpectWord("transaction"));
      while (true) {
        if (AcceptWord("with")) {
          SQL_RETURN_IF_ERROR(ExpectWord("consistent"));
          SQL_RETURN_IF_ERROR(ExpectWord("snapshot"));
        } else if (AcceptWord("read")) {
          if (!AcceptWord("only") && !AcceptWord("write")) return Error();
        } else {
          break;
        }
        if (!AcceptOp(",")) break;
      }
      return Statement(TxnStmt{TxnStmt::Op::kBegin});
    }
    if (w == "commit") {
      Advance();
      AcceptWord("work");
      return Statement(TxnStmt{TxnStmt::Op::kCommit});
    }
    if (w == "rollback") {
      Advance();
      AcceptWord("work");
      if (AcceptWord("to")) {
        AcceptWord("savepoint");
        SavepointStmt sp{SavepointStmt::Op::kRollbackTo, ""};
        SQL_ASSIGN_OR_RETURN(sp.name, Ident());
        return Statement(std::move(sp));
      }
      return Statement(TxnStmt{TxnStmt::Op::kRollback});
    }
    if (w == "set") return ParseSet();
    if (w == "show") return ParseShow();
    if (w == "lock" || w == "unlock") {
      // LOCK TABLES … / UNLOCK TABLES: accepted, not enforced (as TiDB by default).
      Advance();
      if (!AcceptWord("tables") && !AcceptWord("table")) return Error();
      SkipToStatementEnd();
      return Statement(NoopStmt{w + " tables"});
    }
    if (w == "flush") {
      Advance();
      size_t save = i_;
      SkipToStatementEnd();
      std::string rest = Lower(q_.substr(t_[save].pos, Prev().end - t_[save].pos));
      if (rest.find("read lock") != std::string::npos) {
        return Statement(UnsupportedStmt{"FLUSH TABLES WITH READ LOCK"});
      }
      return Statement(NoopStmt{"flush"});
    }
    if (w == "analyze" || w == "optimize") {
      Advance();
      SkipToStatementEnd();
      return Statement(NoopStmt{w});
    }
    if (w == "alter") {
      Advance();
      if (AcceptWord("table")) {
        SQL_ASSIGN_OR_RETURN(TableName tn, ParseTableName());
        (void)tn;
        if ((AcceptWord("disable") || AcceptWord("enable")) && AcceptWord("keys")) {
          return Statement(NoopStmt{"alter table keys"});
        }
        if (AcceptWord("add") && (IsWord("index") || IsWord("key") || IsWord("unique"))) {
          CreateIndexStmt ci;
          ci.table = tn;
          SQL_ASSIGN_OR_RETURN(ci.index, ParseIndexDef());
          if (ci.index.name.empty()) ci.index.name = ci.index.columns.front().first;
          return Statement(std::move(ci));
        }
      }
      return Unsupported("ALTER");
    }
    if (w == "admin") {
      Advance();
      AdminStmt a;
      if (AcceptWord("checksum")) {
        a.kind = AdminStmt::Kind::kChecksumTable;
      } else if (AcceptWord("check")) {
        a.kind = AdminStmt::Kind::kCheckTable;
      } else {
        return Unsupported("ADMIN " + Cur().text);
      }
      SQL_RETURN_IF_ERROR(ExpectWord("table"));
      do {
        SQL_ASSIGN_OR_RETURN(TableName tn, ParseTableName());
        a.tables.push_back(std::move(tn));
      } while (AcceptOp(","));
      return Statement(std::move(a));
    }
    if (w == "kill") {
      Advance();
      AcceptWord("tidb");
      KillStmt k;
      if (AcceptWord("query")) {
        k.query_only = true;
      } else {
        AcceptWord("connection");
      }
      SQL_ASSIGN_OR_RETURN(k.connection_id, IntLiteral());
      return Statement(k);
    }
    if (w == "truncate") {
      Advance();
      AcceptWord("table");
      TruncateStmt t;
      SQL_ASSIGN_OR_RETURN(t.table, ParseTableName());
      return Statement(std::move(t));
    }
    if (w == "savepoint" || w == "release") {
      Advance();
      SavepointStmt sp{w == "savepoint" ? SavepointStmt::Op::kSet : SavepointStmt::Op::kRelease, ""};
      if (sp.op == SavepointStmt::Op::kRelease) SQL_RETURN_IF_ERROR(ExpectWord("savepoint"));
      SQL_ASSIGN_OR_RETURN(sp.name, Ident());
      return Statement(std::move(sp));
    }
    if (w == "backup" || w == "restore") return ParseBrie();
    static const std::set<std::string> kKnown = {
        "rename", "grant",  "revoke",
        "prepare",  "execute", "deallocate", "explain", "describe", "desc", "load", "call",
        "handler",  "do",     "with",   "xa",     "install", "trace"};
    if (kKnown.count(w)) return Unsupported(Lower(t.text));
    return Error();
  }

  template <typename T>
  static SqlResult<Statement> Wrap(SqlResult<T> r) {
    if (!r.ok()) return r.error();
    return Statement(std::move(r).value());
  }

  SqlResult<Statement> Unsupported(std::string what) {
    for (char& c : what) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    SkipToStatementEnd();
    return Statement(UnsupportedStmt{std::move(what)});
  }

  void SkipToStatementEnd() {
    while (Cur().kind != TokenKind::kEnd && !IsOp(";")) Advance();
  }

  SqlResult<SelectStmt> ParseSelect() {
    SQL_RETURN_IF_ERROR(ExpectWord("select"));
    SelectStmt s;
    while (true) {
      if (AcceptWord("distinct") || AcceptWord("distinctrow")) {
        s.distinct = true;
      } else if (AcceptWord("all") || AcceptWord("sql_no_cache") || AcceptWord("sql_cache") ||
                 AcceptWord("sql_calc_found_rows") || AcceptWord("straight_join") ||
                 AcceptWord("high_priority") || AcceptWord("sql_small_result") ||
                 AcceptWord("sql_big_result") || AcceptWord("sql_buffer_result")) {
      } else {
        break;
      }
    }
    do {
      SelectItem item;
      const size_t start = Cur().pos;
      if (AcceptOp("*")) {
        item.star = true;
        item.alias = "*";
      } else if ((Cur().kind == TokenKind::kWord || Cur().kind == TokenKind::kQuotedIdent) &&
                 IsOp(".", 1) && IsOp("*", 2)) {
        Advance();
        Advance();
        Advance();
        item.star = true;
        item.alias = "*";
      } else {
        SQL_ASSIGN_OR_RETURN(item.expr, ParseExpr());
        const size_t end = Prev().end;
        if (AcceptWord("as")) {
          SQL_ASSIGN_OR_RETURN(item.alias, AnyName());
        } else if (Cur().kind == TokenKind::kQuotedIdent || Cur().kind == TokenKind::kString ||
                   (Cur().kind == TokenKind::kWord && !ReservedWords().count(Lower(Cur().text)))) {
          item.alias = Cur().text;
          Advance();
        } else if (item.expr->kind == Expr::Kind::kColumn) {
          item.alias = item.expr->name;
        } else if (item.expr->kind == Expr::Kind::kLiteral &&
                   item.expr->literal.kind() == catalog::Datum::Kind::kBytes) {
          item.alias = item.expr->literal.bytes();  // MySQL names a string by its value
        } else {
          item.alias = std::string(q_.substr(start, end - start));
        }
      }
      s.items.push_back(std::move(item));
    } while (AcceptOp(","));
    if (AcceptWord("from")) {
      if (AcceptWord("dual")) {
      } else {
        SQL_ASSIGN_OR_RETURN(TableName tn, ParseTableName());
        s.from = std::move(tn);
        if (AcceptWord("as")) {
          SQL_ASSIGN_OR_RETURN(s.from_alias, Ident());
        } else if (Cur().kind == TokenKind::kQuotedIdent ||
                   (Cur().kind == TokenKind::kWord && !ReservedWords().count(Lower(Cur().text)) &&
                    !IsWord("join") && !IsWord("inner") && !IsWord("left") && !IsWord("right") &&
                    !IsWord("cross") && !IsWord("natural") && !IsWord("force") &&
                    !IsWord("use") && !IsWord("ignore"))) {
          s.from_alias = Cur().text;
          Advance();
        }
        if (IsOp(",") || IsWord("join") || IsWord("inner") || IsWord("left") ||
            IsWord("right") || IsWord("cross") || IsWord("natural")) {
          return SqlError(er::kNotSupportedYet,
                          "This version of TiDB doesn't yet support 'joins'");
        }
        // Index hints are accepted and ignored.
        while (IsWord("force") || IsWord("use") || IsWord("ignore")) {
          Advance();
          if (!AcceptWord("index") && !AcceptWord("key")) return Error();
          SQL_RETURN_IF_ERROR(ExpectOp("("));
          while (!IsOp(")") && Cur().kind != TokenKind::kEnd) Advance();
          SQL_RETURN_IF_ERROR(ExpectOp(")"));
        }
      }
    }
    if (AcceptWord("where")) {
      SQL_ASSIGN_OR_RETURN(s.where, ParseExpr());
    }
    if (AcceptWord("group")) {
      SQL_RETURN_IF_ERROR(ExpectWord("by"));
      do {
        SQL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
        s.group_by.push_back(std::move(e));
      } while (AcceptOp(","));
    }
    if (AcceptWord("having")) {
      SQL_ASSIGN_OR_RETURN(s.having, ParseExpr());
    }
    SQL_RETURN_IF_ERROR(ParseOrderLimit(&s.order_by, &s.limit, &s.offset, true));
    if (AcceptWord("for")) {
      SQL_RETURN_IF_ERROR(ExpectWord("update"));
    } else if (AcceptWord("lock")) {
      SQL_RETURN_IF_ERROR(ExpectWord("in"));
      SQL_RETURN_IF_ERROR(ExpectWord("share"));
      SQL_RETURN_IF_ERROR(ExpectWord("mode"));
    }
    if (IsWord("union")) {
      return SqlError(er::kNotSupportedYet, "This version of TiDB doesn't yet support 'UNION'");
    }
    return s;
  }

  SqlError ParseOrderLimit(std::vector<OrderItem>* order, ExprPtr* limit, ExprPtr* offset,
                           bool allow_offset) {
    if (AcceptWord("order")) {
      SQL_RETURN_IF_ERROR(ExpectWord("by"));
      do {
        OrderItem o;
        SQL_ASSIGN_OR_RETURN(o.expr, ParseExpr());
        if (AcceptWord("desc")) {
          o.desc = true;
        } else {
          AcceptWord("asc");
        }
        order->push_back(std::move(o));
      } while (AcceptOp(","));
    }
    if (AcceptWord("limit")) {
      SQL_ASSIGN_OR_RETURN(ExprPtr a, ParseLimitValue());
      if (allow_offset && AcceptOp(",")) {
        SQL_ASSIGN_OR_RETURN(ExprPtr b, ParseLimitValue());
        *offset = std::move(a);
        *limit = std::move(b);
      } else if (allow_offset && AcceptWord("offset")) {
        SQL_ASSIGN_OR_RETURN(ExprPtr b, ParseLimitValue());
        *limit = std::move(a);
        *offset = std::move(b);
      } else {
        *limit = std::move(a);
      }
    }
    return SqlError::OK();
  }

  SqlResult<ExprPtr> ParseLimitValue() {
    if (Cur().kind == TokenKind::kParam) return ParsePrimary();
    if (Cur().kind != TokenKind::kInt) return Error();
    return ParsePrimary();
  }

  SqlResult<InsertStmt> ParseInsert() {
    InsertStmt s;
    s.replace = IsWord("replace");
    Advance();
    while (AcceptWord("low_priority") || AcceptWord("delayed") || AcceptWord("high_priority")) {
    }
    if (AcceptWord("ignore")) s.ignore = true;
    AcceptWord("into");
    SQL_ASSIGN_OR_RETURN(s.table, ParseTableName());
    if (AcceptOp("(")) {
      if (!IsOp(")")) {
        do {
          SQL_ASSIGN_OR_RETURN(std::string c, Ident());
          if (AcceptOp(".")) {
            SQL_ASSIGN_OR_RETURN(c, AnyIdentAfterDot());
          }
          s.columns.push_back(std::move(c));
        } while (AcceptOp(","));
      }
      SQL_RETURN_IF_ERROR(ExpectOp(")"));
    }
    if (IsWord("select")) {
      return SqlError(er::kNotSupportedYet,
                      "This version of TiDB doesn't yet support 'INSERT … SELECT'");
    }
    if (AcceptWord("set")) {
      std::vector<ExprPtr> row;
      do {
        SQL_ASSIGN_OR_RETURN(std::string c, Ident());
        SQL_RETURN_IF_ERROR(ExpectOp("="));
        SQL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
        s.columns.push_back(std::move(c));
        row.push_back(std::move(e));
      } while (AcceptOp(","));
      s.rows.push_back(std::move(row));
    } else {
      if (!AcceptWord("values") && !AcceptWord("value")) return Error();
      do {
        SQL_RETURN_IF_ERROR(ExpectOp("("));
        std::vector<ExprPtr> row;
        if (!IsOp(")")) {
          do {
            SQL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
            row.push_back(std::move(e));
          } while (AcceptOp(","));
        }
        SQL_RETURN_IF_ERROR(ExpectOp(")"));
        s.rows.push_back(std::move(row));
      } while (AcceptOp(","));
    }
    if (IsWord("on")) {
      return SqlError(er::kNotSupportedYet,
                      "This version of TiDB doesn't yet support 'ON DUPLICATE KEY UPDATE'");
    }
    return s;
  }

  SqlResult<UpdateStmt> ParseUpdate() {
    SQL_RETURN_IF_ERROR(ExpectWord("update"));
    UpdateStmt s;
    AcceptWord("low_priority");
    AcceptWord("ignore");
    SQL_ASSIGN_OR_RETURN(s.table, ParseTableName());
    if (IsOp(",") || IsWord("join")) {
      return SqlError(er::kNotSupportedYet,
                      "This version of TiDB doesn't yet support 'multi-table UPDATE'");
    }
    SQL_RETURN_IF_ERROR(ExpectWord("set"));
    do {
      SQL_ASSIGN_OR_RETURN(std::string c, Ident());
      if (AcceptOp(".")) {
        SQL_ASSIGN_OR_RETURN(c, AnyIdentAfterDot());
      }
      SQL_RETURN_IF_ERROR(ExpectOp("="));
      SQL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
      s.sets.emplace_back(std::move(c), std::move(e));
    } while (AcceptOp(","));
    if (AcceptWord("where")) {
      SQL_ASSIGN_OR_RETURN(s.where, ParseExpr());
    }
    ExprPtr offset;
    SQL_RETURN_IF_ERROR(ParseOrderLimit(&s.order_by, &s.limit, &offset, false));
    return s;
  }

  SqlResult<DeleteStmt> ParseDelete() {
    SQL_RETURN_IF_ERROR(ExpectWord("delete"));
    DeleteStmt s;
    AcceptWord("low_priority");
    AcceptWord("quick");
    AcceptWord("ignore");
    SQL_RETURN_IF_ERROR(ExpectWord("from"));
    SQL_ASSIGN_OR_RETURN(s.table, ParseTableName());
    if (AcceptWord("where")) {
      SQL_ASSIGN_OR_RETURN(s.where, ParseExpr());
    }
    ExprPtr offset;
    SQL_RETURN_IF_ERROR(ParseOrderLimit(&s.order_by, &s.limit, &offset, false));
    return s;
  }

  SqlResult<Statement> ParseCreate() {
    Advance();  // CREATE
    if (AcceptWord("database") || AcceptWord("schema")) {
      CreateDatabaseStmt s;
      if (AcceptWord("if")) {
        SQL_RETURN_IF_ERROR(ExpectWord("not"));
        SQL_RETURN_IF_ERROR(ExpectWord("exists"));
        s.if_not_exists = true;
      }
      SQL_ASSIGN_OR_RETURN(s.name, Ident());
      SQL_RETURN_IF_ERROR(SkipDatabaseOptions());
      return Statement(std::move(s));
    }
    if (AcceptWord("table")) return Wrap(ParseCreateTable());
    if (IsWord("unique") || IsWord("index")) {
      CreateIndexStmt ci;
      ci.index.unique = AcceptWord("unique");
      SQL_RETURN_IF_ERROR(ExpectWord("index"));
      SQL_ASSIGN_OR_RETURN(ci.index.name, Ident());
      if (AcceptWord("using")) Advance();
      SQL_RETURN_IF_ERROR(ExpectWord("on"));
      SQL_ASSIGN_OR_RETURN(ci.table, ParseTableName());
      SQL_RETURN_IF_ERROR(ExpectOp("("));
      do {
        SQL_ASSIGN_OR_RETURN(std::string c, Ident());
        int len = -1;
        if (AcceptOp("(")) {
          SQL_ASSIGN_OR_RETURN(int64_t n, IntLiteral());
          len = static_cast<int>(n);
          SQL_RETURN_IF_ERROR(ExpectOp(")"));
        }
        if (!AcceptWord("asc")) AcceptWord("desc");
        ci.index.columns.emplace_back(std::move(c), len);
      } while (AcceptOp(","));
      SQL_RETURN_IF_ERROR(ExpectOp(")"));
      while (AcceptWord("using") || AcceptWord("comment") || AcceptWord("algorithm") ||
             AcceptWord("lock")) {
        AcceptOp("=");
        Advance();
      }
      return Statement(std::move(ci));
    }
    if (IsWord("view") || IsWord("or") || IsWord("algorithm") || IsWord("definer") ||
        IsWord("sql")) {
      return Unsupported("CREATE VIEW");
    }
    if (IsWord("temporary")) return Unsupported("CREATE TEMPORARY TABLE");
    if (IsWord("user")) return Unsupported("CREATE USER");
    if (IsWord("sequence")) return Unsupported("CREATE SEQUENCE");
    return Error();
  }

  SqlError SkipDatabaseOptions() {
    while (true) {
      AcceptWord("default");
      if (AcceptWord("character") || AcceptWord("charset")) {
        if (Prev().text.size() == 9 || EqualsIgnoreCase(Prev().text, "character")) {
          AcceptWord("set");
        }
        SkipOptionValue();
      } else if (AcceptWord("collate") || AcceptWord("encryption")) {
        SkipOptionValue();
      } else {
        break;
      }
    }
    return SqlError::OK();
  }

  SqlResult<CreateTableStmt> ParseCreateTable() {
    CreateTableStmt s;
    if (AcceptWord("if")) {
      SQL_RETURN_IF_ERROR(ExpectWord("not"));
      SQL_RETURN_IF_ERROR(ExpectWord("exists"));
      s.if_not_exists = true;
    }
    SQL_ASSIGN_OR_RETURN(s.table, ParseTableName());
    if (IsWord("like") || IsWord("as") || IsWord("select")) {
      return SqlError(er::kNotSupportedYet,
                      "This version of TiDB doesn't yet support 'CREATE TABLE … LIKE/AS'");
    }
    SQL_RETURN_IF_ERROR(ExpectOp("("));
    do {
      if (IsWord("primary") || IsWord("unique") || IsWord("key") || IsWord("index") ||
          IsWord("constraint")) {
        SQL_ASSIGN_OR_RETURN(IndexDefAst idx, ParseIndexDef());
        s.indexes.push_back(std::move(idx));
      } else if (IsWord("fulltext") || IsWord("spatial") || IsWord("foreign") ||
                 IsWord("check")) {
        return SqlError(er::kNotSupportedYet,
                        "This version of TiDB doesn't yet support '" + Cur().text + "'");
      } else {
        SQL_ASSIGN_OR_RETURN(ColumnDefAst c, ParseColumnDef());
        s.columns.push_back(std::move(c));
      }
    } while (AcceptOp(","));
    SQL_RETURN_IF_ERROR(ExpectOp(")"));
    // Table options.
    while (Cur().kind == TokenKind::kWord) {
      if (AcceptWord("auto_increment")) {
        AcceptOp("=");
        SQL_ASSIGN_OR_RETURN(s.auto_increment, IntLiteral());
      } else if (AcceptWord("comment")) {
        AcceptOp("=");
        if (Cur().kind != TokenKind::kString) return Error();
        s.comment = Cur().text;
        Advance();
      } else if (AcceptWord("default")) {
        continue;
      } else if (AcceptWord("character")) {
        SQL_RETURN_IF_ERROR(ExpectWord("set"));
        SkipOptionValue();
      } else if (AcceptWord("partition")) {
        return SqlError(er::kNotSupportedYet,
                        "This version of TiDB doesn't yet support 'partitioned tables'");
      } else {
        // ENGINE, CHARSET, COLLATE, ROW_FORMAT, SHARD_ROW_ID_BITS, …: accepted and ignored.
        Advance();
        SkipOptionValue();
      }
      AcceptOp(",");
    }
    return s;
  }

  SqlResult<IndexDefAst> ParseIndexDef() {
    IndexDefAst idx;
    if (AcceptWord("constraint")) {
      if (!IsWord("primary") && !IsWord("unique")) {
        SQL_ASSIGN_OR_RETURN(std::string ignored, Ident());
      }
    }
    if (AcceptWord("primary")) {
      SQL_RETURN_IF_ERROR(ExpectWord("key"));
      idx.primary = true;
      idx.unique = true;
    } else if (AcceptWord("unique")) {
      idx.unique = true;
      if (!AcceptWord("key")) AcceptWord("index");
    } else if (!AcceptWord("key") && !AcceptWord("index")) {
      return Error();
    }
    if (!IsOp("(") && !IsWord("using")) {
      SQL_ASSIGN_OR_RETURN(idx.name, Ident());
    }
    if (AcceptWord("using")) Advance();
    SQL_RETURN_IF_ERROR(ExpectOp("("));
    do {
      SQL_ASSIGN_OR_RETURN(std::string c, Ident());
      int len = -1;
      if (AcceptOp("(")) {
        SQL_ASSIGN_OR_RETURN(int64_t n, IntLiteral());
        len = static_cast<int>(n);
        SQL_RETURN_IF_ERROR(ExpectOp(")"));
      }
      if (!AcceptWord("asc")) AcceptWord("desc");
      idx.columns.emplace_back(std::move(c), len);
    } while (AcceptOp(","));
    SQL_RETURN_IF_ERROR(ExpectOp(")"));
    // Index options: USING BTREE, COMMENT '…', CLUSTERED / NONCLUSTERED, VISIBLE.
    while (true) {
      if (AcceptWord("using")) {
        Advance();
      } else if (AcceptWord("comment")) {
        Advance();
      } else if (AcceptWord("clustered") || AcceptWord("nonclustered") ||
                 AcceptWord("visible")) {
      } else {
        break;
      }
    }
    return idx;
  }

  SqlResult<ColumnDefAst> ParseColumnDef() {
    ColumnDefAst c;
    SQL_ASSIGN_OR_RETURN(c.name, Ident());
    if (Cur().kind != TokenKind::kWord) return Error();
    c.type = Lower(Cur().text);
    Advance();
    if (c.type == "character" && AcceptWord("varying")) c.type = "varchar";
    if (c.type == "double" && AcceptWord("precision")) {
    }
    if (AcceptOp("(")) {
      SQL_ASSIGN_OR_RETURN(int64_t n, IntLiteral());
      c.length = static_cast<int>(n);
      if (AcceptOp(",")) {
        SQL_ASSIGN_OR_RETURN(int64_t d, IntLiteral());
        c.decimals = static_cast<int>(d);
      }
      SQL_RETURN_IF_ERROR(ExpectOp(")"));
    }
    while (true) {
      if (AcceptWord("unsigned")) {
        c.is_unsigned = true;
      } else if (AcceptWord("signed") || AcceptWord("zerofill") || AcceptWord("binary")) {
      } else if (AcceptWord("not")) {
        SQL_RETURN_IF_ERROR(ExpectWord("null"));
        c.not_null = true;
      } else if (AcceptWord("null")) {
        c.not_null = false;
      } else if (AcceptWord("auto_increment")) {
        c.auto_increment = true;
      } else if (AcceptWord("primary")) {
        SQL_RETURN_IF_ERROR(ExpectWord("key"));
        c.primary = true;
      } else if (AcceptWord("unique")) {
        AcceptWord("key");
        c.unique = true;
      } else if (AcceptWord("key")) {
        c.primary = true;
      } else if (AcceptWord("default")) {
        c.has_default = true;
        SQL_ASSIGN_OR_RETURN(ExprPtr e, ParseUnary());
        if (e->kind == Expr::Kind::kLiteral) {
          c.default_value = e->literal;
        } else if (e->kind == Expr::Kind::kUnary && e->op == "-" &&
                   e->args[0]->kind == Expr::Kind::kLiteral) {
          const catalog::Datum& d = e->args[0]->literal;
          if (d.kind() == catalog::Datum::Kind::kInt64) {
            c.default_value = catalog::Datum::Int(-d.int_value());
          } else if (d.kind() == catalog::Datum::Kind::kDouble) {
            c.default_value = catalog::Datum::Double(-d.double_value());
          } else {
            return Error();
          }
        } else {
          return SqlError(er::kNotSupportedYet,
                          "This version of TiDB doesn't yet support 'non-literal DEFAULT'");
        }
      } else if (AcceptWord("comment")) {
        if (Cur().kind != TokenKind::kString) return Error();
        c.comment = Cur().text;
        Advance();
      } else if (AcceptWord("character")) {
        SQL_RETURN_IF_ERROR(ExpectWord("set"));
        Advance();
      } else if (AcceptWord("charset") || AcceptWord("collate")) {
        Advance();
      } else if (AcceptWord("clustered") || AcceptWord("nonclustered")) {
      } else {
        break;
      }
    }
    return c;
  }

  SqlResult<Statement> ParseDrop() {
    Advance();  // DROP
    if (AcceptWord("database") || AcceptWord("schema")) {
      DropDatabaseStmt s;
      if (AcceptWord("if")) {
        SQL_RETURN_IF_ERROR(ExpectWord("exists"));
        s.if_exists = true;
      }
      SQL_ASSIGN_OR_RETURN(s.name, Ident());
      return Statement(std::move(s));
    }
    AcceptWord("temporary");
    if (AcceptWord("table") || AcceptWord("tables")) {
      DropTableStmt s;
      if (AcceptWord("if")) {
        SQL_RETURN_IF_ERROR(ExpectWord("exists"));
        s.if_exists = true;
      }
      do {
        SQL_ASSIGN_OR_RETURN(TableName tn, ParseTableName());
        s.tables.push_back(std::move(tn));
      } while (AcceptOp(","));
      AcceptWord("restrict");
      AcceptWord("cascade");
      return Statement(std::move(s));
    }
    if (IsWord("index")) return Unsupported("DROP INDEX");
    if (IsWord("view")) return Unsupported("DROP VIEW");
    if (IsWord("user")) return Unsupported("DROP USER");
    return Error();
  }

  SqlResult<Statement> ParseSet() {
    Advance();  // SET
    SetStmt s;
    if (AcceptWord("names")) {
      // SET NAMES x [COLLATE y]: sets the three connection charsets.
      std::string cs = "utf8mb4";
      if (AcceptWord("default")) {
      } else {
        SQL_ASSIGN_OR_RETURN(cs, AnyName());
      }
      if (AcceptWord("collate")) {
        SQL_ASSIGN_OR_RETURN(std::string ignored, AnyName());
      }
      for (const char* v : {"character_set_client", "character_set_connection",
                            "character_set_results"}) {
        SetStmt::Assign a;
        a.name = v;
        a.value = MakeExpr(Expr::Kind::kLiteral);
        a.value->literal = catalog::Datum::Bytes(cs);
        s.assigns.push_back(std::move(a));
      }
      return Statement(std::move(s));
    }
    if (IsWord("character") || IsWord("charset")) {
      Advance();
      if (EqualsIgnoreCase(Prev().text, "character")) SQL_RETURN_IF_ERROR(ExpectWord("set"));
      SkipToStatementEnd();
      return Statement(NoopStmt{"set charset"});
    }
    {
      size_t k = 0;
      if (IsWord("session") || IsWord("global") || IsWord("local")) k = 1;
      if (IsWord("transaction", k)) {
        SkipToStatementEnd();
        return Statement(NoopStmt{"set transaction"});
      }
    }
    if (IsWord("password")) return Unsupported("SET PASSWORD");
    do {
      SetStmt::Assign a;
      if (Cur().kind == TokenKind::kUserVar) {
        a.scope = SetStmt::Assign::Scope::kUser;
        a.name = Cur().text;
        Advance();
      } else if (Cur().kind == TokenKind::kSysVar) {
        a.scope = Cur().scope == "global" ? SetStmt::Assign::Scope::kGlobal
                                          : SetStmt::Assign::Scope::kSession;
        a.name = Cur().text;
        Advance();
      } else {
        if (AcceptWord("global")) {
          a.scope = SetStmt::Assign::Scope::kGlobal;
        } else if (!AcceptWord("session")) {
          AcceptWord("local");
        }
        if (Cur().kind == TokenKind::kSysVar) {
          a.name = Cur().text;
          Advance();
        } else {
          SQL_ASSIGN_OR_RETURN(std::string n, AnyName());
          a.name = Lower(n);
          if (AcceptOp(".")) {
            SQL_ASSIGN_OR_RETURN(std::string n2, AnyIdentAfterDot());
            a.name = Lower(n2);  // session.var / global.var written as words
          }
        }
      }
      if (!AcceptOp("=") && !AcceptOp(":=")) return Error();
      if (a.scope != SetStmt::Assign::Scope::kUser && IsWord("default") &&
          (PeekTok().kind == TokenKind::kEnd || IsOp(",", 1) || IsOp(";", 1))) {
        Advance();
      } else if (Cur().kind == TokenKind::kWord && (IsOp(",", 1) || IsOp(";", 1) ||
                                                   PeekTok().kind == TokenKind::kEnd) &&
                 !IsWord("null") && !IsWord("true") && !IsWord("false")) {
        // SET sql_mode = TRADITIONAL, SET autocommit = ON: a bare word is a string value.
        a.value = MakeExpr(Expr::Kind::kLiteral);
        a.value->literal = catalog::Datum::Bytes(Cur().text);
        Advance();
      } else {
        SQL_ASSIGN_OR_RETURN(a.value, ParseExpr());
      }
      s.assigns.push_back(std::move(a));
    } while (AcceptOp(","));
    return Statement(std::move(s));
  }

  // BACKUP {DATABASE|SCHEMA {* | db[, …]} | TABLE t[, …]} TO 'url' [option …]
  // RESTORE … FROM 'url' [option …]
  // Options as TiDB's parser spells them (`=` optional); an option the statement does not take
  // is 1235, an unknown one a syntax error.
  SqlResult<Statement> ParseBrie() {
    BrieStmt b;
    b.kind = IsWord("backup") ? BrieStmt::Kind::kBackup : BrieStmt::Kind::kRestore;
    const bool backup = b.kind == BrieStmt::Kind::kBackup;
    Advance();
    if (AcceptWord("database") || AcceptWord("schema")) {
      if (AcceptOp("*")) {
        b.all = true;
      } else {
        do {
          SQL_ASSIGN_OR_RETURN(std::string db, Ident());
          b.databases.push_back(std::move(db));
        } while (AcceptOp(","));
      }
    } else if (AcceptWord("table") || AcceptWord("tables")) {
      b.tables = true;
      do {
        SQL_ASSIGN_OR_RETURN(TableName tn, ParseTableName());
        b.table_names.push_back(std::move(tn));
      } while (AcceptOp(","));
    } else {
      return Error();
    }
    SQL_RETURN_IF_ERROR(ExpectWord(backup ? "to" : "from"));
    if (Cur().kind != TokenKind::kString) return Error();
    b.url = Cur().text;
    Advance();
    std::set<std::string> seen;
    while (Cur().kind == TokenKind::kWord) {
      const std::string name = Lower(Cur().text);
      std::string upper = name;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      static const std::set<std::string> kBoth = {"rate_limit", "concurrency", "checksum",
                                                  "send_credentials_to_tikv"};
      static const std::set<std::string> kBackupOnly = {"snapshot", "last_backup",
                                                        "compression_type", "compression_level"};
      // TiDB options this server does not implement.
      static const std::set<std::string> kNotSupported = {
          "checksum_concurrency", "encryption_method", "encryption_keyfile", "ignore_stats",
          "load_stats", "wait_tiflash_ready", "with_sys_table", "online", "backup_ts"};
      const std::string stmt_name = backup ? "BACKUP" : "RESTORE";
      if (kNotSupported.count(name)) {
        return SqlError(er::kNotSupportedYet,
                        "This version of TiDB doesn't yet support '" + stmt_name + " option " +
                            upper + "'");
      }
      if (!kBoth.count(name) && !kBackupOnly.count(name)) return Error();
      if (kBackupOnly.count(name) && !backup) {
        return SqlError(er::kNotSupportedYet, "This version of TiDB doesn't yet support '" +
                                                  stmt_name + " option " + upper +
                                                  "' (it is an option of BACKUP)");
      }
      if (!seen.insert(name).second) return Error();  // given twice
      Advance();
      AcceptOp("=");
      if (name == "rate_limit") {
        SQL_ASSIGN_OR_RETURN(int64_t n, IntLiteral());
        SQL_RETURN_IF_ERROR(ExpectWord("mb"));
        SQL_RETURN_IF_ERROR(ExpectOp("/"));
        SQL_RETURN_IF_ERROR(ExpectWord("second"));
        b.rate_limit_mib = static_cast<uint64_t>(n);
      } else if (name == "concurrency") {
        const size_t at = i_;
        SQL_ASSIGN_OR_RETURN(int64_t n, IntLiteral());
        if (n < 1 || n > 1024) {
          i_ = at;
          return Error();
        }
        b.concurrency = static_cast<uint32_t>(n);
      } else if (name == "checksum" || name == "send_credentials_to_tikv") {
        SQL_ASSIGN_OR_RETURN(bool v, BoolOption());
        (name == "checksum" ? b.checksum : b.send_credentials) = v;
      } else if (name == "snapshot" || name == "last_backup") {
        std::optional<std::string>& text = name == "snapshot" ? b.snapshot : b.last_backup;
        if (Cur().kind == TokenKind::kString) {
          text = Cur().text;
          Advance();
        } else {
          SQL_ASSIGN_OR_RETURN(int64_t n, IntLiteral());
          static const std::map<std::string, int64_t> kUnitUs = {
              {"microsecond", 1},          {"second", 1000000},
              {"minute", 60000000LL},      {"hour", 3600000000LL},
              {"day", 86400000000LL},      {"week", 7 * 86400000000LL}};
          auto unit = Cur().kind == TokenKind::kWord ? kUnitUs.find(Lower(Cur().text))
                                                     : kUnitUs.end();
          if (name == "snapshot" && unit != kUnitUs.end()) {
            Advance();
            SQL_RETURN_IF_ERROR(ExpectWord("ago"));
            if (n < 0 || n > INT64_MAX / unit->second) return Error();
            b.snapshot_ago_us = n * unit->second;
          } else {
            text = std::to_string(n);
          }
        }
      } else if (name == "compression_type") {
        if (Cur().kind != TokenKind::kString && Cur().kind != TokenKind::kWord) return Error();
        b.compression_type = Cur().text;
        Advance();
      } else if (name == "compression_level") {
        SQL_ASSIGN_OR_RETURN(int64_t n, IntLiteral());
        b.compression_level = static_cast<int>(n);
      }
    }
    return Statement(std::move(b));
  }

  // NUM | TRUE | FALSE (a number is true unless 0).
  SqlResult<bool> BoolOption() {
    if (AcceptWord("true")) return true;
    if (AcceptWord("false")) return false;
    SQL_ASSIGN_OR_RETURN(int64_t n, IntLiteral());
    return n != 0;
  }

  SqlError ParseLikeOrWhere(ShowStmt* s) {
    if (AcceptWord("like")) {
      if (Cur().kind != TokenKind::kString) return Error();
      s->like = Cur().text;
      Advance();
    } else if (AcceptWord("where")) {
      SQL_ASSIGN_OR_RETURN(s->where, ParseExpr());
    }
    return SqlError::OK();
  }

  SqlResult<Statement> ParseShow() {
    Advance();  // SHOW
    ShowStmt s;
    if (AcceptWord("full")) s.full = true;
    if (AcceptWord("global")) {
      s.global = true;
    } else {
      AcceptWord("session");
    }
    if (AcceptWord("databases") || AcceptWord("schemas")) {
      s.kind = ShowStmt::Kind::kDatabases;
    } else if (AcceptWord("tables")) {
      s.kind = ShowStmt::Kind::kTables;
      if (AcceptWord("from") || AcceptWord("in")) {
        SQL_ASSIGN_OR_RETURN(s.db, Ident());
      }
    } else if (AcceptWord("create")) {
      if (AcceptWord("table")) {
        s.kind = ShowStmt::Kind::kCreateTable;
        SQL_ASSIGN_OR_RETURN(s.table, ParseTableName());
      } else if (AcceptWord("database") || AcceptWord("schema")) {
        s.kind = ShowStmt::Kind::kCreateDatabase;
        if (AcceptWord("if")) {
          SQL_RETURN_IF_ERROR(ExpectWord("not"));
          SQL_RETURN_IF_ERROR(ExpectWord("exists"));
          s.if_not_exists = true;
        }
        SQL_ASSIGN_OR_RETURN(s.db, Ident());
      } else {
        return Unsupported("SHOW CREATE");
      }
      return Statement(std::move(s));
    } else if (AcceptWord("columns") || AcceptWord("fields")) {
      s.kind = ShowStmt::Kind::kColumns;
      if (!AcceptWord("from") && !AcceptWord("in")) return Error();
      SQL_ASSIGN_OR_RETURN(s.table, ParseTableName());
      if (AcceptWord("from") || AcceptWord("in")) {
        SQL_ASSIGN_OR_RETURN(s.table.db, Ident());
      }
    } else if (AcceptWord("index") || AcceptWord("indexes") || AcceptWord("keys")) {
      s.kind = ShowStmt::Kind::kIndex;
      if (!AcceptWord("from") && !AcceptWord("in")) return Error();
      SQL_ASSIGN_OR_RETURN(s.table, ParseTableName());
      if (AcceptWord("from") || AcceptWord("in")) {
        SQL_ASSIGN_OR_RETURN(s.table.db, Ident());
      }
    } else if (AcceptWord("variables")) {
      s.kind = ShowStmt::Kind::kVariables;
    } else if (AcceptWord("warnings")) {
      s.kind = ShowStmt::Kind::kWarnings;
      SkipToStatementEnd();
      return Statement(std::move(s));
    } else if (AcceptWord("errors")) {
      s.kind = ShowStmt::Kind::kErrors;
      SkipToStatementEnd();
      return Statement(std::move(s));
    } else if (AcceptWord("table")) {
      SQL_RETURN_IF_ERROR(ExpectWord("status"));
      s.kind = ShowStmt::Kind::kTableStatus;
      if (AcceptWord("from") || AcceptWord("in")) {
        SQL_ASSIGN_OR_RETURN(s.db, Ident());
      }
    } else if (AcceptWord("processlist")) {
      s.kind = ShowStmt::Kind::kProcessList;
      return Statement(std::move(s));
    } else if (AcceptWord("engines")) {
      s.kind = ShowStmt::Kind::kEngines;
      return Statement(std::move(s));
    } else if (AcceptWord("collation")) {
      s.kind = ShowStmt::Kind::kCollation;
    } else if (AcceptWord("charset") ||
               (AcceptWord("character") && AcceptWord("set"))) {
      s.kind = ShowStmt::Kind::kCharset;
    } else if (AcceptWord("status")) {
      s.kind = ShowStmt::Kind::kStatus;
    } else if (AcceptWord("backups")) {
      s.kind = ShowStmt::Kind::kBackups;
    } else if (AcceptWord("restores")) {
      s.kind = ShowStmt::Kind::kRestores;
    } else {
      return Unsupported("SHOW " + Cur().text);
    }
    SQL_RETURN_IF_ERROR(ParseLikeOrWhere(&s));
    return Statement(std::move(s));
  }

  // ---- expressions ----
  SqlResult<ExprPtr> ParseExpr() { return ParseOr(); }

  SqlResult<ExprPtr> ParseOr() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseXor());
    while (AcceptWord("or") || AcceptOp("||")) {
      SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseXor());
      left = MakeBinary("or", std::move(left), std::move(right));
    }
    return left;
  }
  SqlResult<ExprPtr> ParseXor() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
    while (AcceptWord("xor")) {
      SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
      left = MakeBinary("xor", std::move(left), std::move(right));
    }
    return left;
  }
  SqlResult<ExprPtr> ParseAnd() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
    while (AcceptWord("and") || AcceptOp("&&")) {
      SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
      left = MakeBinary("and", std::move(left), std::move(right));
    }
    return left;
  }
  SqlResult<ExprPtr> ParseNot() {
    if (AcceptWord("not")) {
      SQL_ASSIGN_OR_RETURN(ExprPtr inner, ParseNot());
      ExprPtr e = MakeExpr(Expr::Kind::kUnary);
      e->op = "not";
      e->args.push_back(std::move(inner));
      return e;
    }
    return ParsePredicate();
  }

  SqlResult<ExprPtr> ParsePredicate() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseBitOr());
    while (true) {
      static const char* kCmp[] = {"=", "<=>", "<>", "!=", "<", "<=", ">", ">="};
      bool matched = false;
      for (const char* op : kCmp) {
        if (IsOp(op)) {
          Advance();
          SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseBitOr());
          left = MakeBinary(std::string(op) == "!=" ? "<>" : op, std::move(left),
                            std::move(right));
          matched = true;
          break;
        }
      }
      if (matched) continue;
      if (AcceptWord("is")) {
        bool neg = AcceptWord("not");
        ExprPtr e;
        if (AcceptWord("null")) {
          e = MakeExpr(Expr::Kind::kIsNull);
        } else if (AcceptWord("true") || AcceptWord("false")) {
          e = MakeExpr(Expr::Kind::kIsBool);
          e->literal = catalog::Datum::Int(EqualsIgnoreCase(Prev().text, "true") ? 1 : 0);
        } else {
          return Error();
        }
        e->negated = neg;
        e->args.push_back(std::move(left));
        left = std::move(e);
        continue;
      }
      size_t save = i_;
      bool neg = AcceptWord("not");
      if (AcceptWord("in")) {
        SQL_RETURN_IF_ERROR(ExpectOp("("));
        if (IsWord("select")) {
          return SqlError(er::kNotSupportedYet,
                          "This version of TiDB doesn't yet support 'subqueries'");
        }
        ExprPtr e = MakeExpr(Expr::Kind::kIn);
        e->negated = neg;
        e->args.push_back(std::move(left));
        do {
          SQL_ASSIGN_OR_RETURN(ExprPtr v, ParseExpr());
          e->args.push_back(std::move(v));
        } while (AcceptOp(","));
        SQL_RETURN_IF_ERROR(ExpectOp(")"));
        left = std::move(e);
        continue;
      }
      if (AcceptWord("between")) {
        ExprPtr e = MakeExpr(Expr::Kind::kBetween);
        e->negated = neg;
        e->args.push_back(std::move(left));
        SQL_ASSIGN_OR_RETURN(ExprPtr lo, ParseBitOr());
        SQL_RETURN_IF_ERROR(ExpectWord("and"));
        SQL_ASSIGN_OR_RETURN(ExprPtr hi, ParseBitOr());
        e->args.push_back(std::move(lo));
        e->args.push_back(std::move(hi));
        left = std::move(e);
        continue;
      }
      if (AcceptWord("like")) {
        ExprPtr e = MakeExpr(Expr::Kind::kLike);
        e->negated = neg;
        e->args.push_back(std::move(left));
        SQL_ASSIGN_OR_RETURN(ExprPtr pat, ParseBitOr());
        e->args.push_back(std::move(pat));
        if (AcceptWord("escape")) {
          SQL_ASSIGN_OR_RETURN(ExprPtr esc, ParsePrimary());
          e->args.push_back(std::move(esc));
        }
        left = std::move(e);
        continue;
      }
      i_ = save;
      break;
    }
    return left;
  }

  SqlResult<ExprPtr> ParseBitOr() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseBitAnd());
    while (IsOp("|")) {
      Advance();
      SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseBitAnd());
      left = MakeBinary("|", std::move(left), std::move(right));
    }
    return left;
  }
  SqlResult<ExprPtr> ParseBitAnd() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseShift());
    while (IsOp("&")) {
      Advance();
      SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseShift());
      left = MakeBinary("&", std::move(left), std::move(right));
    }
    return left;
  }
  SqlResult<ExprPtr> ParseShift() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseAdd());
    while (IsOp("<<") || IsOp(">>")) {
      std::string op = Cur().text;
      Advance();
      SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseAdd());
      left = MakeBinary(op, std::move(left), std::move(right));
    }
    return left;
  }
  SqlResult<ExprPtr> ParseAdd() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseMul());
    while (IsOp("+") || IsOp("-")) {
      std::string op = Cur().text;
      Advance();
      SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseMul());
      left = MakeBinary(op, std::move(left), std::move(right));
    }
    return left;
  }
  SqlResult<ExprPtr> ParseMul() {
    SQL_ASSIGN_OR_RETURN(ExprPtr left, ParseUnary());
    while (true) {
      std::string op;
      if (IsOp("*") || IsOp("/") || IsOp("%")) {
        op = Cur().text;
      } else if (IsWord("div")) {
        op = "div";
      } else if (IsWord("mod")) {
        op = "%";
      } else {
        break;
      }
      Advance();
      SQL_ASSIGN_OR_RETURN(ExprPtr right, ParseUnary());
      left = MakeBinary(op, std::move(left), std::move(right));
    }
    return left;
  }
  SqlResult<ExprPtr> ParseUnary() {
    if (IsOp("-") || IsOp("+") || IsOp("~") || IsOp("!")) {
      std::string op = Cur().text;
      Advance();
      SQL_ASSIGN_OR_RETURN(ExprPtr inner, ParseUnary());
      if (op == "+") return inner;
      // Fold negative numeric literals so -9223372036854775808 and DEFAULT -1 work.
      if (op == "-" && inner->kind == Expr::Kind::kLiteral) {
        const catalog::Datum& d = inner->literal;
        if (d.kind() == catalog::Datum::Kind::kInt64) {
          // INT64_MIN only comes from "-9223372036854775808", already negated.
          if (d.int_value() != INT64_MIN) inner->literal = catalog::Datum::Int(-d.int_value());
          return inner;
        }
        if (d.kind() == catalog::Datum::Kind::kDouble) {
          inner->literal = catalog::Datum::Double(-d.double_value());
          return inner;
        }
      }
      ExprPtr e = MakeExpr(Expr::Kind::kUnary);
      e->op = op == "!" ? "not" : op;
      e->args.push_back(std::move(inner));
      return e;
    }
    return ParsePrimary();
  }

  SqlResult<ExprPtr> ParsePrimary() {
    const Token t = Cur();
    switch (t.kind) {
      case TokenKind::kInt: {
        Advance();
        ExprPtr e = MakeExpr(Expr::Kind::kLiteral);
        errno = 0;
        long long v = std::strtoll(t.text.c_str(), nullptr, 10);
        if (errno == ERANGE) {
          if (t.text == "9223372036854775808" && IsNegationContext()) {
            e->literal = catalog::Datum::Int(INT64_MIN);  // folded by the caller's '-'
          } else {
            e->literal = catalog::Datum::Double(std::strtod(t.text.c_str(), nullptr));
          }
        } else {
          e->literal = catalog::Datum::Int(v);
        }
        return e;
      }
      case TokenKind::kFloat: {
        Advance();
        ExprPtr e = MakeExpr(Expr::Kind::kLiteral);
        e->literal = catalog::Datum::Double(std::strtod(t.text.c_str(), nullptr));
        return e;
      }
      case TokenKind::kString:
      case TokenKind::kHex: {
        Advance();
        ExprPtr e = MakeExpr(Expr::Kind::kLiteral);
        std::string s = t.text;
        // Adjacent string literals concatenate ('a' 'b').
        while (Cur().kind == TokenKind::kString) {
          s += Cur().text;
          Advance();
        }
        e->literal = catalog::Datum::Bytes(std::move(s));
        return e;
      }
      case TokenKind::kParam: {
        Advance();
        ExprPtr e = MakeExpr(Expr::Kind::kParam);
        e->param_index = params_++;
        return e;
      }
      case TokenKind::kUserVar: {
        Advance();
        ExprPtr e = MakeExpr(Expr::Kind::kUserVar);
        e->name = t.text;
        return e;
      }
      case TokenKind::kSysVar: {
        Advance();
        ExprPtr e = MakeExpr(Expr::Kind::kSysVar);
        e->name = t.text;
        e->qualifier = t.scope;
        return e;
      }
      case TokenKind::kOp:
        if (t.text == "(") {
          Advance();
          if (IsWord("select")) {
            return SqlError(er::kNotSupportedYet,
                            "This version of TiDB doesn't yet support 'subqueries'");
          }
          SQL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
          if (IsOp(",")) {
            return SqlError(er::kNotSupportedYet,
                            "This version of TiDB doesn't yet support 'row constructors'");
          }
          SQL_RETURN_IF_ERROR(ExpectOp(")"));
          return e;
        }
        return Error();
      case TokenKind::kQuotedIdent:
      case TokenKind::kWord:
        return ParseWordExpr();
      case TokenKind::kEnd:
        return Error();
    }
    return Error();
  }

  bool IsNegationContext() const { return i_ >= 2 && t_[i_ - 2].kind == TokenKind::kOp && t_[i_ - 2].text == "-"; }

  SqlResult<ExprPtr> ParseWordExpr() {
    const Token t = Cur();
    const std::string w = Lower(t.text);
    if (t.kind == TokenKind::kWord) {
      if (w == "null") {
        Advance();
        return MakeExpr(Expr::Kind::kLiteral);
      }
      if (w == "true" || w == "false") {
        Advance();
        ExprPtr e = MakeExpr(Expr::Kind::kLiteral);
        e->literal = catalog::Datum::Int(w == "true" ? 1 : 0);
        return e;
      }
      if (w == "default" && !IsOp("(", 1)) {
        Advance();
        return MakeExpr(Expr::Kind::kDefault);
      }
      if ((w == "current_user" || w == "current_timestamp" || w == "localtime" ||
           w == "localtimestamp" || w == "current_date" || w == "utc_timestamp") &&
          !IsOp("(", 1)) {
        Advance();
        ExprPtr e = MakeExpr(Expr::Kind::kFunc);
        e->name = w;
        return e;
      }
      if (w == "interval" || w == "case" || w == "exists" || w == "binary") {
        return SqlError(er::kNotSupportedYet,
                        "This version of TiDB doesn't yet support '" + t.text + "'");
      }
      if (IsOp("(", 1)) return ParseFunction();
      if (ReservedWords().count(w)) return Error();
    }
    Advance();
    ExprPtr e = MakeExpr(Expr::Kind::kColumn);
    e->name = t.text;
    if (AcceptOp(".")) {
      SQL_ASSIGN_OR_RETURN(std::string second, AnyIdentAfterDot());
      e->qualifier = e->name;
      e->name = second;
      if (AcceptOp(".")) {  // db.table.column
        SQL_ASSIGN_OR_RETURN(std::string third, AnyIdentAfterDot());
        e->qualifier = e->name;
        e->name = third;
      }
    }
    return e;
  }

  SqlResult<ExprPtr> ParseFunction() {
    ExprPtr e = MakeExpr(Expr::Kind::kFunc);
    e->name = Lower(Cur().text);
    Advance();
    SQL_RETURN_IF_ERROR(ExpectOp("("));
    if (e->name == "count" && AcceptOp("*")) {
      e->star = true;
      SQL_RETURN_IF_ERROR(ExpectOp(")"));
      return e;
    }
    if (AcceptWord("distinct")) e->distinct = true;
    if (e->name == "cast" || e->name == "convert") {
      return SqlError(er::kNotSupportedYet,
                      "This version of TiDB doesn't yet support '" + e->name + "'");
    }
    if (!IsOp(")")) {
      do {
        SQL_ASSIGN_OR_RETURN(ExprPtr a, ParseExpr());
        e->args.push_back(std::move(a));
      } while (AcceptOp(","));
    }
    SQL_RETURN_IF_ERROR(ExpectOp(")"));
    return e;
  }

  std::string_view q_;
  std::vector<Token> t_;
  size_t i_ = 0;
  int params_ = 0;
};

}  // namespace

SqlResult<std::vector<ParsedStatement>> Parse(std::string_view query) {
  SQL_ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(query));
  return Parser(query, std::move(toks)).ParseAll();
}

SqlResult<ExprPtr> ParseExpression(std::string_view text) {
  SQL_ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(text));
  return Parser(text, std::move(toks)).ParseOnlyExpr();
}

}  // namespace brkv::sql
