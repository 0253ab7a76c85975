#include "server/region_manager.h"

#include <algorithm>

#include <rocksdb/iterator.h>

#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "kv/keys.h"
#include "server/local_keys.h"

namespace brkv::server {

// One hosted region. `region` and `removed` are written while holding both the latch and the
// manager's mutex, so holding either one is enough to read them.
struct RegionState {
  std::mutex latch;
  metapb::Region region;
  bool removed = false;
  std::atomic<uint64_t> written_bytes{0};
  std::atomic<bool> marked_for_check{false};
};

namespace {

std::string EncodeStoreIdent(const StoreIdent& ident) {
  std::string v;
  codec::EncodeUint(&v, ident.store_id);
  codec::EncodeUint(&v, ident.cluster_id);
  return v;
}

Result<StoreIdent> DecodeStoreIdent(std::string_view v) {
  StoreIdent ident;
  ASSIGN_OR_RETURN(ident.store_id, codec::DecodeUint(&v));
  ASSIGN_OR_RETURN(ident.cluster_id, codec::DecodeUint(&v));
  return ident;
}

Status PutRegionState(rocksdb::WriteBatch* wb, Engine* engine, const metapb::Region& region) {
  std::string value;
  if (!region.SerializeToString(&value)) {
    return Status::Internal("cannot serialize region " + std::to_string(region.id()));
  }
  return FromRocks(wb->Put(engine->cf_raft(), local_keys::RegionStateKey(region.id()), value));
}

}  // namespace

// ---- RegionWriteLatch ----

RegionWriteLatch::RegionWriteLatch(std::shared_ptr<RegionState> state, uint64_t region_id)
    : state_(std::move(state)), lock_(state_->latch), region_id_(region_id) {}

RegionWriteLatch::~RegionWriteLatch() {
  // Unlock before the state may be freed (member order would do it too; be explicit).
  if (lock_.owns_lock()) lock_.unlock();
}

// ---- RangeHasData ----

Result<bool> RangeHasData(Engine* engine, std::string_view start, std::string_view end) {
  const std::string lower = keys::DataKey(start);
  // Empty end: the whole rest of the data space ('z' + anything) => upper bound "{" ('z' + 1).
  const std::string upper =
      end.empty() ? std::string(1, static_cast<char>(keys::kDataPrefix + 1)) : keys::DataKey(end);
  for (auto* cf : {engine->cf_default(), engine->cf_write(), engine->cf_lock()}) {
    rocksdb::ReadOptions ro;
    rocksdb::Slice ub(upper);
    ro.iterate_upper_bound = &ub;
    std::unique_ptr<rocksdb::Iterator> it(engine->db()->NewIterator(ro, cf));
    it->Seek(lower);
    if (it->Valid()) return true;
    RETURN_IF_ERROR(FromRocks(it->status()));
  }
  return false;
}

// ---- RegionManager ----

Result<std::unique_ptr<RegionManager>> RegionManager::Open(Engine* engine) {
  std::unique_ptr<RegionManager> m(new RegionManager(engine));
  RETURN_IF_ERROR(m->Load());
  return m;
}

RegionManager::~RegionManager() = default;

Status RegionManager::Load() {
  auto ident = engine_->Get(engine_->cf_raft(), local_keys::StoreIdentKey());
  if (ident.ok()) {
    auto decoded = DecodeStoreIdent(*ident);
    if (!decoded.ok()) return decoded.status().WithContext("store ident");
    ident_ = *decoded;
    store_id_.store(decoded->store_id, std::memory_order_release);
  } else if (!ident.status().IsNotFound()) {
    return ident.status();
  }

  const std::string upper = local_keys::RegionMetaEnd();
  rocksdb::ReadOptions ro;
  rocksdb::Slice ub(upper);
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it(engine_->db()->NewIterator(ro, engine_->cf_raft()));
  for (it->Seek(local_keys::RegionMetaPrefix()); it->Valid(); it->Next()) {
    auto id = local_keys::ParseRegionStateKey(it->key().ToStringView());
    if (!id) continue;
    auto st = std::make_shared<RegionState>();
    if (!st->region.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        st->region.id() != *id) {
      return Status::Corruption("bad region state for region " + std::to_string(*id));
    }
    regions_[*id] = std::move(st);
  }
  RETURN_IF_ERROR(FromRocks(it->status()));
  return Status::OK();
}

std::optional<StoreIdent> RegionManager::store_ident() const {
  std::lock_guard<std::mutex> l(mu_);
  return ident_;
}

Status RegionManager::SaveStoreIdent(const StoreIdent& ident) {
  std::lock_guard<std::mutex> l(mu_);
  if (ident_ && ident_->store_id != ident.store_id) {
    return Status::InvalidArgument("data directory already belongs to store " +
                                   std::to_string(ident_->store_id));
  }
  rocksdb::WriteBatch wb;
  RETURN_IF_ERROR(
      FromRocks(wb.Put(engine_->cf_raft(), local_keys::StoreIdentKey(), EncodeStoreIdent(ident))));
  RETURN_IF_ERROR(engine_->Write(&wb));
  ident_ = ident;
  store_id_.store(ident.store_id, std::memory_order_release);
  return Status::OK();
}

std::optional<metapb::Region> RegionManager::GetRegion(uint64_t region_id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = regions_.find(region_id);
  if (it == regions_.end()) return std::nullopt;
  return it->second->region;
}

std::vector<metapb::Region> RegionManager::GetAllRegions() const {
  std::vector<metapb::Region> out;
  {
    std::lock_guard<std::mutex> l(mu_);
    out.reserve(regions_.size());
    for (const auto& [id, st] : regions_) out.push_back(st->region);
  }
  std::sort(out.begin(), out.end(), [](const metapb::Region& a, const metapb::Region& b) {
    return a.start_key() < b.start_key();
  });
  return out;
}

size_t RegionManager::RegionCount() const {
  std::lock_guard<std::mutex> l(mu_);
  return regions_.size();
}

Status RegionManager::RegionMissing(uint64_t region_id, errorpb::Error* err) const {
  if (removed_.count(region_id) != 0) return FailWithRegionError(NotLeaderError(region_id), err);
  return FailWithRegionError(RegionNotFoundError(region_id), err);
}

Status RegionManager::CheckContext(const kvrpcpb::Context& ctx, metapb::Region* region,
                                   errorpb::Error* err) const {
  std::lock_guard<std::mutex> l(mu_);
  const uint64_t my_store = store_id_.load(std::memory_order_acquire);
  if (ctx.has_peer() && ctx.peer().store_id() != 0 && my_store != 0 &&
      ctx.peer().store_id() != my_store) {
    errorpb::Error e;
    e.set_message("request for store " + std::to_string(ctx.peer().store_id()) +
                  " reached store " + std::to_string(my_store));
    e.mutable_store_not_match()->set_request_store_id(ctx.peer().store_id());
    e.mutable_store_not_match()->set_actual_store_id(my_store);
    return FailWithRegionError(std::move(e), err);
  }
  auto it = regions_.find(ctx.region_id());
  if (it == regions_.end()) return RegionMissing(ctx.region_id(), err);
  const metapb::Region& cur = it->second->region;
  if (!EpochEqual(ctx.region_epoch(), cur.region_epoch())) {
    return FailWithRegionError(EpochNotMatchError(ctx.region_epoch(), {cur}), err);
  }
  if (region != nullptr) *region = cur;
  return Status::OK();
}

Status RegionManager::CheckKeyInRegion(const metapb::Region& region, std::string_view region_key,
                                       errorpb::Error* err) {
  if (KeyInRegion(region, region_key)) return Status::OK();
  return FailWithRegionError(KeyNotInRegionError(region_key, region), err);
}

Result<RegionWriteLatch> RegionManager::LockRegion(uint64_t region_id, errorpb::Error* err) {
  std::shared_ptr<RegionState> st;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = regions_.find(region_id);
    if (it == regions_.end()) return RegionMissing(region_id, err);
    st = it->second;
  }
  RegionWriteLatch latch(st, region_id);  // blocks; the manager mutex is not held here
  if (st->removed) return FailWithRegionError(NotLeaderError(region_id), err);
  return latch;
}

