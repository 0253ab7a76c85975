// Catalog schema objects in TiDB's JSON shape (pkg/meta/model: DBInfo, TableInfo, ColumnInfo,
// IndexInfo, IndexColumn; pkg/parser/types: FieldType). These JSON documents are the values
// of the meta keys (meta_keys.h) and of backupmeta Schema.db / Schema.table, so they must
// stay readable by TiDB BR and preserve whatever BR or TiDB wrote.
//
// Field names verified against pingcap/tidb (2025): DBInfo {id, db_name{O,L}, charset, collate,
// Deprecated, state, policy_ref_info, ...}; TableInfo {id, name, charset, collate, cols,
// index_info, constraint_info, fk_info, state, pk_is_handle, is_common_handle,
// common_handle_version, comment, auto_inc_id, auto_id_cache, auto_rand_id, max_col_id,
// max_idx_id, max_fk_id, max_cst_id, update_timestamp, ShardRowIDBits, ..., version, ...,
// revision}; ColumnInfo {id, name, offset, origin_default, origin_default_bit, default,
// default_bit, default_is_expr, generated_expr_string, generated_stored, dependences, type,
// state, comment, hidden, change_state_info, version}; FieldType {Tp, Flag, Flen, Decimal,
// Charset, Collate, Elems, ElemsIsBinaryLit, Array}; IndexInfo {id, idx_name, tbl_name,
// idx_cols[{name, offset, length}], state, backfill_state, comment, index_type, is_unique,
// is_primary, is_invisible, is_global, mv_index, vector_index}. BR's public mock PITR data
// (writeFullBackupMeta) is a complete example and is used as a test vector.
//
// Round-trip rule: each struct keeps the JSON object it was parsed from in `raw`. ToJson
// starts from `raw` (so unknown fields and field order survive) and overwrites only the
// fields modelled here; an object built in C++ (empty `raw`) is written with every field
// TiDB writes, in TiDB's order, with TiDB's zero values.
// Thread-safety: plain value types; functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace brkv::catalog {

// Insertion-ordered JSON, so re-serialised documents keep TiDB's field order.
using Json = nlohmann::ordered_json;

// MySQL column type codes (FieldType.Tp) and column flags (FieldType.Flag).
namespace mysql {
inline constexpr uint8_t kTypeTiny = 1;
inline constexpr uint8_t kTypeShort = 2;
inline constexpr uint8_t kTypeLong = 3;  // INT
inline constexpr uint8_t kTypeFloat = 4;
inline constexpr uint8_t kTypeDouble = 5;
inline constexpr uint8_t kTypeLonglong = 8;  // BIGINT
inline constexpr uint8_t kTypeInt24 = 9;
inline constexpr uint8_t kTypeVarchar = 15;
inline constexpr uint8_t kTypeTinyBlob = 249;
inline constexpr uint8_t kTypeMediumBlob = 250;
inline constexpr uint8_t kTypeLongBlob = 251;
inline constexpr uint8_t kTypeBlob = 252;  // BLOB and TEXT
inline constexpr uint8_t kTypeVarString = 253;
inline constexpr uint8_t kTypeString = 254;  // CHAR

inline constexpr uint32_t kNotNullFlag = 1;
inline constexpr uint32_t kPriKeyFlag = 2;
inline constexpr uint32_t kUniqueKeyFlag = 4;
inline constexpr uint32_t kMultipleKeyFlag = 8;
inline constexpr uint32_t kBlobFlag = 16;
inline constexpr uint32_t kUnsignedFlag = 32;
inline constexpr uint32_t kBinaryFlag = 128;
inline constexpr uint32_t kAutoIncrementFlag = 512;
inline constexpr uint32_t kNoDefaultValueFlag = 4096;

inline constexpr std::string_view kCharsetBin = "binary";
inline constexpr std::string_view kCollationBin = "binary";
inline constexpr std::string_view kCharsetUTF8MB4 = "utf8mb4";
inline constexpr std::string_view kCollationUTF8MB4Bin = "utf8mb4_bin";
}  // namespace mysql

inline constexpr int kStatePublic = 5;      // SchemaState public
inline constexpr int kIndexTypeBtree = 1;   // IndexInfo.index_type
inline constexpr int kUnspecifiedLength = -1;
inline constexpr uint64_t kColumnInfoVersion = 2;  // CurrLatestColumnInfoVersion
inline constexpr uint16_t kTableInfoVersion = 5;   // CurrLatestTableInfoVersion

