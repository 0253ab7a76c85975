#include "catalog/row.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <unordered_map>

#include "catalog/tablecodec.h"
#include "common/codec.h"

namespace brkv::catalog {

namespace {

std::string ColName(const ColumnInfo& col) { return "column '" + col.name.O + "'"; }

// Quotes a user value for an error message, shortened and escaped.
std::string Quote(std::string_view v) {
  constexpr size_t kMax = 64;
  std::string s = codec::Escape(v.substr(0, kMax));
  if (v.size() > kMax) s += "...";
  return "'" + s + "'";
}

bool IsIntType(uint8_t tp) {
  return tp == mysql::kTypeTiny || tp == mysql::kTypeShort || tp == mysql::kTypeInt24 ||
         tp == mysql::kTypeLong || tp == mysql::kTypeLonglong;
}
bool IsFloatType(uint8_t tp) { return tp == mysql::kTypeFloat || tp == mysql::kTypeDouble; }
bool IsBlobType(uint8_t tp) {
  return tp == mysql::kTypeTinyBlob || tp == mysql::kTypeMediumBlob ||
         tp == mysql::kTypeLongBlob || tp == mysql::kTypeBlob;
}
bool IsStringType(uint8_t tp) {
  return tp == mysql::kTypeVarchar || tp == mysql::kTypeVarString ||
         tp == mysql::kTypeString || IsBlobType(tp);
}

bool IsBinaryCharset(const ColumnInfo& col) {
  return col.type.charset == mysql::kCharsetBin || col.type.charset.empty();
}

void IntRange(uint8_t tp, int64_t* lo, int64_t* hi) {
  switch (tp) {
    case mysql::kTypeTiny:
      *lo = -128, *hi = 127;
      return;
    case mysql::kTypeShort:
      *lo = -32768, *hi = 32767;
      return;
    case mysql::kTypeInt24:
      *lo = -8388608, *hi = 8388607;
      return;
    case mysql::kTypeLong:
      *lo = std::numeric_limits<int32_t>::min(), *hi = std::numeric_limits<int32_t>::max();
      return;
    default:
      *lo = std::numeric_limits<int64_t>::min(), *hi = std::numeric_limits<int64_t>::max();
  }
}

const char* TypeName(uint8_t tp) {
  switch (tp) {
    case mysql::kTypeTiny: return "tinyint";
    case mysql::kTypeShort: return "smallint";
    case mysql::kTypeInt24: return "mediumint";
    case mysql::kTypeLong: return "int";
    case mysql::kTypeLonglong: return "bigint";
    case mysql::kTypeFloat: return "float";
    case mysql::kTypeDouble: return "double";
    case mysql::kTypeVarchar: return "varchar";
    case mysql::kTypeVarString: return "varbinary";
    case mysql::kTypeString: return "char";
    default: return "blob/text";
  }
}

// Maximum byte length of a blob-family column when Flen is unspecified.
uint64_t BlobMaxBytes(uint8_t tp) {
  switch (tp) {
    case mysql::kTypeTinyBlob: return 255;
    case mysql::kTypeMediumBlob: return (uint64_t{1} << 24) - 1;
    case mysql::kTypeLongBlob: return (uint64_t{1} << 32) - 1;
    default: return 65535;
  }
}

// Number of UTF-8 characters, or nullopt if `s` is not valid UTF-8 (no overlongs,
// surrogates or code points above U+10FFFF).
std::optional<size_t> Utf8Length(std::string_view s) {
  size_t n = 0;
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      len = 1, cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      const uint8_t cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += len;
    ++n;
  }
  return n;
}

// Byte length of the first `chars` UTF-8 characters of a valid UTF-8 string.
size_t Utf8PrefixBytes(std::string_view s, size_t chars) {
  size_t i = 0;
  while (i < s.size() && chars > 0) {
    ++i;
    while (i < s.size() && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) ++i;
    --chars;
  }
  return i;
}

std::string_view StripPlus(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  return text;
}

Result<Datum> ParseIntText(const ColumnInfo& col, std::string_view text) {
  std::string_view t = StripPlus(text);
  int64_t v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v, 10);
  if (t.empty() || r.ptr != t.data() + t.size() ||
      (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) {
    return Status::InvalidArgument("invalid integer " + Quote(text) + " for " + ColName(col));
  }
  if (r.ec == std::errc::result_out_of_range) {
    return Status::InvalidArgument("value " + Quote(text) + " out of range for " +
                                   ColName(col) + " (" + TypeName(col.type.tp) + ")");
  }
  return Datum::Int(v);
}

Result<Datum> CastInt(const ColumnInfo& col, int64_t v) {
  int64_t lo, hi;
  IntRange(col.type.tp, &lo, &hi);
  if (v < lo || v > hi) {
    return Status::InvalidArgument("value " + std::to_string(v) + " out of range for " +
                                   ColName(col) + " (" + TypeName(col.type.tp) + ")");
  }
  return Datum::Int(v);
}

Result<Datum> CastDouble(const ColumnInfo& col, double v, std::string_view shown) {
  if (!std::isfinite(v)) {
    return Status::InvalidArgument("value " + Quote(shown) + " out of range for " +
                                   ColName(col) + " (" + TypeName(col.type.tp) + ")");
  }
  if (col.type.tp == mysql::kTypeFloat) {
    if (std::fabs(v) > std::numeric_limits<float>::max()) {
      return Status::InvalidArgument("value " + Quote(shown) + " out of range for " +
                                     ColName(col) + " (float)");
    }
    v = static_cast<double>(static_cast<float>(v));
  }
  return Datum::Double(v);
}

Result<Datum> ParseDoubleText(const ColumnInfo& col, std::string_view text) {
  std::string_view t = StripPlus(text);
  // from_chars would also take "inf" and "nan"; SQL numbers are digits, '.', exponent, sign.
  if (t.find_first_not_of("0123456789.eE+-") != std::string_view::npos) {
    return Status::InvalidArgument("invalid number " + Quote(text) + " for " + ColName(col));
  }
  double v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::general);
  if (t.empty() || r.ptr != t.data() + t.size() ||
      (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) {
    return Status::InvalidArgument("invalid number " + Quote(text) + " for " + ColName(col));
  }
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars leaves v untouched on a range error; strtod (the text is known to be a
    // well-formed number) tells overflow (inf: an error) from underflow (0 or subnormal).
    v = std::strtod(std::string(t).c_str(), nullptr);
  }
  return CastDouble(col, v, text);
}

Result<Datum> CastString(const ColumnInfo& col, std::string s) {
  const uint8_t tp = col.type.tp;
  const bool binary = IsBinaryCharset(col);
  if (tp == mysql::kTypeString && !binary) {
    while (!s.empty() && s.back() == ' ') s.pop_back();  // CHAR drops trailing spaces
  }
  if (IsBlobType(tp)) {
    uint64_t max = col.type.flen > 0 ? static_cast<uint64_t>(col.type.flen) : BlobMaxBytes(tp);
    if (s.size() > max) {
      return Status::InvalidArgument("value of " + std::to_string(s.size()) +
                                     " bytes too long for " + ColName(col) + " (max " +
                                     std::to_string(max) + " bytes)");
    }
    if (!binary && !Utf8Length(s)) {
      return Status::InvalidArgument("invalid utf8mb4 value " + Quote(s) + " for " +
                                     ColName(col));
    }
    return Datum::Bytes(std::move(s));
  }
  size_t len = s.size();
  if (!binary) {
    std::optional<size_t> chars = Utf8Length(s);
    if (!chars) {
      return Status::InvalidArgument("invalid utf8mb4 value " + Quote(s) + " for " +
                                     ColName(col));
    }
    len = *chars;
  }
  if (col.type.flen >= 0 && len > static_cast<size_t>(col.type.flen)) {
    return Status::InvalidArgument("value " + Quote(s) + " too long for " + ColName(col) +
                                   " (" + TypeName(tp) + "(" + std::to_string(col.type.flen) +
                                   "))");
  }
  if (tp == mysql::kTypeString && binary && col.type.flen > 0) {
    s.resize(static_cast<size_t>(col.type.flen), '\0');  // BINARY(n) is zero-padded
  }
  return Datum::Bytes(std::move(s));
}

// Truncates an indexed string to the index column's prefix length.
Datum TruncateForIndex(const ColumnInfo& col, const IndexColumn& ic, const Datum& d) {
  if (ic.length == kUnspecifiedLength || d.kind() != Datum::Kind::kBytes) return d;
  const std::string& b = d.bytes();
  const size_t n = static_cast<size_t>(ic.length);
  const size_t cut = IsBinaryCharset(col) ? std::min(n, b.size()) : Utf8PrefixBytes(b, n);
  if (cut >= b.size()) return d;
  return Datum::Bytes(b.substr(0, cut));
}

// TiDB's CanSkip for a non-handle column: NULL with neither default nor origin default.
bool CanSkip(const ColumnInfo& col, const Datum& d) {
  return d.is_null() && col.default_value.is_null() && col.origin_default.is_null();
}

Result<Datum> OriginDefault(const ColumnInfo& col) {
  const Json& od = col.origin_default;
  if (od.is_null()) return Datum::Null();
  if (od.is_string()) return ParseColumnValue(col, od.get<std::string>());
  if (od.is_number_integer()) return CastColumnValue(col, Datum::Int(od.get<int64_t>()));
  if (od.is_number()) return CastColumnValue(col, Datum::Double(od.get<double>()));
  return Status::NotSupported("unsupported origin default for " + ColName(col));
}

}  // namespace