Status RegionManager::Propose(const RegionWriteLatch& latch, const metapb::RegionEpoch& epoch,
                              rocksdb::WriteBatch* batch, errorpb::Error* err) {
  RegionState* st = latch.state_.get();
  if (st == nullptr || !latch.lock_.owns_lock()) {
    return Status::Internal("Propose without holding the region latch");
  }
  // The latch is held, so region/removed cannot change under us.
  if (st->removed) return FailWithRegionError(NotLeaderError(latch.region_id()), err);
  if (!EpochEqual(epoch, st->region.region_epoch())) {
    return FailWithRegionError(EpochNotMatchError(epoch, {st->region}), err);
  }
  if (batch == nullptr || batch->Count() == 0) return Status::OK();
  FAIL_POINT("kv.before-propose");
  RETURN_IF_ERROR(engine_->Write(batch));
  st->written_bytes.fetch_add(batch->GetDataSize(), std::memory_order_relaxed);
  return Status::OK();
}

Status RegionManager::ProposeIngest(const RegionWriteLatch& latch,
                                    const metapb::RegionEpoch& epoch,
                                    const std::function<Status(const metapb::Region&)>& apply,
                                    uint64_t bytes, errorpb::Error* err) {
  RegionState* st = latch.state_.get();
  if (st == nullptr || !latch.lock_.owns_lock()) {
    return Status::Internal("ProposeIngest without holding the region latch");
  }
  if (st->removed) return FailWithRegionError(NotLeaderError(latch.region_id()), err);
  if (!EpochEqual(epoch, st->region.region_epoch())) {
    return FailWithRegionError(EpochNotMatchError(epoch, {st->region}), err);
  }
  FAIL_POINT("kv.before-propose");
  RETURN_IF_ERROR(apply(st->region));
  st->written_bytes.fetch_add(bytes, std::memory_order_relaxed);
  return Status::OK();
}

