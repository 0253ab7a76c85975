#include "pd/cluster.h"

#include <algorithm>
#include <random>
#include <set>

#include "common/failpoint.h"
#include "common/logging.h"

namespace brkv::pd {

namespace {

// What is persisted of a region: everything but the leader's view of its peers' health, in
// PD's own record layout (pdpb.Region is a wire message and follows kvproto's numbers).
std::string DurableBytes(const pdpb::Region& r) {
  brkvpb::RegionRecord rec;
  *rec.mutable_region() = r.region();
  *rec.mutable_leader() = r.leader();
  rec.set_approximate_size(r.approximate_size());
  rec.set_approximate_keys(r.approximate_keys());
  return rec.SerializeAsString();
}

bool ParseDurable(std::string_view bytes, pdpb::Region* r) {
  brkvpb::RegionRecord rec;
  if (!rec.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  *r->mutable_region() = std::move(*rec.mutable_region());
  *r->mutable_leader() = std::move(*rec.mutable_leader());
  r->set_approximate_size(rec.approximate_size());
  r->set_approximate_keys(rec.approximate_keys());
  return true;
}

const char* StateName(metapb::StoreState s) {
  switch (s) {
    case metapb::Up: return "Up";
    case metapb::Offline: return "Offline";
    case metapb::Tombstone: return "Tombstone";
    default: return "Unknown";
  }
}

}  // namespace

Result<uint64_t> LoadOrCreateClusterId(PdStorage* storage, Clock* clock) {
  ASSIGN_OR_RETURN(std::optional<uint64_t> id, storage->GetU64(keys::kClusterId));
  if (id && *id != 0) return *id;
  std::random_device rd;
  uint64_t rnd = (static_cast<uint64_t>(rd()) ^ (static_cast<uint64_t>(rd()) << 16)) & 0xffffffff;
  uint64_t secs = static_cast<uint64_t>(clock->NowMs() / 1000);
  uint64_t new_id = (secs << 32) | rnd;
  if (new_id == 0) new_id = 1;
  RETURN_IF_ERROR(storage->PutU64(keys::kClusterId, new_id).WithContext("persist cluster id"));
  LOG_INFO("created cluster id {}", new_id);
  return new_id;
}

Result<std::unique_ptr<Cluster>> Cluster::Open(PdStorage* storage, IdAllocator* ids, Clock* clock,
                                               ClusterOptions options) {
  std::unique_ptr<Cluster> c(new Cluster(storage, ids, clock, options));
  std::lock_guard<std::mutex> lock(c->mu_);
  c->stores_.set_down_threshold_ms(options.store_down_ms);
  RETURN_IF_ERROR(c->LoadLocked());
  return c;
}

Status Cluster::LoadLocked() {
  ASSIGN_OR_RETURN(std::optional<std::string> meta, storage_->Get(keys::kCluster));
  bootstrapped_ = meta.has_value();
  int64_t now = clock_->NowMs();
  Status decode;
  RETURN_IF_ERROR(storage_->Scan(keys::kStorePrefix, [&](std::string_view k, std::string_view v) {
    metapb::Store s;
    if (!s.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      decode = Status::Corruption("cannot parse " + std::string(k));
      return false;
    }
    stores_.Load(s, now);
    return true;
  }));
  RETURN_IF_ERROR(decode);
  RETURN_IF_ERROR(storage_->Scan(keys::kRegionPrefix, [&](std::string_view k, std::string_view v) {
    pdpb::Region r;
    if (!ParseDurable(v, &r)) {
      decode = Status::Corruption("cannot parse " + std::string(k));
      return false;
    }
    auto res = regions_.Put(std::move(r));
    if (!res.ok()) LOG_WARN("skip persisted region {}: {}", k, res.status().ToString());
    return true;
  }));
  RETURN_IF_ERROR(decode);
  LOG_INFO("cluster {}: bootstrapped={}, {} stores, {} regions loaded", options_.cluster_id,
           bootstrapped_, stores_.Ids().size(), regions_.size());
  return Status::OK();
}

bool Cluster::IsBootstrapped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bootstrapped_;
}

Status Cluster::Bootstrap(const metapb::Store& store, const metapb::Region& region) {
  std::lock_guard<std::mutex> lock(mu_);
  if (bootstrapped_) {
    return Status::AlreadyExists("cluster " + std::to_string(options_.cluster_id) +
                                 " is already bootstrapped");
  }
  if (store.id() == 0 || store.address().empty()) {
    return Status::InvalidArgument("bootstrap store needs an id and an address");
  }
  if (region.id() == 0 || region.peers_size() == 0) {
    return Status::InvalidArgument("bootstrap region needs an id and a peer");
  }
  if (!region.start_key().empty() || !region.end_key().empty()) {
    return Status::InvalidArgument("bootstrap region must cover the whole key space");
  }
  uint64_t max_id = std::max(store.id(), region.id());
  const metapb::Peer* leader = nullptr;
  for (const auto& p : region.peers()) {
    max_id = std::max(max_id, p.id());
    if (p.store_id() == store.id()) leader = &p;
  }
  if (leader == nullptr) {
    return Status::InvalidArgument("bootstrap region has no peer on store " +
                                   std::to_string(store.id()));
  }
  FAIL_POINT("pd.cluster.bootstrap");
  RETURN_IF_ERROR(ids_->Rebase(max_id));

  int64_t now = clock_->NowMs();
  StoreTable stores = stores_;
  ASSIGN_OR_RETURN(metapb::Store stored, stores.Put(store, now));
  pdpb::Region item;
  *item.mutable_region() = region;
  *item.mutable_leader() = *leader;
  metapb::Cluster meta;
  meta.set_id(options_.cluster_id);
  meta.set_max_peer_count(1);

  StorageBatch batch;
  batch.Put(keys::StoreKey(store.id()), stored.SerializeAsString());
  batch.Put(keys::RegionKey(region.id()), DurableBytes(item));
  batch.Put(std::string(keys::kCluster), meta.SerializeAsString());
  RETURN_IF_ERROR(storage_->Write(batch).WithContext("persist bootstrap"));
  stores_ = std::move(stores);
  auto res = regions_.Put(item);
  if (!res.ok()) return res.status();
  bootstrapped_ = true;
  LOG_INFO("cluster {} bootstrapped by store {} ({}) with region {}", options_.cluster_id,
           store.id(), store.address(), region.id());
  return Status::OK();
}

Status Cluster::PutStore(const metapb::Store& store) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_->NowMs();
  StoreTable stores = stores_;
  bool known = stores.Get(store.id()) != nullptr;
  ASSIGN_OR_RETURN(metapb::Store stored, stores.Put(store, now));
  RETURN_IF_ERROR(storage_->Put(keys::StoreKey(store.id()), stored.SerializeAsString())
                      .WithContext("persist store"));
  stores_ = std::move(stores);
  LOG_INFO("store {} {} at {}", store.id(), known ? "updated" : "registered", store.address());
  return Status::OK();
}