Result<RowValueKind> ColumnValueKind(const ColumnInfo& col) {
  const uint8_t tp = col.type.tp;
  if (col.state != kStatePublic) {
    return Status::NotSupported(ColName(col) + " is not public (state " +
                                std::to_string(col.state) + ")");
  }
  if (!col.generated_expr_string.empty()) {
    return Status::NotSupported("generated " + ColName(col) + " is not supported");
  }
  if (IsIntType(tp)) {
    if (col.type.HasFlag(mysql::kUnsignedFlag)) {
      return Status::NotSupported("unsigned " + ColName(col) + " is not supported");
    }
    return RowValueKind::kInt;
  }
  if (IsFloatType(tp)) return RowValueKind::kDouble;
  if (IsStringType(tp)) return RowValueKind::kBytes;
  return Status::NotSupported(ColName(col) + " has unsupported type code " +
                              std::to_string(tp));
}

Status CheckTableSupported(const TableInfo& table) {
  const std::string where = "table '" + table.name.O + "'";
  if (table.is_common_handle) {
    return Status::NotSupported(where + " uses a clustered non-integer primary key");
  }
  if (table.has_partition) return Status::NotSupported(where + " is partitioned");
  if (table.is_view || table.is_sequence) {
    return Status::NotSupported(where + " is a view or sequence");
  }
  if (table.columns.empty()) return Status::InvalidArgument(where + " has no columns");
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const ColumnInfo& c = table.columns[i];
    if (c.offset != static_cast<int>(i)) {
      return Status::InvalidArgument(where + ": " + ColName(c) + " has offset " +
                                     std::to_string(c.offset) + " at position " +
                                     std::to_string(i));
    }
    Result<RowValueKind> k = ColumnValueKind(c);
    if (!k.ok()) return k.status().WithContext(where);
  }
  if (table.pk_is_handle) {
    const ColumnInfo* pk = table.PkHandleColumn();
    if (pk == nullptr || !IsIntType(pk->type.tp)) {
      return Status::InvalidArgument(where + ": pk_is_handle without an integer primary key");
    }
  }
  for (const IndexInfo& idx : table.indices) {
    if (idx.global) return Status::NotSupported(where + ": global index '" + idx.name.O + "'");
    for (const IndexColumn& ic : idx.columns) {
      if (ic.offset < 0 || static_cast<size_t>(ic.offset) >= table.columns.size()) {
        return Status::InvalidArgument(where + ": index '" + idx.name.O +
                                       "' refers to column offset " +
                                       std::to_string(ic.offset));
      }
    }
  }
  return Status::OK();
}

