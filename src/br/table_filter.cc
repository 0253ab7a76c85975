#include "br/table_filter.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <variant>

namespace brkv::br {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
char Upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// One element of a wildcard pattern.
struct GlobToken {
  enum Kind { kChar, kAnyOne, kAnyRun, kClass } kind = kChar;
  char ch = 0;
  bool negated = false;
  std::vector<std::pair<unsigned char, unsigned char>> ranges;  // kClass: inclusive ranges

  bool ClassHas(char c, bool fold_case) const {
    auto in = [this](char x) {
      auto u = static_cast<unsigned char>(x);
      for (const auto& [lo, hi] : ranges) {
        if (u >= lo && u <= hi) return true;
      }
      return false;
    };
    bool hit = in(c) || (fold_case && (in(Lower(c)) || in(Upper(c))));
    return hit != negated;
  }
};

bool GlobMatch(const std::vector<GlobToken>& pat, std::string_view s, bool fold_case) {
  // Iterative matcher with single-star backtracking: O(len(pat) * len(s)) worst case.
  size_t p = 0, i = 0;
  size_t star_p = std::string::npos, star_i = 0;
  while (i < s.size()) {
    if (p < pat.size()) {
      const GlobToken& t = pat[p];
      bool one = false;
      switch (t.kind) {
        case GlobToken::kChar:
          one = fold_case ? Lower(t.ch) == Lower(s[i]) : t.ch == s[i];
          break;
        case GlobToken::kAnyOne:
          one = true;
          break;
        case GlobToken::kClass:
          one = t.ClassHas(s[i], fold_case);
          break;
        case GlobToken::kAnyRun:
          star_p = p++;
          star_i = i;
          continue;
      }
      if (one) {
        ++p;
        ++i;
        continue;
      }
    }
    if (star_p == std::string::npos) return false;
    p = star_p + 1;
    i = ++star_i;
  }
  while (p < pat.size() && pat[p].kind == GlobToken::kAnyRun) ++p;
  return p == pat.size();
}

}  // namespace

// A name pattern: literal, everything, wildcard or regular expression.
struct NamePattern {
  struct All {};
  struct Literal {
    std::string name;  // lower-cased when matching case-insensitively
  };
  struct Glob {
    std::vector<GlobToken> tokens;
  };
  struct Regex {
    std::shared_ptr<std::regex> re;
  };
  std::variant<All, Literal, Glob, Regex> m;

  bool MatchesAll() const { return std::holds_alternative<All>(m); }
  // `name` is already lower-cased when fold_case.
  bool Match(std::string_view name, bool fold_case) const {
    if (std::holds_alternative<All>(m)) return true;
    if (auto* l = std::get_if<Literal>(&m)) return l->name == name;
    if (auto* g = std::get_if<Glob>(&m)) return GlobMatch(g->tokens, name, fold_case);
    const auto& r = std::get<Regex>(m);
    return std::regex_search(name.begin(), name.end(), *r.re);
  }
};

struct TableFilter::Rule {
  NamePattern schema;
  NamePattern table;
  bool positive = true;
};

namespace {

class RuleParser {
 public:
  RuleParser(std::string_view rule, bool fold_case) : rule_(rule), fold_case_(fold_case) {}

  Status Error(std::string_view what) const {
    return Status::InvalidArgument("invalid table filter rule '" + std::string(rule_) +
                                   "': " + std::string(what));
  }

  // Parses one pattern from `in`, advancing it. `stop_at_dot`: '.' ends the pattern.
  Result<NamePattern> ParsePattern(std::string_view* in, bool stop_at_dot) {
    std::string_view s = *in;
    if (s.empty()) return Error("missing pattern");
    if (s[0] == '/') return ParseRegex(in);
    if (s[0] == '"' || s[0] == '`') return ParseQuoted(in);
    return ParseWildcard(in, stop_at_dot);
  }

