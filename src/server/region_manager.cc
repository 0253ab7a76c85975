#include "server/region_manager.h"

#include <algorithm>
#include <thread>

#include <rocksdb/iterator.h>

#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "kv/keys.h"
#include "raftstore/store.h"
#include "raftstore/sync_client.h"
#include "server/local_keys.h"

namespace brkv::server {

// The store-side state of one region: its write latch and the split checker's counters. The
// region itself is the RaftStore's.
struct RegionState {
  std::mutex latch;
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

class DropTransport : public raftstore::Transport {
 public:
  void Send(std::vector<raft_serverpb::RaftMessage>) override {}
  void SendSnapshot(OutgoingSnapshot, std::function<void(bool)> done) override { done(false); }
};

raftstore::Engines EnginesOf(Engine* e) {
  raftstore::Engines g;
  g.db = e->db();
  g.cf_default = e->cf_default();
  g.cf_write = e->cf_write();
  g.cf_lock = e->cf_lock();
  g.cf_raft = e->cf_raft();
  g.sync = e->sync_writes();
  return g;
}

bool SingleVoterHere(const metapb::Region& r, uint64_t store_id) {
  int voters = 0;
  bool here = false;
  for (const auto& p : r.peers()) {
    if (p.role() == metapb::Learner) continue;
    ++voters;
    if (p.store_id() == store_id) here = true;
  }
  return voters == 1 && here;
}

const metapb::Peer* PeerById(const metapb::Region& r, uint64_t peer_id) {
  for (const auto& p : r.peers()) {
    if (p.id() == peer_id) return &p;
  }
  return nullptr;
}

bool SortByStart(const metapb::Region& a, const metapb::Region& b) {
  return a.start_key() < b.start_key();
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

RegionManager::RegionManager(Engine* engine, RegionRaftOptions o)
    : engine_(engine), raft_options_(std::move(o)), null_transport_(new DropTransport) {}

Result<std::unique_ptr<RegionManager>> RegionManager::Open(Engine* engine,
                                                           RegionRaftOptions raft_options) {
  std::unique_ptr<RegionManager> m(new RegionManager(engine, std::move(raft_options)));
  RETURN_IF_ERROR(m->Load());
  return m;
}

RegionManager::~RegionManager() {
  if (raft_) raft_->Stop();
  raft_ptr_.store(nullptr);
}

std::chrono::milliseconds RegionManager::propose_timeout() const {
  return std::chrono::milliseconds(raft_options_.propose_timeout_ms);
}

Status RegionManager::Load() {
  auto ident = engine_->Get(engine_->cf_raft(), local_keys::StoreIdentKey());
  if (ident.ok()) {
    auto decoded = DecodeStoreIdent(*ident);
    if (!decoded.ok()) return decoded.status().WithContext("store ident");
    ident_ = *decoded;
    store_id_.store(decoded->store_id, std::memory_order_release);
    std::lock_guard<std::mutex> l(raft_mu_);
    RETURN_IF_ERROR(StartRaft(decoded->store_id));
  } else if (!ident.status().IsNotFound()) {
    return ident.status();
  }
  return Status::OK();
}

Status RegionManager::StartRaft(uint64_t store_id) {
  if (raft_) return Status::OK();
  // Region states written before replication: 0x01 0x03 id -> metapb::Region.
  std::vector<metapb::Region> legacy;
  {
    const std::string upper = local_keys::RegionMetaEnd();
    rocksdb::ReadOptions ro;
    rocksdb::Slice ub(upper);
    ro.iterate_upper_bound = &ub;
    std::unique_ptr<rocksdb::Iterator> it(engine_->db()->NewIterator(ro, engine_->cf_raft()));
    for (it->Seek(local_keys::RegionMetaPrefix()); it->Valid(); it->Next()) {
      auto id = local_keys::ParseRegionStateKey(it->key().ToStringView());
      if (!id) continue;
      metapb::Region r;
      if (!r.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
          r.id() != *id) {
        return Status::Corruption("bad region state for region " + std::to_string(*id));
      }
      legacy.push_back(std::move(r));
    }
    RETURN_IF_ERROR(FromRocks(it->status()));
  }

  raftstore::StoreOptions so;
  so.store_id = store_id;
  so.engines = EnginesOf(engine_);
  so.transport = raft_options_.transport ? raft_options_.transport : null_transport_.get();
  so.election_tick = raft_options_.election_ticks;
  so.heartbeat_tick = raft_options_.heartbeat_ticks;
  so.down_after_ticks = static_cast<uint64_t>(
      std::max<int64_t>(1, raft_options_.peer_down_ms / std::max<int64_t>(1, raft_options_.tick_ms)));
  so.sst_locator = raft_options_.sst_locator;
  so.sst_ingested = raft_options_.sst_ingested;
  auto rs = raftstore::RaftStore::Open(so);
  if (!rs.ok()) return rs.status().WithContext("cannot load the store's Raft groups");
  for (const auto& r : legacy) {
    Status s = (*rs)->BootstrapRegion(r);
    if (!s.ok() && !(s.code() == Status::Code::kAlreadyExists)) {
      return s.WithContext("cannot convert " + DescribeRegion(r) + " to a Raft group");
    }
    rocksdb::WriteBatch wb;
    RETURN_IF_ERROR(FromRocks(wb.Delete(engine_->cf_raft(), local_keys::RegionStateKey(r.id()))));
    RETURN_IF_ERROR(engine_->Write(&wb));
    LOG_INFO("converted {} to a single-replica Raft group", DescribeRegion(r));
  }
  raft_ = std::move(rs).value();
  raft_->Start(std::chrono::milliseconds(std::max<int64_t>(1, raft_options_.tick_ms)));
  raft_ptr_.store(raft_.get(), std::memory_order_release);

  // Regions nobody else can lead are served as soon as the store is up.
  std::vector<uint64_t> alone;
  for (const auto& p : raft_->Peers()) {
    if (p.initialized && SingleVoterHere(p.region, store_id)) alone.push_back(p.region.id());
  }
  WaitLeaders(alone, 10000);
  return Status::OK();
}

void RegionManager::WaitLeaders(const std::vector<uint64_t>& region_ids,
                                int64_t timeout_ms) const {
  raftstore::RaftStore* rs = raft();
  if (rs == nullptr || region_ids.empty()) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t next = 0;
  while (next < region_ids.size()) {
    auto p = rs->GetPeer(region_ids[next]);
    if (!p || p->role == raft::StateRole::kLeader) {
      ++next;
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      LOG_WARN("region {} has no leader yet after {} ms", region_ids[next], timeout_ms);
      return;
    }
    // Elections take a loop turn or an election timeout; poll at a fraction of a tick.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::optional<StoreIdent> RegionManager::store_ident() const {
  std::lock_guard<std::mutex> l(mu_);
  return ident_;
}

Status RegionManager::SaveStoreIdent(const StoreIdent& ident) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (ident_ && ident_->store_id != ident.store_id) {
      return Status::InvalidArgument("data directory already belongs to store " +
                                     std::to_string(ident_->store_id));
    }
    rocksdb::WriteBatch wb;
    RETURN_IF_ERROR(FromRocks(
        wb.Put(engine_->cf_raft(), local_keys::StoreIdentKey(), EncodeStoreIdent(ident))));
    RETURN_IF_ERROR(engine_->Write(&wb));
    ident_ = ident;
    store_id_.store(ident.store_id, std::memory_order_release);
  }
  std::lock_guard<std::mutex> l(raft_mu_);
  return StartRaft(ident.store_id);
}

std::optional<metapb::Region> RegionManager::GetRegion(uint64_t region_id) const {
  raftstore::RaftStore* rs = raft();
  if (rs == nullptr) return std::nullopt;
  auto p = rs->GetPeer(region_id);
  if (!p || !p->initialized) return std::nullopt;
  return p->region;
}

std::vector<metapb::Region> RegionManager::GetAllRegions() const {
  std::vector<metapb::Region> out;
  if (raftstore::RaftStore* rs = raft()) {
    for (auto& p : rs->Peers()) {
      if (p.initialized) out.push_back(std::move(p.region));
    }
  }
  std::sort(out.begin(), out.end(), SortByStart);
  return out;
}

std::vector<metapb::Region> RegionManager::GetLedRegions() const {
  std::vector<metapb::Region> out;
  if (raftstore::RaftStore* rs = raft()) {
    for (auto& p : rs->Peers()) {
      if (p.initialized && p.role == raft::StateRole::kLeader && !p.blocked) {
        out.push_back(std::move(p.region));
      }
    }
  }
  std::sort(out.begin(), out.end(), SortByStart);
  return out;
}

size_t RegionManager::RegionCount() const { return GetAllRegions().size(); }

size_t RegionManager::LeaderCount() const { return GetLedRegions().size(); }

std::shared_ptr<RegionState> RegionManager::State(uint64_t region_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto& st = states_[region_id];
  if (!st) {
    st = std::make_shared<RegionState>();
    st->marked_for_check = true;
  }
  return st;
}

Status RegionManager::CheckContext(const kvrpcpb::Context& ctx, metapb::Region* region,
                                   errorpb::Error* err) const {
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
  raftstore::RaftStore* rs = raft();
  std::optional<raftstore::PeerInfo> p;
  if (rs != nullptr) p = rs->GetPeer(ctx.region_id());
  if (!p || !p->initialized) return FailWithRegionError(RegionNotFoundError(ctx.region_id()), err);
  if (!EpochEqual(ctx.region_epoch(), p->region.region_epoch())) {
    return FailWithRegionError(EpochNotMatchError(ctx.region_epoch(), {p->region}), err);
  }
  if (p->role != raft::StateRole::kLeader || p->blocked) {
    const metapb::Peer* leader =
        p->leader_id != p->peer_id ? PeerById(p->region, p->leader_id) : nullptr;
    return FailWithRegionError(NotLeaderError(ctx.region_id(), leader), err);
  }
  if (region != nullptr) *region = p->region;
  return Status::OK();
}

Status RegionManager::CheckRead(const kvrpcpb::Context& ctx, metapb::Region* region,
                                errorpb::Error* err) {
  RETURN_IF_ERROR(CheckContext(ctx, nullptr, err));
  metapb::Region cur;
  RETURN_IF_ERROR(raftstore::ReadIndexAndWait(raft(), ctx.region_id(), ctx.region_epoch(),
                                              propose_timeout(), err, &cur));
  if (!EpochEqual(ctx.region_epoch(), cur.region_epoch())) {
    return FailWithRegionError(EpochNotMatchError(ctx.region_epoch(), {cur}), err);
  }
  if (region != nullptr) *region = std::move(cur);
  return Status::OK();
}

Status RegionManager::CheckKeyInRegion(const metapb::Region& region, std::string_view region_key,
                                       errorpb::Error* err) {
  if (KeyInRegion(region, region_key)) return Status::OK();
  return FailWithRegionError(KeyNotInRegionError(region_key, region), err);
}

Result<RegionWriteLatch> RegionManager::LockRegion(uint64_t region_id, errorpb::Error* err) {
  raftstore::RaftStore* rs = raft();
  if (rs == nullptr || !rs->GetPeer(region_id)) {
    return FailWithRegionError(RegionNotFoundError(region_id), err);
  }
  RegionWriteLatch latch(State(region_id), region_id);  // blocks
  auto p = rs->GetPeer(region_id);
  if (!p || !p->initialized) return FailWithRegionError(RegionNotFoundError(region_id), err);
  if (p->role != raft::StateRole::kLeader || p->blocked) {
    const metapb::Peer* leader =
        p->leader_id != p->peer_id ? PeerById(p->region, p->leader_id) : nullptr;
    return FailWithRegionError(NotLeaderError(region_id, leader), err);
  }
  RETURN_IF_ERROR(raftstore::ReadIndexAndWait(rs, region_id, p->region.region_epoch(),
                                              propose_timeout(), err, &latch.region_,
                                              &latch.term_));
  return latch;
}

Status RegionManager::Propose(const RegionWriteLatch& latch, const metapb::RegionEpoch& epoch,
                              rocksdb::WriteBatch* batch, errorpb::Error* err) {
  RegionState* st = latch.state_.get();
  if (st == nullptr || !latch.lock_.owns_lock()) {
    return Status::Internal("Propose without holding the region latch");
  }
  if (!EpochEqual(epoch, latch.region_.region_epoch())) {
    return FailWithRegionError(EpochNotMatchError(epoch, {latch.region_}), err);
  }
  if (batch == nullptr || batch->Count() == 0) return Status::OK();
  FAIL_POINT("kv.before-propose");
  ASSIGN_OR_RETURN(raft_cmdpb::RaftCmdRequest req,
                   raftstore::BatchToCommand(EnginesOf(engine_), latch.region_id(), epoch, *batch));
  req.mutable_header()->set_term(latch.term_);
  RETURN_IF_ERROR(raftstore::ProposeAndWait(raft(), std::move(req), propose_timeout(), err));
  st->written_bytes.fetch_add(batch->GetDataSize(), std::memory_order_relaxed);
  return Status::OK();
}

Status RegionManager::ProposeIngest(const RegionWriteLatch& latch,
                                    const metapb::RegionEpoch& epoch,
                                    std::vector<import_sstpb::SSTMeta> ssts,
                                    const std::function<Status(const metapb::Region&)>& check,
                                    uint64_t bytes, errorpb::Error* err) {
  RegionState* st = latch.state_.get();
  if (st == nullptr || !latch.lock_.owns_lock()) {
    return Status::Internal("ProposeIngest without holding the region latch");
  }
  const metapb::Region& region = latch.region_;
  if (!EpochEqual(epoch, region.region_epoch())) {
    return FailWithRegionError(EpochNotMatchError(epoch, {region}), err);
  }
  if (check) RETURN_IF_ERROR(check(region));
  if (ssts.empty()) return Status::OK();
  FAIL_POINT("kv.before-propose");
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(region.id());
  *req.mutable_header()->mutable_region_epoch() = region.region_epoch();
  req.mutable_header()->set_term(latch.term_);
  for (auto& m : ssts) {
    m.set_region_id(region.id());
    *m.mutable_region_epoch() = region.region_epoch();
    auto* r = req.add_requests();
    r->set_cmd_type(raft_cmdpb::IngestSST);
    *r->mutable_ingest_sst()->mutable_sst() = std::move(m);
  }
  RETURN_IF_ERROR(raftstore::ProposeAndWait(raft(), std::move(req), propose_timeout(), err));
  st->written_bytes.fetch_add(bytes, std::memory_order_relaxed);
  return Status::OK();
}

Status RegionManager::AddRegion(const metapb::Region& region) {
  if (region.id() == 0) return Status::InvalidArgument("region id 0");
  if (!region.end_key().empty() && region.start_key() >= region.end_key()) {
    return Status::InvalidArgument("empty key range in " + DescribeRegion(region));
  }
  raftstore::RaftStore* rs = raft();
  if (rs == nullptr) {
    return Status::Aborted("cannot host " + DescribeRegion(region) +
                                      ": the store has no id yet");
  }
  const uint64_t me = store_id();
  bool has_me = false;
  for (const auto& p : region.peers()) has_me = has_me || p.store_id() == me;
  if (!has_me) {
    return Status::InvalidArgument(DescribeRegion(region) + " has no peer on store " +
                                   std::to_string(me));
  }
  for (const auto& p : rs->Peers()) {
    if (p.region.id() == region.id()) {
      const metapb::Region& cur = p.region;
      if (cur.start_key() == region.start_key() && cur.end_key() == region.end_key() &&
          EpochEqual(cur.region_epoch(), region.region_epoch())) {
        return Status::OK();
      }
      return Status::InvalidArgument("this store already hosts " + DescribeRegion(cur) +
                                     "; refusing " + DescribeRegion(region));
    }
    if (p.initialized && RangesOverlap(region.start_key(), region.end_key(),
                                       p.region.start_key(), p.region.end_key())) {
      return Status::InvalidArgument(DescribeRegion(region) + " overlaps hosted " +
                                     DescribeRegion(p.region));
    }
  }
  RETURN_IF_ERROR(rs->BootstrapRegion(region));
  if (SingleVoterHere(region, me)) WaitLeaders({region.id()}, 10000);
  LOG_INFO("now hosting {}", DescribeRegion(region));
  Notify({region}, false);
  return Status::OK();
}

Status RegionManager::RemoveRegionIfEmpty(uint64_t region_id, const metapb::RegionEpoch* epoch,
                                          errorpb::Error* err) {
  metapb::Region gone;
  {
    ASSIGN_OR_RETURN(RegionWriteLatch latch, LockRegion(region_id, err));
    gone = latch.region_;
    if (epoch != nullptr && !EpochEqual(*epoch, gone.region_epoch())) {
      return FailWithRegionError(EpochNotMatchError(*epoch, {gone}), err);
    }
    if (gone.peers_size() != 1) {
      return Status::Aborted(
          DescribeRegion(gone) + " has " + std::to_string(gone.peers_size()) +
          " replicas; replicated regions move by adding and removing peers");
    }
    ASSIGN_OR_RETURN(bool has_data, RangeHasData(engine_, gone.start_key(), gone.end_key()));
    if (has_data) return Status::Aborted("region is not empty");
    RETURN_IF_ERROR(raft()->DestroyRegion(region_id));
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    states_.erase(region_id);
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
    const metapb::Region cur = latch.region_;
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
      const uint64_t nid = ids[i].new_region_id();
      if (nid == 0 || nid == region_id || raft()->GetPeer(nid)) {
        return Status::InvalidArgument("split allocated region id " + std::to_string(nid) +
                                       " already in use");
      }
    }
    FAIL_POINT("kv.split.before-persist");
    raft_cmdpb::RaftCmdRequest req;
    req.mutable_header()->set_region_id(region_id);
    *req.mutable_header()->mutable_region_epoch() = cur.region_epoch();
    req.mutable_header()->set_term(latch.term_);
    auto* admin = req.mutable_admin_request();
    admin->set_cmd_type(raft_cmdpb::BatchSplit);
    for (size_t i = 0; i < split_keys.size(); ++i) {
      auto* sr = admin->mutable_splits()->add_requests();
      sr->set_split_key(split_keys[i]);
      sr->set_new_region_id(ids[i].new_region_id());
      for (uint64_t pid : ids[i].new_peer_ids()) sr->add_new_peer_ids(pid);
    }
    raft_cmdpb::RaftCmdResponse resp;
    RETURN_IF_ERROR(raftstore::ProposeAndWait(raft(), std::move(req), propose_timeout(), err, &resp));
    for (const auto& r : resp.admin_response().splits().regions()) result.push_back(r);
    std::sort(result.begin(), result.end(), SortByStart);
    if (result.size() != split_keys.size() + 1) {
      return Status::Internal("split of region " + std::to_string(region_id) + " answered with " +
                              std::to_string(result.size()) + " regions");
    }
    // Share the bytes written so far evenly so the children get checked soon if the parent was
    // about to be.
    const uint64_t share = st->written_bytes.load() / result.size();
    st->written_bytes = share;
    for (const auto& r : result) {
      if (r.id() == region_id) continue;
      auto ns = State(r.id());
      ns->written_bytes = share;
      ns->marked_for_check = st->marked_for_check.load();
    }
  }
  // The parent's leader campaigns for the new regions; give them a moment to be served.
  std::vector<uint64_t> fresh;
  for (const auto& r : result) {
    if (r.id() != region_id) fresh.push_back(r.id());
  }
  WaitLeaders(fresh, 3000);
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

Result<raftstore::RegionHash> RegionManager::ComputeHash(uint64_t region_id,
                                                        const std::string& context,
                                                        errorpb::Error* err) {
  raftstore::RaftStore* rs = raft();
  std::optional<raftstore::PeerInfo> p;
  if (rs != nullptr) p = rs->GetPeer(region_id);
  if (!p || !p->initialized) return FailWithRegionError(RegionNotFoundError(region_id), err);
  if (p->role != raft::StateRole::kLeader || p->blocked) {
    const metapb::Peer* leader =
        p->leader_id != p->peer_id ? PeerById(p->region, p->leader_id) : nullptr;
    return FailWithRegionError(NotLeaderError(region_id, leader), err);
  }
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(region_id);
  *req.mutable_header()->mutable_region_epoch() = p->region.region_epoch();
  auto* admin = req.mutable_admin_request();
  admin->set_cmd_type(raft_cmdpb::ComputeHash);
  admin->mutable_compute_hash()->set_context(context);
  RETURN_IF_ERROR(raftstore::ProposeAndWait(rs, std::move(req), propose_timeout(), err));
  return rs->WaitRegionHash(region_id, context, propose_timeout());
}

Result<raftstore::RegionHash> RegionManager::WaitHash(uint64_t region_id,
                                                     const std::string& context,
                                                     int64_t timeout_ms, errorpb::Error* err) {
  raftstore::RaftStore* rs = raft();
  if (rs == nullptr || !rs->GetPeer(region_id)) {
    return FailWithRegionError(RegionNotFoundError(region_id), err);
  }
  return rs->WaitRegionHash(region_id, context, std::chrono::milliseconds(timeout_ms));
}

void RegionManager::AddWrittenBytes(uint64_t region_id, uint64_t bytes) {
  State(region_id)->written_bytes.fetch_add(bytes);
}

void RegionManager::MarkAllForCheck() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, st] : states_) st->marked_for_check = true;
}

std::vector<uint64_t> RegionManager::TakeRegionsToCheck(uint64_t threshold) {
  std::vector<uint64_t> out;
  for (const auto& r : GetLedRegions()) {
    auto st = State(r.id());
    const bool marked = st->marked_for_check.exchange(false);
    if (marked || st->written_bytes.load() >= threshold) {
      st->written_bytes = 0;
      out.push_back(r.id());
    }
  }
  return out;
}

}  // namespace brkv::server
