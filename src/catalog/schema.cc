#include "catalog/schema.h"

#include <limits>
#include <type_traits>

namespace brkv::catalog {

namespace {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Dump(const Json& j) {
  // Replace (rather than throw on) invalid UTF-8; identifiers are validated upstream.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Status WrongType(std::string_view key, std::string_view want) {
  return Status::Corruption("schema JSON: field '" + std::string(key) + "' is not " +
                            std::string(want));
}

// Field readers: a missing or null field yields the zero value, like Go's encoding/json.
template <typename T>
Status GetInt(const Json& j, const char* key, T* out) {
  static_assert(std::is_integral_v<T>);
  *out = T{};
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::OK();
  if (it->is_number_unsigned()) {
    uint64_t v = it->template get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return Status::Corruption(std::string("schema JSON: field '") + key + "' out of range");
    }
    *out = static_cast<T>(v);
    return Status::OK();
  }
  if (it->is_number_integer()) {
    int64_t v = it->template get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (v < 0) return Status::Corruption(std::string("schema JSON: field '") + key + "' < 0");
      if (static_cast<uint64_t>(v) > std::numeric_limits<T>::max()) {
        return Status::Corruption(std::string("schema JSON: field '") + key + "' out of range");
      }
    } else {
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        return Status::Corruption(std::string("schema JSON: field '") + key + "' out of range");
      }
    }
    *out = static_cast<T>(v);
    return Status::OK();
  }
  return WrongType(key, "an integer");
}

Status GetBool(const Json& j, const char* key, bool* out) {
  *out = false;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::OK();
  if (!it->is_boolean()) return WrongType(key, "a boolean");
  *out = it->get<bool>();
  return Status::OK();
}

Status GetString(const Json& j, const char* key, std::string* out) {
  out->clear();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::OK();
  if (!it->is_string()) return WrongType(key, "a string");
  *out = it->get<std::string>();
  return Status::OK();
}

Status GetCIStr(const Json& j, const char* key, CIStr* out) {
  *out = CIStr{};
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::OK();
  if (!it->is_object()) return WrongType(key, "an {O,L} object");
  RETURN_IF_ERROR(GetString(*it, "O", &out->O).WithContext(key));
  RETURN_IF_ERROR(GetString(*it, "L", &out->L).WithContext(key));
  return Status::OK();
}

// Returns the array at `key`, or nullptr when missing/null. Corruption if not an array.
Result<const Json*> GetArray(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_array()) return WrongType(key, "an array");
  return &*it;
}

Json CIStrJson(const CIStr& s) {
  Json j = Json::object();
  j["O"] = s.O;
  j["L"] = s.L;
  return j;
}

bool IsObject(const Json& j) { return j.is_object(); }

// The TiDB zero-valued shapes, used for objects built in C++ (field order as TiDB writes).
Json DefaultFieldTypeShape() {
  Json j = Json::object();
  j["Tp"] = 0;
  j["Flag"] = 0;
  j["Flen"] = 0;
  j["Decimal"] = 0;
  j["Charset"] = "";
  j["Collate"] = "";
  j["Elems"] = nullptr;
  j["ElemsIsBinaryLit"] = nullptr;
  j["Array"] = false;
  return j;
}

Json DefaultColumnShape() {
  Json j = Json::object();
  j["id"] = 0;
  j["name"] = nullptr;
  j["offset"] = 0;
  j["origin_default"] = nullptr;
  j["origin_default_bit"] = nullptr;
  j["default"] = nullptr;
  j["default_bit"] = nullptr;
  j["default_is_expr"] = false;
  j["generated_expr_string"] = "";
  j["generated_stored"] = false;
  j["dependences"] = nullptr;
  j["type"] = nullptr;
  j["state"] = 0;
  j["comment"] = "";
  j["hidden"] = false;
  j["change_state_info"] = nullptr;
  j["version"] = 0;
  return j;
}

Json DefaultIndexShape() {
  Json j = Json::object();
  j["id"] = 0;
  j["idx_name"] = nullptr;
  j["tbl_name"] = nullptr;
  j["idx_cols"] = nullptr;
  j["state"] = 0;
  j["backfill_state"] = 0;
  j["comment"] = "";
  j["index_type"] = 0;
  j["is_unique"] = false;
  j["is_primary"] = false;
  j["is_invisible"] = false;
  j["is_global"] = false;
  j["mv_index"] = false;
  j["vector_index"] = nullptr;
  return j;
}

