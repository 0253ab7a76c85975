// TiDB meta keys: the "structure" layer under prefix 'm' (formats.md 3.6; TiDB pkg/structure
// and pkg/meta). Keys are raw TiDB keys (no memcomparable wrapping, no 'z', no ts).
//
//   string      'm' + EncodeBytes(key) + EncodeUint('s')                          value: bytes
//   hash field  'm' + EncodeBytes(key) + EncodeUint('h') + EncodeBytes(field)     value: bytes
//
// Logical items used by this project:
//   NextGlobalID                 string "NextGlobalID", decimal ASCII, the highest id used
//   SchemaVersionKey             string "SchemaVersionKey", decimal ASCII
//   database list                hash "DBs", field "DB:{db_id}"           -> DBInfo JSON
//   tables of a database         hash "DB:{db_id}", field "Table:{id}"    -> TableInfo JSON
//   row-id allocator             hash "DB:{db_id}", field "TID:{id}"      -> decimal ASCII
//   auto_increment allocator     hash "DB:{db_id}", field "IID:{id}"      -> decimal ASCII
// The hash-meta key 'H' (written by TiDB <= v5.1 only) is neither written nor required.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/tablecodec.h"
#include "common/status.h"

namespace brkv::catalog::meta {

inline constexpr char kMetaPrefix = 'm';
inline constexpr uint64_t kStringData = 's';
inline constexpr uint64_t kHashData = 'h';

inline constexpr std::string_view kDBsKey = "DBs";
inline constexpr std::string_view kNextGlobalIDKey = "NextGlobalID";
inline constexpr std::string_view kSchemaVersionKey = "SchemaVersionKey";
// NextGlobalID may not exceed this (2^48 - 1 - 1000), as in TiDB.
inline constexpr int64_t kMaxGlobalID = (int64_t{1} << 48) - 1 - 1000;

// Structure-layer encodings.
std::string StringKey(std::string_view key);
std::string HashFieldKey(std::string_view key, std::string_view field);
// 'm' + EncodeBytes(key) + EncodeUint('h'): every field key of hash `key` starts with it.
std::string HashDataPrefix(std::string_view key);
// All field keys of hash `key`: [HashDataPrefix, PrefixNext(HashDataPrefix)).
KeyRange HashRange(std::string_view key);
// The field name of a hash field key of hash `key`. Corruption if `raw_key` is not one.
Result<std::string> DecodeHashField(std::string_view key, std::string_view raw_key);

// Field / hash names.
std::string DBField(int64_t db_id);              // "DB:{id}" (also the tables hash name)
std::string TableField(int64_t table_id);        // "Table:{id}"
std::string AutoTableIDField(int64_t table_id);  // "TID:{id}"
std::string AutoIncIDField(int64_t table_id);    // "IID:{id}"
// Parses "{prefix}:{decimal id}"; nullopt if `field` has another shape.
std::optional<int64_t> ParseIDField(std::string_view prefix, std::string_view field);

// Complete keys for the logical items above.
std::string NextGlobalIDKey();
std::string SchemaVersionKey();
std::string DatabaseKey(int64_t db_id);                   // hash DBs, field DB:{db_id}
std::string TableKey(int64_t db_id, int64_t table_id);    // hash DB:{db_id}, field Table:{id}
std::string AutoTableIDKey(int64_t db_id, int64_t table_id);
std::string AutoIncIDKey(int64_t db_id, int64_t table_id);
KeyRange DatabasesRange();                 // every DatabaseKey
KeyRange DatabaseHashRange(int64_t db_id);  // every field of hash DB:{db_id} (tables, TID, ...)

// Meta integers are decimal ASCII. Parse is strict (optional '-', digits, fits int64);
// Corruption otherwise. An empty value (key absent) is the caller's business.
std::string FormatInt(int64_t v);
Result<int64_t> ParseInt(std::string_view value);

}  // namespace brkv::catalog::meta
