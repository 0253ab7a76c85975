#include "raftstore/store.h"

#include <algorithm>

#include "common/failpoint.h"
#include "common/logging.h"
#include "kv/keys.h"
#include "raftstore/raft_keys.h"
#include "raftstore/region_util.h"
#include "raftstore/snapshot.h"

namespace brkv::raftstore {

namespace {

// A leader transfer to a follower more entries behind than this is refused (TiKV's default).
constexpr uint64_t kLeaderTransferMaxLogLag = 128;

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  return Status::IOError(what + ": " + s.ToString());
}

raft_cmdpb::RaftCmdResponse ErrResp(const errorpb::Error& e) {
  raft_cmdpb::RaftCmdResponse r;
  *r.mutable_header()->mutable_error() = e;
  return r;
}

// Messages that may create a replica on a store that has none (the leader reaching a new peer).
bool MayCreatePeer(eraftpb::MessageType t) {
  return t == eraftpb::MsgAppend || t == eraftpb::MsgHeartbeat || t == eraftpb::MsgSnapshot ||
         t == eraftpb::MsgRequestVote || t == eraftpb::MsgRequestPreVote;
}

bool RangesOverlap(const metapb::Region& a, const metapb::Region& b) {
  bool a_before_b = !a.end_key().empty() && a.end_key() <= b.start_key();
  bool b_before_a = !b.end_key().empty() && b.end_key() <= a.start_key();
  return !a_before_b && !b_before_a;
}

}  // namespace

RaftStore::RaftStore(const StoreOptions& o)
    : opts_(o),
      snap_dir_(o.snap_dir.empty() ? o.engines.db->GetName() + "/snap" : o.snap_dir),
      checker_(std::make_unique<ConsistencyChecker>(o.engines)) {
  report_sink_->store = this;
}

RaftStore::~RaftStore() {
  {
    std::lock_guard<std::mutex> l(report_sink_->mu);
    report_sink_->store = nullptr;
  }
  Stop();
}

void RaftStore::SendSnapshot(const Peer& p, raft_serverpb::RaftMessage rm) {
  Transport::OutgoingSnapshot out;
  raft_serverpb::RaftSnapshotData data;
  const auto& md = rm.message().snapshot().metadata();
  if (data.ParseFromString(rm.message().snapshot().data())) {
    out.files = SnapshotFilePaths(snap_dir_, true, SnapKey{p.region_id(), md.term(), md.index()},
                                  data.meta());
  }
  const uint64_t rid = p.region_id();
  const uint64_t to = rm.message().to();
  out.msg = std::move(rm);
  stats_.messages_sent++;
  opts_.transport->SendSnapshot(std::move(out), [sink = report_sink_, rid, to](bool delivered) {
    std::lock_guard<std::mutex> l(sink->mu);
    if (sink->store != nullptr) sink->store->ReportSnapshot(rid, to, delivered);
  });
}

Result<std::unique_ptr<RaftStore>> RaftStore::Open(const StoreOptions& options) {
  if (options.store_id == 0) return Status::InvalidArgument("raftstore: store id must be set");
  if (!options.engines.db || !options.engines.cf_raft || !options.transport) {
    return Status::InvalidArgument("raftstore: engines and transport are required");
  }
  std::unique_ptr<RaftStore> s(new RaftStore(options));
  RETURN_IF_ERROR(s->LoadPeers());
  return s;
}

