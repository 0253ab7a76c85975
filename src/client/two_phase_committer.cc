#include "client/two_phase_committer.h"

#include <chrono>
#include <algorithm>
#include <cmath>
#include <mutex>

#include "client/cluster.h"
#include "client/key_error.h"
#include "client/lock_resolver.h"
#include "client/parallel.h"
#include "client/region_request.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "kv/keys.h"
#include "kv/txn_types.h"

namespace brkv::client {

namespace {

constexpr uint64_t kDefaultLockTtlMs = 3000;
constexpr uint64_t kMaxLockTtlMs = 120000;
constexpr double kTtlFactorMs = 6000;
// Rolling back after a failed prewrite is best effort; readers clean up what it misses.
constexpr int64_t kRollbackBudgetMs = 10000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TwoPhaseCommitter::TwoPhaseCommitter(Cluster* cluster, uint64_t start_ts,
                                     std::vector<kvrpcpb::Mutation> mutations,
                                     BatchLimits limits)
    : cluster_(cluster),
      start_ts_(start_ts),
      mutations_(std::move(mutations)),
      limits_(limits) {}

uint64_t TwoPhaseCommitter::LockTtl(uint64_t txn_bytes, int64_t elapsed_ms) {
  uint64_t ttl = kDefaultLockTtlMs;
  double mib = static_cast<double>(txn_bytes) / (1024.0 * 1024.0);
  auto scaled = static_cast<uint64_t>(kTtlFactorMs * std::sqrt(mib));
  if (scaled > ttl) ttl = scaled;
  if (ttl > kMaxLockTtlMs) ttl = kMaxLockTtlMs;
  if (elapsed_ms > 0) ttl += static_cast<uint64_t>(elapsed_ms);
  return ttl;
}

const char* TwoPhaseCommitter::ActionName(Action a) {
  switch (a) {
    case Action::kPrewrite: return "prewrite";
    case Action::kCommit: return "commit";
    case Action::kRollback: return "rollback";
  }
  return "?";
}

Result<uint64_t> TwoPhaseCommitter::Execute() {
  if (mutations_.empty()) return uint64_t{0};
  uint64_t bytes = 0;
  for (const auto& m : mutations_) bytes += m.key().size() + m.value().size();
  lock_ttl_ = LockTtl(bytes, NowMs() - TsPhysical(start_ts_));

  std::vector<size_t> all(mutations_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;

  {
    Status s = DoActionOnKeys(cluster_->backoff_options(), Action::kPrewrite, all);
    if (s.ok()) s = failpoint::Eval("client.txn.after-prewrite");
    if (!s.ok()) {
      RollbackAll();
      return s;
    }
  }

  auto commit_ts = cluster_->GetTS();
  if (!commit_ts.ok()) {
    RollbackAll();
    return commit_ts.status().WithContext("getting commit ts");
  }
  if (*commit_ts <= start_ts_) {
    RollbackAll();
    return Status::Internal("TSO went backwards: commit ts " + std::to_string(*commit_ts) +
                            " <= start ts " + std::to_string(start_ts_));
  }
  commit_ts_ = *commit_ts;

  {
    Status s = failpoint::Eval("client.txn.before-commit-primary");
    if (s.ok()) s = DoActionOnKeys(cluster_->backoff_options(), Action::kCommit, {0});
    if (!s.ok()) {
      bool no_answer = s.code() == Status::Code::kTimedOut ||
                       s.code() == Status::Code::kUnavailable;
      if (no_answer && commit_rpc_failed_.load()) {
        return Status::Unavailable("commit of txn " + std::to_string(start_ts_) +
                                   " undetermined: the primary's commit got no answer (" +
                                   s.message() + ")")
            .WithRetryable(false);
      }
      RollbackAll();
      return s;
    }
  }

  if (mutations_.size() > 1) {
    // The txn is committed; from here on nothing is the caller's error.
    Status s = failpoint::Eval("client.txn.before-commit-secondaries");
    if (s.ok()) {
      std::vector<size_t> secondaries(all.begin() + 1, all.end());
      s = DoActionOnKeys(cluster_->backoff_options(), Action::kCommit, std::move(secondaries));
    }
    if (!s.ok()) {
      LOG_WARN("txn {} committed at {}, but committing its secondaries failed (readers will "
               "resolve them): {}",
               start_ts_, commit_ts_, s.ToString());
    }
  }
  return commit_ts_;
}

void TwoPhaseCommitter::RollbackAll() {
  BackoffOptions o = cluster_->backoff_options();
  o.budget_ms = std::min(o.budget_ms, kRollbackBudgetMs);
  std::vector<size_t> all(mutations_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  Status s = DoActionOnKeys(o, Action::kRollback, std::move(all));
  if (!s.ok()) {
    LOG_WARN("rolling back txn {} failed (its locks expire after {} ms): {}", start_ts_,
             lock_ttl_, s.ToString());
  }
}

Status TwoPhaseCommitter::DoActionOnKeys(const BackoffOptions& backoff, Action action,
                                         std::vector<size_t> pending) {
  Backoffer backoffer(backoff);
  Backoffer* bo = &backoffer;
  while (!pending.empty()) {
    std::vector<std::string> region_keys;
    region_keys.reserve(pending.size());
    for (size_t i : pending) region_keys.push_back(keys::TxnRegionKey(mutations_[i].key()));
    auto groups = cluster_->regions()->GroupKeys(region_keys);
    if (!groups.ok()) {
      if (!groups.status().retryable()) return groups.status();
      RETURN_IF_ERROR(bo->Backoff(groups.status()));
      continue;
    }
    // Group indexes point into `pending`; turn them into mutation indexes.
    for (auto& g : *groups) {
      for (size_t& i : g.indexes) i = pending[i];
    }
    std::vector<Batch> batches = SplitIntoBatches(
        *groups,
        [&](size_t i) { return mutations_[i].key().size() + mutations_[i].value().size(); },
        limits_);
    std::vector<Outcome> outcomes(batches.size());
    RETURN_IF_ERROR(ParallelFor(batches.size(), cluster_->options().concurrency,
                                [&](size_t b) { return SendBatch(action, batches[b], &outcomes[b]); }));

    std::vector<size_t> next;
    std::vector<kvrpcpb::LockInfo> locks;
    Status reason;
    bool progress = false;
    for (size_t b = 0; b < batches.size(); ++b) {
      Outcome& o = outcomes[b];
      if (!o.retry) {
        progress = true;
        continue;
      }
      next.insert(next.end(), batches[b].indexes.begin(), batches[b].indexes.end());
      for (auto& l : o.locks) locks.push_back(std::move(l));
      if (!o.reason.ok()) reason = o.reason;
    }
    // The budget bounds time without progress, not the length of a large transaction.
    if (progress) backoffer = Backoffer(backoff);
    if (!locks.empty()) {
      Status s = cluster_->lock_resolver()->ResolveLocks(bo, start_ts_, locks);
      if (!s.ok()) {
        if (!s.retryable()) return s;
        reason = s;
      }
    }
    if (!next.empty() && !reason.ok()) RETURN_IF_ERROR(BackoffOrGiveUp(bo, reason));
    std::sort(next.begin(), next.end());
    pending = std::move(next);
  }
  return Status::OK();
}

Status TwoPhaseCommitter::SendBatch(Action action, const Batch& batch, Outcome* out) {
  RegionRequestSender* sender = cluster_->sender();
  Status s;
  switch (action) {
    case Action::kPrewrite: {
      kvrpcpb::PrewriteRequest req;
      for (size_t i : batch.indexes) *req.add_mutations() = mutations_[i];
      req.set_primary_lock(mutations_[0].key());
      req.set_start_version(start_ts_);
      req.set_lock_ttl(lock_ttl_);
      req.set_txn_size(mutations_.size());
      kvrpcpb::PrewriteResponse resp;
      s = sender->SendOnce(batch.location, &req, &resp);
      if (!s.ok()) break;
      for (const auto& e : resp.errors()) {
        if (e.has_locked()) {
          out->locks.push_back(e.locked());
          continue;
        }
        return KeyErrorToStatus(e, "prewrite");
      }
      if (!out->locks.empty()) out->retry = true;
      return Status::OK();
    }
    case Action::kCommit: {
      kvrpcpb::CommitRequest req;
      req.set_start_version(start_ts_);
      req.set_commit_version(commit_ts_);
      for (size_t i : batch.indexes) req.add_keys(mutations_[i].key());
      kvrpcpb::CommitResponse resp;
      s = sender->SendOnce(batch.location, &req, &resp);
      if (!s.ok()) {
        if (s.code() == Status::Code::kUnavailable) commit_rpc_failed_.store(true);
        break;
      }
      if (resp.has_error()) {
        if (resp.error().has_locked()) {
          // Our lock is gone and another txn holds the key: we were rolled back.
          return Status::TxnAborted("commit: txn " + std::to_string(start_ts_) +
                                    " lost its lock on key " +
                                    codec::Escape(resp.error().locked().key()));
        }
        return KeyErrorToStatus(resp.error(), "commit");
      }
      return Status::OK();
    }
    case Action::kRollback: {
      kvrpcpb::BatchRollbackRequest req;
      req.set_start_version(start_ts_);
      for (size_t i : batch.indexes) req.add_keys(mutations_[i].key());
      kvrpcpb::BatchRollbackResponse resp;
      s = sender->SendOnce(batch.location, &req, &resp);
      if (!s.ok()) break;
      if (resp.has_error()) return KeyErrorToStatus(resp.error(), "rollback");
      return Status::OK();
    }
  }
  if (!s.retryable()) return s.WithContext(ActionName(action));
  out->retry = true;
  out->reason = s;
  return Status::OK();
}

}  // namespace brkv::client
