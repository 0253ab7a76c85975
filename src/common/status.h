// Status and Result<T>: errors as values.
//
// A Status is OK or carries a code, a retryable flag and a message. Codes are few and stable;
// retry decisions read code() / retryable(), never the message text. Cheap to copy when OK.
// Thread-safety: values; no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace brkv {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,
    kCorruption,
    kInvalidArgument,
    kIOError,
    kUnavailable,       // peer down, connection refused, deadline exceeded
    kRegionError,       // not leader / epoch mismatch / region moved: refresh and retry
    kKeyLocked,         // a pending Percolator lock blocks the operation
    kWriteConflict,
    kAlreadyExists,
    kTxnAborted,
    kBusy,
    kTimedOut,
    kAborted,
    kNotSupported,
    kInternal,
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view m) { return Status(Code::kNotFound, m); }
  static Status Corruption(std::string_view m) { return Status(Code::kCorruption, m); }
  static Status InvalidArgument(std::string_view m) { return Status(Code::kInvalidArgument, m); }
  static Status IOError(std::string_view m) { return Status(Code::kIOError, m); }
  static Status Unavailable(std::string_view m) { return Status(Code::kUnavailable, m, true); }
  static Status RegionError(std::string_view m) { return Status(Code::kRegionError, m, true); }
  static Status KeyLocked(std::string_view m) { return Status(Code::kKeyLocked, m, true); }
  static Status WriteConflict(std::string_view m) { return Status(Code::kWriteConflict, m); }
  static Status AlreadyExists(std::string_view m) { return Status(Code::kAlreadyExists, m); }
  static Status TxnAborted(std::string_view m) { return Status(Code::kTxnAborted, m); }
  static Status Busy(std::string_view m) { return Status(Code::kBusy, m, true); }
  static Status TimedOut(std::string_view m) { return Status(Code::kTimedOut, m, true); }
  static Status Aborted(std::string_view m) { return Status(Code::kAborted, m); }
  static Status NotSupported(std::string_view m) { return Status(Code::kNotSupported, m); }
  static Status Internal(std::string_view m) { return Status(Code::kInternal, m); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool retryable() const { return retryable_; }
  const std::string& message() const { return msg_; }

  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsRegionError() const { return code_ == Code::kRegionError; }
  bool IsKeyLocked() const { return code_ == Code::kKeyLocked; }

  // Returns a copy with `context + ": "` put in front of the message.
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    Status s = *this;
    s.msg_ = std::string(context) + ": " + msg_;
    return s;
  }
  // Returns a copy with the retryable flag set to `r`.
  Status WithRetryable(bool r) const {
    Status s = *this;
    s.retryable_ = r;
    return s;
  }

  static const char* CodeName(Code c);
  // "Code: message", or "OK".
  std::string ToString() const;

 private:
  Status(Code c, std::string_view m, bool retryable = false)
      : code_(c), retryable_(retryable), msg_(m) {}
  Code code_ = Code::kOk;
  bool retryable_ = false;
  std::string msg_;
};

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::move(v)) {}                // NOLINT(runtime/explicit)
  Result(Status s) : v_(std::move(s)) {}           // NOLINT(runtime/explicit); REQUIRES: !s.ok()
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace brkv

#define BRKV_CONCAT_INNER(a, b) a##b
#define BRKV_CONCAT(a, b) BRKV_CONCAT_INNER(a, b)

// RETURN_IF_ERROR(expr): returns the Status from the enclosing function when not OK.
#define RETURN_IF_ERROR(expr)                   \
  do {                                          \
    ::brkv::Status _st = (expr);                \
    if (!_st.ok()) return _st;                  \
  } while (0)

// ASSIGN_OR_RETURN(lhs, rexpr): evaluates a Result<T>; returns its Status on error.
#define ASSIGN_OR_RETURN(lhs, rexpr) ASSIGN_OR_RETURN_IMPL(BRKV_CONCAT(_res_, __LINE__), lhs, rexpr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                          \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()