Json DefaultTableShape() {
  Json j = Json::object();
  j["id"] = 0;
  j["name"] = nullptr;
  j["charset"] = "";
  j["collate"] = "";
  j["cols"] = nullptr;
  j["index_info"] = nullptr;
  j["constraint_info"] = nullptr;
  j["fk_info"] = nullptr;
  j["state"] = 0;
  j["pk_is_handle"] = false;
  j["is_common_handle"] = false;
  j["common_handle_version"] = 0;
  j["comment"] = "";
  j["auto_inc_id"] = 0;
  j["auto_id_cache"] = 0;
  j["auto_rand_id"] = 0;
  j["max_col_id"] = 0;
  j["max_idx_id"] = 0;
  j["max_fk_id"] = 0;
  j["max_cst_id"] = 0;
  j["update_timestamp"] = 0;
  j["ShardRowIDBits"] = 0;
  j["max_shard_row_id_bits"] = 0;
  j["auto_random_bits"] = 0;
  j["auto_random_range_bits"] = 0;
  j["pre_split_regions"] = 0;
  j["partition"] = nullptr;
  j["compression"] = "";
  j["view"] = nullptr;
  j["sequence"] = nullptr;
  j["Lock"] = nullptr;
  j["version"] = 0;
  j["tiflash_replica"] = nullptr;
  j["is_columnar"] = false;
  j["temp_table_type"] = 0;
  j["cache_table_status"] = 0;
  j["policy_ref_info"] = nullptr;
  j["stats_options"] = nullptr;
  j["exchange_partition_info"] = nullptr;
  j["ttl_info"] = nullptr;
  j["revision"] = 0;
  return j;
}

Json DefaultDBShape() {
  Json j = Json::object();
  j["id"] = 0;
  j["db_name"] = nullptr;
  j["charset"] = "";
  j["collate"] = "";
  j["Deprecated"] = Json::object();
  j["state"] = 0;
  j["policy_ref_info"] = nullptr;
  return j;
}

Json Base(const Json& raw, Json (*shape)()) { return IsObject(raw) ? raw : shape(); }

bool NonNull(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && !it->is_null();
}

Status RequireObject(const Json& j, std::string_view what) {
  if (!j.is_object()) return Status::Corruption("schema JSON: " + std::string(what) +
                                                " is not a JSON object");
  return Status::OK();
}

Result<Json> ParseText(std::string_view text, std::string_view what) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corruption("schema JSON: " + std::string(what) + " is not valid JSON");
  }
  RETURN_IF_ERROR(RequireObject(j, what));
  return j;
}

}  // namespace

CIStr CIStr::From(std::string_view original) {
  return CIStr{std::string(original), AsciiLower(original)};
}

const ColumnInfo* TableInfo::FindColumn(std::string_view name) const {
  std::string l = AsciiLower(name);
  for (const ColumnInfo& c : columns) {
    if (c.name.L == l) return &c;
  }
  return nullptr;
}

const IndexInfo* TableInfo::FindIndex(std::string_view name) const {
  std::string l = AsciiLower(name);
  for (const IndexInfo& i : indices) {
    if (i.name.L == l) return &i;
  }
  return nullptr;
}

const ColumnInfo* TableInfo::PkHandleColumn() const {
  if (!pk_is_handle) return nullptr;
  for (const ColumnInfo& c : columns) {
    if (c.IsPriKey()) return &c;
  }
  return nullptr;
}

DBInfo MakeDBInfo(int64_t id, std::string_view name) {
  DBInfo d;
  d.id = id;
  d.name = CIStr::From(name);
  return d;
}

// ---- Serialisation ----------------------------------------------------------------------

Json ToJsonValue(const FieldType& t) {
  Json j = Base(t.raw, DefaultFieldTypeShape);
  j["Tp"] = t.tp;
  j["Flag"] = t.flag;
  j["Flen"] = t.flen;
  j["Decimal"] = t.decimal;
  j["Charset"] = t.charset;
  j["Collate"] = t.collate;
  if (t.elems.empty()) {
    j["Elems"] = nullptr;
  } else {
    j["Elems"] = t.elems;
  }
  return j;
}

Json ToJsonValue(const ColumnInfo& c) {
  Json j = Base(c.raw, DefaultColumnShape);
  j["id"] = c.id;
  j["name"] = CIStrJson(c.name);
  j["offset"] = c.offset;
  j["origin_default"] = c.origin_default;
  j["default"] = c.default_value;
  j["generated_expr_string"] = c.generated_expr_string;
  j["type"] = ToJsonValue(c.type);
  j["state"] = c.state;
  j["comment"] = c.comment;
  j["hidden"] = c.hidden;
  j["version"] = c.version;
  return j;
}

