#include "client/snapshot.h"

#include <mutex>

#include "client/cluster.h"
#include "client/key_bounds.h"
#include "client/key_error.h"
#include "client/lock_resolver.h"
#include "client/parallel.h"
#include "client/region_request.h"
#include "common/codec.h"
#include "kv/keys.h"

namespace brkv::client {

namespace {

// After ResolveLocks: OK = retry at once; a live lock = back off (KeyLocked when the budget
// ends, naming the key); anything else is returned.
Status AfterResolve(Backoffer* bo, const Status& resolved) {
  if (resolved.ok() || !resolved.retryable()) return resolved;
  return BackoffOrGiveUp(bo, resolved);
}

}  // namespace

Result<std::string> Snapshot::Get(std::string_view key) const {
  Backoffer bo(cluster_->backoff_options());
  kvrpcpb::GetRequest req;
  req.set_key(std::string(key));
  req.set_version(ts_);
  const std::string region_key = keys::TxnRegionKey(key);
  while (true) {
    kvrpcpb::GetResponse resp;
    RETURN_IF_ERROR(cluster_->sender()->SendByKey(&bo, region_key, &req, &resp));
    if (resp.has_error()) {
      if (!resp.error().has_locked()) return KeyErrorToStatus(resp.error(), "get");
      RETURN_IF_ERROR(AfterResolve(
          &bo, cluster_->lock_resolver()->ResolveLocks(&bo, ts_, {resp.error().locked()})));
      continue;
    }
    if (resp.not_found()) return Status::NotFound("key " + codec::Escape(key));
    return std::move(*resp.mutable_value());
  }
}

Result<std::map<std::string, std::string>> Snapshot::BatchGet(
    const std::vector<std::string>& keys) const {
  std::map<std::string, std::string> out;
  std::mutex mu;
  Backoffer bo(cluster_->backoff_options());
  std::vector<std::string> pending = keys;
  while (!pending.empty()) {
    std::vector<std::string> region_keys;
    region_keys.reserve(pending.size());
    for (const auto& k : pending) region_keys.push_back(keys::TxnRegionKey(k));
    auto groups = cluster_->regions()->GroupKeys(region_keys);
    if (!groups.ok()) {
      if (!groups.status().retryable()) return groups.status();
      RETURN_IF_ERROR(bo.Backoff(groups.status()));
      continue;
    }
    std::vector<std::string> retry;
    std::vector<kvrpcpb::LockInfo> locks;
    Status retry_reason;
    Status fatal = ParallelFor(groups->size(), cluster_->options().concurrency, [&](size_t g) {
      const RegionGroup& group = (*groups)[g];
      kvrpcpb::BatchGetRequest req;
      req.set_version(ts_);
      for (size_t i : group.indexes) req.add_keys(pending[i]);
      kvrpcpb::BatchGetResponse resp;
      Status s = cluster_->sender()->SendOnce(group.location, &req, &resp);
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) {
        if (!s.retryable()) return s;
        retry_reason = s;
        for (size_t i : group.indexes) retry.push_back(pending[i]);
        return Status::OK();
      }
      if (resp.has_error()) {
        if (!resp.error().has_locked()) return KeyErrorToStatus(resp.error(), "batch get");
        locks.push_back(resp.error().locked());
        for (size_t i : group.indexes) retry.push_back(pending[i]);
        return Status::OK();
      }
      for (auto& p : *resp.mutable_pairs()) {
        if (p.has_error()) {
          if (!p.error().has_locked()) return KeyErrorToStatus(p.error(), "batch get");
          locks.push_back(p.error().locked());
          retry.push_back(p.key());
          continue;
        }
        out[p.key()] = std::move(*p.mutable_value());
      }
      return Status::OK();
    });
    RETURN_IF_ERROR(fatal);
    if (!locks.empty()) {
      RETURN_IF_ERROR(
          AfterResolve(&bo, cluster_->lock_resolver()->ResolveLocks(&bo, ts_, locks)));
    } else if (!retry_reason.ok()) {
      RETURN_IF_ERROR(bo.Backoff(retry_reason));
    }
    pending = std::move(retry);
  }
  return out;
}