Status RaftStore::LoadPeers() {
  const Engines& e = opts_.engines;
  rocksdb::ReadOptions ro;
  std::string upper = keys::RegionMetaMax();
  rocksdb::Slice ub(upper);
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it(e.db->NewIterator(ro, e.cf_raft));
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Peer*> applying;
  for (it->Seek(keys::RegionMetaMin()); it->Valid(); it->Next()) {
    if (it->key().size() != keys::RegionStateKey(0).size()) continue;  // not a region state
    raft_serverpb::RegionLocalState st;
    if (!st.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Status::Corruption("region state under key " + it->key().ToString(true) +
                                " does not parse");
    }
    const metapb::Peer* me = FindPeerOnStore(st.region(), opts_.store_id);
    if (st.state() == raft_serverpb::Tombstone || me == nullptr) {
      tombstones_[st.region().id()] = Tombstone{me ? me->id() : 0, st.region()};
      continue;
    }
    auto p = CreatePeer(st.region(), me->id(), /*bootstrap_state=*/false);
    if (!p.ok()) return p.status();
    if (st.state() == raft_serverpb::Applying) applying.push_back(*p);
    MaybeCampaignAlone(*p);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scan region states"));
  // Snapshot files: only those of a snapshot still being installed are worth keeping.
  std::vector<uint64_t> keep;
  for (Peer* p : applying) keep.push_back(p->region_id());
  RemoveSnapshotFilesExcept(snap_dir_, keep);
  for (Peer* p : applying) RETURN_IF_ERROR(RecoverSnapshot(p));
  return Status::OK();
}

Result<Peer*> RaftStore::CreatePeer(const metapb::Region& region, uint64_t peer_id,
                                    bool bootstrap_state) {
  auto p = std::make_unique<Peer>();
  p->region = region;
  if (const metapb::Peer* me = FindPeer(region, peer_id)) {
    p->meta = *me;
  } else {
    p->meta.set_id(peer_id);
    p->meta.set_store_id(opts_.store_id);
  }
  if (bootstrap_state) {
    rocksdb::WriteBatch wb;
    PeerStorage::BootstrapToBatch(region.id(), &wb, opts_.engines.cf_raft);
    PutRegionState(region, raft_serverpb::Normal, &wb);
    rocksdb::WriteOptions wo;
    wo.sync = opts_.engines.sync;
    RETURN_IF_ERROR(FromRocks(opts_.engines.db->Write(wo, &wb), "bootstrap region"));
  }
  ASSIGN_OR_RETURN(p->storage, PeerStorage::Open(opts_.engines.db, opts_.engines.cf_raft,
                                                 region.id(), ConfStateFromRegion(region)));
  raft::Config c;
  c.id = peer_id;
  c.election_tick = opts_.election_tick;
  c.heartbeat_tick = opts_.heartbeat_tick;
  c.max_size_per_msg = opts_.max_size_per_msg;
  c.max_inflight_msgs = opts_.max_inflight_msgs;
  c.applied = p->storage->applied_index();
  c.rand_seed = peer_id * 0x9E3779B97F4A7C15ULL + opts_.store_id;
  ASSIGN_OR_RETURN(p->raft, raft::RawNode::Create(c, p->storage.get()));
  Peer* raw = p.get();
  InstallSnapshotGenerator(raw);
  peers_[region.id()] = std::move(p);
  return raw;
}

Status RaftStore::BootstrapRegion(const metapb::Region& region) {
  std::lock_guard<std::mutex> l(mu_);
  if (peers_.count(region.id())) {
    return Status::AlreadyExists("region " + std::to_string(region.id()) + " is already hosted");
  }
  const metapb::Peer* me = FindPeerOnStore(region, opts_.store_id);
  if (!me) return Status::InvalidArgument("region has no peer on this store");
  auto p = CreatePeer(region, me->id(), /*bootstrap_state=*/true);
  if (!p.ok()) return p.status();
  tombstones_.erase(region.id());
  MaybeCampaignAlone(*p);
  inbox_cv_.notify_one();
  return Status::OK();
}

void RaftStore::MaybeCampaignAlone(Peer* p) {
  // The only voter need not wait out an election timeout: nobody else can lead.
  int voters = 0;
  bool me_voter = false;
  for (const auto& peer : p->region.peers()) {
    if (peer.role() == metapb::Learner) continue;
    ++voters;
    if (peer.id() == p->id()) me_voter = true;
  }
  if (voters == 1 && me_voter && p->initialized()) p->raft->Campaign();
}

Status RaftStore::DestroyRegion(uint64_t region_id) {
  Deferred d;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!peers_.count(region_id)) {
      return Status::NotFound("region " + std::to_string(region_id) + " is not hosted");
    }
    DestroyPeer(region_id, &d);
  }
  for (auto& f : d) f();
  return Status::OK();
}

void RaftStore::PutRegionState(const metapb::Region& region, raft_serverpb::PeerState state,
                               rocksdb::WriteBatch* wb) {
  raft_serverpb::RegionLocalState st;
  st.set_state(state);
  *st.mutable_region() = region;
  wb->Put(opts_.engines.cf_raft, keys::RegionStateKey(region.id()), st.SerializeAsString());
}

void RaftStore::Step(raft_serverpb::RaftMessage msg) {
  std::lock_guard<std::mutex> l(inbox_mu_);
  inbox_.msgs.push_back(std::move(msg));
  inbox_cv_.notify_one();
}

void RaftStore::Propose(raft_cmdpb::RaftCmdRequest req, ProposeCallback cb) {
  std::lock_guard<std::mutex> l(inbox_mu_);
  inbox_.proposals.emplace_back(std::move(req), std::move(cb));
  inbox_cv_.notify_one();
}

void RaftStore::Read(uint64_t region_id, const metapb::RegionEpoch& epoch, ReadCallback cb) {
  std::lock_guard<std::mutex> l(inbox_mu_);
  inbox_.reads.push_back({region_id, epoch, std::move(cb)});
  inbox_cv_.notify_one();
}