Json ToJsonValue(const IndexInfo& i) {
  Json j = Base(i.raw, DefaultIndexShape);
  j["id"] = i.id;
  j["idx_name"] = CIStrJson(i.name);
  j["tbl_name"] = CIStrJson(i.table_name);
  Json cols = Json::array();
  for (const IndexColumn& c : i.columns) {
    Json cj = IsObject(c.raw) ? c.raw : Json::object();
    cj["name"] = CIStrJson(c.name);
    cj["offset"] = c.offset;
    cj["length"] = c.length;
    cols.push_back(std::move(cj));
  }
  j["idx_cols"] = std::move(cols);
  j["state"] = i.state;
  j["comment"] = i.comment;
  j["index_type"] = i.index_type;
  j["is_unique"] = i.unique;
  j["is_primary"] = i.primary;
  j["is_invisible"] = i.invisible;
  j["is_global"] = i.global;
  return j;
}

Json ToJsonValue(const TableInfo& t) {
  Json j = Base(t.raw, DefaultTableShape);
  j["id"] = t.id;
  j["name"] = CIStrJson(t.name);
  j["charset"] = t.charset;
  j["collate"] = t.collate;
  Json cols = Json::array();
  for (const ColumnInfo& c : t.columns) cols.push_back(ToJsonValue(c));
  j["cols"] = std::move(cols);
  Json idx = Json::array();
  for (const IndexInfo& i : t.indices) idx.push_back(ToJsonValue(i));
  j["index_info"] = std::move(idx);
  j["state"] = t.state;
  j["pk_is_handle"] = t.pk_is_handle;
  j["is_common_handle"] = t.is_common_handle;
  j["comment"] = t.comment;
  j["auto_inc_id"] = t.auto_inc_id;
  j["max_col_id"] = t.max_col_id;
  j["max_idx_id"] = t.max_idx_id;
  j["update_timestamp"] = t.update_timestamp;
  j["version"] = t.version;
  j["revision"] = t.revision;
  return j;
}

Json ToJsonValue(const DBInfo& d) {
  Json j = Base(d.raw, DefaultDBShape);
  j["id"] = d.id;
  j["db_name"] = CIStrJson(d.name);
  j["charset"] = d.charset;
  j["collate"] = d.collate;
  j["state"] = d.state;
  return j;
}

std::string ToJson(const TableInfo& t) { return Dump(ToJsonValue(t)); }
std::string ToJson(const DBInfo& d) { return Dump(ToJsonValue(d)); }

// ---- Parsing ----------------------------------------------------------------------------

Result<FieldType> FieldTypeFromJson(const Json& j) {
  RETURN_IF_ERROR(RequireObject(j, "FieldType"));
  FieldType t;
  t.raw = j;
  RETURN_IF_ERROR(GetInt(j, "Tp", &t.tp));
  RETURN_IF_ERROR(GetInt(j, "Flag", &t.flag));
  RETURN_IF_ERROR(GetInt(j, "Flen", &t.flen));
  RETURN_IF_ERROR(GetInt(j, "Decimal", &t.decimal));
  RETURN_IF_ERROR(GetString(j, "Charset", &t.charset));
  RETURN_IF_ERROR(GetString(j, "Collate", &t.collate));
  ASSIGN_OR_RETURN(const Json* elems, GetArray(j, "Elems"));
  if (elems != nullptr) {
    for (const Json& e : *elems) {
      if (!e.is_string()) return WrongType("Elems[]", "a string");
      t.elems.push_back(e.get<std::string>());
    }
  }
  return t;
}

Result<ColumnInfo> ColumnInfoFromJson(const Json& j) {
  RETURN_IF_ERROR(RequireObject(j, "ColumnInfo"));
  ColumnInfo c;
  c.raw = j;
  RETURN_IF_ERROR(GetInt(j, "id", &c.id));
  RETURN_IF_ERROR(GetCIStr(j, "name", &c.name));
  RETURN_IF_ERROR(GetInt(j, "offset", &c.offset));
  c.origin_default = j.contains("origin_default") ? j["origin_default"] : Json(nullptr);
  c.default_value = j.contains("default") ? j["default"] : Json(nullptr);
  if (NonNull(j, "type")) {
    Result<FieldType> t = FieldTypeFromJson(j["type"]);
    if (!t.ok()) return t.status().WithContext("column '" + c.name.O + "'");
    c.type = std::move(t).value();
  } else {
    c.type = FieldType{};
    c.type.flen = 0;
  }
  RETURN_IF_ERROR(GetInt(j, "state", &c.state));
  RETURN_IF_ERROR(GetString(j, "comment", &c.comment));
  RETURN_IF_ERROR(GetBool(j, "hidden", &c.hidden));
  RETURN_IF_ERROR(GetString(j, "generated_expr_string", &c.generated_expr_string));
  RETURN_IF_ERROR(GetInt(j, "version", &c.version));
  return c;
}

