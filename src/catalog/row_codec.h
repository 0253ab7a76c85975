// TiDB row format v2 ("rowcodec"), the value of a record key (formats.md 3.5).
//
//   ver(1)=0x80 | flags(1) | not_null_cnt u16 LE | null_cnt u16 LE
//   | col_ids (not-null ids ascending, then null ids ascending)
//   | offsets (one per not-null column: end of its bytes inside data)
//   | data | [checksum]
// Small form: ids are u8 and offsets u16 LE. Large form (flags & 0x01): ids and offsets u32 LE;
// used when any column id > 255 or the data exceeds 65535 bytes. flags & 0x02 means a
// checksum follows: header byte (low 3 bits version, 0x08 = extra checksum), u32 LE CRC32,
// and a second u32 if the extra bit is set. The encoder never writes a checksum; the decoder
// accepts and skips one.
//
// Per-column data (not-null columns only):
//   int      smallest of 1/2/4/8 bytes that holds the signed value, little-endian
//   double   codec::EncodeFloat, 8 bytes big-endian (sign-flipped IEEE bits)
//   bytes    the raw bytes
//
// Verified against pingcap/tidb pkg/util/rowcodec (2025 sources): row.go (layout, flags,
// toBytes/fromBytes, checksum header), encoder.go (large when colID > 255 or data >
// MaxUint16; KindFloat32/64 are written with codec.EncodeFloat(d.GetFloat64()), i.e. the
// same 8 big-endian bytes as the key encoding, so formats.md's "from memory" float claim is
// right; strings/bytes raw), common.go (encodeInt: int8/int16/int32/int64 little-endian,
// decodeInt sign-extends by length).
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

inline constexpr uint8_t kRowCodecVer = 0x80;
inline constexpr uint8_t kRowFlagLarge = 0x01;
inline constexpr uint8_t kRowFlagChecksum = 0x02;

// One column of a row to encode.
struct RowColumn {
  int64_t id = 0;
  Datum value;
};

// Encodes a row v2 value. Columns may come in any order; NULL datums go to the null section.
// InvalidArgument if a column id is < 1 or > UINT32_MAX, or appears twice. An empty span
// gives the 6-byte empty row `80 00 00 00 00 00`.
Result<std::string> EncodeRowV2(std::span<const RowColumn> columns);

// One cell of a decoded row: a view into the value passed to ParseRowV2.
struct RowV2Cell {
  int64_t id = 0;
  bool is_null = false;
  std::string_view data;  // empty for NULL
};

// Splits a row v2 value into cells (not-null cells first, then null cells, as stored).
// Corruption if the version byte is not 0x80 or any length/offset is inconsistent.
Result<std::vector<RowV2Cell>> ParseRowV2(std::string_view value);

// How to interpret a cell's bytes; chosen from the column's type by the caller.
enum class RowValueKind { kInt, kDouble, kBytes };

// Decodes a not-null cell's bytes. Corruption if an int is not 1/2/4/8 bytes or a double is
// not 8 bytes.
Result<Datum> DecodeRowV2Value(std::string_view data, RowValueKind kind);

// Appends the row v2 data bytes of one not-null datum. REQUIRES: !d.is_null().
void AppendRowV2Value(std::string* out, const Datum& d);

}  // namespace brkv::catalog
