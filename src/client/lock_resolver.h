// LockResolver: finishes the transactions whose locks block a reader or writer (Percolator's
// "roll forward or roll back", as client-go's lock resolver).
//
// For each lock: ask the primary key's region for the txn status (CheckTxnStatus with a fresh
// current_ts; rollback_if_not_exist only once the lock's TTL has passed, so a primary whose
// prewrite is still in flight is not rolled back), then:
//   committed at T      → ResolveLock(commit T) on the lock's region
//   rolled back/expired → ResolveLock(rollback) on the lock's region
//   alive               → leave it; the caller must back off and retry
// Resolutions of a txn are cached, so many locks of one txn cost one status check.
// Thread-safety: thread-safe; owned by Cluster.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "client/region_cache.h"
#include "common/backoff.h"
#include "common/status.h"
#include "proto/kvrpcpb.pb.h"

namespace brkv::client {

class RegionRequestSender;

class LockResolver {
 public:
  // tso: a fresh timestamp. sender must outlive the resolver.
  LockResolver(RegionRequestSender* sender, std::function<Result<uint64_t>()> tso);

  // Tries to clear `locks`, met by a reader/writer at caller_start_ts.
  // OK: every lock was resolved (its txn committed or rolled back); retry at once.
  // KeyLocked (retryable): some lock belongs to a live txn; back off with bo and retry.
  // Other errors: RPCs failed beyond bo's budget, or a node refused.
  Status ResolveLocks(Backoffer* bo, uint64_t caller_start_ts,
                      const std::vector<kvrpcpb::LockInfo>& locks);

  // The status of txn lock.lock_version as its primary reports it. Exposed for tests/tools.
  struct TxnStatus {
    uint64_t ttl = 0;        // > 0: alive
    uint64_t commit_ts = 0;  // > 0: committed
    bool alive() const { return ttl > 0; }
  };
  Result<TxnStatus> CheckTxnStatus(Backoffer* bo, uint64_t caller_start_ts,
                                   const kvrpcpb::LockInfo& lock);

 private:
  // Resolves every lock of the lock's txn in the lock's region; *loc gets that region.
  Status ResolveOne(Backoffer* bo, const kvrpcpb::LockInfo& lock, uint64_t commit_ts,
                    KeyLocation* loc);
  bool CachedStatus(uint64_t txn, uint64_t* commit_ts);
  void SaveStatus(uint64_t txn, uint64_t commit_ts);

  RegionRequestSender* const sender_;
  const std::function<Result<uint64_t>()> tso_;

  // Finished txns: start_ts → commit_ts (0 = rolled back), bounded, oldest evicted first.
  static constexpr size_t kMaxCached = 4096;
  std::mutex mu_;
  std::unordered_map<uint64_t, uint64_t> resolved_;  // GUARDED_BY(mu_)
  std::list<uint64_t> resolved_order_;               // GUARDED_BY(mu_)
};

// Status for a lock that could not be cleared: KeyLocked naming the key and its txn.
Status LockedError(const kvrpcpb::LockInfo& lock);

// Backs off before retrying after `reason` (a live lock, a region error, ...). OK = retry;
// when the budget is spent returns KeyLocked for a lock reason (so callers see which key was
// stuck), else the Backoffer's TimedOut.
Status BackoffOrGiveUp(Backoffer* bo, const Status& reason);

}  // namespace brkv::client
