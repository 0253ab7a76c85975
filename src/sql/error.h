// SqlError: an error as a MySQL client sees it (errno, SQLSTATE, message), and SqlResult<T>,
// the value-or-error type of the SQL layer. Project Status codes are mapped to MySQL errors
// once, in FromStatus; everything the SQL layer detects itself names its errno directly.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/status.h"

namespace brkv::sql {

// MySQL / TiDB error numbers the server sends.
namespace er {
inline constexpr uint16_t kAccessDenied = 1045;
inline constexpr uint16_t kNoDb = 1046;
inline constexpr uint16_t kUnknownCom = 1047;
inline constexpr uint16_t kBadNull = 1048;
inline constexpr uint16_t kBadDb = 1049;
inline constexpr uint16_t kTableExists = 1050;
inline constexpr uint16_t kBadTable = 1051;
inline constexpr uint16_t kBadField = 1054;
inline constexpr uint16_t kDupFieldName = 1060;
inline constexpr uint16_t kDupEntry = 1062;
inline constexpr uint16_t kParse = 1064;
inline constexpr uint16_t kEmptyQuery = 1065;
inline constexpr uint16_t kDbCreateExists = 1007;
inline constexpr uint16_t kDbDropExists = 1008;
inline constexpr uint16_t kUnknown = 1105;
inline constexpr uint16_t kUnknownTableIS = 1109;
inline constexpr uint16_t kWrongValueCount = 1136;
inline constexpr uint16_t kNoSuchTable = 1146;
inline constexpr uint16_t kNetPacketTooLarge = 1153;
inline constexpr uint16_t kUnknownSystemVariable = 1193;
inline constexpr uint16_t kNotSupportedYet = 1235;
inline constexpr uint16_t kUnsupportedPs = 1295;
inline constexpr uint16_t kTruncatedWrongValue = 1292;
inline constexpr uint16_t kDataTooLong = 1406;
inline constexpr uint16_t kWrongValueCountOnRow = 1136;
inline constexpr uint16_t kDivisionByZero = 1365;
inline constexpr uint16_t kSpecificAccessDenied = 1227;
inline constexpr uint16_t kQueryInterrupted = 1317;
inline constexpr uint16_t kTxnRetryable = 8002;
inline constexpr uint16_t kBackupFailed = 8124;   // TiDB's ErrBRIEBackupFailed
inline constexpr uint16_t kRestoreFailed = 8125;  // TiDB's ErrBRIERestoreFailed
inline constexpr uint16_t kWriteConflict = 9007;
}  // namespace er

class SqlError {
 public:
  SqlError() = default;  // OK
  SqlError(uint16_t code, std::string message);
  SqlError(uint16_t code, std::string sqlstate, std::string message)
      : code_(code), sqlstate_(std::move(sqlstate)), message_(std::move(message)) {}
  static SqlError OK() { return SqlError(); }

  bool ok() const { return code_ == 0; }
  uint16_t code() const { return code_; }
  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& message() const { return message_; }
  // "ERROR 1146 (42S02): Table 'a.b' doesn't exist", or "OK".
  std::string ToString() const;

  // An error after which the connection must be closed instead of answered: the outcome of a
  // commit is unknown, and only a lost connection (client error 2013) tells the client so
  // without a false answer (TiDB does the same).
  SqlError WithCloseConnection() const {
    SqlError e = *this;
    e.close_connection_ = true;
    return e;
  }
  bool close_connection() const { return close_connection_; }

 private:
  uint16_t code_ = 0;
  std::string sqlstate_;
  std::string message_;
  bool close_connection_ = false;
};

// The error for a failed commit: FromStatus, marked close_connection when the outcome is
// unknown (the primary's commit RPC got no answer: Unavailable and not retryable).
SqlError FromCommitStatus(const Status& s);

// The SQLSTATE MySQL pairs with `code` ("HY000" for codes it does not know).
std::string_view SqlStateFor(uint16_t code);

// Maps a project Status to the MySQL error a client expects: WriteConflict -> 9007,
// AlreadyExists -> 1062, NotSupported -> 1235, everything else 1105 with the Status text.
SqlError FromStatus(const Status& s);

template <typename T>
class [[nodiscard]] SqlResult {
 public:
  SqlResult(T v) : v_(std::move(v)) {}         // NOLINT(runtime/explicit)
  SqlResult(SqlError e) : v_(std::move(e)) {}  // NOLINT(runtime/explicit); REQUIRES: !e.ok()
  bool ok() const { return std::holds_alternative<T>(v_); }
  const SqlError& error() const {
    static const SqlError kOk;
    return ok() ? kOk : std::get<SqlError>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, SqlError> v_;
};

}  // namespace brkv::sql

#define SQL_RETURN_IF_ERROR(expr)       \
  do {                                  \
    ::brkv::sql::SqlError _se = (expr); \
    if (!_se.ok()) return _se;          \
  } while (0)

// Evaluates a brkv::Status expression; returns it mapped with FromStatus when not OK.
#define SQL_RETURN_IF_STATUS(expr)                           \
  do {                                                       \
    ::brkv::Status _st = (expr);                             \
    if (!_st.ok()) return ::brkv::sql::FromStatus(_st);      \
  } while (0)

#define SQL_ASSIGN_OR_RETURN(lhs, rexpr) \
  SQL_ASSIGN_OR_RETURN_IMPL(BRKV_CONCAT(_sres_, __LINE__), lhs, rexpr)
#define SQL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                              \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()

// For a brkv::Result<T>: returns FromStatus(status) on error.
#define SQL_ASSIGN_OR_RETURN_STATUS(lhs, rexpr) \
  SQL_ASSIGN_OR_RETURN_STATUS_IMPL(BRKV_CONCAT(_sres_, __LINE__), lhs, rexpr)
#define SQL_ASSIGN_OR_RETURN_STATUS_IMPL(tmp, lhs, rexpr)      \
  auto tmp = (rexpr);                                          \
  if (!tmp.ok()) return ::brkv::sql::FromStatus(tmp.status()); \
  lhs = std::move(tmp).value()
