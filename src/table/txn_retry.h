// RunInTxn: runs a piece of transactional work in a fresh optimistic transaction and commits
// it, starting over (new start_ts, fn called again) when the attempt lost a race that a
// restart can win: WriteConflict (another transaction committed one of our keys after our
// start_ts), TxnAborted (our locks were rolled back by someone else) or any retryable error
// (locks or regions that did not clear in time). Restarts are paced by a Backoffer.
//
// fn must be restartable: it may be called several times and must read what it depends on
// through the txn it is given. An error from fn ends the loop (it is returned unchanged and
// nothing is written); so do AlreadyExists and an undetermined commit.
// Thread-safety: thread-safe (each call owns its transactions).
#pragma once

#include <cstdint>
#include <functional>

#include "client/cluster.h"
#include "common/backoff.h"
#include "common/status.h"

namespace brkv::table {

struct TxnRetryOptions {
  // First pause before a restart. Default: 10 ms.
  int64_t base_ms = 10;
  // Cap of one pause. Default: 500 ms.
  int64_t max_ms = 500;
  // Total time all attempts may take. Default: 60 s.
  int64_t budget_ms = 60000;
};

// True for the errors RunInTxn restarts on.
bool IsRestartable(const Status& s);

// Runs fn(txn) and commits. On success returns the commit ts (0 if fn wrote nothing).
Result<uint64_t> RunInTxn(client::Cluster* cluster, const std::function<Status(client::Txn*)>& fn,
                          const TxnRetryOptions& options = {});

}  // namespace brkv::table
