#include "sql/error.h"

namespace brkv::sql {

SqlError::SqlError(uint16_t code, std::string message)
    : code_(code), sqlstate_(SqlStateFor(code)), message_(std::move(message)) {}

std::string SqlError::ToString() const {
  if (ok()) return "OK";
  return "ERROR " + std::to_string(code_) + " (" + sqlstate_ + "): " + message_;
}

std::string_view SqlStateFor(uint16_t code) {
  switch (code) {
    case er::kAccessDenied: return "28000";
    case er::kNoDb: return "3D000";
    case er::kUnknownCom: return "08S01";
    case er::kNetPacketTooLarge: return "08S01";
    case er::kBadNull: return "23000";
    case er::kDupEntry: return "23000";
    case er::kBadDb:
    case er::kParse:
    case er::kEmptyQuery:
    case er::kNotSupportedYet:
    case er::kSpecificAccessDenied:
    case er::kDupFieldName: return "42000";
    case er::kQueryInterrupted: return "70100";
    case er::kTableExists: return "42S01";
    case er::kBadTable:
    case er::kNoSuchTable:
    case er::kUnknownTableIS: return "42S02";
    case er::kBadField: return "42S22";
    case er::kWrongValueCount: return "21S01";
    case er::kDataTooLong: return "22001";
    case er::kTruncatedWrongValue: return "22007";
    case er::kDivisionByZero: return "22012";
    default: return "HY000";
  }
}

SqlError FromStatus(const Status& s) {
  if (s.ok()) return SqlError::OK();
  switch (s.code()) {
    case Status::Code::kWriteConflict:
      return SqlError(er::kWriteConflict,
                      "Write conflict, " + s.message() + " [try again later]");
    case Status::Code::kAlreadyExists: {
      std::string m = s.message();
      if (m.rfind("duplicate entry", 0) == 0) m[0] = 'D';
      return SqlError(er::kDupEntry, m);
    }
    case Status::Code::kNotSupported: return SqlError(er::kNotSupportedYet, s.message());
    case Status::Code::kTxnAborted:
      return SqlError(er::kTxnRetryable, "transaction aborted: " + s.message());
    default: return SqlError(er::kUnknown, s.ToString());
  }
}

SqlError FromCommitStatus(const Status& s) {
  SqlError e = FromStatus(s);
  if (s.code() == Status::Code::kUnavailable && !s.retryable()) return e.WithCloseConnection();
  return e;
}

}  // namespace brkv::sql
