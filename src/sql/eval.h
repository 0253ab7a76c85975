// Expression evaluation over catalog::Datum values with MySQL's coercions, as far as the
// subset needs them: comparisons are integer when both sides are integers, byte-wise when both
// are strings, else on doubles; arithmetic is integer (overflow is an error) unless a side is
// a double or a non-integer string; NULL propagates (three-valued logic for AND/OR/NOT).
// Thread-safety: pure functions over the given environment.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/datum.h"
#include "sql/ast.h"
#include "sql/error.h"
#include "sql/session.h"

namespace brkv::sql {

struct EvalEnv {
  const Session* session = nullptr;                 // variables and session functions
  std::span<const catalog::Datum> params;           // ? values
  std::span<const catalog::Datum> row;              // columns, by Expr::column_index
  std::span<const catalog::Datum> aggs;             // aggregate values, by Expr::agg_index
};

SqlResult<catalog::Datum> Eval(const Expr& e, const EvalEnv& env);

// SQL truth of a value: nullopt for NULL (unknown).
std::optional<bool> Truth(const catalog::Datum& d);

// -1 / 0 / 1 with the comparison coercions above. REQUIRES: neither is NULL.
int Compare(const catalog::Datum& a, const catalog::Datum& b);

// LIKE with % and _ (and `escape`, default '\'); case-insensitive when `fold_case`.
bool LikeMatch(std::string_view text, std::string_view pattern, bool fold_case = false,
               char escape = '\\');

// The number a string starts with, as MySQL converts strings in numeric context ("12abc" -> 12,
// "x" -> 0): an int when the whole prefix is an integer, else a double.
catalog::Datum ToNumber(const catalog::Datum& d);

// The text form of a value for the text protocol (nullopt for NULL).
std::optional<std::string> FormatText(const catalog::Datum& d);

// True if the expression refers to no column and no aggregate (it can be evaluated once).
bool IsConstant(const Expr& e);
// True if the expression contains an aggregate function call.
bool HasAggregate(const Expr& e);
bool IsAggregateName(const std::string& lower_name);

}  // namespace brkv::sql
