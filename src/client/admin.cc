#include "client/admin.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "client/cluster.h"
#include "client/key_bounds.h"
#include "client/lock_resolver.h"
#include "client/parallel.h"
#include "client/region_request.h"
#include "common/codec.h"
#include "common/logging.h"
#include "kv/keys.h"
#include "proto/brkvpb_debug.pb.h"

namespace brkv::client {

namespace {

std::string ToRegionKey(const std::string& key, SplitKeyForm form) {
  switch (form) {
    case SplitKeyForm::kTxnRawKey: return keys::TxnRegionKey(key);
    case SplitKeyForm::kRawKvKey: return keys::RawRegionKey(key);
    case SplitKeyForm::kRegionKey: return key;
  }
  return key;
}

// The peer of `region` on `store_id` (the store that answered), or an empty peer.
metapb::Peer PeerOnStore(const metapb::Region& region, uint64_t store_id) {
  for (const auto& p : region.peers()) {
    if (p.store_id() == store_id) return p;
  }
  return metapb::Peer();
}

}  // namespace

Result<std::vector<metapb::Region>> Admin::SplitRegions(const std::vector<std::string>& keys,
                                                        SplitKeyForm form) {
  std::vector<std::string> pending;
  pending.reserve(keys.size());
  for (const auto& k : keys) {
    std::string rk = ToRegionKey(k, form);
    if (!rk.empty()) pending.push_back(std::move(rk));
  }
  std::sort(pending.begin(), pending.end());
  pending.erase(std::unique(pending.begin(), pending.end()), pending.end());

  std::vector<metapb::Region> result;
  std::mutex mu;
  Backoffer bo(cluster_->backoff_options());
  while (!pending.empty()) {
    auto groups = cluster_->regions()->GroupKeys(pending);
    if (!groups.ok()) {
      if (!groups.status().retryable()) return groups.status();
      RETURN_IF_ERROR(bo.Backoff(groups.status()));
      continue;
    }
    std::vector<std::string> retry;
    Status reason;
    RETURN_IF_ERROR(ParallelFor(groups->size(), cluster_->options().concurrency, [&](size_t g) {
      const RegionGroup& group = (*groups)[g];
      kvrpcpb::SplitRegionRequest req;
      for (size_t i : group.indexes) {
        // A key that already is the region's start is a boundary: nothing to split.
        if (pending[i] != group.location.start_key()) req.add_split_keys(pending[i]);
      }
      if (req.split_keys_size() == 0) return Status::OK();
      kvrpcpb::SplitRegionResponse resp;
      Status s = cluster_->sender()->SendOnce(group.location, &req, &resp,
                                              cluster_->options().long_rpc_timeout_ms);
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) {
        if (!s.retryable()) return s.WithContext("split");
        reason = s;
        for (size_t i : group.indexes) retry.push_back(pending[i]);
        return Status::OK();
      }
      if (!resp.error().empty()) {
        return Status::Internal("split of " + group.location.Describe() + " at " +
                                std::to_string(req.split_keys_size()) + " keys failed: " +
                                resp.error());
      }
      for (const auto& r : resp.regions()) {
        cluster_->regions()->Insert(r, PeerOnStore(r, group.location.leader.store_id()));
        result.push_back(r);
      }
      return Status::OK();
    }));
    if (!retry.empty()) RETURN_IF_ERROR(bo.Backoff(reason));
    std::sort(retry.begin(), retry.end());
    pending = std::move(retry);
  }
  std::sort(result.begin(), result.end(), [](const metapb::Region& a, const metapb::Region& b) {
    return a.start_key() < b.start_key();
  });
  return result;
}

Result<std::vector<uint64_t>> Admin::ScatterRegions(const std::vector<uint64_t>& region_ids) {
  if (cluster_->pd() == nullptr) return Status::NotSupported("scatter needs a PD client");
  if (region_ids.empty()) return std::vector<uint64_t>{};
  auto failed = cluster_->pd()->ScatterRegions(region_ids);
  // Scattered regions live elsewhere now; ask PD again on next use.
  for (uint64_t id : region_ids) cluster_->regions()->Invalidate(id);
  return failed;
}

