#include "client/lock_resolver.h"

#include "client/region_request.h"
#include "common/codec.h"
#include "common/logging.h"
#include "kv/keys.h"
#include "kv/txn_types.h"

namespace brkv::client {

Status LockedError(const kvrpcpb::LockInfo& lock) {
  return Status::KeyLocked("key " + codec::Escape(lock.key()) + " is locked by txn " +
                           std::to_string(lock.lock_version()) + " (primary " +
                           codec::Escape(lock.primary_lock()) + ", ttl " +
                           std::to_string(lock.lock_ttl()) + " ms)");
}

Status BackoffOrGiveUp(Backoffer* bo, const Status& reason) {
  Status s = bo->Backoff(reason);
  if (s.ok() || !reason.IsKeyLocked()) return s;
  return Status::KeyLocked(reason.message() + "; gave up after the retry budget");
}

LockResolver::LockResolver(RegionRequestSender* sender, std::function<Result<uint64_t>()> tso)
    : sender_(sender), tso_(std::move(tso)) {}

bool LockResolver::CachedStatus(uint64_t txn, uint64_t* commit_ts) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = resolved_.find(txn);
  if (it == resolved_.end()) return false;
  *commit_ts = it->second;
  return true;
}

void LockResolver::SaveStatus(uint64_t txn, uint64_t commit_ts) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!resolved_.emplace(txn, commit_ts).second) return;
  resolved_order_.push_back(txn);
  while (resolved_order_.size() > kMaxCached) {
    resolved_.erase(resolved_order_.front());
    resolved_order_.pop_front();
  }
}

Result<LockResolver::TxnStatus> LockResolver::CheckTxnStatus(Backoffer* bo,
                                                             uint64_t caller_start_ts,
                                                             const kvrpcpb::LockInfo& lock) {
  ASSIGN_OR_RETURN(uint64_t current_ts, tso_());
  // Only an expired lock may have its primary rolled back when the primary has no lock yet:
  // before that the primary's prewrite may still be on its way.
  bool expired = TsPhysical(current_ts) > TsPhysical(lock.lock_version()) +
                                              static_cast<int64_t>(lock.lock_ttl());
  kvrpcpb::CheckTxnStatusRequest req;
  req.set_primary_key(lock.primary_lock());
  req.set_lock_ts(lock.lock_version());
  req.set_caller_start_ts(caller_start_ts);
  req.set_current_ts(current_ts);
  req.set_rollback_if_not_exist(expired);
  kvrpcpb::CheckTxnStatusResponse resp;
  RETURN_IF_ERROR(
      sender_->SendByKey(bo, keys::TxnRegionKey(lock.primary_lock()), &req, &resp));
  if (resp.has_error()) {
    const auto& e = resp.error();
    if (e.has_txn_not_found()) {
      // Not expired and no trace of the txn at its primary yet: treat it as alive.
      return TxnStatus{std::max<uint64_t>(lock.lock_ttl(), 1), 0};
    }
    return Status::Internal("CheckTxnStatus of txn " + std::to_string(lock.lock_version()) +
                            " on primary " + codec::Escape(lock.primary_lock()) +
                            " failed: " + e.ShortDebugString());
  }
  TxnStatus st;
  st.ttl = resp.lock_ttl();
  st.commit_ts = resp.commit_version();
  return st;
}

Status LockResolver::ResolveOne(Backoffer* bo, const kvrpcpb::LockInfo& lock,
                                uint64_t commit_ts, KeyLocation* loc) {
  kvrpcpb::ResolveLockRequest req;
  req.set_start_version(lock.lock_version());
  req.set_commit_version(commit_ts);
  // Keys empty: the node resolves every lock of this txn in the region at once.
  kvrpcpb::ResolveLockResponse resp;
  RETURN_IF_ERROR(sender_->SendByKey(bo, keys::TxnRegionKey(lock.key()), &req, &resp, loc));
  if (resp.has_error()) {
    return Status::Internal("ResolveLock of txn " + std::to_string(lock.lock_version()) +
                            " at key " + codec::Escape(lock.key()) +
                            " failed: " + resp.error().ShortDebugString());
  }
  return Status::OK();
}

Status LockResolver::ResolveLocks(Backoffer* bo, uint64_t caller_start_ts,
                                  const std::vector<kvrpcpb::LockInfo>& locks) {
  Status blocked;
  // (txn, region) pairs already resolved in this call: one ResolveLock clears the region.
  std::vector<std::pair<uint64_t, KeyLocation>> done;
  for (const auto& lock : locks) {
    bool covered = false;
    for (const auto& [txn, loc] : done) {
      if (txn == lock.lock_version() && loc.Contains(keys::TxnRegionKey(lock.key()))) {
        covered = true;
        break;
      }
    }
    if (covered) continue;
    uint64_t commit_ts = 0;
    if (!CachedStatus(lock.lock_version(), &commit_ts)) {
      ASSIGN_OR_RETURN(TxnStatus st, CheckTxnStatus(bo, caller_start_ts, lock));
      if (st.alive()) {
        LOG_DEBUG("lock on {} of txn {} is alive (ttl {} ms)", codec::Escape(lock.key()),
                  lock.lock_version(), st.ttl);
        if (blocked.ok()) blocked = LockedError(lock);
        continue;
      }
      commit_ts = st.commit_ts;
      SaveStatus(lock.lock_version(), commit_ts);
    }
    KeyLocation loc;
    RETURN_IF_ERROR(ResolveOne(bo, lock, commit_ts, &loc));
    done.emplace_back(lock.lock_version(), std::move(loc));
    LOG_DEBUG("resolved lock on {} of txn {}: {}", codec::Escape(lock.key()),
              lock.lock_version(),
              commit_ts ? "committed at " + std::to_string(commit_ts) : "rolled back");
  }
  return blocked;
}

}  // namespace brkv::client
