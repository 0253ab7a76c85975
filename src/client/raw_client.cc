#include "client/raw_client.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "client/batching.h"
#include "client/cluster.h"
#include "client/key_bounds.h"
#include "client/parallel.h"
#include "client/region_request.h"
#include "common/codec.h"
#include "kv/keys.h"

namespace brkv::client {

namespace {

Status RawError(std::string_view op, std::string_view key, const std::string& error) {
  return Status::Internal(std::string(op) + " " + codec::Escape(key) + ": " + error);
}

}  // namespace

Status RawClient::Put(std::string_view key, std::string_view value, std::string_view cf) {
  if (key.empty()) return Status::InvalidArgument("raw put: empty key");
  Backoffer bo(cluster_->backoff_options());
  kvrpcpb::RawPutRequest req;
  req.set_key(std::string(key));
  req.set_value(std::string(value));
  req.set_cf(std::string(cf));
  kvrpcpb::RawPutResponse resp;
  RETURN_IF_ERROR(cluster_->sender()->SendByKey(&bo, keys::RawRegionKey(key), &req, &resp));
  if (!resp.error().empty()) return RawError("raw put", key, resp.error());
  return Status::OK();
}

Result<std::string> RawClient::Get(std::string_view key, std::string_view cf) {
  Backoffer bo(cluster_->backoff_options());
  kvrpcpb::RawGetRequest req;
  req.set_key(std::string(key));
  req.set_cf(std::string(cf));
  kvrpcpb::RawGetResponse resp;
  RETURN_IF_ERROR(cluster_->sender()->SendByKey(&bo, keys::RawRegionKey(key), &req, &resp));
  if (!resp.error().empty()) return RawError("raw get", key, resp.error());
  if (resp.not_found()) return Status::NotFound("raw key " + codec::Escape(key));
  return std::move(*resp.mutable_value());
}

Status RawClient::Delete(std::string_view key, std::string_view cf) {
  if (key.empty()) return Status::InvalidArgument("raw delete: empty key");
  Backoffer bo(cluster_->backoff_options());
  kvrpcpb::RawDeleteRequest req;
  req.set_key(std::string(key));
  req.set_cf(std::string(cf));
  kvrpcpb::RawDeleteResponse resp;
  RETURN_IF_ERROR(cluster_->sender()->SendByKey(&bo, keys::RawRegionKey(key), &req, &resp));
  if (!resp.error().empty()) return RawError("raw delete", key, resp.error());
  return Status::OK();
}

Status RawClient::BatchPut(const std::vector<KvPair>& pairs, std::string_view cf) {
  for (const auto& p : pairs) {
    if (p.key.empty()) return Status::InvalidArgument("raw batch put: empty key");
  }
  Backoffer bo(cluster_->backoff_options());
  std::vector<size_t> pending(pairs.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  while (!pending.empty()) {
    std::vector<std::string> region_keys;
    region_keys.reserve(pending.size());
    for (size_t i : pending) region_keys.push_back(keys::RawRegionKey(pairs[i].key));
    auto groups = cluster_->regions()->GroupKeys(region_keys);
    if (!groups.ok()) {
      if (!groups.status().retryable()) return groups.status();
      RETURN_IF_ERROR(bo.Backoff(groups.status()));
      continue;
    }
    for (auto& g : *groups) {
      for (size_t& i : g.indexes) i = pending[i];
    }
    std::vector<Batch> batches = SplitIntoBatches(
        *groups, [&](size_t i) { return pairs[i].key.size() + pairs[i].value.size(); }, {});
    std::mutex mu;
    std::vector<size_t> retry;
    Status reason;
    std::atomic<bool> progress{false};
    RETURN_IF_ERROR(ParallelFor(batches.size(), cluster_->options().concurrency, [&](size_t b) {
      kvrpcpb::RawBatchPutRequest req;
      req.set_cf(std::string(cf));
      for (size_t i : batches[b].indexes) {
        auto* kv = req.add_pairs();
        kv->set_key(pairs[i].key);
        kv->set_value(pairs[i].value);
      }
      kvrpcpb::RawBatchPutResponse resp;
      Status s = cluster_->sender()->SendOnce(batches[b].location, &req, &resp);
      if (!s.ok()) {
        if (!s.retryable()) return s;
        std::lock_guard<std::mutex> lock(mu);
        reason = s;
        retry.insert(retry.end(), batches[b].indexes.begin(), batches[b].indexes.end());
        return Status::OK();
      }
      if (!resp.error().empty()) {
        return RawError("raw batch put", pairs[batches[b].indexes[0]].key, resp.error());
      }
      progress = true;
      return Status::OK();
    }));
    // The budget bounds time without progress, not the length of a large load.
    if (progress) bo = Backoffer(cluster_->backoff_options());
    if (!retry.empty()) RETURN_IF_ERROR(bo.Backoff(reason));
    std::sort(retry.begin(), retry.end());
    pending = std::move(retry);
  }
  return Status::OK();
}

Result<std::vector<KvPair>> RawClient::Scan(std::string_view start, std::string_view end,
                                            size_t limit, std::string_view cf) {
  std::vector<KvPair> out;
  uint32_t batch = 1024;
  if (limit > 0 && limit < batch) batch = static_cast<uint32_t>(limit);
  RETURN_IF_ERROR(ScanEach(
      start, end,
      [&](const KvPair& kv) {
        out.push_back(kv);
        return limit == 0 || out.size() < limit;
      },
      cf, batch));
  return out;
}

Status RawClient::ScanEach(std::string_view start, std::string_view end,
                           const std::function<bool(const KvPair&)>& fn, std::string_view cf,
                           uint32_t batch_size) {
  if (batch_size == 0) batch_size = 1024;
  if (!end.empty() && start >= end) return Status::OK();
  Backoffer bo(cluster_->backoff_options());
  std::string cur(start);
  while (true) {
    auto loc = cluster_->regions()->Locate(keys::RawRegionKey(cur));
    if (!loc.ok()) {
      if (!loc.status().retryable()) return loc.status();
      RETURN_IF_ERROR(bo.Backoff(loc.status()));
      continue;
    }
    // RawRegionKey(cur) lies in the region, so its raw range is not empty.
    auto range = RawRangeOfRegion(loc->start_key(), loc->end_key());
    if (!range) return Status::Internal("raw key " + codec::Escape(cur) + " maps outside " +
                                        loc->Describe());
    const bool last_region = range->end.empty() || (!end.empty() && range->end >= end);
    const std::string sub_end = last_region ? std::string(end) : range->end;
    kvrpcpb::RawScanRequest req;
    req.set_start_key(cur);
    req.set_end_key(sub_end);
    req.set_limit(batch_size);
    req.set_cf(std::string(cf));
    kvrpcpb::RawScanResponse resp;
    Status s = cluster_->sender()->SendOnce(*loc, &req, &resp);
    if (!s.ok()) {
      if (!s.retryable()) return s;
      RETURN_IF_ERROR(bo.Backoff(s.WithContext("raw scan from " + codec::Escape(cur))));
      continue;
    }
    if (!resp.error().empty()) return RawError("raw scan from", cur, resp.error());
    bo = Backoffer(cluster_->backoff_options());
    KvPair kv;
    for (const auto& p : resp.kvs()) {
      kv.key = p.key();
      kv.value = p.value();
      if (!fn(kv)) return Status::OK();
    }
    if (static_cast<uint32_t>(resp.kvs_size()) >= batch_size) {
      cur = resp.kvs(resp.kvs_size() - 1).key();
      cur.push_back('\0');
      if (!end.empty() && cur >= end) return Status::OK();
      continue;
    }
    if (last_region) return Status::OK();
    cur = sub_end;
  }
}

}  // namespace brkv::client
