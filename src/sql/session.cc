#include "sql/session.h"

#include <algorithm>
#include <cctype>

#include "sql/protocol.h"

namespace brkv::sql {

namespace {

using catalog::Datum;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsReadOnly(const std::string& name) {
  return name == "version" || name == "version_comment" || name == "hostname" ||
         name == "port" || name == "lower_case_table_names" || name == "tidb_server_version";
}

// ON/OFF/1/0/TRUE/FALSE -> 1/0; nullopt for anything else.
std::optional<int64_t> BoolValue(const Datum& d) {
  if (d.kind() == Datum::Kind::kInt64) return d.int_value() != 0;
  if (d.kind() == Datum::Kind::kDouble) return d.double_value() != 0;
  if (d.kind() == Datum::Kind::kBytes) {
    std::string s = Lower(d.bytes());
    if (s == "on" || s == "1" || s == "true") return 1;
    if (s == "off" || s == "0" || s == "false") return 0;
  }
  return std::nullopt;
}

}  // namespace

SystemVariables::SystemVariables() {
  auto s = [](const char* v) { return Datum::Bytes(v); };
  auto i = [](int64_t v) { return Datum::Int(v); };
  vars_ = {
      {"autocommit", i(1)},
      {"auto_increment_increment", i(1)},
      {"auto_increment_offset", i(1)},
      {"character_set_client", s("utf8mb4")},
      {"character_set_connection", s("utf8mb4")},
      {"character_set_database", s("utf8mb4")},
      {"character_set_results", s("utf8mb4")},
      {"character_set_server", s("utf8mb4")},
      {"character_set_system", s("utf8")},
      {"collation_connection", s("utf8mb4_bin")},
      {"collation_database", s("utf8mb4_bin")},
      {"collation_server", s("utf8mb4_bin")},
      {"default_storage_engine", s("InnoDB")},
      {"foreign_key_checks", i(0)},
      {"group_concat_max_len", i(1024)},
      {"have_ssl", s("DISABLED")},
      {"hostname", s("localhost")},
      {"init_connect", s("")},
      {"interactive_timeout", i(28800)},
      {"license", s("Apache License 2.0")},
      {"lower_case_table_names", i(2)},
      {"max_allowed_packet", i(67108864)},
      {"max_execution_time", i(0)},
      {"max_statement_time", i(0)},
      {"net_buffer_length", i(16384)},
      {"net_write_timeout", i(60)},
      {"optimizer_switch", s("")},
      {"port", i(4000)},
      {"query_cache_size", i(0)},
      {"query_cache_type", s("OFF")},
      {"sql_auto_is_null", i(0)},
      {"sql_mode", s("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                     "ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION")},
      {"sql_notes", i(1)},
      {"sql_quote_show_create", i(1)},
      {"sql_safe_updates", i(0)},
      {"sql_select_limit", i(INT64_MAX)},
      {"system_time_zone", s("UTC")},
      {"time_zone", s("SYSTEM")},
      {"transaction_isolation", s("REPEATABLE-READ")},
      {"tx_isolation", s("REPEATABLE-READ")},
      {"transaction_read_only", i(0)},
      {"tx_read_only", i(0)},
      {"unique_checks", i(1)},
      {"version", Datum::Bytes(std::string(kServerVersion))},
      {"version_comment", Datum::Bytes(std::string(kVersionComment))},
      {"wait_timeout", i(28800)},
      {"warning_count", i(0)},
      {"error_count", i(0)},
      {"tidb_txn_mode", s("optimistic")},
  };
}

std::map<std::string, Datum> SystemVariables::Snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  return vars_;
}

bool SystemVariables::Set(const std::string& name, Datum value) {
  if (IsReadOnly(name)) return false;
  std::lock_guard<std::mutex> l(mu_);
  vars_[name] = std::move(value);
  return true;
}

std::optional<Datum> SystemVariables::Get(const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

Session::Session(uint32_t connection_id, std::string user, SystemVariables* globals)
    : connection_id_(connection_id),
      user_(std::move(user)),
      globals_(globals),
      vars_(globals->Snapshot()) {}

SqlResult<Datum> Session::GetSysVar(const std::string& name, const std::string& scope) const {
  const std::string n = Lower(name);
  if (n == "autocommit" && scope != "global") return Datum::Int(autocommit_ ? 1 : 0);
  if (n == "last_insert_id" || n == "identity") {
    return Datum::Int(static_cast<int64_t>(last_insert_id_));
  }
  if (scope == "global") {
    std::optional<Datum> g = globals_->Get(n);
    if (g) return *g;
  } else {
    auto it = vars_.find(n);
    if (it != vars_.end()) return it->second;
  }
  return SqlError(er::kUnknownSystemVariable, "Unknown system variable '" + name + "'");
}

SqlError Session::SetSysVar(const std::string& name, bool global, Datum value) {
  const std::string n = Lower(name);
  if (IsReadOnly(n)) {
    return SqlError(1238, "HY000", "Variable '" + n + "' is a read only variable");
  }
  if (n == "autocommit" || n == "foreign_key_checks" || n == "unique_checks" ||
      n == "sql_quote_show_create" || n == "sql_notes" || n == "sql_safe_updates") {
    std::optional<int64_t> b = BoolValue(value);
    if (!b) {
      return SqlError(1231, "42000",
                      "Variable '" + n + "' can't be set to the value of '" +
                          (value.is_null() ? std::string("NULL") : value.DebugString()) + "'");
    }
    value = Datum::Int(*b);
  }
  if (n == "character_set_results" && value.is_null()) value = Datum::Bytes("");
  if (n == "transaction_isolation" || n == "tx_isolation") {
    vars_["transaction_isolation"] = value;
    vars_["tx_isolation"] = value;
  }
  if (global) {
    globals_->Set(n, value);
    return SqlError::OK();
  }
  if (n == "autocommit") autocommit_ = value.int_value() != 0;
  vars_[n] = std::move(value);
  return SqlError::OK();
}

Datum Session::GetUserVar(const std::string& name) const {
  auto it = user_vars_.find(Lower(name));
  return it == user_vars_.end() ? Datum::Null() : it->second;
}

bool Session::no_auto_value_on_zero() const {
  auto it = vars_.find("sql_mode");
  if (it == vars_.end() || it->second.kind() != Datum::Kind::kBytes) return false;
  std::string m = it->second.bytes();
  for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return m.find("NO_AUTO_VALUE_ON_ZERO") != std::string::npos;
}

uint16_t Session::status_flags() const {
  uint16_t s = 0;
  if (autocommit_) s |= status_flag::kAutocommit;
  if (txn_) s |= status_flag::kInTrans;
  return s;
}

}  // namespace brkv::sql
