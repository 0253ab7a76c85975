// Rows of a table as TiDB lays them out in the KV store: CSV field <-> Datum conversion with
// MySQL-style range/length checks, and one row -> (record KV, index KVs) and back.
//
// Supported columns: TINYINT..BIGINT (signed), FLOAT/DOUBLE, CHAR/VARCHAR, BLOB/TEXT (and
// their tiny/medium/long variants), all public and non-generated. Tables must use an int
// handle: either pk_is_handle (an integer primary key is the handle) or an implicit row id
// (_tidb_rowid, supplied by the caller). Clustered non-integer primary keys (common handle),
// partitioned tables, views and sequences are NotSupported.
//
// What EncodeRow writes matches TiDB's AddRecord for such tables:
//   * record key t{id}_r{handle}; value = row v2 of every column except the handle column and
//     except NULL columns without a default (TiDB's CanSkip), so an all-NULL row is the empty
//     row `80 00 00 00 00 00`;
//   * per public index: tablecodec IndexKey/IndexValue (prefix indexes truncated to their
//     length in characters, or bytes for binary strings);
//   * CHAR values lose trailing spaces (TiDB truncateTrailingSpaces), BINARY(n) values are
//     zero-padded to n bytes, FLOAT values are rounded to float precision.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/datum.h"
#include "catalog/row_codec.h"
#include "catalog/schema.h"
#include "common/status.h"

namespace brkv::catalog {

// How a column's values are stored. NotSupported (naming the column) for other types,
// unsigned integers, generated or non-public columns.
Result<RowValueKind> ColumnValueKind(const ColumnInfo& col);

// OK if rows of `table` can be encoded/decoded here; NotSupported or InvalidArgument (e.g.
// column offsets that do not match their positions) otherwise.
Status CheckTableSupported(const TableInfo& table);

// Converts one CSV field to the column's datum. `field` nullopt means SQL NULL (the caller's
// CSV layer decides how NULL is spelled, e.g. \N). Leading '+' is accepted for numbers;
// no surrounding spaces are allowed. InvalidArgument naming the column when the text is not a
// number, is out of range for the type, is too long, is not valid UTF-8 for a utf8mb4 column,
// or is NULL for a NOT NULL column.
Result<Datum> ParseColumnValue(const ColumnInfo& col, std::optional<std::string_view> field);

// Checks and normalises an already typed datum for the column (same rules as
// ParseColumnValue; a bytes datum for a numeric column is parsed as text, an int datum for a
// double column is converted).
Result<Datum> CastColumnValue(const ColumnInfo& col, const Datum& d);

// The CSV field text of a datum (nullopt for NULL): ints in decimal, doubles in the shortest
// form that parses back to the same value, bytes as they are (no quoting or escaping).
std::optional<std::string> FormatColumnValue(const Datum& d);

struct IndexKV {
  std::string key;
  std::string value;
};

struct EncodedRow {
  int64_t handle = 0;
  std::string key;    // raw record key
  std::string value;  // row v2
  std::vector<IndexKV> index_kvs;
};

// Encodes one row. `datums` has one entry per column, in TableInfo.columns order (datums are
// cast with CastColumnValue first). The handle is the primary-key datum when pk_is_handle
// (it must be non-NULL: auto_increment values are the caller's job), else `row_id`.
// InvalidArgument for a wrong datum count or a value a column rejects; NotSupported for a
// table CheckTableSupported rejects.
Result<EncodedRow> EncodeRow(const TableInfo& table, std::span<const Datum> datums,
                             int64_t row_id = 0);

// The index entries of one row (all public indexes), for a row already cast to the columns.
Result<std::vector<IndexKV>> EncodeIndexKVs(const TableInfo& table,
                                            std::span<const Datum> datums, int64_t handle);

// Decodes a record KV into one datum per column, in column order. The handle column comes
// from the key; a column missing from the value reads as its origin default (when it has
// one) or NULL. Corruption if the key is not a record key of this table or the value does not
// decode with the column types; NotSupported for old-format (non-v2) rows.
Result<std::vector<Datum>> DecodeRow(const TableInfo& table, std::string_view record_key,
                                     std::string_view value);

// DecodeRow + FormatColumnValue: the CSV fields of a stored row (nullopt for NULL).
Result<std::vector<std::optional<std::string>>> DecodeRowToFields(const TableInfo& table,
                                                                  std::string_view record_key,
                                                                  std::string_view value);

}  // namespace brkv::catalog
