// TiDB table key layout (formats.md section 3.3-3.4; TiDB pkg/tablecodec).
//
// All keys here are *raw* TiDB keys (no memcomparable wrapping, no 'z', no ts):
//   table prefix    't' + EncodeInt(table_id)                                    9 bytes
//   record prefix   table prefix + "_r"                                          11 bytes
//   record key      record prefix + EncodeInt(handle)      (int handle, no flag)  19 bytes
//   index prefix    table prefix + "_i" + EncodeInt(index_id)                     19 bytes
//   index key       index prefix + EncodeKey(values...) [+ 0x03 + EncodeInt(handle)]
// The handle suffix is present for non-unique indexes and for unique indexes whose values
// contain a NULL ("not distinct"), exactly as TiDB's GenIndexKey does.
//
// Index values follow TiDB's "old encoding" (genIndexValueVersion0 without restore data,
// common handle or global index), which is what TiDB writes for int-handle tables when the
// indexed strings need no restored data (new collations off, or binary strings):
//   distinct (unique, no NULL)   8-byte big-endian uint64(handle)  (plain BE, no sign flip)
//   otherwise                    the single byte '0' (0x30)
// Verified against pkg/tablecodec/tablecodec_genindex.go (GenIndexKey, genIndexValueVersion0,
// EncodeHandleInUniqueIndexValue), 2025 sources.
//
// String datums are keyed by their raw bytes (flag 0x01 + EncodeBytes). That is TiDB's layout
// with new collations disabled (or binary collation); with new collations on, TiDB would key
// utf8mb4_bin strings by the space-trimmed sort key and add restore data to index values.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/datum.h"
#include "common/status.h"

namespace brkv::catalog {

// Datum flag bytes (TiDB util/codec), first byte of each key-encoded datum.
inline constexpr uint8_t kNilFlag = 0x00;
inline constexpr uint8_t kBytesFlag = 0x01;
inline constexpr uint8_t kCompactBytesFlag = 0x02;
inline constexpr uint8_t kIntFlag = 0x03;
inline constexpr uint8_t kUintFlag = 0x04;
inline constexpr uint8_t kFloatFlag = 0x05;
inline constexpr uint8_t kDecimalFlag = 0x06;
inline constexpr uint8_t kDurationFlag = 0x07;
inline constexpr uint8_t kVarintFlag = 0x08;
inline constexpr uint8_t kUvarintFlag = 0x09;
inline constexpr uint8_t kJsonFlag = 0x0A;
inline constexpr uint8_t kMaxFlag = 0xFA;

inline constexpr size_t kTablePrefixLen = 9;
inline constexpr size_t kRecordPrefixLen = 11;
inline constexpr size_t kRecordKeyLen = 19;
inline constexpr size_t kIndexPrefixLen = 19;

// A half-open raw key range [start, end).
struct KeyRange {
  std::string start;
  std::string end;
  bool operator==(const KeyRange&) const = default;
};

// 't' + EncodeInt(table_id).
std::string TablePrefix(int64_t table_id);
// 't' + EncodeInt(table_id) + "_r".
std::string RecordPrefix(int64_t table_id);
// Record prefix + EncodeInt(handle).
std::string RecordKey(int64_t table_id, int64_t handle);
// 't' + EncodeInt(table_id) + "_i" + EncodeInt(index_id).
std::string IndexPrefix(int64_t table_id, int64_t index_id);

// Appends the key ("comparable") encoding of one datum: 00 for NULL, 03+EncodeInt for ints,
// 05+EncodeFloat for doubles, 01+EncodeBytes for bytes.
void EncodeKeyDatum(std::string* out, const Datum& d);
// Appends EncodeKeyDatum of every datum, in order (TiDB codec.EncodeKey).
void EncodeKey(std::string* out, std::span<const Datum> values);
// Decodes one key-encoded datum (flags 00/01/03/05 only) and advances *in past it.
// Corruption on a malformed or unsupported encoding.
Result<Datum> DecodeKeyDatum(std::string_view* in);

// Index key. `distinct` must be true only for a unique index whose values contain no NULL
// (see IsDistinct); otherwise the handle is appended as 03 + EncodeInt(handle).
std::string IndexKey(int64_t table_id, int64_t index_id, std::span<const Datum> values,
                     bool distinct, int64_t handle);
// True iff `unique` and no value is NULL (TiDB's "distinct" in GenIndexKey).
bool IsDistinct(bool unique, std::span<const Datum> values);
// Index value for an int-handle table: 8-byte big-endian handle when distinct, else "0".
std::string IndexValue(bool distinct, int64_t handle);
// Decodes the handle stored in a distinct index value (exactly 8 bytes). Corruption otherwise.
Result<int64_t> DecodeIndexValueHandle(std::string_view value);

// Decoded index key: the indexed values and, when present, the trailing int handle.
struct DecodedIndexKey {
  int64_t table_id = 0;
  int64_t index_id = 0;
  std::vector<Datum> values;
  bool has_handle = false;
  int64_t handle = 0;
};
// Splits an index key with `num_columns` indexed values. Any bytes after them must be one
// flagged int handle (03 + 8 bytes). Corruption if the key is not such an index key.
Result<DecodedIndexKey> DecodeIndexKey(std::string_view key, size_t num_columns);

struct DecodedRecordKey {
  int64_t table_id = 0;
  int64_t handle = 0;
};
// Splits a 19-byte int-handle record key. Corruption if `key` is not one.
Result<DecodedRecordKey> DecodeRecordKey(std::string_view key);

// The table id of any key that starts with a table prefix ('t' + 8 bytes), else 0 (TiDB's
// DecodeTableID semantics: table ids are positive, so 0 means "not a table key").
int64_t DecodeTableID(std::string_view key);
// Key-kind checks on raw keys: byte 0 == 't' and byte 10 == 'r' / 'i' (formats.md 3.4).
bool IsRecordKey(std::string_view key);
bool IsIndexKey(std::string_view key);

// Range of all int-handle records of a table:
// [record prefix + EncodeInt(MinInt64), PrefixNext(record prefix + EncodeInt(MaxInt64))),
// which ends at 't{id}_s' + 8 zero bytes.
KeyRange TableRecordRange(int64_t table_id);
// Range of all entries of one index: [index prefix + 00, PrefixNext(index prefix + FA)).
KeyRange IndexRange(int64_t table_id, int64_t index_id);
// Everything of a table: [TablePrefix(id), TablePrefix(id + 1)).
KeyRange WholeTableRange(int64_t table_id);

}  // namespace brkv::catalog