Status RegionManager::AddRegion(const metapb::Region& region) {
  if (region.id() == 0) return Status::InvalidArgument("region id 0");
  if (!region.end_key().empty() && region.start_key() >= region.end_key()) {
    return Status::InvalidArgument("empty key range in " + DescribeRegion(region));
  }
  std::shared_ptr<RegionState> existing;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = regions_.find(region.id());
    if (it != regions_.end()) existing = it->second;
  }
  if (existing) {
    std::lock_guard<std::mutex> latch(existing->latch);
    std::lock_guard<std::mutex> l(mu_);
    if (!existing->removed) {
      const metapb::Region& cur = existing->region;
      const bool same_range =
          cur.start_key() == region.start_key() && cur.end_key() == region.end_key();
      if (same_range && EpochEqual(cur.region_epoch(), region.region_epoch())) {
        return Status::OK();
      }
      // The same range under a newer epoch (PD moved it away and back, say): adopt it.
      const auto& a = cur.region_epoch();
      const auto& b = region.region_epoch();
      if (same_range && a.version() <= b.version() && a.conf_ver() <= b.conf_ver()) {
        rocksdb::WriteBatch wb;
        RETURN_IF_ERROR(PutRegionState(&wb, engine_, region));
        RETURN_IF_ERROR(engine_->Write(&wb));
        existing->region = region;
        LOG_INFO("now hosting {} (epoch updated)", DescribeRegion(region));
        return Status::OK();
      }
      return Status::InvalidArgument("this store already hosts " + DescribeRegion(cur) +
                                     "; refusing " + DescribeRegion(region));
    }
  }

  std::vector<metapb::Region> changed;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [id, st] : regions_) {
      if (id == region.id()) continue;
      if (RangesOverlap(region.start_key(), region.end_key(), st->region.start_key(),
                        st->region.end_key())) {
        return Status::InvalidArgument(DescribeRegion(region) + " overlaps hosted " +
                                       DescribeRegion(st->region));
      }
    }
    rocksdb::WriteBatch wb;
    RETURN_IF_ERROR(PutRegionState(&wb, engine_, region));
    RETURN_IF_ERROR(engine_->Write(&wb));
    auto st = std::make_shared<RegionState>();
    st->region = region;
    st->marked_for_check = true;
    regions_[region.id()] = st;
    removed_.erase(region.id());
    changed.push_back(region);
  }
  LOG_INFO("now hosting {}", DescribeRegion(region));
  Notify(changed, false);
  return Status::OK();
}

Status RegionManager::RemoveRegionIfEmpty(uint64_t region_id, const metapb::RegionEpoch* epoch,
                                          errorpb::Error* err) {
  metapb::Region gone;
  {
    ASSIGN_OR_RETURN(RegionWriteLatch latch, LockRegion(region_id, err));
    RegionState* st = latch.state_.get();
    if (epoch != nullptr && !EpochEqual(*epoch, st->region.region_epoch())) {
      return FailWithRegionError(EpochNotMatchError(*epoch, {st->region}), err);
    }
    ASSIGN_OR_RETURN(bool has_data,
                     RangeHasData(engine_, st->region.start_key(), st->region.end_key()));
    if (has_data) return Status::Aborted("region is not empty");

    rocksdb::WriteBatch wb;
    RETURN_IF_ERROR(
        FromRocks(wb.Delete(engine_->cf_raft(), local_keys::RegionStateKey(region_id))));
    RETURN_IF_ERROR(engine_->Write(&wb));
    std::lock_guard<std::mutex> l(mu_);
    st->removed = true;
    gone = st->region;
    regions_.erase(region_id);
    removed_.insert(region_id);
  }
  LOG_INFO("stopped hosting {}", DescribeRegion(gone));
  Notify({gone}, true);
  return Status::OK();
}

