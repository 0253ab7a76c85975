#include "sql/eval.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "catalog/row.h"

namespace brkv::sql {

namespace {

using catalog::Datum;
using Kind = Datum::Kind;

SqlResult<Datum> EvalBinary(const Expr& e, const EvalEnv& env);
SqlResult<Datum> EvalFunc(const Expr& e, const EvalEnv& env);

Datum Bool(bool b) { return Datum::Int(b ? 1 : 0); }

double AsDouble(const Datum& d) {
  Datum n = ToNumber(d);
  if (n.kind() == Kind::kInt64) return static_cast<double>(n.int_value());
  if (n.kind() == Kind::kDouble) return n.double_value();
  return 0;
}

SqlError OutOfRange(const std::string& what) {
  return SqlError(1690, "22003", "BIGINT value is out of range in '" + what + "'");
}

std::string NowText() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

SqlResult<Datum> Arith(const std::string& op, const Datum& a, const Datum& b) {
  if (a.is_null() || b.is_null()) return Datum::Null();
  Datum x = ToNumber(a), y = ToNumber(b);
  const bool ints = x.kind() == Kind::kInt64 && y.kind() == Kind::kInt64;
  if (op == "/") {
    double d = AsDouble(y);
    if (d == 0) return Datum::Null();
    return Datum::Double(AsDouble(x) / d);
  }
  if (ints) {
    int64_t p = x.int_value(), q = y.int_value(), r = 0;
    if (op == "+") {
      if (__builtin_add_overflow(p, q, &r)) return OutOfRange(op);
    } else if (op == "-") {
      if (__builtin_sub_overflow(p, q, &r)) return OutOfRange(op);
    } else if (op == "*") {
      if (__builtin_mul_overflow(p, q, &r)) return OutOfRange(op);
    } else if (op == "div") {
      if (q == 0) return Datum::Null();
      if (p == INT64_MIN && q == -1) return OutOfRange(op);
      r = p / q;
    } else if (op == "%") {
      if (q == 0) return Datum::Null();
      r = (q == -1) ? 0 : p % q;
    } else if (op == "&") {
      r = p & q;
    } else if (op == "|") {
      r = p | q;
    } else if (op == "<<") {
      r = q >= 64 ? 0 : static_cast<int64_t>(static_cast<uint64_t>(p) << q);
    } else if (op == ">>") {
      r = q >= 64 ? 0 : static_cast<int64_t>(static_cast<uint64_t>(p) >> q);
    }
    return Datum::Int(r);
  }
  double p = AsDouble(x), q = AsDouble(y);
  if (op == "+") return Datum::Double(p + q);
  if (op == "-") return Datum::Double(p - q);
  if (op == "*") return Datum::Double(p * q);
  if (op == "div") {
    if (q == 0) return Datum::Null();
    return Datum::Int(static_cast<int64_t>(std::trunc(p / q)));
  }
  if (op == "%") {
    if (q == 0) return Datum::Null();
    return Datum::Double(std::fmod(p, q));
  }
  return Datum::Int(static_cast<int64_t>(p) & static_cast<int64_t>(q));
}

SqlResult<Datum> EvalBinary(const Expr& e, const EvalEnv& env) {
  const std::string& op = e.op;
  if (op == "and" || op == "or" || op == "xor") {
    SQL_ASSIGN_OR_RETURN(Datum a, Eval(*e.args[0], env));
    std::optional<bool> ta = Truth(a);
    if (op == "and" && ta == false) return Bool(false);
    if (op == "or" && ta == true) return Bool(true);
    SQL_ASSIGN_OR_RETURN(Datum b, Eval(*e.args[1], env));
    std::optional<bool> tb = Truth(b);
    if (op == "and") {
      if (tb == false) return Bool(false);
      if (!ta || !tb) return Datum::Null();
      return Bool(true);
    }
    if (op == "or") {
      if (tb == true) return Bool(true);
      if (!ta || !tb) return Datum::Null();
      return Bool(false);
    }
    if (!ta || !tb) return Datum::Null();
    return Bool(*ta != *tb);
  }
  SQL_ASSIGN_OR_RETURN(Datum a, Eval(*e.args[0], env));
  SQL_ASSIGN_OR_RETURN(Datum b, Eval(*e.args[1], env));
  if (op == "<=>") {
    if (a.is_null() || b.is_null()) return Bool(a.is_null() && b.is_null());
    return Bool(Compare(a, b) == 0);
  }
  if (op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    if (a.is_null() || b.is_null()) return Datum::Null();
    int c = Compare(a, b);
    if (op == "=") return Bool(c == 0);
    if (op == "<>") return Bool(c != 0);
    if (op == "<") return Bool(c < 0);
    if (op == "<=") return Bool(c <= 0);
    if (op == ">") return Bool(c > 0);
    return Bool(c >= 0);
  }
  return Arith(op, a, b);
}

SqlResult<Datum> AggValue(const Expr& e, const EvalEnv& env) {
  if (e.agg_index < 0 || static_cast<size_t>(e.agg_index) >= env.aggs.size()) {
    return SqlError(1111, "HY000", "Invalid use of group function");
  }
  return env.aggs[e.agg_index];
}

SqlResult<Datum> EvalFunc(const Expr& e, const EvalEnv& env) {
  const std::string& f = e.name;
  if (IsAggregateName(f)) return AggValue(e, env);
  std::vector<Datum> args;
  for (const ExprPtr& a : e.args) {
    SQL_ASSIGN_OR_RETURN(Datum v, Eval(*a, env));
    args.push_back(std::move(v));
  }
  auto need = [&](size_t n) -> SqlError {
    if (args.size() != n) {
      return SqlError(1582, "42000",
                      "Incorrect parameter count in the call to native function '" + f + "'");
    }
    return SqlError::OK();
  };
  const Session* s = env.session;
  if (f == "database" || f == "schema") {
    SQL_RETURN_IF_ERROR(need(0));
    if (!s || s->current_db().empty()) return Datum::Null();
    return Datum::Bytes(s->current_db());
  }
  if (f == "user" || f == "current_user" || f == "session_user" || f == "system_user") {
    return Datum::Bytes((s ? s->user() : std::string("root")) + "@127.0.0.1");
  }
  if (f == "version") return Datum::Bytes(std::string(kServerVersion));
  if (f == "connection_id") return Datum::Int(s ? s->connection_id() : 0);
  if (f == "last_insert_id") {
    if (!args.empty()) return args[0];
    return Datum::Int(s ? static_cast<int64_t>(s->last_insert_id()) : 0);
  }
  if (f == "now" || f == "current_timestamp" || f == "sysdate" || f == "localtime" ||
      f == "localtimestamp" || f == "utc_timestamp") {
    return Datum::Bytes(NowText());
  }
  if (f == "current_date" || f == "curdate") return Datum::Bytes(NowText().substr(0, 10));
  if (f == "concat") {
    std::string out;
    for (const Datum& d : args) {
      if (d.is_null()) return Datum::Null();
      out += FormatText(d).value_or("");
    }
    return Datum::Bytes(out);
  }
  if (f == "lower" || f == "lcase" || f == "upper" || f == "ucase") {
    SQL_RETURN_IF_ERROR(need(1));
    if (args[0].is_null()) return Datum::Null();
    std::string t = FormatText(args[0]).value_or("");
    for (char& c : t) {
      c = static_cast<char>(f[0] == 'l' ? std::tolower(static_cast<unsigned char>(c))
                                        : std::toupper(static_cast<unsigned char>(c)));
    }
    return Datum::Bytes(t);
  }
  if (f == "length" || f == "octet_length" || f == "char_length" || f == "character_length") {
    SQL_RETURN_IF_ERROR(need(1));
    if (args[0].is_null()) return Datum::Null();
    std::string t = FormatText(args[0]).value_or("");
    if (f[0] == 'c') {
      int64_t n = 0;
      for (unsigned char c : t) n += (c & 0xC0) != 0x80;
      return Datum::Int(n);
    }
    return Datum::Int(static_cast<int64_t>(t.size()));
  }
  if (f == "abs") {
    SQL_RETURN_IF_ERROR(need(1));
    Datum n = ToNumber(args[0]);
    if (n.kind() == Kind::kInt64) {
      if (n.int_value() == INT64_MIN) return OutOfRange("abs");
      return Datum::Int(std::llabs(n.int_value()));
    }
    if (n.kind() == Kind::kDouble) return Datum::Double(std::fabs(n.double_value()));
    return n;
  }
  if (f == "ifnull" || f == "coalesce" || f == "nvl") {
    for (const Datum& d : args) {
      if (!d.is_null()) return d;
    }
    return Datum::Null();
  }
  if (f == "if") {
    SQL_RETURN_IF_ERROR(need(3));
    return Truth(args[0]).value_or(false) ? args[1] : args[2];
  }
  if (f == "nullif") {
    SQL_RETURN_IF_ERROR(need(2));
    if (!args[0].is_null() && !args[1].is_null() && Compare(args[0], args[1]) == 0) {
      return Datum::Null();
    }
    return args[0];
  }
  if (f == "floor" || f == "ceil" || f == "ceiling" || f == "round") {
    if (args.empty()) SQL_RETURN_IF_ERROR(need(1));
    Datum n = ToNumber(args[0]);
    if (n.kind() != Kind::kDouble) return n;
    double v = n.double_value();
    double r = f == "floor" ? std::floor(v) : f == "round" ? std::round(v) : std::ceil(v);
    if (f == "round" && args.size() == 2) {
      double p = std::pow(10.0, AsDouble(args[1]));
      return Datum::Double(std::round(v * p) / p);
    }
    return Datum::Int(static_cast<int64_t>(r));
  }
  if (f == "greatest" || f == "least") {
    if (args.empty()) SQL_RETURN_IF_ERROR(need(1));
    Datum best = args[0];
    for (const Datum& d : args) {
      if (d.is_null()) return Datum::Null();
      int c = Compare(d, best);
      if ((f == "greatest" && c > 0) || (f == "least" && c < 0)) best = d;
    }
    return best;
  }
  return SqlError(1305, "42000", "FUNCTION " + f + " does not exist");
}

}  // namespace

std::optional<bool> Truth(const Datum& d) {
  switch (d.kind()) {
    case Kind::kNull: return std::nullopt;
    case Kind::kInt64: return d.int_value() != 0;
    case Kind::kDouble: return d.double_value() != 0;
    case Kind::kBytes: return AsDouble(d) != 0;
  }
  return std::nullopt;
}

Datum ToNumber(const Datum& d) {
  if (d.kind() != Kind::kBytes) return d;
  const std::string& s = d.bytes();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  const char* start = s.c_str() + i;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(start, &end, 10);
  if (end != start && errno == 0 && *end != '.' && *end != 'e' && *end != 'E') {
    return Datum::Int(v);
  }
  double dv = std::strtod(start, &end);
  if (end == start) return Datum::Int(0);
  return Datum::Double(dv);
}

int Compare(const Datum& a, const Datum& b) {
  if (a.kind() == Kind::kInt64 && b.kind() == Kind::kInt64) {
    return a.int_value() < b.int_value() ? -1 : a.int_value() > b.int_value() ? 1 : 0;
  }
  if (a.kind() == Kind::kBytes && b.kind() == Kind::kBytes) {
    int c = a.bytes().compare(b.bytes());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  Datum x = ToNumber(a), y = ToNumber(b);
  if (x.kind() == Kind::kInt64 && y.kind() == Kind::kInt64) return Compare(x, y);
  double p = AsDouble(x), q = AsDouble(y);
  return p < q ? -1 : p > q ? 1 : 0;
}

bool LikeMatch(std::string_view text, std::string_view pat, bool fold_case, char escape) {
  auto eq = [&](char a, char b) {
    return fold_case ? std::tolower(static_cast<unsigned char>(a)) ==
                           std::tolower(static_cast<unsigned char>(b))
                     : a == b;
  };
  // Iterative matcher with backtracking to the last '%'.
  size_t t = 0, p = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pat.size()) {
      char pc = pat[p];
      if (pc == escape && p + 1 < pat.size()) {
        if (eq(text[t], pat[p + 1])) {
          t++;
          p += 2;
          continue;
        }
      } else if (pc == '%') {
        star_p = p++;
        star_t = t;
        continue;
      } else if (pc == '_' || eq(text[t], pc)) {
        t++;
        p++;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < pat.size() && pat[p] == '%') ++p;
  return p == pat.size();
}

std::optional<std::string> FormatText(const Datum& d) { return catalog::FormatColumnValue(d); }

bool IsAggregateName(const std::string& n) {
  return n == "count" || n == "sum" || n == "min" || n == "max" || n == "avg" ||
         n == "group_concat" || n == "bit_xor" || n == "bit_or" || n == "bit_and";
}

bool IsConstant(const Expr& e) {
  if (e.kind == Expr::Kind::kColumn || e.kind == Expr::Kind::kDefault) return false;
  if (e.kind == Expr::Kind::kFunc && IsAggregateName(e.name)) return false;
  for (const ExprPtr& a : e.args) {
    if (!IsConstant(*a)) return false;
  }
  return true;
}

bool HasAggregate(const Expr& e) {
  if (e.kind == Expr::Kind::kFunc && IsAggregateName(e.name)) return true;
  for (const ExprPtr& a : e.args) {
    if (HasAggregate(*a)) return true;
  }
  return false;
}

SqlResult<Datum> Eval(const Expr& e, const EvalEnv& env) {
  switch (e.kind) {
    case Expr::Kind::kLiteral: return e.literal;
    case Expr::Kind::kColumn:
      if (e.column_index < 0 || static_cast<size_t>(e.column_index) >= env.row.size()) {
        return SqlError(er::kBadField, "Unknown column '" + e.name + "' in 'field list'");
      }
      return env.row[e.column_index];
    case Expr::Kind::kParam:
      if (static_cast<size_t>(e.param_index) >= env.params.size()) {
        return SqlError(1210, "HY000", "Incorrect arguments to EXECUTE");
      }
      return env.params[e.param_index];
    case Expr::Kind::kUserVar:
      return env.session ? env.session->GetUserVar(e.name) : Datum::Null();
    case Expr::Kind::kSysVar:
      if (!env.session) return SqlError(er::kUnknownSystemVariable, "no session");
      return env.session->GetSysVar(e.name, e.qualifier);
    case Expr::Kind::kUnary: {
      SQL_ASSIGN_OR_RETURN(Datum v, Eval(*e.args[0], env));
      if (v.is_null()) return Datum::Null();
      if (e.op == "not") return Bool(!Truth(v).value_or(false));
      if (e.op == "~") return Datum::Int(~ToNumber(v).int_value());
      Datum n = ToNumber(v);
      if (n.kind() == Kind::kInt64) {
        if (n.int_value() == INT64_MIN) return OutOfRange("-");
        return Datum::Int(-n.int_value());
      }
      return Datum::Double(-n.double_value());
    }
    case Expr::Kind::kBinary: return EvalBinary(e, env);
    case Expr::Kind::kFunc: return EvalFunc(e, env);
    case Expr::Kind::kIn: {
      SQL_ASSIGN_OR_RETURN(Datum v, Eval(*e.args[0], env));
      if (v.is_null()) return Datum::Null();
      bool saw_null = false;
      for (size_t i = 1; i < e.args.size(); ++i) {
        SQL_ASSIGN_OR_RETURN(Datum x, Eval(*e.args[i], env));
        if (x.is_null()) {
          saw_null = true;
        } else if (Compare(v, x) == 0) {
          return Bool(!e.negated);
        }
      }
      if (saw_null) return Datum::Null();
      return Bool(e.negated);
    }
    case Expr::Kind::kBetween: {
      SQL_ASSIGN_OR_RETURN(Datum v, Eval(*e.args[0], env));
      SQL_ASSIGN_OR_RETURN(Datum lo, Eval(*e.args[1], env));
      SQL_ASSIGN_OR_RETURN(Datum hi, Eval(*e.args[2], env));
      if (v.is_null() || lo.is_null() || hi.is_null()) return Datum::Null();
      bool in = Compare(v, lo) >= 0 && Compare(v, hi) <= 0;
      return Bool(in != e.negated);
    }
    case Expr::Kind::kLike: {
      SQL_ASSIGN_OR_RETURN(Datum v, Eval(*e.args[0], env));
      SQL_ASSIGN_OR_RETURN(Datum p, Eval(*e.args[1], env));
      if (v.is_null() || p.is_null()) return Datum::Null();
      char esc = '\\';
      if (e.args.size() > 2) {
        SQL_ASSIGN_OR_RETURN(Datum x, Eval(*e.args[2], env));
        std::string s = FormatText(x).value_or("");
        if (!s.empty()) esc = s[0];
      }
      bool m = LikeMatch(FormatText(v).value_or(""), FormatText(p).value_or(""), false, esc);
      return Bool(m != e.negated);
    }
    case Expr::Kind::kIsNull: {
      SQL_ASSIGN_OR_RETURN(Datum v, Eval(*e.args[0], env));
      return Bool(v.is_null() != e.negated);
    }
    case Expr::Kind::kIsBool: {
      SQL_ASSIGN_OR_RETURN(Datum v, Eval(*e.args[0], env));
      std::optional<bool> t = Truth(v);
      bool is = t.has_value() && *t == (e.literal.int_value() == 1);
      return Bool(is != e.negated);
    }
    case Expr::Kind::kDefault:
      return SqlError(er::kNotSupportedYet, "DEFAULT is only supported in INSERT VALUES");
  }
  return SqlError(er::kUnknown, "unknown expression");
}

}  // namespace brkv::sql
