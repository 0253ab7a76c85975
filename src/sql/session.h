// Session: the state of one client connection — current database, system and user variables,
// the open transaction, LAST_INSERT_ID — and SystemVariables, the server-wide defaults that
// SET GLOBAL changes and new sessions copy.
//
// Variables are a permissive map: the names clients read or set on connect (autocommit,
// sql_mode, character_set_*, collation_*, time_zone, transaction_isolation, …) have defaults;
// SET of an unknown name is kept as well, reading an unknown name is 1193.
// Thread-safety: Session is owned by its connection thread. SystemVariables is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "catalog/datum.h"
#include "client/txn.h"
#include "sql/error.h"

namespace brkv::sql {

inline constexpr std::string_view kServerVersion = "8.0.11-TiDB-v0.1.0-brkv";
inline constexpr std::string_view kVersionComment = "brkv SQL front end (TiDB compatible)";

class SystemVariables {
 public:
  SystemVariables();
  std::map<std::string, catalog::Datum> Snapshot() const;
  // False if `name` is read-only.
  bool Set(const std::string& name, catalog::Datum value);
  std::optional<catalog::Datum> Get(const std::string& name) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, catalog::Datum> vars_;
};

class Session {
 public:
  Session(uint32_t connection_id, std::string user, SystemVariables* globals);

  uint32_t connection_id() const { return connection_id_; }
  const std::string& user() const { return user_; }
  const std::string& current_db() const { return current_db_; }
  void set_current_db(std::string db) { current_db_ = std::move(db); }

  // System variables: session value (scope "" or "session") or global value ("global").
  SqlResult<catalog::Datum> GetSysVar(const std::string& name, const std::string& scope) const;
  SqlError SetSysVar(const std::string& name, bool global, catalog::Datum value);
  catalog::Datum GetUserVar(const std::string& name) const;
  void SetUserVar(const std::string& name, catalog::Datum v) { user_vars_[name] = std::move(v); }

  bool autocommit() const { return autocommit_; }
  uint64_t last_insert_id() const { return last_insert_id_; }
  void set_last_insert_id(uint64_t v) { last_insert_id_ = v; }
  // True while sql_mode contains NO_AUTO_VALUE_ON_ZERO (explicit 0 ids are kept).
  bool no_auto_value_on_zero() const;

  // The open explicit transaction (BEGIN, or autocommit=0), or null.
  client::Txn* txn() { return txn_.get(); }
  void set_txn(std::unique_ptr<client::Txn> t) {
    txn_ = std::move(t);
    savepoints_.clear();
  }
  std::unique_ptr<client::Txn> take_txn() {
    savepoints_.clear();
    return std::move(txn_);
  }
  bool in_txn() const { return txn_ != nullptr; }
  // Savepoints of the open transaction (set only while it has no writes; see executor).
  std::set<std::string>& savepoints() { return savepoints_; }
  // Status flags for OK/EOF packets (IN_TRANS, AUTOCOMMIT).
  uint16_t status_flags() const;

 private:
  uint32_t connection_id_;
  std::string user_;
  SystemVariables* globals_;
  std::string current_db_;
  std::map<std::string, catalog::Datum> vars_;
  std::map<std::string, catalog::Datum> user_vars_;
  bool autocommit_ = true;
  uint64_t last_insert_id_ = 0;
  std::unique_ptr<client::Txn> txn_;
  std::set<std::string> savepoints_;
};

}  // namespace brkv::sql
