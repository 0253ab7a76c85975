#include "raftstore/snapshot.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>

#include "common/failpoint.h"
#include "common/logging.h"
#include "kv/keys.h"
#include "raftstore/raft_keys.h"
#include "raftstore/region_util.h"
#include "raftstore/snap_files.h"
#include "raftstore/store.h"

namespace brkv::raftstore {

namespace {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  return Status::IOError(what + ": " + s.ToString());
}

raft_cmdpb::RaftCmdResponse ErrResp(const errorpb::Error& e) {
  raft_cmdpb::RaftCmdResponse r;
  *r.mutable_header()->mutable_error() = e;
  return r;
}

}  // namespace

std::pair<std::string, std::string> DataRange(const metapb::Region& r) {
  std::string lo = ::brkv::keys::DataKey(r.start_key());
  std::string hi = r.end_key().empty() ? std::string(1, ::brkv::keys::kDataPrefix + 1)
                                       : ::brkv::keys::DataKey(r.end_key());
  return {lo, hi};
}

void RaftStore::InstallSnapshotGenerator(Peer* p) {
  p->storage->set_snapshot_generator([this, p]() -> Result<eraftpb::Snapshot> {
    // Mid-apply the engine and the applied index disagree; Raft asks again later.
    if (applying_) return raft::ErrSnapshotTemporarilyUnavailable();
    uint64_t applied = p->storage->applied_index();
    ASSIGN_OR_RETURN(uint64_t term, p->storage->Term(applied));
    const SnapKey key{p->region_id(), term, applied};
    raft_serverpb::RaftSnapshotData data;
    *data.mutable_region() = p->region;
    data.set_version(2);  // SST files beside the message
    if (p->last_snapshot && p->last_snapshot->first.index == key.index &&
        p->last_snapshot->first.term == key.term &&
        p->last_snapshot->second.cf_files_size() > 0 &&
        CheckGeneratedFiles(key, p->last_snapshot->second)) {
      *data.mutable_meta() = p->last_snapshot->second;  // nothing applied since: reuse the files
    } else {
      const auto started = std::chrono::steady_clock::now();
      const rocksdb::Snapshot* snap = opts_.engines.db->GetSnapshot();
      auto meta = BuildSnapshotFiles(opts_.engines, snap, p->region, key, snap_dir_);
      opts_.engines.db->ReleaseSnapshot(snap);
      if (!meta.ok()) {
        LOG_WARN("raftstore: store {} cannot generate a snapshot of region {}: {}; trying again later",
                 opts_.store_id, p->region_id(), meta.status().ToString());
        return raft::ErrSnapshotTemporarilyUnavailable();
      }
      meta->set_start(static_cast<uint64_t>(::time(nullptr)));
      meta->set_generate_duration_sec(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
              .count()));
      RemoveSnapshotFiles(snap_dir_, "gen_", p->region_id(), key.index);  // older ones
      p->last_snapshot.emplace(key, *meta);
      *data.mutable_meta() = std::move(meta).value();
    }
    uint64_t size = 0;
    for (const auto& f : data.meta().cf_files()) size += f.size();
    data.set_file_size(size);
    eraftpb::Snapshot s;
    s.mutable_metadata()->set_index(applied);
    s.mutable_metadata()->set_term(term);
    *s.mutable_metadata()->mutable_conf_state() = ConfStateFromRegion(p->region);
    s.set_data(data.SerializeAsString());
    return s;
  });
}

bool RaftStore::CheckGeneratedFiles(const SnapKey& key, const raft_serverpb::SnapshotMeta& meta) const {
  for (const auto& f : meta.cf_files()) {
    if (f.size() == 0) continue;
    std::error_code ec;
    if (std::filesystem::file_size(SnapFilePath(snap_dir_, true, key, f.cf()), ec) != f.size() || ec) {
      return false;
    }
  }
  return true;
}

