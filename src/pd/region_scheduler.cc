#include "pd/region_scheduler.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "common/logging.h"

namespace brkv::pd {
namespace {

kvrpcpb::Context MakeContext(const pdpb::Region& r) {
  kvrpcpb::Context ctx;
  ctx.set_region_id(r.region().id());
  *ctx.mutable_region_epoch() = r.region().region_epoch();
  *ctx.mutable_peer() = r.leader();
  return ctx;
}

uint64_t LeaderStore(const pdpb::Region& r) {
  if (r.leader().store_id() != 0) return r.leader().store_id();
  return r.region().peers_size() > 0 ? r.region().peers(0).store_id() : 0;
}

}  // namespace

template <typename Fn>
Status RegionScheduler::WithRetry(Fn&& fn) {
  Status s;
  for (int i = 0; i < std::max(1, options_.store_call_attempts); ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_sleep_ms * i));
    s = fn();
    if (s.ok() || s.code() != Status::Code::kUnavailable) return s;
  }
  return s;
}

RegionScheduler::SplitResult RegionScheduler::SplitRegions(std::vector<std::string> keys,
                                                           int retry_limit) {
  SplitResult result;
  keys.erase(std::remove(keys.begin(), keys.end(), std::string()), keys.end());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (keys.empty()) {
    result.finished_percentage = 100;
    return result;
  }
  const size_t total = keys.size();
  size_t failed = 0;
  int rounds = 1 + (retry_limit > 0 ? retry_limit : options_.split_retry_limit);
  std::vector<std::string> pending = std::move(keys);
  Status last_error;
  for (int round = 0; round < rounds && !pending.empty(); ++round) {
    if (round > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_sleep_ms * round));
    }
    // region id -> (region, keys inside it, sorted)
    std::map<uint64_t, std::pair<pdpb::Region, std::vector<std::string>>> groups;
    for (const auto& k : pending) {
      auto r = cluster_->GetRegionByKey(k);
      if (!r.ok()) {
        ++failed;
        last_error = r.status();
        continue;
      }
      if (r->region().start_key() == k) continue;  // already a split point
      auto& g = groups[r->region().id()];
      g.first = *r;
      g.second.push_back(k);
    }
    std::vector<std::string> retry;
    for (auto& [id, group] : groups) {
      const pdpb::Region& region = group.first;
      std::vector<std::string>& gkeys = group.second;
      auto addr = cluster_->ServingStoreAddress(LeaderStore(region));
      if (!addr.ok()) {
        last_error = addr.status().WithContext("split region " + std::to_string(id));
        retry.insert(retry.end(), gkeys.begin(), gkeys.end());
        continue;
      }
      std::vector<metapb::Region> out, current;
      Status s = stores_->SplitRegion(*addr, MakeContext(region), gkeys, &out, &current);
      if (s.ok()) {
        Status applied = cluster_->ReportBatchSplit(out);
        if (!applied.ok()) LOG_WARN("apply split of region {}: {}", id, applied.ToString());
        for (const auto& r : out) {
          if (r.id() != id) result.new_region_ids.push_back(r.id());
        }
        LOG_INFO("split region {} at {} keys into {} regions", id, gkeys.size(), out.size());
        continue;
      }
      last_error = s.WithContext("split region " + std::to_string(id));
      LOG_WARN("{}", last_error.ToString());
      if (!current.empty()) {
        Status applied = cluster_->ReportBatchSplit(current);
        if (!applied.ok()) LOG_WARN("apply current regions: {}", applied.ToString());
      }
      if (s.retryable()) {
        retry.insert(retry.end(), gkeys.begin(), gkeys.end());
      } else {
        failed += gkeys.size();
      }
    }
    pending = std::move(retry);
  }
  failed += pending.size();
  result.finished_percentage = static_cast<uint32_t>((total - failed) * 100 / total);
  if (failed > 0) {
    result.status = Status::Aborted(std::to_string(failed) + " of " + std::to_string(total) +
                                    " split keys failed; last error: " + last_error.ToString());
  }
  return result;
}

uint64_t RegionScheduler::PickTarget(uint64_t source) {
  auto loads = cluster_->ServingStoreLoads();  // sorted by store id
  uint32_t best = UINT32_MAX;
  for (const auto& [id, n] : loads) {
    if (id != source) best = std::min(best, n);
  }
  if (best == UINT32_MAX) return 0;
  std::vector<uint64_t> ties;
  for (const auto& [id, n] : loads) {
    if (id != source && n == best) ties.push_back(id);
  }
  // Round-robin among equally loaded stores: the first after the last target, wrapping.
  auto it = std::upper_bound(ties.begin(), ties.end(), last_target_);
  uint64_t pick = it == ties.end() ? ties.front() : *it;
  last_target_ = pick;
  return pick;
}