 private:
  Result<NamePattern> ParseRegex(std::string_view* in) {
    std::string_view s = *in;
    size_t i = 1;
    std::string body;
    bool closed = false;
    while (i < s.size()) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        // "\/" is a literal slash; every other escape is passed to the regex engine.
        if (s[i + 1] != '/') body.push_back('\\');
        body.push_back(s[i + 1]);
        i += 2;
        continue;
      }
      if (s[i] == '/') {
        closed = true;
        ++i;
        break;
      }
      body.push_back(s[i++]);
    }
    if (!closed || body.empty()) return Error("incomplete regexp");
    auto flags = std::regex::ECMAScript;
    if (fold_case_) flags |= std::regex::icase;
    NamePattern p;
    try {
      p.m = NamePattern::Regex{std::make_shared<std::regex>(body, flags)};
    } catch (const std::regex_error& e) {
      return Error(std::string("invalid regexp: ") + e.what());
    }
    in->remove_prefix(i);
    return p;
  }

  Result<NamePattern> ParseQuoted(std::string_view* in) {
    std::string_view s = *in;
    char q = s[0];
    std::string name;
    size_t i = 1;
    bool closed = false;
    while (i < s.size()) {
      if (s[i] == q) {
        if (i + 1 < s.size() && s[i + 1] == q) {
          name.push_back(q);
          i += 2;
          continue;
        }
        closed = true;
        ++i;
        break;
      }
      name.push_back(s[i++]);
    }
    if (!closed || name.empty()) return Error("incomplete quoted identifier");
    in->remove_prefix(i);
    NamePattern p;
    p.m = NamePattern::Literal{fold_case_ ? ToLower(name) : name};
    return p;
  }

  Result<NamePattern> ParseWildcard(std::string_view* in, bool stop_at_dot) {
    std::string_view s = *in;
    std::vector<GlobToken> tokens;
    std::string literal;
    bool is_literal = true;
    bool only_stars = true;
    size_t i = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '.' && stop_at_dot) break;
      switch (c) {
        case '\\': {
          if (i + 1 >= s.size()) return Error("cannot place \\ at the end of a pattern");
          char esc = s[i + 1];
          if (IsAsciiAlnum(static_cast<unsigned char>(esc))) {
            return Error(std::string("cannot escape a letter or digit (\\") + esc + ")");
          }
          literal.push_back(esc);
          tokens.push_back(GlobToken{GlobToken::kChar, esc, false, {}});
          only_stars = false;
          i += 2;
          break;
        }
        case '*':
          is_literal = false;
          if (tokens.empty() || tokens.back().kind != GlobToken::kAnyRun) {
            tokens.push_back(GlobToken{GlobToken::kAnyRun, 0, false, {}});
          }
          ++i;
          break;
        case '?':
          is_literal = false;
          only_stars = false;
          tokens.push_back(GlobToken{GlobToken::kAnyOne, 0, false, {}});
          ++i;
          break;
        case '[': {
          is_literal = false;
          only_stars = false;
          auto tok = ParseClass(s, &i);
          if (!tok.ok()) return tok.status();
          tokens.push_back(std::move(tok).value());
          break;
        }
        default: {
          auto u = static_cast<unsigned char>(c);
          if (!(c == '$' || c == '_' || IsAsciiAlnum(u) || u >= 0x80)) {
            return Error(std::string("unexpected special character '") + c + "'");
          }
          literal.push_back(c);
          tokens.push_back(GlobToken{GlobToken::kChar, c, false, {}});
          only_stars = false;
          ++i;
        }
      }
    }
    if (i == 0) return Error("missing pattern");
    in->remove_prefix(i);
    NamePattern p;
    if (is_literal) {
      p.m = NamePattern::Literal{fold_case_ ? ToLower(literal) : literal};
    } else if (only_stars) {
      p.m = NamePattern::All{};
    } else {
      p.m = NamePattern::Glob{std::move(tokens)};
    }
    return p;
  }

  // `[abc]`, `[a-z]`, `[!a-z]` (negated), `[^x]` (the ^ is literal in globs); `\c` escapes a
  // non-alphanumeric character inside the class.
  Result<GlobToken> ParseClass(std::string_view s, size_t* pos) {
    size_t i = *pos + 1;
    GlobToken t;
    t.kind = GlobToken::kClass;
    if (i < s.size() && s[i] == '!') {
      t.negated = true;
      ++i;
    }
    std::vector<unsigned char> chars;
    bool closed = false;
    while (i < s.size()) {
      char c = s[i];
      if (c == ']' && !chars.empty()) {
        closed = true;
        ++i;
        break;
      }
      if (c == ']') break;
      if (c == '\\') {
        if (i + 1 >= s.size() || IsAsciiAlnum(static_cast<unsigned char>(s[i + 1]))) break;
        chars.push_back(static_cast<unsigned char>(s[i + 1]));
        i += 2;
        continue;
      }
      chars.push_back(static_cast<unsigned char>(c));
      ++i;
    }
    if (!closed) return Error("failed to parse character class");
    // Turn "a-z" triples into ranges; a '-' at either end is literal.
    for (size_t k = 0; k < chars.size(); ++k) {
      if (k + 2 < chars.size() && chars[k + 1] == '-') {
        if (chars[k] > chars[k + 2]) return Error("character class range out of order");
        t.ranges.emplace_back(chars[k], chars[k + 2]);
        k += 2;
      } else {
        t.ranges.emplace_back(chars[k], chars[k]);
      }
    }
    *pos = i;
    return t;
  }

  std::string_view rule_;
  bool fold_case_;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string JoinRules(const std::vector<std::string>& rules) {
  std::string out;
  for (const auto& r : rules) {
    if (!out.empty()) out += ' ';
    out += "-f '" + r + "'";
  }
  return out.empty() ? "(no rules)" : out;
}

}  // namespace

