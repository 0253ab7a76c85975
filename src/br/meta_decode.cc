#include "br/meta_decode.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/codec.h"

namespace brkv::br {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Json = nlohmann::json;

constexpr std::array<std::string_view, 8> kSecretFields = {
    "cipher_key", "secret_access_key", "session_token",  "shared_key",
    "access_sig", "credentials_blob",  "encryption_key", "access_key"};

// Bytes fields whose content is JSON text (TiDB model structs, DDL jobs, stats, policies).
constexpr std::array<std::string_view, 6> kJsonBytesFields = {"db",    "table", "ddls",
                                                              "stats", "info",  "json_table"};

bool IsOneOf(std::string_view name, auto const& list) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

Json BytesToJson(const FieldDescriptor* f, const std::string& v) {
  if (IsOneOf(f->name(), kJsonBytesFields)) {
    if (v.empty()) return nullptr;
    Json parsed = Json::parse(v, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) return parsed;
  }
  return codec::ToHex(v);
}

Json MessageToJson(const Message& m);

Json SingleToJson(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
    case FieldDescriptor::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case FieldDescriptor::CPPTYPE_UINT64:
      return rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
    case FieldDescriptor::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* ev = rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f);
      return std::string(ev->name());
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      if (f->type() == FieldDescriptor::TYPE_BYTES) return BytesToJson(f, v);
      return v;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageToJson(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
  }
  return nullptr;
}

// Renders one field, or returns false when it should be omitted (an unset message field).
bool FieldToJson(const Message& m, const FieldDescriptor* f, Json* out) {
  const Reflection* r = m.GetReflection();
  if (IsOneOf(f->name(), kSecretFields)) {
    bool set = f->is_repeated() ? r->FieldSize(m, f) > 0 : r->HasField(m, f);
    if (!set && f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      *out = "";
      return true;
    }
    if (!set) return false;
    *out = "<redacted>";
    return true;
  }
  if (f->is_map()) {
    Json obj = Json::object();
    const int n = r->FieldSize(m, f);
    for (int i = 0; i < n; ++i) {
      const Message& entry = r->GetRepeatedMessage(m, f, i);
      const auto* kf = entry.GetDescriptor()->map_key();
      const auto* vf = entry.GetDescriptor()->map_value();
      Json key = SingleToJson(entry, kf, -1);
      std::string k = key.is_string() ? key.get<std::string>() : key.dump();
      obj[k] = SingleToJson(entry, vf, -1);
    }
    *out = std::move(obj);
    return true;
  }
  if (f->is_repeated()) {
    Json arr = Json::array();
    const int n = r->FieldSize(m, f);
    for (int i = 0; i < n; ++i) arr.push_back(SingleToJson(m, f, i));
    *out = std::move(arr);
    return true;
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !r->HasField(m, f)) return false;
  *out = SingleToJson(m, f, -1);
  return true;
}

Json MessageToJson(const Message& m) {
  Json obj = Json::object();
  const auto* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    Json v;
    if (FieldToJson(m, f, &v)) obj[std::string(f->name())] = std::move(v);
  }
  return obj;
}

std::string Dump(const Json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

std::string NormalizeFieldName(std::string_view field) {
  std::string out(field);
  for (char& c : out) {
    if (c == '-') c = '_';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Appends the items of the leaves to the v1-style lists of `view`.
void MergeLeaves(const std::vector<DecodedLeaf>& leaves, Json* view) {
  Json& files = (*view)["files"];
  Json& schemas = (*view)["schemas"];
  Json& raw_ranges = (*view)["raw_ranges"];
  Json& ddls = (*view)["ddls"];
  if (!ddls.is_array()) ddls = Json::array();  // v1 "[]" parses to an array; null → empty
  for (const auto& leaf : leaves) {
    Json l = MessageToJson(leaf.content);
    for (auto& x : l["data_files"]) files.push_back(std::move(x));
    for (auto& x : l["schemas"]) schemas.push_back(std::move(x));
    for (auto& x : l["raw_ranges"]) raw_ranges.push_back(std::move(x));
    for (auto& x : l["ddls"]) ddls.push_back(std::move(x));
  }
}

}  // namespace

std::string MessageToDebugJson(const Message& message, int indent) {
  return Dump(MessageToJson(message), indent);
}

Result<std::string> DecodeBackupMetaToJson(const backup::BackupMeta& meta,
                                           const std::vector<DecodedLeaf>& leaves,
                                           const DecodeOptions& options) {
  Json view = MessageToJson(meta);
  MergeLeaves(leaves, &view);
  if (options.field.empty()) return Dump(view, options.indent);

  const std::string name = NormalizeFieldName(options.field);
  const auto* f = backup::BackupMeta::descriptor()->FindFieldByName(name);
  if (f == nullptr) {
    std::string valid;
    const auto* d = backup::BackupMeta::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      std::string n(d->field(i)->name());
      std::replace(n.begin(), n.end(), '_', '-');
      valid += (valid.empty() ? "" : ", ") + n;
    }
    return Status::InvalidArgument("unknown backupmeta field '" + options.field +
                                   "'; valid fields: " + valid);
  }
  auto it = view.find(name);
  if (it == view.end()) return std::string("null");
  if (it->is_string()) return it->get<std::string>();
  if (it->is_primitive()) return Dump(*it, -1);
  return Dump(*it, options.indent);
}

}  // namespace brkv::br
