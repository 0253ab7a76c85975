// Lexer for the MySQL dialect the server accepts: `quoted` identifiers, '…' and "…" strings
// with backslash escapes and doubled quotes, charset introducers (_utf8mb4'…', N'…'), integer
// and float literals, 0x…/X'…' hex strings, ? parameters, @user and @@[scope.]system
// variables, and comments (# …, -- …, /* … */). Executable comments /*!NNNNN … */ keep their
// body when NNNNN <= 80011 (our server version, 8.0.11) and /*T![feature] … */ (TiDB's) keeps
// its body; /*M!…*/ (MariaDB-only) and /*+ hints */ are skipped.
// Keywords are not distinguished from identifiers here: the parser decides by context, so
// non-reserved words (status, k, c, table names…) stay usable as names.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sql/error.h"

namespace brkv::sql {

enum class TokenKind {
  kEnd,
  kWord,         // unquoted identifier or keyword
  kQuotedIdent,  // `name`
  kString,       // text = decoded bytes
  kInt,          // text = digits
  kFloat,        // text = literal as written
  kHex,          // text = decoded bytes
  kParam,        // ?
  kUserVar,      // text = name
  kSysVar,       // text = name (lower case), scope = "", "session" or "global"
  kOp,           // text = operator / punctuation
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  std::string scope;
  size_t pos = 0;  // byte offset of the first character in the query
  size_t end = 0;  // byte offset just past the token
};

// The server version the executable comments are compared with (MySQL's 8.0.11 shape).
inline constexpr int kExecutableCommentVersion = 80011;

// Splits `query` into tokens, ending with one kEnd token. 1064 (naming line and column) for an
// unterminated string, identifier or comment.
SqlResult<std::vector<Token>> Lex(std::string_view query);

// TiDB's 1064 error text for a problem at byte offset `pos` of `query`.
SqlError SyntaxError(std::string_view query, size_t pos);

}  // namespace brkv::sql
