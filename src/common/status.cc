#include "common/status.h"

namespace brkv {

const char* Status::CodeName(Code c) {
  switch (c) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "NotFound";
    case Code::kCorruption: return "Corruption";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kIOError: return "IOError";
    case Code::kUnavailable: return "Unavailable";
    case Code::kRegionError: return "RegionError";
    case Code::kKeyLocked: return "KeyLocked";
    case Code::kWriteConflict: return "WriteConflict";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kTxnAborted: return "TxnAborted";
    case Code::kBusy: return "Busy";
    case Code::kTimedOut: return "TimedOut";
    case Code::kAborted: return "Aborted";
    case Code::kNotSupported: return "NotSupported";
    case Code::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + msg_;
}

}  // namespace brkv