Status RegionScheduler::ScatterOne(uint64_t region_id) {
  ASSIGN_OR_RETURN(pdpb::Region region, cluster_->GetRegionById(region_id));
  uint64_t source = LeaderStore(region);
  uint64_t target = PickTarget(source);
  if (target == 0) {
    auto src_addr = cluster_->ServingStoreAddress(source);
    if (!src_addr.ok()) return src_addr.status();
    LOG_INFO("scatter region {}: no other serving store, stays on store {}", region_id, source);
    return Status::OK();
  }
  ASSIGN_OR_RETURN(std::string src_addr, cluster_->ServingStoreAddress(source));
  ASSIGN_OR_RETURN(std::string dst_addr, cluster_->ServingStoreAddress(target));

  RETURN_IF_ERROR(WithRetry([&] { return stores_->TransferOut(src_addr, MakeContext(region)); })
                      .WithContext("transfer out of store " + std::to_string(source)));

  auto moved = cluster_->CommitMove(region_id, region.region().region_epoch(), target);
  if (!moved.ok()) {
    // The source dropped the region but PD could not record the move: give it back.
    Status back = WithRetry([&] { return stores_->TransferIn(src_addr, region.region()); });
    if (!back.ok()) {
      LOG_ERROR("scatter region {}: cannot restore it on store {}: {}", region_id, source,
                back.ToString());
    }
    return moved.status().WithContext("record move");
  }

  Status in = WithRetry([&] { return stores_->TransferIn(dst_addr, *moved); });
  if (in.ok()) {
    LOG_INFO("scatter region {}: store {} -> store {} (conf_ver {})", region_id, source, target,
             moved->region_epoch().conf_ver());
    return Status::OK();
  }
  // The target refused: move the region back to its source so it stays served.
  LOG_WARN("scatter region {}: transfer in to store {} failed: {}; moving back", region_id, target,
           in.ToString());
  auto back = cluster_->CommitMove(region_id, moved->region_epoch(), source);
  if (back.ok()) {
    Status s = WithRetry([&] { return stores_->TransferIn(src_addr, *back); });
    if (!s.ok()) {
      LOG_ERROR("scatter region {}: cannot restore it on store {}: {}", region_id, source,
                s.ToString());
    }
  } else {
    LOG_ERROR("scatter region {}: cannot record move back: {}", region_id,
              back.status().ToString());
  }
  return in.WithContext("transfer in to store " + std::to_string(target));
}

RegionScheduler::ScatterResult RegionScheduler::ScatterRegions(
    const std::vector<uint64_t>& region_ids, int retry_limit) {
  std::lock_guard<std::mutex> lock(scatter_mu_);
  ScatterResult result;
  std::vector<uint64_t> ids = region_ids;
  std::set<uint64_t> seen;
  ids.erase(std::remove_if(ids.begin(), ids.end(),
                           [&](uint64_t id) { return id == 0 || !seen.insert(id).second; }),
            ids.end());
  // Raft groups (several peers) are scattered by operators, as one batch; single-peer regions
  // move whole, one by one.
  std::vector<uint64_t> groups;
  for (uint64_t id : ids) {
    auto region = cluster_->GetRegionById(id);
    if (region.ok() && region->region().peers_size() > 1) {
      groups.push_back(id);
      continue;
    }
    Status s = region.ok() ? ScatterOne(id) : region.status();
    if (!s.ok()) {
      LOG_WARN("scatter region {} failed: {}", id, s.ToString());
      result.failed.push_back(id);
    }
  }
  if (!groups.empty()) {
    std::vector<Status> started;
    if (coordinator_ != nullptr) {
      started = coordinator_->ScatterRegions(groups);
    } else {
      started.assign(groups.size(), Status::NotSupported("PD runs no coordinator"));
    }
    for (size_t i = 0; i < groups.size(); ++i) {
      if (started[i].ok()) continue;
      LOG_WARN("scatter region {} failed: {}", groups[i], started[i].ToString());
      result.failed.push_back(groups[i]);
    }
  }
  result.finished_percentage =
      ids.empty() ? 100 : static_cast<uint32_t>((ids.size() - result.failed.size()) * 100 / ids.size());
  return result;
}

}  // namespace brkv::pd
