// The kvctl create-table column spec: a MySQL-like column/index list without the
// CREATE TABLE wrapper, turned into a TiDB-shaped TableInfo.
//
//   spec    := item (',' item)*
//   item    := column | [UNIQUE] (INDEX | KEY) [name] '(' keycols ')' | UNIQUE [name] '(' ... ')'
//            | PRIMARY KEY '(' keycols ')'
//   column  := name type [NOT NULL | NULL | PRIMARY KEY | UNIQUE [KEY] | AUTO_INCREMENT]...
//   type    := BIGINT['(' n ')'] | INT['(' n ')'] | INTEGER['(' n ')'] | DOUBLE
//            | VARCHAR '(' n ')' | CHAR ['(' n ')'] | BLOB | TEXT
//   keycols := colname ['(' prefix_len ')'] (',' colname ['(' prefix_len ')'])*
// Keywords are case-insensitive; names are [A-Za-z0-9_$]+ or `backquoted`.
// Example: "id bigint primary key auto_increment, k int, c varchar(120), pad char(60),
//           index k_1(k), unique index u(c)".
//
// Result, following TiDB's CREATE TABLE:
//   * column ids 1..n and offsets 0..n-1 in declaration order (max_col_id = n); index ids
//     1..m in declaration order (max_idx_id = m); the table id comes from `alloc_table_id`;
//   * a single-column signed integer primary key is the row handle (pk_is_handle = true, no
//     index entry); any other primary key becomes a unique index named PRIMARY and the table
//     uses an implicit row id (_tidb_rowid);
//   * column flags: NOT NULL, PRI (+NOT NULL), UNI for single-column unique keys, MUL for the
//     first column of other keys, AUTO_INCREMENT, NO_DEFAULT for NOT NULL columns without
//     auto_increment; numeric and BLOB columns are charset/collation "binary", VARCHAR/CHAR/
//     TEXT are utf8mb4/utf8mb4_bin;
//   * an unnamed index is named after its first column (col, col_2, ...).
// Errors are InvalidArgument with the offending token or name: unsupported types (DECIMAL,
// DATETIME, ...), UNSIGNED, DEFAULT, duplicate names, unknown index columns, several primary
// keys or AUTO_INCREMENT columns, AUTO_INCREMENT on a non-integer or non-key column, BLOB/TEXT
// keys without a prefix length, bad prefix lengths, and malformed syntax.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "catalog/schema.h"
#include "common/status.h"

namespace brkv::catalog {

// Hands out a new global id (TiDB's NextGlobalID). Its error is returned unchanged.
using IdAllocator = std::function<Result<int64_t>()>;

// Parses `spec` into a public TableInfo named `table_name`. `alloc_table_id` is called once,
// only after the spec parsed successfully.
Result<TableInfo> ParseColumnSpec(std::string_view table_name, std::string_view spec,
                                  const IdAllocator& alloc_table_id);

}  // namespace brkv::catalog