Status Cluster::StoreHeartbeat(const pdpb::StoreStats& stats) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_->NowMs();
  bool was_down = stores_.Get(stats.store_id()) != nullptr && stores_.IsDown(stats.store_id(), now);
  RETURN_IF_ERROR(stores_.Heartbeat(stats, now));
  if (was_down) LOG_INFO("store {} is up again", stats.store_id());
  return Status::OK();
}

brkvpb::StoreInfo Cluster::InfoLocked(uint64_t id, int64_t now) const {
  brkvpb::StoreInfo info = stores_.Info(id, now);
  auto counts = regions_.LeaderCountByStore();
  auto it = counts.find(id);
  info.set_region_count(it == counts.end() ? 0 : it->second);
  auto peers = regions_.PeerCountByStore();
  auto pit = peers.find(id);
  info.set_peer_count(pit == peers.end() ? 0 : pit->second);
  return info;
}

Result<brkvpb::StoreInfo> Cluster::GetStore(uint64_t store_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (stores_.Get(store_id) == nullptr) {
    return Status::NotFound("store " + std::to_string(store_id) + " not found");
  }
  return InfoLocked(store_id, clock_->NowMs());
}

std::vector<brkvpb::StoreInfo> Cluster::GetAllStores(bool exclude_tombstone) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_->NowMs();
  std::vector<brkvpb::StoreInfo> out;
  for (uint64_t id : stores_.Ids()) {
    brkvpb::StoreInfo info = InfoLocked(id, now);
    if (exclude_tombstone && info.store().state() == metapb::Tombstone) continue;
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::string> Cluster::ServingStoreAddress(uint64_t store_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const metapb::Store* s = stores_.Get(store_id);
  if (s == nullptr) return Status::NotFound("store " + std::to_string(store_id) + " not found");
  if (!stores_.IsServing(store_id, clock_->NowMs())) {
    return Status::Unavailable("store " + std::to_string(store_id) + " (" + s->address() +
                               ") is down or not up");
  }
  return s->address();
}

std::vector<std::pair<uint64_t, uint32_t>> Cluster::ServingStoreLoads() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_->NowMs();
  auto counts = regions_.LeaderCountByStore();
  std::vector<std::pair<uint64_t, uint32_t>> out;
  for (uint64_t id : stores_.Ids()) {
    if (!stores_.IsServing(id, now)) continue;
    auto it = counts.find(id);
    out.emplace_back(id, it == counts.end() ? 0 : it->second);
  }
  return out;
}

