// Apply: committed entries of a region turned into engine writes, with the epoch checks at
// apply that keep a command proposed against an old region from landing in a changed one.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "common/logging.h"
#include "kv/keys.h"
#include "raftstore/raft_keys.h"
#include "raftstore/region_util.h"
#include "raftstore/store.h"

namespace brkv::raftstore {

namespace {

raft_cmdpb::RaftCmdResponse ErrResp(const errorpb::Error& e) {
  raft_cmdpb::RaftCmdResponse r;
  *r.mutable_header()->mutable_error() = e;
  return r;
}

errorpb::Error Msg(const std::string& m) {
  errorpb::Error e;
  e.set_message(m);
  return e;
}

}  // namespace

void RaftStore::Complete(Peer* p, const eraftpb::Entry& e, raft_cmdpb::RaftCmdResponse resp,
                         Deferred* d) {
  // Proposals before this entry that were never applied were overwritten by a newer leader;
  // one at this index with another term was too.
  while (!p->proposals.empty() && p->proposals.front().index <= e.index()) {
    Proposal pr = std::move(p->proposals.front());
    p->proposals.pop_front();
    auto cb = std::move(pr.cb);
    if (pr.index == e.index() && pr.term == e.term()) {
      d->push_back([cb, resp]() { cb(resp); });
    } else {
      auto err = ErrResp(StaleCommandErr("the entry was replaced by a newer leader's"));
      d->push_back([cb, err]() { cb(err); });
    }
  }
}

void RaftStore::ApplyEntries(Peer* p, std::vector<eraftpb::Entry> ents, rocksdb::WriteBatch* wb,
                             ApplyResult* res, Deferred* d) {
  for (size_t i = 0; i < ents.size(); ++i) {
    const auto& e = ents[i];
    if (e.index() <= p->storage->applied_index()) continue;  // a snapshot covered it
    raft_cmdpb::RaftCmdResponse resp;
    if (e.entry_type() == eraftpb::EntryConfChange) {
      ApplyConfChange(p, e, wb, res, &resp);
    } else if (!e.data().empty()) {
      raft_cmdpb::RaftCmdRequest req;
      bool ingest = req.ParseFromString(e.data()) && req.requests_size() > 0 &&
                    req.requests(0).cmd_type() == raft_cmdpb::IngestSST;
      if (ingest) {
        if (!ApplyIngest(p, e, req, wb, &resp)) {
          // Wait here: never skip an entry, never apply the ones after it first.
          p->unapplied.assign(ents.begin() + static_cast<long>(i), ents.end());
          return;
        }
      } else {
        ApplyNormal(p, e, wb, res, &resp);
      }
    }
    p->storage->SetAppliedToBatch(e.index(), wb);
    Complete(p, e, std::move(resp), d);
    if (res->removed_self) break;
  }
  p->unapplied.clear();
}

Status RaftStore::CheckIngestMeta(const Peer& p, const import_sstpb::SSTMeta& m) const {
  const metapb::Region& r = p.region;
  if (m.uuid().size() != 16) return Status::InvalidArgument("SST uuid must be 16 bytes");
  if (m.cf_name() != "default" && m.cf_name() != "write") {
    return Status::InvalidArgument("SST for CF '" + m.cf_name() + "' cannot be ingested");
  }
  if (m.region_id() != r.id()) {
    return Status::RegionError("SST is for region " + std::to_string(m.region_id()) +
                               ", not region " + std::to_string(r.id()));
  }
  // Both parts of the epoch: equal conf_ver means the replicas that downloaded the file are
  // exactly the ones applying this command.
  if (m.region_epoch().conf_ver() != r.region_epoch().conf_ver() ||
      m.region_epoch().version() != r.region_epoch().version()) {
    return Status::RegionError("epoch not match");
  }
  if (!KeyInRegion(r, m.range().start()) ||
      (!r.end_key().empty() && (m.range().end().empty() || m.range().end() > r.end_key()))) {
    return Status::RegionError("key not in region");
  }
  return Status::OK();
}

bool RaftStore::ApplyIngest(Peer* p, const eraftpb::Entry& e,
                            const raft_cmdpb::RaftCmdRequest& req, rocksdb::WriteBatch* wb,
                            raft_cmdpb::RaftCmdResponse* resp) {
  std::vector<import_sstpb::SSTMeta> metas;
  for (const auto& r : req.requests()) {
    if (r.cmd_type() != raft_cmdpb::IngestSST) {
      *resp = ErrResp(Msg("an IngestSST command carries only IngestSST requests"));
      return true;
    }
    metas.push_back(r.ingest_sst().sst());
  }
  for (const auto& m : metas) {
    Status s = CheckIngestMeta(*p, m);
    if (!s.ok()) {
      *resp = ErrResp(s.message() == "epoch not match" ? EpochNotMatchErr(p->region)
                                                       : Msg("ingest refused: " + s.message()));
      return true;
    }
  }
  if (!opts_.sst_locator) {
    *resp = ErrResp(Msg("this store does not ingest SSTs"));
    return true;
  }
  // The replica waits at this entry (never skipping it) until the file is there or a snapshot
  // from the leader carries it past.
  auto stuck = [&](const import_sstpb::SSTMeta& m, const std::string& why) {
    if (p->stuck_at != e.index()) {
      p->stuck_at = e.index();
      LOG_ERROR(
          "raftstore: store {} region {} is stuck at entry {}: the SST to ingest ({} "
          "CF) is not on this store ({}); the replica stops applying and serving and "
          "asks the leader for a snapshot",
          opts_.store_id, p->region_id(), e.index(), m.cf_name(), why);
    }
    return false;
  };
  std::vector<std::string> paths;
  for (const auto& m : metas) {
    auto path = opts_.sst_locator(m);
    if (!path.ok()) return stuck(m, path.status().ToString());
    paths.push_back(*path);
  }
  // Everything applied before this entry goes first (TiKV ingests pending SSTs before later
  // writes), then the files, then this entry's applied index, synced: a crash before that
  // replays the ingest from the still-staged copies, which is idempotent.
  const Engines& eng = opts_.engines;
  if (wb->Count() > 0) {
    auto s = eng.db->Write(rocksdb::WriteOptions(), wb);
    if (!s.ok()) raft::RaftFatal("raftstore: applying entries failed: " + s.ToString());
    wb->Clear();
  }
  // One argument per CF (RocksDB refuses two for the same CF); files of one CF may overlap, the
  // later ones win.
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (size_t i = 0; i < metas.size(); ++i) {
    rocksdb::ColumnFamilyHandle* cf = eng.DataCf(metas[i].cf_name());
    rocksdb::IngestExternalFileArg* a = nullptr;
    for (auto& x : args) {
      if (x.column_family == cf) a = &x;
    }
    if (a == nullptr) {
      a = &args.emplace_back();
      a->column_family = cf;
      a->options.move_files = false;
      a->options.snapshot_consistency = true;
      a->options.allow_global_seqno = true;
      a->options.allow_blocking_flush = true;
    }
    a->external_files.push_back(paths[i]);
  }
  auto s = eng.db->IngestExternalFiles(args);
  if (!s.ok()) {
    // A staged copy removed after it was located (a restore's ClearFiles, the import
    // directory's sweep) fails the whole ingest before anything is added: the same as a copy
    // that was never here.
    for (size_t i = 0; i < paths.size(); ++i) {
      std::error_code ec;
      if (!std::filesystem::exists(paths[i], ec) && !ec) {
        return stuck(metas[i], "staged SST " + paths[i] +
                                   " vanished before it was ingested: " + s.ToString());
      }
    }
    raft::RaftFatal("raftstore: region " + std::to_string(p->region_id()) +
                    " cannot ingest a committed SST: " + s.ToString());
  }
  p->storage->SetAppliedToBatch(e.index(), wb);
  rocksdb::WriteOptions wo;
  wo.sync = eng.sync;
  s = eng.db->Write(wo, wb);
  if (!s.ok()) raft::RaftFatal("raftstore: applying entries failed: " + s.ToString());
  wb->Clear();
  for (size_t i = 0; i < metas.size(); ++i) {
    if (opts_.sst_ingested) {
      opts_.sst_ingested(metas[i], paths[i]);
    } else {
      std::remove(paths[i].c_str());
    }
  }
  resp->add_responses()->set_cmd_type(raft_cmdpb::IngestSST);
  if (p->stuck_at == e.index()) {
    LOG_INFO(
        "raftstore: store {} region {} caught up: the SST of entry {} is on this store "
        "now; it applies and serves again",
        opts_.store_id, p->region_id(), e.index());
    p->stuck_at = 0;
  }
  return true;
}

void RaftStore::ApplyNormal(Peer* p, const eraftpb::Entry& e, rocksdb::WriteBatch* wb,
                            ApplyResult* res, raft_cmdpb::RaftCmdResponse* resp) {
  raft_cmdpb::RaftCmdRequest req;
  if (!req.ParseFromString(e.data())) {
    *resp = ErrResp(Msg("entry " + std::to_string(e.index()) + " does not parse"));
    return;
  }
  if (!EpochMatches(req, p->region)) {
    *resp = ErrResp(EpochNotMatchErr(p->region));
    return;
  }
  if (req.has_admin_request()) {
    if (req.admin_request().cmd_type() == raft_cmdpb::BatchSplit) {
      ApplySplit(p, req, wb, res, resp);
    } else if (req.admin_request().cmd_type() == raft_cmdpb::ComputeHash) {
      ApplyComputeHash(p, e, req, wb, resp);
    }
    return;
  }
  // Check every key first: a command applies entirely or not at all.
  for (const auto& r : req.requests()) {
    const std::string* key = nullptr;
    if (r.has_put()) key = &r.put().key();
    if (r.has_delete_()) key = &r.delete_().key();
    if (key && !KeyInRegion(p->region, *key)) {
      *resp = ErrResp(KeyNotInRegionErr(*key, p->region));
      return;
    }
    if (r.cmd_type() == raft_cmdpb::IngestSST) {
      *resp = ErrResp(Msg("IngestSST cannot be mixed with other requests"));
      return;
    }
  }
  const Engines& eng = opts_.engines;
  for (const auto& r : req.requests()) {
    switch (r.cmd_type()) {
      case raft_cmdpb::Put:
        wb->Put(eng.DataCf(r.put().cf()), ::brkv::keys::DataKey(r.put().key()), r.put().value());
        resp->add_responses()->set_cmd_type(raft_cmdpb::Put);
        break;
      case raft_cmdpb::Delete:
        wb->Delete(eng.DataCf(r.delete_().cf()), ::brkv::keys::DataKey(r.delete_().key()));
        resp->add_responses()->set_cmd_type(raft_cmdpb::Delete);
        break;
      case raft_cmdpb::DeleteRange: {
        const auto& dr = r.delete_range();
        // Clip to the region: a range command never touches a neighbour's keys.
        std::string lo = std::max(dr.start_key(), p->region.start_key());
        std::string hi = dr.end_key();
        if (!p->region.end_key().empty() && (hi.empty() || hi > p->region.end_key())) {
          hi = p->region.end_key();
        }
        std::string dlo = ::brkv::keys::DataKey(lo);
        std::string dhi = hi.empty() ? std::string(1, ::brkv::keys::kDataPrefix + 1) : ::brkv::keys::DataKey(hi);
        if (dlo < dhi && !dr.notify_only()) wb->DeleteRange(eng.DataCf(dr.cf()), dlo, dhi);
        resp->add_responses()->set_cmd_type(raft_cmdpb::DeleteRange);
        break;
      }
      default:
        break;
    }
  }
}

void RaftStore::ApplyComputeHash(Peer* p, const eraftpb::Entry& e,
                                 const raft_cmdpb::RaftCmdRequest& req, rocksdb::WriteBatch* wb,
                                 raft_cmdpb::RaftCmdResponse* resp) {
  // The hash must see exactly the entries before this one: write what this turn applied so
  // far (not synced; the turn's final write syncs the WAL), then take the snapshot.
  const Engines& eng = opts_.engines;
  if (wb->Count() > 0) {
    auto s = eng.db->Write(rocksdb::WriteOptions(), wb);
    if (!s.ok()) raft::RaftFatal("raftstore: applying entries failed: " + s.ToString());
    wb->Clear();
  }
  checker_->Schedule(p->region, e.index(), req.admin_request().compute_hash().context(),
                     eng.db->GetSnapshot());
  resp->mutable_admin_response()->set_cmd_type(raft_cmdpb::ComputeHash);
}

void RaftStore::ApplyConfChange(Peer* p, const eraftpb::Entry& e, rocksdb::WriteBatch* wb,
                                ApplyResult* res, raft_cmdpb::RaftCmdResponse* resp) {
  eraftpb::ConfChange cc;
  raft_cmdpb::RaftCmdRequest req;
  if (!cc.ParseFromString(e.data()) || !req.ParseFromString(cc.context())) {
    *resp = ErrResp(Msg("conf change entry " + std::to_string(e.index()) + " does not parse"));
    return;
  }
  if (!EpochMatches(req, p->region)) {
    // Not applied to Raft either: membership stays as it is on every replica.
    *resp = ErrResp(EpochNotMatchErr(p->region));
    return;
  }
  const auto& cp = req.admin_request().change_peer();
  metapb::Region region = p->region;
  auto* peers = region.mutable_peers();
  auto find = [&](uint64_t id) {
    return std::find_if(peers->begin(), peers->end(),
                        [&](const metapb::Peer& x) { return x.id() == id; });
  };
  switch (cc.change_type()) {
    case eraftpb::AddNode: {
      auto it = find(cp.peer().id());
      if (it != peers->end()) {
        it->set_role(metapb::Voter);
      } else {
        metapb::Peer np = cp.peer();
        np.set_role(metapb::Voter);
        *region.add_peers() = np;
      }
      break;
    }
    case eraftpb::AddLearnerNode: {
      if (find(cp.peer().id()) == peers->end()) {
        metapb::Peer np = cp.peer();
        np.set_role(metapb::Learner);
        *region.add_peers() = np;
      }
      break;
    }
    case eraftpb::RemoveNode: {
      auto it = find(cp.peer().id());
      if (it != peers->end()) peers->erase(it);
      break;
    }
    default:
      *resp = ErrResp(Msg("unsupported conf change"));
      return;
  }
  auto cs = p->raft->ApplyConfChange(cc);
  if (!cs.ok()) {
    *resp = ErrResp(Msg(cs.status().ToString()));
    return;
  }
  region.mutable_region_epoch()->set_conf_ver(region.region_epoch().conf_ver() + 1);
  p->region = region;
  p->peer_cache[cp.peer().id()] = cp.peer();
  if (const metapb::Peer* me = FindPeer(region, p->id())) p->meta = *me;
  p->storage->set_conf_state(*cs);
  PutRegionState(region, raft_serverpb::Normal, wb);
  resp->mutable_admin_response()->set_cmd_type(raft_cmdpb::ChangePeer);
  *resp->mutable_admin_response()->mutable_change_peer()->mutable_region() = region;
  LOG_INFO("raftstore: store {} region {} applied {} peer {} (store {}), conf_ver {}",
           opts_.store_id, region.id(), eraftpb::ConfChangeType_Name(cc.change_type()),
           cp.peer().id(), cp.peer().store_id(), region.region_epoch().conf_ver());
  if (cc.change_type() == eraftpb::RemoveNode && cp.peer().id() == p->id()) {
    res->removed_self = true;
  }
}

void RaftStore::ApplySplit(Peer* p, const raft_cmdpb::RaftCmdRequest& req,
                           rocksdb::WriteBatch* wb, ApplyResult* res,
                           raft_cmdpb::RaftCmdResponse* resp) {
  const auto& splits = req.admin_request().splits().requests();
  const metapb::Region& parent = p->region;
  if (splits.empty()) {
    *resp = ErrResp(Msg("split: no split keys"));
    return;
  }
  std::string prev = parent.start_key();
  for (const auto& s : splits) {
    if (s.split_key() <= prev || !KeyInRegion(parent, s.split_key())) {
      *resp = ErrResp(KeyNotInRegionErr(s.split_key(), parent));
      return;
    }
    if (static_cast<int>(s.new_peer_ids_size()) != parent.peers_size()) {
      *resp = ErrResp(Msg("split: " + std::to_string(s.new_peer_ids_size()) +
                          " new peer ids for " + std::to_string(parent.peers_size()) + " peers"));
      return;
    }
    prev = s.split_key();
  }
  uint64_t version = parent.region_epoch().version() + static_cast<uint64_t>(splits.size());
  std::vector<metapb::Region> regions;
  metapb::Region left = parent;
  left.set_end_key(splits[0].split_key());
  left.mutable_region_epoch()->set_version(version);
  for (int i = 0; i < splits.size(); ++i) {
    metapb::Region r;
    r.set_id(splits[i].new_region_id());
    r.set_start_key(splits[i].split_key());
    r.set_end_key(i + 1 < splits.size() ? splits[i + 1].split_key() : parent.end_key());
    *r.mutable_region_epoch() = parent.region_epoch();
    r.mutable_region_epoch()->set_version(version);
    for (int k = 0; k < parent.peers_size(); ++k) {
      metapb::Peer np = parent.peers(k);
      np.set_id(splits[i].new_peer_ids(k));
      *r.add_peers() = np;
    }
    regions.push_back(r);
  }
  for (const auto& r : regions) {
    // Every replica applies the split alike (the parent shrinks everywhere); a new region
    // that already has an initialized replica here keeps it (it is newer than the split).
    auto initialized = peers_.find(r.id());
    if (initialized != peers_.end() && initialized->second->initialized()) continue;
    PeerStorage::BootstrapToBatch(r.id(), wb, opts_.engines.cf_raft);
    // A replica of the new region created earlier by a message may have voted in a term
    // above the initial one: keep that vote, or this store could vote twice in a term.
    auto ex = peers_.find(r.id());
    if (ex != peers_.end()) {
      const auto& hs = ex->second->storage->raft_state().hard_state();
      if (hs.term() > keys::kRaftInitLogTerm) {
        raft_serverpb::RaftLocalState rs;
        rs.mutable_hard_state()->set_term(hs.term());
        rs.mutable_hard_state()->set_vote(hs.vote());
        rs.mutable_hard_state()->set_commit(keys::kRaftInitLogIndex);
        rs.set_last_index(keys::kRaftInitLogIndex);
        wb->Put(opts_.engines.cf_raft, keys::RaftStateKey(r.id()), rs.SerializeAsString());
      }
    }
    PutRegionState(r, raft_serverpb::Normal, wb);
  }
  PutRegionState(left, raft_serverpb::Normal, wb);
  p->region = left;
  res->split_regions = regions;
  resp->mutable_admin_response()->set_cmd_type(raft_cmdpb::BatchSplit);
  auto* out = resp->mutable_admin_response()->mutable_splits();
  *out->add_regions() = left;
  for (const auto& r : regions) *out->add_regions() = r;
  LOG_INFO("raftstore: store {} split region {} into {} regions, version {}", opts_.store_id,
           parent.id(), regions.size() + 1, version);
}

}  // namespace brkv::raftstore