Status RaftStore::PersistSnapshot(Peer* p, const eraftpb::Snapshot& snap, bool keep_log,
                                  rocksdb::WriteBatch* wb, Deferred* d) {
  raft_serverpb::RaftSnapshotData data;
  if (!data.ParseFromString(snap.data())) {
    return Status::Corruption("snapshot of region " + std::to_string(p->region_id()) +
                              " does not parse");
  }
  const Engines& e = opts_.engines;
  // Whatever this replica held in the old and the new range is replaced by the snapshot.
  for (const metapb::Region* r : {static_cast<const metapb::Region*>(&p->region), &data.region()}) {
    if (r == &p->region && !p->initialized()) continue;
    auto [lo, hi] = DataRange(*r);
    for (auto* cf : {e.cf_default, e.cf_write, e.cf_lock}) wb->DeleteRange(cf, lo, hi);
  }
  // The files are ingested once this batch is durable (IngestPendingSnapshots, same loop turn).
  // Until the region state says Normal again a restart ingests them again (RecoverSnapshot).
  const SnapKey key{p->region_id(), snap.metadata().term(), snap.metadata().index()};
  wb->Put(e.cf_raft, keys::SnapshotApplyKey(p->region_id()), snap.SerializeAsString());
  pending_snapshots_.push_back({p->region_id(), key, data.meta()});
  const uint64_t index = snap.metadata().index();
  p->storage->ApplySnapshotToBatch(snap.metadata(), keep_log, wb);
  PutRegionState(data.region(), raft_serverpb::Applying, wb);
  p->region = data.region();
  if (const metapb::Peer* me = FindPeer(p->region, p->id())) p->meta = *me;
  p->storage->set_conf_state(snap.metadata().conf_state());
  // Entries handed out earlier that the snapshot covers are never applied here; later ones
  // still are, in order (ApplyEntries skips what is at or below the applied index).
  std::erase_if(p->unapplied, [&](const eraftpb::Entry& e) { return e.index() <= index; });
  // Commands this replica proposed up to the snapshot: their outcome is not known here.
  while (!p->proposals.empty() && p->proposals.front().index <= index) {
    auto cb = std::move(p->proposals.front().cb);
    p->proposals.pop_front();
    auto err = ErrResp(StaleCommandErr("the replica was replaced by a snapshot"));
    d->push_back([cb, err]() { cb(err); });
  }
  if (p->stuck_at != 0 && index >= p->stuck_at) {
    LOG_INFO(
        "raftstore: store {} region {} caught up from the leader's snapshot at index {} "
        "(it was stuck at entry {}); it applies and serves again",
        opts_.store_id, p->region_id(), index, p->stuck_at);
    p->stuck_at = 0;
  }
  return Status::OK();
}

Status RaftStore::IngestSnapshot(uint64_t region_id, const SnapKey& key,
                                 const raft_serverpb::SnapshotMeta& meta) {
  const Engines& e = opts_.engines;
  RETURN_IF_ERROR(IngestSnapshotFiles(e, snap_dir_, key, meta));
  auto it = peers_.find(region_id);
  rocksdb::WriteBatch wb;
  if (it != peers_.end()) PutRegionState(it->second->region, raft_serverpb::Normal, &wb);
  wb.Delete(e.cf_raft, keys::SnapshotApplyKey(region_id));
  rocksdb::WriteOptions wo;
  wo.sync = e.sync;  // the files go next: the state must not ask for them again
  RETURN_IF_ERROR(FromRocks(e.db->Write(wo, &wb), "record an applied snapshot"));
  // This snapshot's files and older ones; a newer one may have arrived meanwhile.
  RemoveSnapshotFiles(snap_dir_, "rev_", region_id, key.index + 1);
  return Status::OK();
}

void RaftStore::IngestPendingSnapshots() {
  if (!failpoint::Eval("raftstore::before_snapshot_ingest").ok()) {
    // Tests: the store stops here as if it crashed between the durable Raft state and the
    // ingest; it does nothing more until it is reopened (RecoverSnapshot).
    pending_snapshots_.clear();
    halted_ = true;
    return;
  }
  for (const auto& ps : pending_snapshots_) {
    Status s = IngestSnapshot(ps.region_id, ps.key, ps.meta);
    if (!s.ok()) {
      // Raft state already says the snapshot is applied; serving without its data would lie.
      raft::RaftFatal("raftstore: store " + std::to_string(opts_.store_id) + ": " + s.ToString());
    }
    stats_.snapshots_installed++;
    LOG_INFO("raftstore: store {} region {} installed a snapshot at index {} (term {})",
             opts_.store_id, ps.region_id, ps.key.index, ps.key.term);
  }
  pending_snapshots_.clear();
}

Status RaftStore::RecoverSnapshot(Peer* p) {
  std::string v;
  const Engines& e = opts_.engines;
  auto s = e.db->Get(rocksdb::ReadOptions(), e.cf_raft, keys::SnapshotApplyKey(p->region_id()), &v);
  if (s.IsNotFound()) {
    return Status::Corruption("region " + std::to_string(p->region_id()) +
                              " is marked as applying a snapshot but names none");
  }
  RETURN_IF_ERROR(FromRocks(s, "read the pending snapshot"));
  eraftpb::Snapshot snap;
  raft_serverpb::RaftSnapshotData data;
  if (!snap.ParseFromString(v) || !data.ParseFromString(snap.data())) {
    return Status::Corruption("pending snapshot of region " + std::to_string(p->region_id()) +
                              " does not parse");
  }
  const SnapKey key{p->region_id(), snap.metadata().term(), snap.metadata().index()};
  RETURN_IF_ERROR(CheckReceivedFiles(snap_dir_, key, data.meta())
                      .WithContext("region " + std::to_string(p->region_id()) +
                                   " was installing a snapshot when the store stopped"));
  rocksdb::WriteBatch wb;
  auto [lo, hi] = DataRange(data.region());
  for (auto* cf : {e.cf_default, e.cf_write, e.cf_lock}) wb.DeleteRange(cf, lo, hi);
  RETURN_IF_ERROR(FromRocks(e.db->Write(rocksdb::WriteOptions(), &wb), "clear the snapshot's range"));
  RETURN_IF_ERROR(IngestSnapshot(p->region_id(), key, data.meta()));
  LOG_INFO("raftstore: store {} region {} finished installing its snapshot at index {} after a restart",
           opts_.store_id, p->region_id(), key.index);
  return Status::OK();
}

}  // namespace brkv::raftstore
