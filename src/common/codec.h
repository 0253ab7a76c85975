// Byte codecs shared with TiDB/TiKV (formats.md section 3.1-3.2).
//
// Number codecs (big-endian, sign-flipped ints so they sort), LEB128 varints, memcomparable
// bytes (EncodeBytes), compact bytes, floats. Decoders take a std::string_view* cursor and
// advance it past what they consumed; on malformed input they return Corruption and leave the
// cursor unspecified. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::codec {

// EncodeInt: 8 bytes BE of uint64(v) ^ 0x8000000000000000 (sorts like the signed value).
void EncodeInt(std::string* out, int64_t v);
Result<int64_t> DecodeInt(std::string_view* in);
// EncodeUint: 8 bytes BE.
void EncodeUint(std::string* out, uint64_t v);
Result<uint64_t> DecodeUint(std::string_view* in);
// EncodeUintDesc: 8 bytes BE of ~v (TiKV's ts suffix).
void EncodeUintDesc(std::string* out, uint64_t v);
Result<uint64_t> DecodeUintDesc(std::string_view* in);

// LEB128 unsigned varint (TiKV var-u64).
void EncodeUvarint(std::string* out, uint64_t v);
Result<uint64_t> DecodeUvarint(std::string_view* in);
// Zig-zag signed varint (TiDB EncodeVarint / TiKV var-i64).
void EncodeVarint(std::string* out, int64_t v);
Result<int64_t> DecodeVarint(std::string_view* in);

// EncodeFloat: IEEE bits, sign bit set if positive, else all bits inverted; 8 bytes BE.
void EncodeFloat(std::string* out, double v);
Result<double> DecodeFloat(std::string_view* in);

// Memcomparable bytes: 8-byte groups + marker (formats.md 3.2). Encoded length = (n/8+1)*9.
void EncodeBytes(std::string* out, std::string_view in);
std::string EncodeBytes(std::string_view in);
// Decodes one memcomparable group sequence; checks pad bytes and markers.
Result<std::string> DecodeBytes(std::string_view* in);
// Descending variant: every output byte inverted.
void EncodeBytesDesc(std::string* out, std::string_view in);
Result<std::string> DecodeBytesDesc(std::string_view* in);

// Compact bytes: varint(len) + bytes (zig-zag varint length, as TiDB).
void EncodeCompactBytes(std::string* out, std::string_view in);
Result<std::string> DecodeCompactBytes(std::string_view* in);

// EncodeKeyPrefix (formats.md 2.3): memcomparable-encode the complete 8-byte groups of p
// (dropping the final padding group), then append the remaining len(p)%8 bytes raw. The
// result is a byte prefix of EncodeBytes(k) for every k that starts with p.
std::string EncodeKeyPrefix(std::string_view p);

// The smallest key greater than every key with prefix k ("" if k is all 0xFF bytes, meaning
// +infinity).
std::string PrefixNext(std::string_view k);

// Lower-case hex of bytes, and its inverse (InvalidArgument on odd length or bad digit).
std::string ToHex(std::string_view b);
Result<std::string> FromHex(std::string_view hex);

// Escapes non-printable bytes as \xNN (and backslash as \\); the inverse parses \xNN, \\, \n,
// \t, \r, \", \'. These are the kvctl/br `--format escaped` forms.
std::string Escape(std::string_view b);
Result<std::string> Unescape(std::string_view s);

}  // namespace brkv::codec