Result<Datum> CastColumnValue(const ColumnInfo& col, const Datum& d) {
  ASSIGN_OR_RETURN(RowValueKind kind, ColumnValueKind(col));
  if (d.is_null()) {
    if (col.IsNotNull()) return Status::InvalidArgument(ColName(col) + " cannot be NULL");
    return Datum::Null();
  }
  switch (kind) {
    case RowValueKind::kInt:
      switch (d.kind()) {
        case Datum::Kind::kInt64:
          return CastInt(col, d.int_value());
        case Datum::Kind::kBytes: {
          ASSIGN_OR_RETURN(Datum v, ParseIntText(col, d.bytes()));
          return CastInt(col, v.int_value());
        }
        default:
          return Status::InvalidArgument("a double is not valid for integer " + ColName(col));
      }
    case RowValueKind::kDouble:
      switch (d.kind()) {
        case Datum::Kind::kInt64:
          return CastDouble(col, static_cast<double>(d.int_value()),
                            std::to_string(d.int_value()));
        case Datum::Kind::kDouble:
          return CastDouble(col, d.double_value(), d.DebugString());
        default:
          return ParseDoubleText(col, d.bytes());
      }
    case RowValueKind::kBytes:
      switch (d.kind()) {
        case Datum::Kind::kBytes:
          return CastString(col, d.bytes());
        default:
          return CastString(col, FormatColumnValue(d).value_or(""));
      }
  }
  return Status::Internal("unreachable");
}