std::vector<uint64_t> Cluster::DownStores() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_->NowMs();
  std::vector<uint64_t> out;
  for (uint64_t id : stores_.Ids()) {
    const metapb::Store* s = stores_.Get(id);
    if (s->state() != metapb::Tombstone && stores_.IsDown(id, now)) out.push_back(id);
  }
  return out;
}

std::vector<StoreView> Cluster::StoreViews() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_->NowMs();
  auto leaders = regions_.LeaderCountByStore();
  auto peers = regions_.PeerCountByStore();
  std::vector<StoreView> out;
  for (uint64_t id : stores_.Ids()) {
    const metapb::Store* s = stores_.Get(id);
    StoreView v;
    v.id = id;
    v.up = !stores_.IsDown(id, now);
    v.down_ms = v.up ? 0 : stores_.SinceLastSeenMs(id, now);
    v.offline = s->state() == metapb::Offline;
    v.tombstone = s->state() == metapb::Tombstone;
    auto p = peers.find(id);
    v.region_count = p == peers.end() ? 0 : p->second;
    auto l = leaders.find(id);
    v.leader_count = l == leaders.end() ? 0 : l->second;
    out.push_back(v);
  }
  return out;
}

Result<metapb::Store> Cluster::SetStoreState(uint64_t store_id, metapb::StoreState state) {
  std::lock_guard<std::mutex> lock(mu_);
  const metapb::Store* cur = stores_.Get(store_id);
  const std::string name = "store " + std::to_string(store_id);
  if (cur == nullptr) return Status::NotFound(name + " not found");
  if (cur->state() == state) return *cur;
  if (cur->state() == metapb::Tombstone) return Status::Aborted(name + " is already a tombstone");
  bool allowed = (cur->state() == metapb::Up && state == metapb::Offline) ||
                 (cur->state() == metapb::Offline &&
                  (state == metapb::Up || state == metapb::Tombstone));
  if (!allowed) {
    return Status::InvalidArgument(name + " cannot go from " + StateName(cur->state()) + " to " +
                                   StateName(state));
  }
  if (state == metapb::Tombstone) {
    auto peers = regions_.PeerCountByStore();
    auto it = peers.find(store_id);
    if (it != peers.end() && it->second > 0) {
      return Status::Aborted(name + " still holds " + std::to_string(it->second) + " replicas");
    }
  }
  const metapb::StoreState was = cur->state();
  StoreTable stores = stores_;
  ASSIGN_OR_RETURN(metapb::Store updated, stores.SetState(store_id, state));
  RETURN_IF_ERROR(storage_->Put(keys::StoreKey(store_id), updated.SerializeAsString())
                      .WithContext("persist store state"));
  stores_ = std::move(stores);
  LOG_INFO("{} is now {} (was {})", name, StateName(state), StateName(was));
  return updated;
}

Status Cluster::ApplyRegionLocked(const pdpb::Region& item, StorageBatch* batch) {
  ASSIGN_OR_RETURN(RegionTable::PutResult res, regions_.Put(item));
  for (uint64_t id : res.removed) {
    batch->Delete(keys::RegionKey(id));
    LOG_INFO("region {} replaced by region {}", id, item.region().id());
  }
  if (res.meta_changed) {
    // Persist what the table now holds (it may have defaulted the leader).
    const pdpb::Region* stored = regions_.GetById(item.region().id());
    batch->Put(keys::RegionKey(item.region().id()), DurableBytes(*stored));
  }
  return Status::OK();
}

Status Cluster::RegionHeartbeat(const pdpb::Region& item) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!bootstrapped_) return Status::Unavailable("cluster is not bootstrapped");
  StorageBatch batch;
  RETURN_IF_ERROR(ApplyRegionLocked(item, &batch));
  return storage_->Write(batch).WithContext("persist region");
}

Result<pdpb::Region> Cluster::GetRegionByKey(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  const pdpb::Region* r = regions_.GetByKey(key);
  if (r == nullptr) return Status::NotFound("no region contains the key");
  return *r;
}

Result<pdpb::Region> Cluster::GetRegionById(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const pdpb::Region* r = regions_.GetById(id);
  if (r == nullptr) return Status::NotFound("region " + std::to_string(id) + " not found");
  return *r;
}