void RaftStore::ReportSnapshot(uint64_t region_id, uint64_t to_peer_id, bool delivered) {
  std::lock_guard<std::mutex> l(inbox_mu_);
  inbox_.snapshot_reports.push_back({region_id, to_peer_id, delivered});
  inbox_cv_.notify_one();
}

void RaftStore::Tick() {
  std::lock_guard<std::mutex> l(inbox_mu_);
  inbox_.ticks++;
  inbox_cv_.notify_one();
}

std::optional<PeerInfo> RaftStore::GetPeer(uint64_t region_id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = peers_.find(region_id);
  if (it == peers_.end()) return std::nullopt;
  return InfoLocked(*it->second);
}

PeerInfo RaftStore::InfoLocked(const Peer& p) const {
  PeerInfo i;
  i.region = p.region;
  i.peer_id = p.id();
  const auto& r = p.raft->raft();
  i.leader_id = r.lead();
  i.role = r.state();
  i.term = r.term();
  i.commit = r.raft_log().committed();
  i.applied = p.storage->applied_index();
  i.last_index = r.raft_log().LastIndex();
  i.first_index = p.storage->FirstIndex();
  i.initialized = p.initialized();
  i.blocked = p.blocked();
  if (r.state() == raft::StateRole::kLeader) {
    for (const auto& peer : p.region.peers()) {
      if (peer.id() == p.id()) continue;
      auto heard = p.last_heard.find(peer.id());
      // Never heard since this replica started leading counts from the store's first tick.
      uint64_t since = heard == p.last_heard.end() ? 0 : heard->second;
      if (ticks_ - since >= opts_.down_after_ticks) i.down_peers.emplace_back(peer, ticks_ - since);
      const raft::Progress* pr = r.prs().Get(peer.id());
      if (pr && (pr->state == raft::ProgressState::kSnapshot ||
                 pr->match + 1 < p.storage->FirstIndex())) {
        i.pending_peers.push_back(peer);
      }
    }
  }
  return i;
}

StoreStats RaftStore::stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

std::vector<PeerInfo> RaftStore::Peers() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<PeerInfo> out;
  out.reserve(peers_.size());
  for (auto& [id, p] : peers_) out.push_back(InfoLocked(*p));
  return out;
}

raft_serverpb::RaftMessage RaftStore::Wrap(const Peer& p, const eraftpb::Message& m,
                                           bool* ok) const {
  raft_serverpb::RaftMessage rm;
  rm.set_region_id(p.region_id());
  *rm.mutable_from_peer() = p.meta;
  const metapb::Peer* to = p.Lookup(m.to());
  *ok = to != nullptr;
  if (to) *rm.mutable_to_peer() = *to;
  *rm.mutable_region_epoch() = p.region.region_epoch();
  rm.set_start_key(p.region.start_key());
  rm.set_end_key(p.region.end_key());
  *rm.mutable_message() = m;
  return rm;
}

void RaftStore::SendTombstone(const Peer& p, const metapb::Peer& to) {
  SendTombstone(p.region, p.meta, to);
}

void RaftStore::SendTombstone(const metapb::Region& region, const metapb::Peer& from,
                              const metapb::Peer& to) {
  raft_serverpb::RaftMessage rm;
  rm.set_region_id(region.id());
  *rm.mutable_from_peer() = from;
  *rm.mutable_to_peer() = to;
  *rm.mutable_region_epoch() = region.region_epoch();
  rm.set_is_tombstone(true);
  std::vector<raft_serverpb::RaftMessage> v;
  v.push_back(std::move(rm));
  opts_.transport->Send(std::move(v));
}

void RaftStore::FailAll(Peer* p, const errorpb::Error& e, Deferred* d) {
  for (auto& pr : p->proposals) {
    auto cb = std::move(pr.cb);
    d->push_back([cb, e]() { cb(ErrResp(e)); });
  }
  p->proposals.clear();
  for (auto& r : p->reads) {
    auto cb = std::move(r.cb);
    metapb::Region region = p->region;
    d->push_back([cb, e, region]() { cb(&e, region, 0); });
  }
  p->reads.clear();
}