Result<Datum> ParseColumnValue(const ColumnInfo& col, std::optional<std::string_view> field) {
  if (!field) return CastColumnValue(col, Datum::Null());
  return CastColumnValue(col, Datum::Bytes(std::string(*field)));
}

std::optional<std::string> FormatColumnValue(const Datum& d) {
  switch (d.kind()) {
    case Datum::Kind::kNull:
      return std::nullopt;
    case Datum::Kind::kInt64:
      return std::to_string(d.int_value());
    case Datum::Kind::kDouble: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof(buf), d.double_value());
      return std::string(buf, r.ptr);
    }
    case Datum::Kind::kBytes:
      return d.bytes();
  }
  return std::nullopt;
}

Result<std::vector<IndexKV>> EncodeIndexKVs(const TableInfo& table,
                                            std::span<const Datum> datums, int64_t handle) {
  std::vector<IndexKV> out;
  for (const IndexInfo& idx : table.indices) {
    if (idx.state != kStatePublic) continue;
    std::vector<Datum> values;
    values.reserve(idx.columns.size());
    for (const IndexColumn& ic : idx.columns) {
      if (ic.offset < 0 || static_cast<size_t>(ic.offset) >= datums.size()) {
        return Status::InvalidArgument("index '" + idx.name.O + "' refers to column offset " +
                                       std::to_string(ic.offset));
      }
      values.push_back(TruncateForIndex(table.columns[ic.offset], ic, datums[ic.offset]));
    }
    const bool distinct = IsDistinct(idx.unique, values);
    out.push_back(IndexKV{IndexKey(table.id, idx.id, values, distinct, handle),
                          IndexValue(distinct, handle)});
  }
  return out;
}

