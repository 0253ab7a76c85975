// Maps a transactional KeyError from a node to a Status (one place for the vocabulary).
//   locked         → KeyLocked (retryable; resolve the lock and retry)
//   conflict       → WriteConflict (restart the txn)
//   already_exist  → AlreadyExists
//   abort          → TxnAborted
//   txn_not_found  → TxnAborted
//   retryable      → WriteConflict
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "common/status.h"
#include "proto/kvrpcpb.pb.h"

namespace brkv::client {

// `op` names the request for the message ("prewrite", "commit", ...).
Status KeyErrorToStatus(const kvrpcpb::KeyError& e, std::string_view op);

}  // namespace brkv::client
