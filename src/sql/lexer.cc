#include "sql/lexer.h"

#include <cctype>

namespace brkv::sql {

namespace {

bool IsIdentChar(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  SqlResult<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      SQL_RETURN_IF_ERROR(SkipSpaceAndComments());
      if (i_ >= q_.size()) break;
      Token t;
      t.pos = i_;
      SQL_RETURN_IF_ERROR(Next(&t));
      t.end = i_;
      out.push_back(std::move(t));
    }
    Token end;
    end.pos = end.end = q_.size();
    out.push_back(end);
    return out;
  }

 private:
  char Peek(size_t k = 0) const { return i_ + k < q_.size() ? q_[i_ + k] : '\0'; }

  SqlError SkipSpaceAndComments() {
    while (i_ < q_.size()) {
      const char c = q_[i_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i_;
      } else if (c == '#') {
        while (i_ < q_.size() && q_[i_] != '\n') ++i_;
      } else if (c == '-' && Peek(1) == '-' &&
                 (i_ + 2 >= q_.size() || std::isspace(static_cast<unsigned char>(Peek(2))) ||
                  std::iscntrl(static_cast<unsigned char>(Peek(2))))) {
        while (i_ < q_.size() && q_[i_] != '\n') ++i_;
      } else if (c == '*' && Peek(1) == '/' && exec_depth_ > 0) {
        --exec_depth_;  // end of an executable comment whose body we kept
        i_ += 2;
      } else if (c == '/' && Peek(1) == '*') {
        SQL_RETURN_IF_ERROR(Comment());
      } else {
        break;
      }
    }
    return SqlError::OK();
  }

  SqlError Comment() {
    const size_t start = i_;
    i_ += 2;
    bool keep = false;
    if (Peek() == '!') {
      ++i_;
      size_t d = i_;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++i_;
      keep = (i_ == d) || std::stoll(std::string(q_.substr(d, i_ - d))) <= kExecutableCommentVersion;
    } else if (Peek() == 'T' && Peek(1) == '!') {
      i_ += 2;
      if (Peek() == '[') {
        while (i_ < q_.size() && q_[i_] != ']') ++i_;
        if (i_ < q_.size()) ++i_;
      }
      keep = true;
    }
    if (keep) {
      ++exec_depth_;
      return SqlError::OK();
    }
    size_t close = q_.find("*/", i_);
    if (close == std::string_view::npos) return SyntaxError(q_, start);
    i_ = close + 2;
    return SqlError::OK();
  }

  SqlError Next(Token* t) {
    const unsigned char c = static_cast<unsigned char>(q_[i_]);
    if (c == '\'' || c == '"') return String(t);
    if (c == '`') return QuotedIdent(t);
    if ((c == 'x' || c == 'X') && Peek(1) == '\'') {
      ++i_;
      return HexQuoted(t);
    }
    if ((c == 'n' || c == 'N') && Peek(1) == '\'') {
      ++i_;
      return String(t);
    }
    if (c == '0' && (Peek(1) == 'x' || Peek(1) == 'X') &&
        std::isxdigit(static_cast<unsigned char>(Peek(2)))) {
      size_t s = i_ + 2;
      i_ = s;
      while (std::isxdigit(static_cast<unsigned char>(Peek()))) ++i_;
      if (IsIdentChar(static_cast<unsigned char>(Peek()))) return SyntaxError(q_, t->pos);
      return DecodeHex(t, q_.substr(s, i_ - s));
    }
    if (std::isdigit(c) || (c == '.' && std::isdigit(static_cast<unsigned char>(Peek(1))))) {
      return Number(t);
    }
    if (c == '?') {
      ++i_;
      t->kind = TokenKind::kParam;
      t->text = "?";
      return SqlError::OK();
    }
    if (c == '@') return Variable(t);
    if (IsIdentChar(c)) {
      size_t s = i_;
      while (i_ < q_.size() && IsIdentChar(static_cast<unsigned char>(q_[i_]))) ++i_;
      std::string_view w = q_.substr(s, i_ - s);
      // Charset introducer: _utf8mb4'…', _binary'…'.
      if (w.size() > 1 && w[0] == '_' && (Peek() == '\'' || Peek() == '"')) return String(t);
      t->kind = TokenKind::kWord;
      t->text = std::string(w);
      return SqlError::OK();
    }
    // Operators, longest first.
    static constexpr std::string_view kOps[] = {"<=>", "<=", ">=", "<>", "!=", "||", "&&",
                                                ":=",  "<<", ">>"};
    for (std::string_view op : kOps) {
      if (q_.substr(i_, op.size()) == op) {
        i_ += op.size();
        t->kind = TokenKind::kOp;
        t->text = std::string(op);
        return SqlError::OK();
      }
    }
    static constexpr std::string_view kSingle = "(),;.=<>+-*/%!~&|^{}";
    if (kSingle.find(static_cast<char>(c)) != std::string_view::npos) {
      ++i_;
      t->kind = TokenKind::kOp;
      t->text = std::string(1, static_cast<char>(c));
      return SqlError::OK();
    }
    return SyntaxError(q_, i_);
  }