Result<std::vector<KvPair>> Snapshot::Scan(std::string_view start, std::string_view end,
                                           size_t limit) const {
  std::vector<KvPair> out;
  uint32_t batch = 1024;
  if (limit > 0 && limit < batch) batch = static_cast<uint32_t>(limit);
  RETURN_IF_ERROR(ScanEach(
      start, end,
      [&](const KvPair& kv) {
        out.push_back(kv);
        return limit == 0 || out.size() < limit;
      },
      batch));
  return out;
}

Status Snapshot::ScanEach(std::string_view start, std::string_view end,
                          const std::function<bool(const KvPair&)>& fn,
                          uint32_t batch_size) const {
  if (batch_size == 0) batch_size = 1024;
  if (!end.empty() && start >= end) return Status::OK();
  Backoffer bo(cluster_->backoff_options());
  std::string cur(start);
  while (true) {
    auto loc = cluster_->regions()->Locate(keys::TxnRegionKey(cur));
    if (!loc.ok()) {
      if (!loc.status().retryable()) return loc.status();
      RETURN_IF_ERROR(bo.Backoff(loc.status()));
      continue;
    }
    // The raw keys of this region at or after cur; Enc(cur) lies in the region, so the
    // range is not empty.
    const bool last_region =
        loc->end_key().empty() || (!end.empty() && TxnLowerBound(loc->end_key()) >= end);
    const std::string sub_end = last_region ? std::string(end) : TxnLowerBound(loc->end_key());
    kvrpcpb::ScanRequest req;
    req.set_start_key(cur);
    req.set_end_key(sub_end);
    req.set_limit(batch_size);
    req.set_version(ts_);
    kvrpcpb::ScanResponse resp;
    Status s = cluster_->sender()->SendOnce(*loc, &req, &resp);
    if (!s.ok()) {
      if (!s.retryable()) return s;
      RETURN_IF_ERROR(bo.Backoff(s.WithContext("scan from " + codec::Escape(cur))));
      continue;
    }
    if (resp.has_error()) {
      if (!resp.error().has_locked()) return KeyErrorToStatus(resp.error(), "scan");
      RETURN_IF_ERROR(AfterResolve(
          &bo, cluster_->lock_resolver()->ResolveLocks(&bo, ts_, {resp.error().locked()})));
      continue;
    }
    // Pairs up to the first locked key are final; from there we resolve and scan again.
    std::vector<kvrpcpb::LockInfo> locks;
    std::string first_locked;
    KvPair kv;
    for (auto& p : *resp.mutable_pairs()) {
      if (p.has_error()) {
        if (!p.error().has_locked()) return KeyErrorToStatus(p.error(), "scan");
        if (locks.empty()) first_locked = p.key();
        locks.push_back(p.error().locked());
        continue;
      }
      if (!locks.empty()) continue;
      kv.key = p.key();
      kv.value = std::move(*p.mutable_value());
      if (!fn(kv)) return Status::OK();
    }
    if (!locks.empty()) {
      cur = first_locked;
      RETURN_IF_ERROR(
          AfterResolve(&bo, cluster_->lock_resolver()->ResolveLocks(&bo, ts_, locks)));
      continue;
    }
    // Progress: the retry budget measures time without progress, not the whole scan.
    bo = Backoffer(cluster_->backoff_options());
    if (static_cast<uint32_t>(resp.pairs_size()) >= batch_size) {
      // More may follow in this region: continue right after the last key.
      cur = resp.pairs(resp.pairs_size() - 1).key();
      cur.push_back('\0');
      if (!end.empty() && cur >= end) return Status::OK();
      continue;
    }
    if (last_region) return Status::OK();
    cur = sub_end;
  }
}

}  // namespace brkv::client
