#include "raftstore/snapshot.h"

#include <algorithm>

#include "common/logging.h"
#include "kv/keys.h"
#include "raftstore/region_util.h"
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
    raft_serverpb::RaftSnapshotData data;
    *data.mutable_region() = p->region;
    const Engines& e = opts_.engines;
    const rocksdb::Snapshot* snap = e.db->GetSnapshot();
    auto [lo, hi] = DataRange(p->region);
    uint64_t size = 0;
    Status st;
    std::pair<char, rocksdb::ColumnFamilyHandle*> cfs[] = {
        {'d', e.cf_default}, {'w', e.cf_write}, {'l', e.cf_lock}};
    for (auto [tag, cf] : cfs) {
      rocksdb::ReadOptions ro;
      ro.snapshot = snap;
      rocksdb::Slice ub(hi);
      ro.iterate_upper_bound = &ub;
      std::unique_ptr<rocksdb::Iterator> it(e.db->NewIterator(ro, cf));
      for (it->Seek(lo); it->Valid(); it->Next()) {
        auto* kv = data.add_data();
        std::string k(1, tag);
        k.append(it->key().data(), it->key().size());
        kv->set_key(std::move(k));
        kv->set_value(it->value().ToString());
        size += it->key().size() + it->value().size();
      }
      if (!it->status().ok()) st = FromRocks(it->status(), "snapshot scan");
    }
    e.db->ReleaseSnapshot(snap);
    RETURN_IF_ERROR(st);
    data.set_file_size(size);
    eraftpb::Snapshot s;
    s.mutable_metadata()->set_index(applied);
    s.mutable_metadata()->set_term(term);
    *s.mutable_metadata()->mutable_conf_state() = ConfStateFromRegion(p->region);
    s.set_data(data.SerializeAsString());
    return s;
  });
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
  for (const auto& kv : data.data()) {
    if (kv.key().empty()) continue;
    rocksdb::ColumnFamilyHandle* cf = kv.key()[0] == 'w'   ? e.cf_write
                                      : kv.key()[0] == 'l' ? e.cf_lock
                                                           : e.cf_default;
    wb->Put(cf, rocksdb::Slice(kv.key().data() + 1, kv.key().size() - 1), kv.value());
  }
  const uint64_t index = snap.metadata().index();
  p->storage->ApplySnapshotToBatch(snap.metadata(), keep_log, wb);
  PutRegionState(data.region(), raft_serverpb::Normal, wb);
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

}  // namespace brkv::raftstore