TableFilter::TableFilter(std::vector<std::shared_ptr<const Rule>> rules_last_first,
                         std::string description, bool case_sensitive)
    : rules_(std::move(rules_last_first)),
      description_(std::move(description)),
      case_sensitive_(case_sensitive) {}

Result<TableFilter> TableFilter::Parse(const std::vector<std::string>& rules,
                                       const Options& options) {
  const bool fold = !options.case_sensitive;
  std::vector<std::shared_ptr<const Rule>> parsed;
  for (const std::string& raw : rules) {
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    RuleParser parser(raw, fold);
    auto rule = std::make_shared<Rule>();
    if (line[0] == '!') {
      rule->positive = false;
      line.remove_prefix(1);
    } else if (line[0] == '@') {
      return parser.Error("filter files (@file) are not supported; pass each rule with -f");
    }
    auto schema = parser.ParsePattern(&line, /*stop_at_dot=*/true);
    if (!schema.ok()) return schema.status();
    if (line.empty()) return parser.Error("wrong table pattern: expected 'db.table'");
    if (line[0] != '.') return parser.Error("missing '.' between schema and table patterns");
    line.remove_prefix(1);
    auto table = parser.ParsePattern(&line, /*stop_at_dot=*/false);
    if (!table.ok()) return table.status();
    if (!line.empty()) return parser.Error("stray characters after the table pattern");
    rule->schema = std::move(schema).value();
    rule->table = std::move(table).value();
    parsed.push_back(std::move(rule));
  }
  std::reverse(parsed.begin(), parsed.end());
  return TableFilter(std::move(parsed), JoinRules(rules), options.case_sensitive);
}

TableFilter TableFilter::All() {
  auto rule = std::make_shared<Rule>();
  rule->schema.m = NamePattern::All{};
  rule->table.m = NamePattern::All{};
  return TableFilter({rule}, "*.*", false);
}

TableFilter TableFilter::Schemas(const std::vector<std::string>& dbs, const Options& options) {
  std::vector<std::shared_ptr<const Rule>> rules;
  std::string desc;
  for (const auto& db : dbs) {
    auto rule = std::make_shared<Rule>();
    rule->schema.m = NamePattern::Literal{options.case_sensitive ? db : ToLower(db)};
    rule->table.m = NamePattern::All{};
    rules.push_back(std::move(rule));
    desc += (desc.empty() ? "" : " ") + ("--db '" + db + "'");
  }
  return TableFilter(std::move(rules), desc.empty() ? "(no databases)" : desc,
                     options.case_sensitive);
}

TableFilter TableFilter::Tables(std::string_view db, const std::vector<std::string>& tables,
                                const Options& options) {
  std::vector<std::shared_ptr<const Rule>> rules;
  std::string desc = "--db '" + std::string(db) + "'";
  for (const auto& t : tables) {
    auto rule = std::make_shared<Rule>();
    rule->schema.m = NamePattern::Literal{options.case_sensitive ? std::string(db) : ToLower(db)};
    rule->table.m = NamePattern::Literal{options.case_sensitive ? t : ToLower(t)};
    rules.push_back(std::move(rule));
    desc += " --table '" + t + "'";
  }
  return TableFilter(std::move(rules), desc, options.case_sensitive);
}

bool TableFilter::MatchTable(std::string_view db, std::string_view table) const {
  const bool fold = !case_sensitive_;
  std::string d = fold ? ToLower(db) : std::string(db);
  std::string t = fold ? ToLower(table) : std::string(table);
  for (const auto& rule : rules_) {
    if (rule->schema.Match(d, fold) && rule->table.Match(t, fold)) return rule->positive;
  }
  return false;
}

bool TableFilter::MatchSchema(std::string_view db) const {
  const bool fold = !case_sensitive_;
  std::string d = fold ? ToLower(db) : std::string(db);
  for (const auto& rule : rules_) {
    if (rule->schema.Match(d, fold) && (rule->positive || rule->table.MatchesAll())) {
      return rule->positive;
    }
  }
  return false;
}

Status CheckFilterMatchedSomething(const TableFilter& filter, std::string_view what,
                                   size_t matched_databases, size_t matched_tables) {
  if (matched_tables > 0 || matched_databases > 0) return Status::OK();
  return Status::NotFound(std::string(what) + ": no database or table matches " +
                          filter.Describe() + "; check the names and the filter rules");
}

}  // namespace brkv::br
