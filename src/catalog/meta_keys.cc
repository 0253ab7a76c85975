#include "catalog/meta_keys.h"

#include <charconv>

#include "common/codec.h"

namespace brkv::catalog::meta {

namespace {

std::string KeyHead(std::string_view key, uint64_t type) {
  std::string k(1, kMetaPrefix);
  codec::EncodeBytes(&k, key);
  codec::EncodeUint(&k, type);
  return k;
}

std::string IDField(std::string_view prefix, int64_t id) {
  std::string f(prefix);
  f.push_back(':');
  f.append(std::to_string(id));
  return f;
}

}  // namespace

std::string StringKey(std::string_view key) { return KeyHead(key, kStringData); }

std::string HashDataPrefix(std::string_view key) { return KeyHead(key, kHashData); }

std::string HashFieldKey(std::string_view key, std::string_view field) {
  std::string k = HashDataPrefix(key);
  codec::EncodeBytes(&k, field);
  return k;
}

KeyRange HashRange(std::string_view key) {
  std::string prefix = HashDataPrefix(key);
  std::string end = codec::PrefixNext(prefix);
  return KeyRange{std::move(prefix), std::move(end)};
}

Result<std::string> DecodeHashField(std::string_view key, std::string_view raw_key) {
  std::string prefix = HashDataPrefix(key);
  if (raw_key.substr(0, prefix.size()) != prefix) {
    return Status::Corruption("not a field key of meta hash '" + std::string(key) + "'");
  }
  std::string_view in = raw_key.substr(prefix.size());
  ASSIGN_OR_RETURN(std::string field, codec::DecodeBytes(&in));
  if (!in.empty()) return Status::Corruption("meta hash field key has trailing bytes");
  return field;
}

std::string DBField(int64_t db_id) { return IDField("DB", db_id); }
std::string TableField(int64_t table_id) { return IDField("Table", table_id); }
std::string AutoTableIDField(int64_t table_id) { return IDField("TID", table_id); }
std::string AutoIncIDField(int64_t table_id) { return IDField("IID", table_id); }

std::optional<int64_t> ParseIDField(std::string_view prefix, std::string_view field) {
  if (field.size() <= prefix.size() + 1 || field.substr(0, prefix.size()) != prefix ||
      field[prefix.size()] != ':') {
    return std::nullopt;
  }
  Result<int64_t> id = ParseInt(field.substr(prefix.size() + 1));
  if (!id.ok()) return std::nullopt;
  return *id;
}

std::string NextGlobalIDKey() { return StringKey(kNextGlobalIDKey); }
std::string SchemaVersionKey() { return StringKey(kSchemaVersionKey); }
std::string DatabaseKey(int64_t db_id) { return HashFieldKey(kDBsKey, DBField(db_id)); }
std::string TableKey(int64_t db_id, int64_t table_id) {
  return HashFieldKey(DBField(db_id), TableField(table_id));
}
std::string AutoTableIDKey(int64_t db_id, int64_t table_id) {
  return HashFieldKey(DBField(db_id), AutoTableIDField(table_id));
}
std::string AutoIncIDKey(int64_t db_id, int64_t table_id) {
  return HashFieldKey(DBField(db_id), AutoIncIDField(table_id));
}
KeyRange DatabasesRange() { return HashRange(kDBsKey); }
KeyRange DatabaseHashRange(int64_t db_id) { return HashRange(DBField(db_id)); }

std::string FormatInt(int64_t v) { return std::to_string(v); }

Result<int64_t> ParseInt(std::string_view value) {
  int64_t v = 0;
  const char* first = value.data();
  const char* last = value.data() + value.size();
  auto r = std::from_chars(first, last, v, 10);
  if (value.empty() || r.ec != std::errc() || r.ptr != last) {
    return Status::Corruption("meta value is not a decimal int64: '" +
                              codec::Escape(value) + "'");
  }
  return v;
}

}  // namespace brkv::catalog::meta
