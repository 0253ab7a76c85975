// Recursive-descent parser for the SQL subset in docs/sql.md, with precedence climbing for
// expressions (MySQL's precedence: OR < XOR < AND < NOT < comparison/IS/LIKE/IN/BETWEEN <
// | < & < << >> < + - < * / DIV % < unary).
// A query may hold several statements separated by ';' (CLIENT_MULTI_STATEMENTS); empty ones
// (only comments) become NoopStmt. Errors: 1064 naming line, column and the text near it;
// 1065 for an empty query.
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "sql/ast.h"
#include "sql/error.h"

namespace brkv::sql {

SqlResult<std::vector<ParsedStatement>> Parse(std::string_view query);

// Parses a single expression (tests, DEFAULT values).
SqlResult<ExprPtr> ParseExpression(std::string_view text);

}  // namespace brkv::sql