uint64_t Cluster::LeaderStoreOf(uint64_t region_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const pdpb::Region* r = regions_.GetById(region_id);
  return r == nullptr ? 0 : r->leader().store_id();
}

std::vector<pdpb::Region> Cluster::ScanRegions(const std::string& start, const std::string& end,
                                               int limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  return regions_.Scan(start, end, limit);
}

Result<std::vector<pdpb::SplitID>> Cluster::AskBatchSplit(const metapb::Region& region,
                                                         uint32_t count) {
  if (count == 0) return Status::InvalidArgument("split count must be > 0");
  if (count > 100000) return Status::InvalidArgument("split count too large");
  {
    std::lock_guard<std::mutex> lock(mu_);
    const pdpb::Region* known = regions_.GetById(region.id());
    if (known != nullptr) {
      const auto& mine = known->region().region_epoch();
      const auto& theirs = region.region_epoch();
      if (theirs.version() < mine.version() || theirs.conf_ver() < mine.conf_ver()) {
        return Status::Aborted("AskBatchSplit: region " + std::to_string(region.id()) +
                               " epoch is stale");
      }
    }
  }
  uint64_t peers = std::max(1, region.peers_size());
  ASSIGN_OR_RETURN(uint64_t first, ids_->AllocN(count * (1 + peers)));
  std::vector<pdpb::SplitID> out;
  out.reserve(count);
  uint64_t next = first;
  for (uint32_t i = 0; i < count; ++i) {
    pdpb::SplitID id;
    id.set_new_region_id(next++);
    for (uint64_t p = 0; p < peers; ++p) id.add_new_peer_ids(next++);
    out.push_back(std::move(id));
  }
  return out;
}

Status Cluster::ReportBatchSplit(const std::vector<metapb::Region>& regions) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!bootstrapped_) return Status::Unavailable("cluster is not bootstrapped");
  // Leader store of each new region: the store that led the region it came from.
  std::vector<pdpb::Region> items;
  for (const auto& r : regions) {
    pdpb::Region item;
    *item.mutable_region() = r;
    const pdpb::Region* parent = regions_.GetByKey(r.start_key());
    if (parent == nullptr) parent = regions_.GetById(r.id());
    uint64_t leader_store = parent ? parent->leader().store_id() : 0;
    for (const auto& p : r.peers()) {
      if (p.store_id() == leader_store) *item.mutable_leader() = p;
    }
    items.push_back(std::move(item));
  }
  StorageBatch batch;
  std::set<uint64_t> touched;
  for (const auto& item : items) {
    auto res = regions_.Put(item);
    if (!res.ok()) {
      LOG_INFO("ReportBatchSplit: skip region {}: {}", item.region().id(), res.status().ToString());
      continue;
    }
    touched.insert(item.region().id());
    for (uint64_t id : res->removed) touched.insert(id);
  }
  // Persist the final state of every touched id (a region may be displaced then re-added).
  for (uint64_t id : touched) {
    const pdpb::Region* r = regions_.GetById(id);
    if (r == nullptr) {
      batch.Delete(keys::RegionKey(id));
    } else {
      batch.Put(keys::RegionKey(id), DurableBytes(*r));
    }
  }
  LOG_INFO("split reported: {} regions", regions.size());
  return storage_->Write(batch).WithContext("persist split");
}

Result<metapb::Region> Cluster::CommitMove(uint64_t region_id,
                                           const metapb::RegionEpoch& expected_epoch,
                                           uint64_t target_store) {
  std::lock_guard<std::mutex> lock(mu_);
  const pdpb::Region* cur = regions_.GetById(region_id);
  if (cur == nullptr) return Status::NotFound("region " + std::to_string(region_id) + " is gone");
  if (EpochChanged(cur->region().region_epoch(), expected_epoch)) {
    return Status::Aborted("region " + std::to_string(region_id) + " changed while moving");
  }
  ASSIGN_OR_RETURN(uint64_t peer_id, ids_->Alloc());
  pdpb::Region item = *cur;
  metapb::Region* r = item.mutable_region();
  r->clear_peers();
  metapb::Peer* peer = r->add_peers();
  peer->set_id(peer_id);
  peer->set_store_id(target_store);
  r->mutable_region_epoch()->set_conf_ver(r->region_epoch().conf_ver() + 1);
  *item.mutable_leader() = *peer;
  StorageBatch batch;
  RETURN_IF_ERROR(ApplyRegionLocked(item, &batch));
  RETURN_IF_ERROR(storage_->Write(batch).WithContext("persist region move"));
  return *r;
}

}  // namespace brkv::pd