void RaftStore::DestroyPeer(uint64_t region_id, Deferred* d) {
  auto it = peers_.find(region_id);
  if (it == peers_.end()) return;
  Peer* p = it->second.get();
  FailAll(p, RegionNotFoundErr(region_id), d);
  rocksdb::WriteBatch wb;
  bool initialized = p->initialized();
  p->storage->ClearToBatch(&wb);
  PutRegionState(p->region, raft_serverpb::Tombstone, &wb);
  if (initialized) {
    // The data now belongs to the replicas that remain; drop this store's copy unless another
    // local region covers the same keys (it cannot, ranges are disjoint, but be safe).
    bool overlap = false;
    for (auto& [id, other] : peers_) {
      if (id != region_id && other->initialized() && RangesOverlap(other->region, p->region)) {
        overlap = true;
      }
    }
    if (!overlap) {
      auto [lo, hi] = DataRange(p->region);
      const Engines& e = opts_.engines;
      for (auto* cf : {e.cf_default, e.cf_write, e.cf_lock}) wb.DeleteRange(cf, lo, hi);
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = opts_.engines.sync;
  auto s = opts_.engines.db->Write(wo, &wb);
  if (!s.ok()) {
    LOG_ERROR("raftstore: destroying region {} failed: {}", region_id, s.ToString());
  }
  LOG_INFO("raftstore: store {} destroyed its replica (peer {}) of region {}", opts_.store_id,
           p->id(), region_id);
  tombstones_[region_id] = Tombstone{p->id(), p->region};
  peers_.erase(it);
  RemoveSnapshotFiles(snap_dir_, "gen_", region_id);
  RemoveSnapshotFiles(snap_dir_, "rev_", region_id);
}

void RaftStore::MaybeTellStaleSender(const raft_serverpb::RaftMessage& msg, const Tombstone& t) {
  // Peer ids are never reused: a sender missing from the membership this replica had when it
  // was destroyed, and knowing an older one, was removed before that.
  if (t.region.region_epoch().conf_ver() == 0) return;  // nothing known of the region
  if (msg.region_epoch().conf_ver() >= t.region.region_epoch().conf_ver()) return;
  if (FindPeer(t.region, msg.from_peer().id()) != nullptr) return;
  SendTombstone(t.region, msg.to_peer(), msg.from_peer());
}

void RaftStore::HandleMessage(raft_serverpb::RaftMessage& msg, Deferred* d) {
  if (msg.to_peer().store_id() != opts_.store_id) return;
  uint64_t rid = msg.region_id();
  auto tomb = tombstones_.find(rid);
  auto it = peers_.find(rid);
  if (msg.is_tombstone()) {
    // The sender says this replica was removed from the region.
    if (it != peers_.end() && it->second->id() == msg.to_peer().id() &&
        (!it->second->initialized() ||
         it->second->region.region_epoch().conf_ver() < msg.region_epoch().conf_ver())) {
      DestroyPeer(rid, d);
    }
    return;
  }
  if (it != peers_.end()) {
    Peer* p = it->second.get();
    if (msg.to_peer().id() < p->id()) return;  // to an older replica of this region: stale
    if (msg.to_peer().id() > p->id()) {
      // The region was given a new replica here: ours was removed and must go.
      DestroyPeer(rid, d);
      it = peers_.end();
    }
  }
  if (it == peers_.end()) {
    if (tomb != tombstones_.end() && msg.to_peer().id() <= tomb->second.peer_id) {
      MaybeTellStaleSender(msg, tomb->second);
      return;
    }
    if (!MayCreatePeer(msg.message().msg_type())) return;
    // An uninitialized replica: no range, no data, no membership until a snapshot arrives.
    metapb::Region region;
    region.set_id(rid);
    auto p = CreatePeer(region, msg.to_peer().id(), /*bootstrap_state=*/false);
    if (!p.ok()) {
      LOG_WARN("raftstore: cannot create replica of region {}: {}", rid, p.status().ToString());
      return;
    }
    it = peers_.find(rid);
  }
  Peer* p = it->second.get();
  // A message from a replica that is no longer in the (newer) region: tell it to go away.
  if (p->initialized() && !FindPeer(p->region, msg.from_peer().id()) &&
      msg.region_epoch().conf_ver() < p->region.region_epoch().conf_ver()) {
    SendTombstone(*p, msg.from_peer());
    return;
  }
  if (msg.message().msg_type() == eraftpb::MsgSnapshot) {
    raft_serverpb::RaftSnapshotData data;
    if (!data.ParseFromString(msg.message().snapshot().data())) return;
    const auto& md = msg.message().snapshot().metadata();
    Status files = CheckReceivedFiles(snap_dir_, SnapKey{rid, md.term(), md.index()}, data.meta());
    if (!files.ok()) {
      LOG_WARN("raftstore: store {} drops a snapshot of region {}: {}", opts_.store_id, rid,
               files.ToString());
      return;
    }
    // A snapshot must not cover keys another local replica owns (e.g. a split this replica
    // has not applied yet is already known here through the new region).
    for (auto& [id, other] : peers_) {
      if (id != rid && other->initialized() && RangesOverlap(other->region, data.region())) {
        return;
      }
    }
  }
  p->peer_cache[msg.from_peer().id()] = msg.from_peer();
  p->last_heard[msg.from_peer().id()] = ticks_;
  (void)p->raft->Step(msg.message());
}

void RaftStore::HandlePropose(raft_cmdpb::RaftCmdRequest& req, ProposeCallback& cb, Deferred* d) {
  auto fail = [&](const errorpb::Error& e) {
    auto c = std::move(cb);
    d->push_back([c, e]() { c(ErrResp(e)); });
  };
  uint64_t rid = req.header().region_id();
  auto it = peers_.find(rid);
  if (it == peers_.end()) return fail(RegionNotFoundErr(rid));
  Peer* p = it->second.get();
  if (!p->IsLeader()) return fail(NotLeaderErr(rid, p->Leader()));
  if (p->blocked()) return fail(StaleCommandErr("the leader is waiting for an SST to ingest"));
  if (!EpochMatches(req, p->region)) return fail(EpochNotMatchErr(p->region));
  if (req.header().term() != 0 && req.header().term() != p->raft->raft().term()) {
    // The caller read the engine as of a read granted in another term: another leader may
    // have committed writes since that this replica has not applied.
    return fail(StaleCommandErr("the leader's term changed since the command's reads"));
  }
  for (const auto& r : req.requests()) {
    if (r.cmd_type() == raft_cmdpb::IngestSST) {
      // BR's order: the file was downloaded to every replica's store first; the leader checks
      // its own copy before proposing (a missing one means: download again).
      Status s = CheckIngestMeta(*p, r.ingest_sst().sst());
      if (!s.ok()) {
        return fail(s.message() == "epoch not match" ? EpochNotMatchErr(p->region)
                                                     : StaleCommandErr(s.message()));
      }
      if (!opts_.sst_locator || !opts_.sst_locator(r.ingest_sst().sst()).ok()) {
        return fail(StaleCommandErr("the SST to ingest is not on the leader's store"));
      }
    }
    const std::string* key = nullptr;
    if (r.has_put()) key = &r.put().key();
    if (r.has_delete_()) key = &r.delete_().key();
    if (key && !KeyInRegion(p->region, *key)) return fail(KeyNotInRegionErr(*key, p->region));
  }
  Status s;
  if (req.has_admin_request()) {
    const auto& admin = req.admin_request();
    switch (admin.cmd_type()) {
      case raft_cmdpb::TransferLeader: {
        const auto& target = admin.transfer_leader().peer();
        if (!FindPeer(p->region, target.id())) {
          errorpb::Error e;
          e.set_message("transfer leader: peer " + std::to_string(target.id()) +
                        " is not in region " + std::to_string(rid));
          return fail(e);
        }
        // TiKV's leader_transfer_max_log_lag: a follower far behind would leave the region
        // without a working leader while it catches up.
        const raft::Progress* pr = p->raft->raft().prs().Get(target.id());
        uint64_t last = p->raft->raft().raft_log().LastIndex();
        if (pr == nullptr || pr->is_learner) {
          errorpb::Error e;
          e.set_message("transfer leader: peer " + std::to_string(target.id()) +
                        " is not a voter of region " + std::to_string(rid));
          return fail(e);
        }
        if (pr->waiting_snapshot != raft::kNone) {
          errorpb::Error e;
          e.set_message("transfer leader: peer " + std::to_string(target.id()) +
                        " is catching up by snapshot; try again when it caught up");
          return fail(e);
        }
        if (target.id() != p->id() && pr->match + kLeaderTransferMaxLogLag < last) {
          errorpb::Error e;
          e.set_message("transfer leader: peer " + std::to_string(target.id()) + " is " +
                        std::to_string(last - pr->match) + " entries behind (limit " +
                        std::to_string(kLeaderTransferMaxLogLag) + "); try again when it caught up");
          return fail(e);
        }
        p->raft->TransferLeader(target.id());
        raft_cmdpb::RaftCmdResponse ok;
        ok.mutable_admin_response()->set_cmd_type(raft_cmdpb::TransferLeader);
        auto c = std::move(cb);
        d->push_back([c, ok]() { c(ok); });
        return;
      }
      case raft_cmdpb::ChangePeer: {
        const auto& cp = admin.change_peer();
        const metapb::Peer* existing = FindPeerOnStore(p->region, cp.peer().store_id());
        errorpb::Error e;
        if (cp.change_type() == eraftpb::RemoveNode) {
          if (!FindPeer(p->region, cp.peer().id())) {
            e.set_message("remove peer: peer " + std::to_string(cp.peer().id()) +
                          " is not in region " + std::to_string(rid));
            return fail(e);
          }
        } else if (existing && existing->id() != cp.peer().id()) {
          e.set_message("add peer: store " + std::to_string(cp.peer().store_id()) +
                        " already holds peer " + std::to_string(existing->id()) + " of region " +
                        std::to_string(rid));
          return fail(e);
        } else if (cp.change_type() == eraftpb::AddNode && existing &&
                   existing->role() != metapb::Learner) {
          e.set_message("add peer: peer " + std::to_string(existing->id()) +
                        " is already a voter");
          return fail(e);
        }
        eraftpb::ConfChange cc;
        cc.set_change_type(cp.change_type());
        cc.set_node_id(cp.peer().id());
        cc.set_context(req.SerializeAsString());
        s = p->raft->ProposeConfChange(cc);
        break;
      }
      case raft_cmdpb::BatchSplit:
      case raft_cmdpb::ComputeHash:
        s = p->raft->Propose(req.SerializeAsString());
        break;
      default: {
        errorpb::Error e;
        e.set_message("admin command " + raft_cmdpb::AdminCmdType_Name(admin.cmd_type()) +
                      " is not supported");
        return fail(e);
      }
    }
  } else {
    s = p->raft->Propose(req.SerializeAsString());
  }
  if (!s.ok()) {
    if (raft::IsProposalDropped(s) && p->IsLeader() &&
        p->raft->raft().lead_transferee() == raft::kNone) {
      errorpb::Error e;
      e.set_message(s.message());
      return fail(e);
    }
    return fail(NotLeaderErr(rid, p->Leader()));
  }
  Proposal pr;
  pr.index = p->raft->raft().raft_log().LastIndex();
  pr.term = p->raft->raft().term();
  pr.cb = std::move(cb);
  p->proposals.push_back(std::move(pr));
}

void RaftStore::HandleRead(Inbox::Read& r, Deferred* d) {
  auto fail = [&](const errorpb::Error& e, const metapb::Region& region) {
    auto c = std::move(r.cb);
    d->push_back([c, e, region]() { c(&e, region, 0); });
  };
  auto it = peers_.find(r.region_id);
  if (it == peers_.end()) return fail(RegionNotFoundErr(r.region_id), metapb::Region());
  Peer* p = it->second.get();
  if (!p->IsLeader() || p->blocked()) return fail(NotLeaderErr(r.region_id, p->Leader()), p->region);
  if (r.epoch.version() != p->region.region_epoch().version()) {
    return fail(EpochNotMatchErr(p->region), p->region);
  }
  PendingRead pr;
  pr.ctx = "read-" + std::to_string(++next_read_);
  pr.term = p->raft->raft().term();
  pr.cb = std::move(r.cb);
  p->raft->ReadIndex(pr.ctx);
  p->reads.push_back(std::move(pr));
}

void RaftStore::ServeReads(Peer* p, Deferred* d) {
  std::vector<PendingRead> waiting;
  for (auto& r : p->reads) {
    if (r.index != 0 && p->storage->applied_index() >= r.index) {
      auto cb = std::move(r.cb);
      metapb::Region region = p->region;
      uint64_t term = r.term;
      d->push_back([cb, region, term]() { cb(nullptr, region, term); });
    } else {
      waiting.push_back(std::move(r));
    }
  }
  p->reads = std::move(waiting);
}

void RaftStore::CatchUpBlocked(Peer* p) {
  const raft::Raft& r = p->raft->raft();
  if (p->IsLeader()) {
    if (r.lead_transferee() != raft::kNone) return;
    // To the voter with the longest log that can apply (the transfer waits until it has every
    // entry); none: keep leading without serving until one can.
    uint64_t best = raft::kNone, best_match = 0;
    for (const auto& peer : p->region.peers()) {
      const raft::Progress* pr = r.prs().Get(peer.id());
      if (peer.id() == p->id() || peer.role() == metapb::Learner || pr == nullptr ||
          pr->waiting_snapshot != raft::kNone) {
        continue;
      }
      if (best == raft::kNone || pr->match > best_match) {
        best = peer.id();
        best_match = pr->match;
      }
    }
    if (best != raft::kNone) p->raft->TransferLeader(best);
    return;
  }
  if (r.pending_request_snapshot() == raft::kNone) (void)p->raft->RequestSnapshot();
}

void RaftStore::MaybeCompactLog(Peer* p, rocksdb::WriteBatch* wb) {
  uint64_t applied = p->storage->applied_index();
  uint64_t first = p->storage->FirstIndex();
  if (applied < first || applied - first + 1 <= opts_.raft_log_gc_count_limit) return;
  uint64_t to = applied - opts_.raft_log_gc_count_limit / 2;
  if (p->IsLeader()) {
    // Keep what recently active followers still need; a follower that is gone gets a snapshot.
    for (const auto& [id, pr] : p->raft->raft().prs().progress()) {
      if (id != p->id() && pr.recent_active && pr.match + 1 > first && pr.match < to) {
        to = std::max(pr.match, first);
      }
    }
  }
  if (to < first) return;
  (void)p->storage->CompactToBatch(to, wb);
}

bool RaftStore::RunOnce() {
  Inbox in;
  {
    std::lock_guard<std::mutex> l(inbox_mu_);
    std::swap(in, inbox_);
  }
  Deferred d;
  bool did = !in.empty();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (halted_) return false;
    for (int t = 0; t < in.ticks; ++t) {
      ++ticks_;
      for (auto& [id, p] : peers_) p->raft->Tick();
    }
    for (auto& m : in.msgs) HandleMessage(m, &d);
    for (auto& [req, cb] : in.proposals) HandlePropose(req, cb, &d);
    for (auto& r : in.reads) HandleRead(r, &d);
    for (const auto& r : in.snapshot_reports) {
      auto pit = peers_.find(r.region_id);
      if (pit == peers_.end()) continue;
      Peer* p = pit->second.get();
      p->raft->ReportSnapshot(r.to_peer_id, r.delivered);
      // The generated files go once no follower is being sent a snapshot any more.
      bool sending = false;
      for (const auto& peer : p->region.peers()) {
        const raft::Progress* pr = p->raft->raft().prs().Get(peer.id());
        if (peer.id() != p->id() && pr && pr->state == raft::ProgressState::kSnapshot) {
          sending = true;
        }
      }
      if (!sending && p->last_snapshot) {
        RemoveSnapshotFiles(snap_dir_, "gen_", r.region_id);
        p->last_snapshot.reset();
      }
    }

    // Persist every Ready in one write.
    std::vector<std::pair<Peer*, raft::Ready>> readies;
    rocksdb::WriteBatch wb;
    bool sync = false;
    for (auto& [id, p] : peers_) {
      if (!p->raft->HasReady()) continue;
      raft::Ready rd = p->raft->GetReady();
      if (rd.snapshot) {
        Status s = PersistSnapshot(p.get(), *rd.snapshot, rd.snapshot_keeps_log, &wb, &d);
        if (!s.ok()) LOG_ERROR("raftstore: {}", s.ToString());
      }
      p->storage->AppendToBatch(rd.entries, &wb);
      if (rd.hard_state) p->storage->SetHardStateToBatch(*rd.hard_state, &wb);
      sync = sync || rd.must_sync;
      stats_.entries_persisted += rd.entries.size();
      readies.emplace_back(p.get(), std::move(rd));
    }
    stats_.readies += readies.size();
    if (!readies.empty()) did = true;
    if (wb.Count() > 0) {
      rocksdb::WriteOptions wo;
      wo.sync = sync && opts_.engines.sync;
      auto s = opts_.engines.db->Write(wo, &wb);
      stats_.raft_writes++;
      if (sync) stats_.synced_writes++;
      if (!s.ok()) {
        // The in-memory Raft state is now ahead of the disk: continuing could acknowledge
        // what a restart would forget.
        raft::RaftFatal("raftstore: persisting Raft state failed: " + s.ToString());
      }
    }
    if (!pending_snapshots_.empty()) {
      IngestPendingSnapshots();
      if (halted_) return false;  // a test's simulated crash: nothing after the Raft write
    }
    // Send everything at once.
    std::vector<raft_serverpb::RaftMessage> out;
    for (auto& [p, rd] : readies) {
      for (const auto& m : rd.messages) {
        bool ok = false;
        auto rm = Wrap(*p, m, &ok);
        if (!ok) continue;
        if (m.msg_type() == eraftpb::MsgSnapshot) {
          SendSnapshot(*p, std::move(rm));
          continue;
        }
        out.push_back(std::move(rm));
      }
    }
    if (!out.empty()) {
      stats_.messages_sent += out.size();
      stats_.transport_sends++;
      opts_.transport->Send(std::move(out));
    }
    // Apply every peer's committed entries in one write with their applied indexes.
    rocksdb::WriteBatch ab;
    std::vector<std::pair<Peer*, ApplyResult>> results;
    applying_ = true;
    std::set<Peer*> with_ready;
    for (auto& [p, rd] : readies) {
      with_ready.insert(p);
      ApplyResult res;
      std::vector<eraftpb::Entry> ents = std::move(p->unapplied);
      p->unapplied.clear();
      ents.insert(ents.end(), rd.committed_entries.begin(), rd.committed_entries.end());
      uint64_t before = p->storage->applied_index();
      if (!ents.empty()) ApplyEntries(p, std::move(ents), &ab, &res, &d);
      stats_.entries_applied += p->storage->applied_index() - before;
      results.emplace_back(p, std::move(res));
    }
    // Blocked replicas without news retry what they could not apply.
    for (auto& [id, p] : peers_) {
      if (with_ready.count(p.get()) || !p->blocked()) continue;
      ApplyResult res;
      std::vector<eraftpb::Entry> ents = std::move(p->unapplied);
      p->unapplied.clear();
      ApplyEntries(p.get(), std::move(ents), &ab, &res, &d);
      if (!p->blocked()) did = true;
      results.emplace_back(p.get(), std::move(res));
    }
    if (ab.Count() > 0) {
      auto s = opts_.engines.db->Write(rocksdb::WriteOptions(), &ab);
      if (!s.ok()) raft::RaftFatal("raftstore: applying entries failed: " + s.ToString());
    }
    applying_ = false;
    for (auto& [p, rd] : readies) {
      p->raft->AdvanceAppend(rd);
      p->raft->AdvanceApplyTo(p->storage->applied_index());
      for (const auto& rs : rd.read_states) {
        for (auto& r : p->reads) {
          if (r.ctx == rs.request_ctx) r.index = rs.index;
        }
      }
      ServeReads(p, &d);
    }
    // Leadership lost: reads waiting for a ReadIndex will not get one here.
    for (auto& [id, p] : peers_) {
      bool leader = p->IsLeader();
      // A replica that cannot apply must not lead; it catches up from a snapshot.
      if (p->blocked()) CatchUpBlocked(p.get());
      if (p->was_leader && !leader && !p->reads.empty()) {
        errorpb::Error e = NotLeaderErr(id, p->Leader());
        for (auto& r : p->reads) {
          auto cb = std::move(r.cb);
          metapb::Region region = p->region;
          d.push_back([cb, e, region]() { cb(&e, region, 0); });
        }
        p->reads.clear();
      }
      p->was_leader = leader;
    }
    // Results that change the set of replicas. Collected first: creating a split's regions
    // may replace (free) a replica that is itself in `results`.
    std::vector<uint64_t> to_destroy;
    std::vector<std::pair<bool, metapb::Region>> to_create;  // (parent led, region)
    for (auto& [p, res] : results) {
      bool parent_leader = p->IsLeader();
      for (const auto& region : res.split_regions) to_create.emplace_back(parent_leader, region);
      if (res.removed_self) to_destroy.push_back(p->region_id());
    }
    results.clear();
    for (const auto& [parent_leader, region] : to_create) {
      const metapb::Peer* me = FindPeerOnStore(region, opts_.store_id);
      if (!me) continue;
      auto existing = peers_.find(region.id());
      if (existing != peers_.end()) {
        if (existing->second->initialized()) continue;
        // A replica created by a message of the new region: replace it with the split's.
        FailAll(existing->second.get(), RegionNotFoundErr(region.id()), &d);
        peers_.erase(existing);
      }
      auto np = CreatePeer(region, me->id(), /*bootstrap_state=*/false);
      if (!np.ok()) {
        LOG_ERROR("raftstore: creating split region {}: {}", region.id(),
                  np.status().ToString());
        continue;
      }
      // The parent's leader leads the new regions at once instead of waiting for a timeout.
      if (parent_leader) (*np)->raft->Campaign();
    }
    for (uint64_t rid : to_destroy) DestroyPeer(rid, &d);
    rocksdb::WriteBatch gc;
    for (auto& [id, p] : peers_) MaybeCompactLog(p.get(), &gc);
    if (gc.Count() > 0) (void)opts_.engines.db->Write(rocksdb::WriteOptions(), &gc);
  }
  if (did) {
    std::lock_guard<std::mutex> l(mu_);
    stats_.turns++;
  }
  for (auto& f : d) f();
  return did;
}

void RaftStore::LoopMain(std::chrono::milliseconds tick) {
  (void)tick;
  while (!stop_.load()) {
    if (!RunOnce()) {
      std::unique_lock<std::mutex> l(inbox_mu_);
      inbox_cv_.wait_for(l, std::chrono::milliseconds(5),
                         [&] { return !inbox_.empty() || stop_.load(); });
    }
  }
}

void RaftStore::Start(std::chrono::milliseconds tick) {
  stop_ = false;
  loop_ = std::thread([this, tick] { LoopMain(tick); });
  ticker_ = std::thread([this, tick] {
    std::unique_lock<std::mutex> l(ticker_mu_);
    while (!ticker_cv_.wait_for(l, tick, [this] { return stop_.load(); })) {
      l.unlock();
      Tick();
      l.lock();
    }
  });
}

void RaftStore::Stop() {
  {
    std::lock_guard<std::mutex> l(ticker_mu_);
    stop_ = true;
  }
  ticker_cv_.notify_all();
  inbox_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  if (ticker_.joinable()) ticker_.join();
}

}  // namespace brkv::raftstore