Result<EncodedRow> EncodeRow(const TableInfo& table, std::span<const Datum> datums,
                             int64_t row_id) {
  RETURN_IF_ERROR(CheckTableSupported(table));
  if (datums.size() != table.columns.size()) {
    return Status::InvalidArgument("table '" + table.name.O + "' has " +
                                   std::to_string(table.columns.size()) + " columns, got " +
                                   std::to_string(datums.size()) + " values");
  }
  std::vector<Datum> cast;
  cast.reserve(datums.size());
  for (size_t i = 0; i < datums.size(); ++i) {
    ASSIGN_OR_RETURN(Datum d, CastColumnValue(table.columns[i], datums[i]));
    cast.push_back(std::move(d));
  }

  EncodedRow row;
  const ColumnInfo* pk = table.PkHandleColumn();
  if (pk != nullptr) {
    const Datum& h = cast[pk->offset];
    if (h.is_null()) return Status::InvalidArgument(ColName(*pk) + " (the handle) is NULL");
    row.handle = h.int_value();
  } else {
    row.handle = row_id;
  }

  std::vector<RowColumn> cols;
  cols.reserve(cast.size());
  for (size_t i = 0; i < cast.size(); ++i) {
    const ColumnInfo& c = table.columns[i];
    if (&c == pk || CanSkip(c, cast[i])) continue;
    cols.push_back(RowColumn{c.id, cast[i]});
  }
  row.key = RecordKey(table.id, row.handle);
  ASSIGN_OR_RETURN(row.value, EncodeRowV2(cols));
  ASSIGN_OR_RETURN(row.index_kvs, EncodeIndexKVs(table, cast, row.handle));
  return row;
}

Result<std::vector<Datum>> DecodeRow(const TableInfo& table, std::string_view record_key,
                                     std::string_view value) {
  RETURN_IF_ERROR(CheckTableSupported(table));
  ASSIGN_OR_RETURN(DecodedRecordKey rk, DecodeRecordKey(record_key));
  if (rk.table_id != table.id) {
    return Status::Corruption("record key of table " + std::to_string(rk.table_id) +
                              " decoded as table " + std::to_string(table.id));
  }
  if (value.empty() || static_cast<uint8_t>(value[0]) != kRowCodecVer) {
    return Status::NotSupported("row of handle " + std::to_string(rk.handle) +
                                " is not in row format v2");
  }
  ASSIGN_OR_RETURN(std::vector<RowV2Cell> cells, ParseRowV2(value));
  std::unordered_map<int64_t, const RowV2Cell*> by_id;
  by_id.reserve(cells.size());
  for (const RowV2Cell& c : cells) by_id[c.id] = &c;

  const ColumnInfo* pk = table.PkHandleColumn();
  std::vector<Datum> out;
  out.reserve(table.columns.size());
  for (const ColumnInfo& col : table.columns) {
    if (&col == pk) {
      out.push_back(Datum::Int(rk.handle));
      continue;
    }
    auto it = by_id.find(col.id);
    if (it == by_id.end()) {
      ASSIGN_OR_RETURN(Datum d, OriginDefault(col));
      out.push_back(std::move(d));
      continue;
    }
    if (it->second->is_null) {
      out.push_back(Datum::Null());
      continue;
    }
    ASSIGN_OR_RETURN(RowValueKind kind, ColumnValueKind(col));
    Result<Datum> d = DecodeRowV2Value(it->second->data, kind);
    if (!d.ok()) return d.status().WithContext(ColName(col));
    out.push_back(std::move(d).value());
  }
  return out;
}

Result<std::vector<std::optional<std::string>>> DecodeRowToFields(const TableInfo& table,
                                                                  std::string_view record_key,
                                                                  std::string_view value) {
  ASSIGN_OR_RETURN(std::vector<Datum> datums, DecodeRow(table, record_key, value));
  std::vector<std::optional<std::string>> fields;
  fields.reserve(datums.size());
  for (const Datum& d : datums) fields.push_back(FormatColumnValue(d));
  return fields;
}

}  // namespace brkv::catalog
