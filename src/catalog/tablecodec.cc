#include "catalog/tablecodec.h"

#include <limits>

#include "common/codec.h"

namespace brkv::catalog {

namespace {

void AppendTablePrefix(std::string* out, int64_t table_id) {
  out->push_back('t');
  codec::EncodeInt(out, table_id);
}

}  // namespace

std::string TablePrefix(int64_t table_id) {
  std::string k;
  k.reserve(kTablePrefixLen);
  AppendTablePrefix(&k, table_id);
  return k;
}

std::string RecordPrefix(int64_t table_id) {
  std::string k;
  k.reserve(kRecordKeyLen);
  AppendTablePrefix(&k, table_id);
  k.append("_r");
  return k;
}

std::string RecordKey(int64_t table_id, int64_t handle) {
  std::string k = RecordPrefix(table_id);
  codec::EncodeInt(&k, handle);
  return k;
}

std::string IndexPrefix(int64_t table_id, int64_t index_id) {
  std::string k;
  k.reserve(kIndexPrefixLen + 16);
  AppendTablePrefix(&k, table_id);
  k.append("_i");
  codec::EncodeInt(&k, index_id);
  return k;
}

void EncodeKeyDatum(std::string* out, const Datum& d) {
  switch (d.kind()) {
    case Datum::Kind::kNull:
      out->push_back(static_cast<char>(kNilFlag));
      return;
    case Datum::Kind::kInt64:
      out->push_back(static_cast<char>(kIntFlag));
      codec::EncodeInt(out, d.int_value());
      return;
    case Datum::Kind::kDouble:
      out->push_back(static_cast<char>(kFloatFlag));
      codec::EncodeFloat(out, d.double_value());
      return;
    case Datum::Kind::kBytes:
      out->push_back(static_cast<char>(kBytesFlag));
      codec::EncodeBytes(out, d.bytes());
      return;
  }
}

void EncodeKey(std::string* out, std::span<const Datum> values) {
  for (const Datum& d : values) EncodeKeyDatum(out, d);
}

Result<Datum> DecodeKeyDatum(std::string_view* in) {
  if (in->empty()) return Status::Corruption("key datum: no flag byte");
  uint8_t flag = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  switch (flag) {
    case kNilFlag:
      return Datum::Null();
    case kIntFlag: {
      ASSIGN_OR_RETURN(int64_t v, codec::DecodeInt(in));
      return Datum::Int(v);
    }
    case kFloatFlag: {
      ASSIGN_OR_RETURN(double v, codec::DecodeFloat(in));
      return Datum::Double(v);
    }
    case kBytesFlag: {
      ASSIGN_OR_RETURN(std::string v, codec::DecodeBytes(in));
      return Datum::Bytes(std::move(v));
    }
    default:
      return Status::Corruption("key datum: unsupported flag " + std::to_string(flag));
  }
}

bool IsDistinct(bool unique, std::span<const Datum> values) {
  if (!unique) return false;
  for (const Datum& d : values) {
    if (d.is_null()) return false;
  }
  return true;
}

std::string IndexKey(int64_t table_id, int64_t index_id, std::span<const Datum> values,
                     bool distinct, int64_t handle) {
  std::string k = IndexPrefix(table_id, index_id);
  EncodeKey(&k, values);
  if (!distinct) {
    k.push_back(static_cast<char>(kIntFlag));
    codec::EncodeInt(&k, handle);
  }
  return k;
}

std::string IndexValue(bool distinct, int64_t handle) {
  if (!distinct) return std::string(1, '0');
  std::string v;
  codec::EncodeUint(&v, static_cast<uint64_t>(handle));
  return v;
}

Result<int64_t> DecodeIndexValueHandle(std::string_view value) {
  if (value.size() != 8) {
    return Status::Corruption("index value: expected an 8-byte handle, got " +
                              std::to_string(value.size()) + " bytes");
  }
  ASSIGN_OR_RETURN(uint64_t u, codec::DecodeUint(&value));
  return static_cast<int64_t>(u);
}

Result<DecodedIndexKey> DecodeIndexKey(std::string_view key, size_t num_columns) {
  if (!IsIndexKey(key) || key.size() < kIndexPrefixLen || key[9] != '_') {
    return Status::Corruption("not an index key: " + codec::ToHex(key));
  }
  DecodedIndexKey out;
  std::string_view in = key.substr(1);
  ASSIGN_OR_RETURN(out.table_id, codec::DecodeInt(&in));
  in.remove_prefix(2);  // "_i"
  ASSIGN_OR_RETURN(out.index_id, codec::DecodeInt(&in));
  out.values.reserve(num_columns);
  for (size_t i = 0; i < num_columns; ++i) {
    Result<Datum> d = DecodeKeyDatum(&in);
    if (!d.ok()) return d.status().WithContext("index key column " + std::to_string(i));
    out.values.push_back(std::move(d).value());
  }
  if (in.empty()) return out;
  if (static_cast<uint8_t>(in.front()) != kIntFlag || in.size() != 9) {
    return Status::Corruption("index key: unexpected suffix " + codec::ToHex(in));
  }
  in.remove_prefix(1);
  ASSIGN_OR_RETURN(out.handle, codec::DecodeInt(&in));
  out.has_handle = true;
  return out;
}

Result<DecodedRecordKey> DecodeRecordKey(std::string_view key) {
  if (key.size() != kRecordKeyLen || !IsRecordKey(key) || key[9] != '_') {
    return Status::Corruption("not an int-handle record key: " + codec::ToHex(key));
  }
  DecodedRecordKey out;
  std::string_view in = key.substr(1);
  ASSIGN_OR_RETURN(out.table_id, codec::DecodeInt(&in));
  in.remove_prefix(2);  // "_r"
  ASSIGN_OR_RETURN(out.handle, codec::DecodeInt(&in));
  return out;
}

int64_t DecodeTableID(std::string_view key) {
  if (key.size() < kTablePrefixLen || key[0] != 't') return 0;
  std::string_view in = key.substr(1, 8);
  Result<int64_t> id = codec::DecodeInt(&in);
  return id.ok() ? *id : 0;
}

bool IsRecordKey(std::string_view key) {
  return key.size() >= kRecordPrefixLen && key[0] == 't' && key[10] == 'r';
}

bool IsIndexKey(std::string_view key) {
  return key.size() >= kRecordPrefixLen && key[0] == 't' && key[10] == 'i';
}

KeyRange TableRecordRange(int64_t table_id) {
  std::string prefix = RecordPrefix(table_id);
  KeyRange r;
  r.start = prefix;
  codec::EncodeInt(&r.start, std::numeric_limits<int64_t>::min());
  std::string last = prefix;
  codec::EncodeInt(&last, std::numeric_limits<int64_t>::max());
  r.end = codec::PrefixNext(last);
  return r;
}

KeyRange IndexRange(int64_t table_id, int64_t index_id) {
  std::string prefix = IndexPrefix(table_id, index_id);
  KeyRange r;
  r.start = prefix + static_cast<char>(kNilFlag);
  r.end = codec::PrefixNext(prefix + static_cast<char>(kMaxFlag));
  return r;
}

KeyRange WholeTableRange(int64_t table_id) {
  std::string prefix = TablePrefix(table_id);
  return KeyRange{prefix, codec::PrefixNext(prefix)};
}

}  // namespace brkv::catalog