  SqlError String(Token* t) {
    const char quote = q_[i_];
    const size_t start = i_;
    ++i_;
    std::string s;
    while (true) {
      if (i_ >= q_.size()) return SyntaxError(q_, start);
      char c = q_[i_++];
      if (c == quote) {
        if (Peek() == quote) {
          s.push_back(quote);
          ++i_;
          continue;
        }
        break;
      }
      if (c == '\\' && i_ < q_.size()) {
        char e = q_[i_++];
        switch (e) {
          case '0': s.push_back('\0'); break;
          case 'b': s.push_back('\b'); break;
          case 'n': s.push_back('\n'); break;
          case 'r': s.push_back('\r'); break;
          case 't': s.push_back('\t'); break;
          case 'Z': s.push_back('\x1A'); break;
          case '%': s.append("\\%"); break;
          case '_': s.append("\\_"); break;
          default: s.push_back(e); break;
        }
        continue;
      }
      s.push_back(c);
    }
    t->kind = TokenKind::kString;
    t->text = std::move(s);
    return SqlError::OK();
  }

  SqlError QuotedIdent(Token* t) {
    const size_t start = i_;
    ++i_;
    std::string s;
    while (true) {
      if (i_ >= q_.size()) return SyntaxError(q_, start);
      char c = q_[i_++];
      if (c == '`') {
        if (Peek() == '`') {
          s.push_back('`');
          ++i_;
          continue;
        }
        break;
      }
      s.push_back(c);
    }
    t->kind = TokenKind::kQuotedIdent;
    t->text = std::move(s);
    return SqlError::OK();
  }

  SqlError HexQuoted(Token* t) {
    const size_t start = i_ - 1;
    ++i_;  // opening quote
    size_t s = i_;
    while (i_ < q_.size() && q_[i_] != '\'') ++i_;
    if (i_ >= q_.size()) return SyntaxError(q_, start);
    std::string_view digits = q_.substr(s, i_ - s);
    ++i_;
    if (digits.size() % 2 != 0) return SyntaxError(q_, start);
    return DecodeHex(t, digits);
  }

  SqlError DecodeHex(Token* t, std::string_view digits) {
    std::string out;
    std::string d(digits);
    if (d.size() % 2) d.insert(d.begin(), '0');
    for (size_t k = 0; k < d.size(); k += 2) {
      if (!std::isxdigit(static_cast<unsigned char>(d[k])) ||
          !std::isxdigit(static_cast<unsigned char>(d[k + 1]))) {
        return SyntaxError(q_, t->pos);
      }
      out.push_back(static_cast<char>(std::stoi(d.substr(k, 2), nullptr, 16)));
    }
    t->kind = TokenKind::kHex;
    t->text = std::move(out);
    return SqlError::OK();
  }

  SqlError Number(Token* t) {
    size_t s = i_;
    bool is_float = false;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) ++i_;
    if (Peek() == '.') {
      is_float = true;
      ++i_;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++i_;
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (std::isdigit(static_cast<unsigned char>(Peek(1))) ||
         ((Peek(1) == '+' || Peek(1) == '-') && std::isdigit(static_cast<unsigned char>(Peek(2)))))) {
      is_float = true;
      i_ += 2;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++i_;
    }
    if (IsIdentChar(static_cast<unsigned char>(Peek()))) {
      // 123abc is an identifier in MySQL.
      while (i_ < q_.size() && IsIdentChar(static_cast<unsigned char>(q_[i_]))) ++i_;
      t->kind = TokenKind::kWord;
      t->text = std::string(q_.substr(s, i_ - s));
      return SqlError::OK();
    }
    t->kind = is_float ? TokenKind::kFloat : TokenKind::kInt;
    t->text = std::string(q_.substr(s, i_ - s));
    return SqlError::OK();
  }

  SqlError Variable(Token* t) {
    ++i_;
    bool sys = false;
    if (Peek() == '@') {
      sys = true;
      ++i_;
    }
    std::string name;
    if (Peek() == '`' || Peek() == '\'' || Peek() == '"') {
      Token q;
      SQL_RETURN_IF_ERROR(Peek() == '`' ? QuotedIdent(&q) : String(&q));
      name = q.text;
    } else {
      size_t s = i_;
      while (i_ < q_.size() && (IsIdentChar(static_cast<unsigned char>(q_[i_])) || q_[i_] == '.')) {
        ++i_;
      }
      name = std::string(q_.substr(s, i_ - s));
    }
    if (name.empty()) return SyntaxError(q_, t->pos);
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (sys) {
      t->kind = TokenKind::kSysVar;
      for (std::string_view scope : {"session.", "global.", "local."}) {
        if (name.rfind(scope, 0) == 0) {
          t->scope = std::string(scope.substr(0, scope.size() - 1));
          if (t->scope == "local") t->scope = "session";
          name = name.substr(scope.size());
          break;
        }
      }
    } else {
      t->kind = TokenKind::kUserVar;
    }
    t->text = std::move(name);
    return SqlError::OK();
  }

  std::string_view q_;
  size_t i_ = 0;
  int exec_depth_ = 0;
};

}  // namespace

SqlResult<std::vector<Token>> Lex(std::string_view query) { return Lexer(query).Run(); }

SqlError SyntaxError(std::string_view query, size_t pos) {
  if (pos > query.size()) pos = query.size();
  size_t line = 1, col = 0;
  for (size_t k = 0; k < pos; ++k) {
    if (query[k] == '\n') {
      ++line;
      col = 0;
    } else {
      ++col;
    }
  }
  std::string near(query.substr(pos, 80));
  return SqlError(er::kParse,
                  "You have an error in your SQL syntax; check the manual that corresponds to "
                  "your TiDB version for the right syntax to use line " +
                      std::to_string(line) + " column " + std::to_string(col) + " near \"" +
                      near + "\" ");
}

}  // namespace brkv::sql