Result<std::vector<metapb::Region>> RegionManager::ApplySplit(
    uint64_t region_id, const metapb::RegionEpoch& epoch,
    const std::vector<std::string>& split_keys, const std::vector<pdpb::SplitID>& ids,
    errorpb::Error* err) {
  if (split_keys.empty()) return Status::InvalidArgument("no split keys");
  if (ids.size() != split_keys.size()) {
    return Status::InvalidArgument("got " + std::to_string(ids.size()) + " split ids for " +
                                   std::to_string(split_keys.size()) + " split keys");
  }
  std::vector<metapb::Region> result;
  {
    ASSIGN_OR_RETURN(RegionWriteLatch latch, LockRegion(region_id, err));
    RegionState* st = latch.state_.get();
    const metapb::Region cur = st->region;
    if (!EpochEqual(epoch, cur.region_epoch())) {
      return FailWithRegionError(EpochNotMatchError(epoch, {cur}), err);
    }
    std::string_view prev = cur.start_key();
    for (size_t i = 0; i < split_keys.size(); ++i) {
      const std::string& k = split_keys[i];
      if (k <= prev || !KeyInRegion(cur, k)) {
        return Status::InvalidArgument("split key " + codec::Escape(k) +
                                       " is not strictly inside " + DescribeRegion(cur) +
                                       " or keys are not increasing");
      }
      prev = k;
      if (ids[i].new_peer_ids_size() != cur.peers_size()) {
        return Status::InvalidArgument("split id has " +
                                       std::to_string(ids[i].new_peer_ids_size()) +
                                       " peer ids, region has " +
                                       std::to_string(cur.peers_size()) + " peers");
      }
    }

    const uint64_t new_version = cur.region_epoch().version() + split_keys.size();
    metapb::Region left = cur;
    left.set_end_key(split_keys.front());
    left.mutable_region_epoch()->set_version(new_version);
    result.push_back(left);
    for (size_t i = 0; i < split_keys.size(); ++i) {
      metapb::Region r;
      r.set_id(ids[i].new_region_id());
      r.set_start_key(split_keys[i]);
      r.set_end_key(i + 1 < split_keys.size() ? split_keys[i + 1] : cur.end_key());
      r.mutable_region_epoch()->set_conf_ver(cur.region_epoch().conf_ver());
      r.mutable_region_epoch()->set_version(new_version);
      for (int p = 0; p < cur.peers_size(); ++p) {
        metapb::Peer* peer = r.add_peers();
        peer->set_id(ids[i].new_peer_ids(p));
        peer->set_store_id(cur.peers(p).store_id());
      }
      result.push_back(r);
    }

    {
      std::lock_guard<std::mutex> l(mu_);
      for (size_t i = 1; i < result.size(); ++i) {
        if (result[i].id() == 0 || regions_.count(result[i].id()) != 0 ||
            result[i].id() == region_id) {
          return Status::InvalidArgument("split allocated region id " +
                                         std::to_string(result[i].id()) + " already in use");
        }
      }
    }

    rocksdb::WriteBatch wb;
    for (const auto& r : result) RETURN_IF_ERROR(PutRegionState(&wb, engine_, r));
    FAIL_POINT("kv.split.before-persist");
    RETURN_IF_ERROR(engine_->Write(&wb));

    // Share the bytes written so far evenly so the children get checked soon if the parent was
    // about to be.
    const uint64_t share = st->written_bytes.load() / result.size();
    {
      std::lock_guard<std::mutex> l(mu_);
      st->region = result.front();
      st->written_bytes = share;
      for (size_t i = 1; i < result.size(); ++i) {
        auto ns = std::make_shared<RegionState>();
        ns->region = result[i];
        ns->written_bytes = share;
        ns->marked_for_check = st->marked_for_check.load();
        regions_[result[i].id()] = std::move(ns);
      }
    }
  }
  LOG_INFO("split region {} into {} regions at version {}", region_id, result.size(),
           result.front().region_epoch().version());
  Notify(result, false);
  return result;
}

void RegionManager::SetChangeListener(ChangeListener listener) {
  std::lock_guard<std::mutex> l(mu_);
  listener_ = std::move(listener);
}

void RegionManager::Notify(const std::vector<metapb::Region>& changed, bool removed) {
  ChangeListener listener;
  {
    std::lock_guard<std::mutex> l(mu_);
    listener = listener_;
  }
  if (listener) listener(changed, removed);
}

void RegionManager::AddWrittenBytes(uint64_t region_id, uint64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = regions_.find(region_id);
  if (it != regions_.end()) it->second->written_bytes.fetch_add(bytes);
}

void RegionManager::MarkAllForCheck() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, st] : regions_) st->marked_for_check = true;
}

std::vector<uint64_t> RegionManager::TakeRegionsToCheck(uint64_t threshold) {
  std::vector<uint64_t> out;
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, st] : regions_) {
    const bool marked = st->marked_for_check.exchange(false);
    if (marked || st->written_bytes.load() >= threshold) {
      st->written_bytes = 0;
      out.push_back(id);
    }
  }
  return out;
}

}  // namespace brkv::server
