#include "client/key_error.h"

#include <string>

#include "client/lock_resolver.h"
#include "common/codec.h"

namespace brkv::client {

Status KeyErrorToStatus(const kvrpcpb::KeyError& e, std::string_view op) {
  std::string prefix = std::string(op) + ": ";
  if (e.has_locked()) return LockedError(e.locked()).WithContext(op);
  if (e.has_conflict()) {
    const auto& c = e.conflict();
    return Status::WriteConflict(prefix + "write conflict on key " + codec::Escape(c.key()) +
                                 ": txn " + std::to_string(c.start_ts()) +
                                 " conflicts with a write committed at " +
                                 std::to_string(c.conflict_commit_ts()) + " (txn " +
                                 std::to_string(c.conflict_ts()) + ")");
  }
  if (e.has_already_exist()) {
    return Status::AlreadyExists(prefix + "key " + codec::Escape(e.already_exist().key()) +
                                 " already exists");
  }
  if (!e.abort().empty()) return Status::TxnAborted(prefix + e.abort());
  if (e.has_txn_not_found()) {
    return Status::TxnAborted(prefix + "txn " + std::to_string(e.txn_not_found().start_ts()) +
                              " not found (its locks were rolled back)");
  }
  if (!e.retryable().empty()) return Status::WriteConflict(prefix + e.retryable());
  return Status::Internal(prefix + "unknown key error: " + e.ShortDebugString());
}

}  // namespace brkv::client