Result<IndexInfo> IndexInfoFromJson(const Json& j) {
  RETURN_IF_ERROR(RequireObject(j, "IndexInfo"));
  IndexInfo i;
  i.raw = j;
  RETURN_IF_ERROR(GetInt(j, "id", &i.id));
  RETURN_IF_ERROR(GetCIStr(j, "idx_name", &i.name));
  RETURN_IF_ERROR(GetCIStr(j, "tbl_name", &i.table_name));
  ASSIGN_OR_RETURN(const Json* cols, GetArray(j, "idx_cols"));
  if (cols != nullptr) {
    for (const Json& cj : *cols) {
      RETURN_IF_ERROR(RequireObject(cj, "IndexColumn"));
      IndexColumn c;
      c.raw = cj;
      RETURN_IF_ERROR(GetCIStr(cj, "name", &c.name));
      RETURN_IF_ERROR(GetInt(cj, "offset", &c.offset));
      RETURN_IF_ERROR(GetInt(cj, "length", &c.length));
      i.columns.push_back(std::move(c));
    }
  }
  RETURN_IF_ERROR(GetInt(j, "state", &i.state));
  RETURN_IF_ERROR(GetString(j, "comment", &i.comment));
  RETURN_IF_ERROR(GetInt(j, "index_type", &i.index_type));
  RETURN_IF_ERROR(GetBool(j, "is_unique", &i.unique));
  RETURN_IF_ERROR(GetBool(j, "is_primary", &i.primary));
  RETURN_IF_ERROR(GetBool(j, "is_invisible", &i.invisible));
  RETURN_IF_ERROR(GetBool(j, "is_global", &i.global));
  return i;
}

Result<TableInfo> TableInfoFromJson(const Json& j) {
  RETURN_IF_ERROR(RequireObject(j, "TableInfo"));
  TableInfo t;
  t.raw = j;
  RETURN_IF_ERROR(GetInt(j, "id", &t.id));
  RETURN_IF_ERROR(GetCIStr(j, "name", &t.name));
  RETURN_IF_ERROR(GetString(j, "charset", &t.charset));
  RETURN_IF_ERROR(GetString(j, "collate", &t.collate));
  ASSIGN_OR_RETURN(const Json* cols, GetArray(j, "cols"));
  if (cols != nullptr) {
    for (const Json& cj : *cols) {
      Result<ColumnInfo> c = ColumnInfoFromJson(cj);
      if (!c.ok()) return c.status().WithContext("table '" + t.name.O + "'");
      t.columns.push_back(std::move(c).value());
    }
  }
  ASSIGN_OR_RETURN(const Json* idx, GetArray(j, "index_info"));
  if (idx != nullptr) {
    for (const Json& ij : *idx) {
      Result<IndexInfo> i = IndexInfoFromJson(ij);
      if (!i.ok()) return i.status().WithContext("table '" + t.name.O + "'");
      t.indices.push_back(std::move(i).value());
    }
  }
  RETURN_IF_ERROR(GetInt(j, "state", &t.state));
  RETURN_IF_ERROR(GetBool(j, "pk_is_handle", &t.pk_is_handle));
  RETURN_IF_ERROR(GetBool(j, "is_common_handle", &t.is_common_handle));
  RETURN_IF_ERROR(GetString(j, "comment", &t.comment));
  RETURN_IF_ERROR(GetInt(j, "auto_inc_id", &t.auto_inc_id));
  RETURN_IF_ERROR(GetInt(j, "max_col_id", &t.max_col_id));
  RETURN_IF_ERROR(GetInt(j, "max_idx_id", &t.max_idx_id));
  RETURN_IF_ERROR(GetInt(j, "update_timestamp", &t.update_timestamp));
  RETURN_IF_ERROR(GetInt(j, "version", &t.version));
  RETURN_IF_ERROR(GetInt(j, "revision", &t.revision));
  t.has_partition = NonNull(j, "partition");
  t.is_view = NonNull(j, "view");
  t.is_sequence = NonNull(j, "sequence");
  return t;
}

Result<DBInfo> DBInfoFromJson(const Json& j) {
  RETURN_IF_ERROR(RequireObject(j, "DBInfo"));
  DBInfo d;
  d.raw = j;
  RETURN_IF_ERROR(GetInt(j, "id", &d.id));
  RETURN_IF_ERROR(GetCIStr(j, "db_name", &d.name));
  RETURN_IF_ERROR(GetString(j, "charset", &d.charset));
  RETURN_IF_ERROR(GetString(j, "collate", &d.collate));
  RETURN_IF_ERROR(GetInt(j, "state", &d.state));
  return d;
}

Result<TableInfo> ParseTableInfo(std::string_view json_text) {
  ASSIGN_OR_RETURN(Json j, ParseText(json_text, "TableInfo"));
  return TableInfoFromJson(j);
}

Result<DBInfo> ParseDBInfo(std::string_view json_text) {
  ASSIGN_OR_RETURN(Json j, ParseText(json_text, "DBInfo"));
  return DBInfoFromJson(j);
}

}  // namespace brkv::catalog
