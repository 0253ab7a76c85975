// TableFilter: which databases and tables a backup or restore covers, in TiDB's table-filter
// syntax (`-f` / `--filter`), or from the `--db` / `--table` scopes.
//
// Rule syntax, one rule per argument:
//   db.tbl         schema pattern '.' table pattern
//   *  ?  [a-z]  [!a-z]   wildcards (any run, one character, character class / negated class)
//   \c             escapes a non-alphanumeric character (so `\.` and `\*` are literal)
//   `name` "name"  quoted literal names (`` and "" inside for the quote character)
//   /regex/        a regular expression (ECMAScript flavour, searched, not anchored)
//   !rule          negation: tables matching it are excluded
//   # comment      ignored, as are blank arguments
// Rules are evaluated from the LAST to the first; the first that matches decides (so a later
// rule overrides an earlier one), and a table no rule matches is excluded. Example:
// `-f '*.*' -f '!mysql.*'` is everything except `mysql`; `-f '!mysql.*' -f '*.*'` is everything.
// Matching is case-insensitive unless Options::case_sensitive (TiDB identifiers are, by
// default, case-insensitive; BR lower-cases both sides).
//
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace brkv::br {

struct TableFilterOptions {
  // Match names exactly as written. Default: false (case-insensitive).
  bool case_sensitive = false;
};

class TableFilter {
 public:
  using Options = TableFilterOptions;

  // Parses `rules` (as given to repeated -f flags). InvalidArgument naming the rule and the
  // problem for a malformed rule; an empty rule list yields a filter matching nothing.
  static Result<TableFilter> Parse(const std::vector<std::string>& rules,
                                   const Options& options);
  static Result<TableFilter> Parse(const std::vector<std::string>& rules) {
    return Parse(rules, Options{});
  }

  // Everything: `*.*`.
  static TableFilter All();
  // `--db D` (repeatable): every table of the named databases, matched literally
  // (wildcard characters in names have no special meaning).
  static TableFilter Schemas(const std::vector<std::string>& dbs, const Options& options = {});
  // `--db D --table T`: exactly D.T (several tables of one database allowed), literal names.
  static TableFilter Tables(std::string_view db, const std::vector<std::string>& tables,
                            const Options& options = {});

  // Is table `db`.`table` covered?
  bool MatchTable(std::string_view db, std::string_view table) const;
  // Should database `db` itself be visited: true when some positive rule could match a table
  // in it (used to back up / create empty databases). Mirrors TiDB's MatchSchema: a negative
  // rule only excludes the whole database when its table pattern is `*`.
  bool MatchSchema(std::string_view db) const;

  // The rules as given (for messages); "*.*" for All().
  const std::string& Describe() const { return description_; }

  struct Rule;

 private:
  TableFilter(std::vector<std::shared_ptr<const Rule>> rules_last_first, std::string description,
              bool case_sensitive);
  // Stored in evaluation order: the last rule given first.
  std::vector<std::shared_ptr<const Rule>> rules_;
  std::string description_;
  bool case_sensitive_ = false;
};

// After applying a filter: NotFound when nothing matched, so a typo in -f or --db/--table
// fails loudly instead of producing an empty backup or a restore that did nothing.
// `what` names the operation ("backup", "restore"). OK when matched_tables > 0 or, for
// database-level scopes, matched_databases > 0.
Status CheckFilterMatchedSomething(const TableFilter& filter, std::string_view what,
                                   size_t matched_databases, size_t matched_tables);

}  // namespace brkv::br