// Case-insensitive identifier: O = original, L = lower-case (ASCII lower-casing).
struct CIStr {
  std::string O;
  std::string L;
  static CIStr From(std::string_view original);
  bool operator==(const CIStr&) const = default;
};

struct FieldType {
  uint8_t tp = 0;
  uint32_t flag = 0;
  int flen = kUnspecifiedLength;
  int decimal = 0;
  std::string charset;
  std::string collate;
  std::vector<std::string> elems;  // written as null when empty
  Json raw;

  bool HasFlag(uint32_t f) const { return (flag & f) != 0; }
};

struct ColumnInfo {
  int64_t id = 0;
  CIStr name;
  int offset = 0;
  Json origin_default;  // null: none
  Json default_value;   // JSON "default"; null: none
  FieldType type;
  int state = kStatePublic;
  std::string comment;
  bool hidden = false;
  std::string generated_expr_string;  // non-empty: generated column (not supported for rows)
  uint64_t version = kColumnInfoVersion;
  Json raw;

  bool IsNotNull() const { return type.HasFlag(mysql::kNotNullFlag); }
  bool IsPriKey() const { return type.HasFlag(mysql::kPriKeyFlag); }
  bool IsAutoIncrement() const { return type.HasFlag(mysql::kAutoIncrementFlag); }
};

struct IndexColumn {
  CIStr name;
  int offset = 0;                     // offset of the column in TableInfo.columns
  int length = kUnspecifiedLength;    // prefix length in characters, or -1
  Json raw;
};

struct IndexInfo {
  int64_t id = 0;
  CIStr name;
  CIStr table_name;
  std::vector<IndexColumn> columns;
  int state = kStatePublic;
  std::string comment;
  int index_type = kIndexTypeBtree;
  bool unique = false;
  bool primary = false;
  bool invisible = false;
  bool global = false;
  Json raw;
};

struct TableInfo {
  int64_t id = 0;
  CIStr name;
  std::string charset{mysql::kCharsetUTF8MB4};
  std::string collate{mysql::kCollationUTF8MB4Bin};
  std::vector<ColumnInfo> columns;
  std::vector<IndexInfo> indices;
  int state = kStatePublic;
  bool pk_is_handle = false;
  bool is_common_handle = false;
  std::string comment;
  int64_t auto_inc_id = 0;
  int64_t max_col_id = 0;
  int64_t max_idx_id = 0;
  uint64_t update_timestamp = 0;  // a TSO
  uint16_t version = kTableInfoVersion;
  uint64_t revision = 1;
  bool has_partition = false;  // "partition" is non-null (kept in raw; not supported for rows)
  bool is_view = false;        // "view" is non-null
  bool is_sequence = false;    // "sequence" is non-null
  Json raw;

  // Case-insensitive lookups; nullptr when absent.
  const ColumnInfo* FindColumn(std::string_view name) const;
  const IndexInfo* FindIndex(std::string_view name) const;
  // The integer primary-key column that is the row handle, when pk_is_handle; else nullptr.
  const ColumnInfo* PkHandleColumn() const;
};

struct DBInfo {
  int64_t id = 0;
  CIStr name;
  std::string charset{mysql::kCharsetUTF8MB4};
  std::string collate{mysql::kCollationUTF8MB4Bin};
  int state = kStatePublic;
  Json raw;
};

// A public database with TiDB's default charset/collation.
DBInfo MakeDBInfo(int64_t id, std::string_view name);

// JSON values (for embedding) and compact JSON text (what TiDB stores).
Json ToJsonValue(const FieldType& t);
Json ToJsonValue(const ColumnInfo& c);
Json ToJsonValue(const IndexInfo& i);
Json ToJsonValue(const TableInfo& t);
Json ToJsonValue(const DBInfo& d);
std::string ToJson(const TableInfo& t);
std::string ToJson(const DBInfo& d);

// Parsers. Missing or null fields take the zero value (as Go's encoding/json does).
// Corruption if the text is not JSON, the top level is not an object, or a modelled field
// has the wrong JSON type.
Result<FieldType> FieldTypeFromJson(const Json& j);
Result<ColumnInfo> ColumnInfoFromJson(const Json& j);
Result<IndexInfo> IndexInfoFromJson(const Json& j);
Result<TableInfo> TableInfoFromJson(const Json& j);
Result<DBInfo> DBInfoFromJson(const Json& j);
Result<TableInfo> ParseTableInfo(std::string_view json_text);
Result<DBInfo> ParseDBInfo(std::string_view json_text);

}  // namespace brkv::catalog