Result<brkv::Checksum> Admin::Checksum(const std::vector<KeyRange>& ranges, uint64_t ts,
                                       const std::optional<ChecksumRewriteRule>& rule) {
  brkv::Checksum total;
  std::mutex mu;
  Backoffer bo(cluster_->backoff_options());
  std::vector<KeyRange> pending = ranges;
  while (!pending.empty()) {
    // Cut every range at region boundaries; one request per region with all its pieces.
    std::map<uint64_t, std::pair<KeyLocation, std::vector<KeyRange>>> tasks_by_region;
    Status plan_error;
    for (const auto& r : pending) {
      if (!r.end.empty() && r.start >= r.end) continue;
      auto locs = cluster_->regions()->LocateRange(
          keys::TxnRegionKey(r.start), r.end.empty() ? "" : keys::TxnRegionKey(r.end));
      if (!locs.ok()) {
        plan_error = locs.status();
        break;
      }
      for (auto& loc : *locs) {
        auto region_range = TxnRangeOfRegion(loc.start_key(), loc.end_key());
        if (!region_range) continue;
        auto piece = Intersect(r, *region_range);
        if (!piece) continue;
        auto& task = tasks_by_region[loc.id()];
        if (task.second.empty()) task.first = loc;
        task.second.push_back(std::move(*piece));
      }
    }
    if (!plan_error.ok()) {
      if (!plan_error.retryable()) return plan_error;
      RETURN_IF_ERROR(bo.Backoff(plan_error));
      continue;
    }
    std::vector<std::pair<KeyLocation, std::vector<KeyRange>>> tasks;
    tasks.reserve(tasks_by_region.size());
    for (auto& [id, t] : tasks_by_region) tasks.push_back(std::move(t));

    std::vector<KeyRange> retry;
    std::vector<kvrpcpb::LockInfo> locks;
    Status reason;
    bool progress = false;
    RETURN_IF_ERROR(ParallelFor(tasks.size(), cluster_->options().concurrency, [&](size_t t) {
      const auto& [loc, pieces] = tasks[t];
      brkvpb::ChecksumRequest req;
      req.set_start_ts(ts);
      for (const auto& p : pieces) {
        auto* kr = req.add_ranges();
        kr->set_start_key(p.start);
        kr->set_end_key(p.end);
      }
      if (rule) {
        req.mutable_rule()->set_old_prefix(rule->old_prefix);
        req.mutable_rule()->set_new_prefix(rule->new_prefix);
      }
      brkvpb::ChecksumResponse resp;
      Status s =
          cluster_->sender()->SendOnce(loc, &req, &resp, cluster_->options().long_rpc_timeout_ms);
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) {
        if (!s.retryable()) return s.WithContext("checksum");
        reason = s;
        retry.insert(retry.end(), pieces.begin(), pieces.end());
        return Status::OK();
      }
      if (resp.has_error()) {
        if (!resp.error().has_locked()) {
          return Status::Internal("checksum of " + loc.Describe() + " at ts " +
                                  std::to_string(ts) + " failed: " +
                                  resp.error().ShortDebugString());
        }
        locks.push_back(resp.error().locked());
        retry.insert(retry.end(), pieces.begin(), pieces.end());
        return Status::OK();
      }
      brkv::Checksum part;
      part.crc64xor = resp.checksum();
      part.total_kvs = resp.total_kvs();
      part.total_bytes = resp.total_bytes();
      total.Merge(part);
      progress = true;
      return Status::OK();
    }));
    // The budget bounds time without progress, not a long checksum of many regions.
    if (progress) bo = Backoffer(cluster_->backoff_options());
    if (!locks.empty()) {
      Status s = cluster_->lock_resolver()->ResolveLocks(&bo, ts, locks);
      if (!s.ok()) {
        if (!s.retryable()) return s;
        reason = s;
      }
    }
    if (!retry.empty() && !reason.ok()) RETURN_IF_ERROR(BackoffOrGiveUp(&bo, reason));
    pending = std::move(retry);
  }
  return total;
}

}  // namespace brkv::client
