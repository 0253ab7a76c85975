#include "raftstore/peer_storage.h"

#include "raftstore/raft_keys.h"

namespace brkv::raftstore {

namespace {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  return Status::IOError(what + ": " + s.ToString());
}

}  // namespace

void PeerStorage::BootstrapToBatch(uint64_t region_id, rocksdb::WriteBatch* wb,
                                   rocksdb::ColumnFamilyHandle* cf) {
  raft_serverpb::RaftLocalState rs;
  rs.mutable_hard_state()->set_term(keys::kRaftInitLogTerm);
  rs.mutable_hard_state()->set_commit(keys::kRaftInitLogIndex);
  rs.set_last_index(keys::kRaftInitLogIndex);
  raft_serverpb::RaftApplyState as;
  as.set_applied_index(keys::kRaftInitLogIndex);
  as.mutable_truncated_state()->set_index(keys::kRaftInitLogIndex);
  as.mutable_truncated_state()->set_term(keys::kRaftInitLogTerm);
  wb->Put(cf, keys::RaftStateKey(region_id), rs.SerializeAsString());
  wb->Put(cf, keys::ApplyStateKey(region_id), as.SerializeAsString());
}

Result<std::unique_ptr<PeerStorage>> PeerStorage::Open(rocksdb::DB* db,
                                                       rocksdb::ColumnFamilyHandle* cf,
                                                       uint64_t region_id,
                                                       const eraftpb::ConfState& conf_state) {
  std::unique_ptr<PeerStorage> ps(new PeerStorage(db, cf, region_id));
  ps->conf_state_ = conf_state;
  std::string v;
  auto s = db->Get(rocksdb::ReadOptions(), cf, keys::RaftStateKey(region_id), &v);
  if (s.ok()) {
    if (!ps->raft_state_.ParseFromString(v)) {
      return Status::Corruption("raft state of region " + std::to_string(region_id) +
                                " does not parse");
    }
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read raft state of region " + std::to_string(region_id));
  }
  s = db->Get(rocksdb::ReadOptions(), cf, keys::ApplyStateKey(region_id), &v);
  if (s.ok()) {
    if (!ps->apply_state_.ParseFromString(v)) {
      return Status::Corruption("apply state of region " + std::to_string(region_id) +
                                " does not parse");
    }
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read apply state of region " + std::to_string(region_id));
  }
  const auto& ts = ps->apply_state_.truncated_state();
  uint64_t last = ps->raft_state_.last_index();
  if (last < ts.index()) {
    return Status::Corruption("region " + std::to_string(region_id) + ": last index " +
                              std::to_string(last) + " is below the truncated index " +
                              std::to_string(ts.index()));
  }
  if (ps->raft_state_.hard_state().commit() > last) {
    return Status::Corruption("region " + std::to_string(region_id) + ": commit " +
                              std::to_string(ps->raft_state_.hard_state().commit()) +
                              " is beyond the last index " + std::to_string(last));
  }
  if (last == ts.index()) {
    ps->last_term_ = ts.term();
  } else {
    // The log must hold every entry in (truncated, last]; a gap means lost writes.
    auto ents = ps->Entries(last, last + 1, UINT64_MAX);
    if (!ents.ok() || ents->size() != 1) {
      return Status::Corruption("region " + std::to_string(region_id) + ": log entry " +
                                std::to_string(last) + " is missing");
    }
    ps->last_term_ = (*ents)[0].term();
  }
  return ps;
}

Result<raft::RaftState> PeerStorage::InitialState() const {
  raft::RaftState st;
  st.hard_state = raft_state_.hard_state();
  // An uninitialized peer has no membership until a snapshot brings it.
  if (initialized()) st.conf_state = conf_state_;
  return st;
}

uint64_t PeerStorage::FirstIndex() const { return apply_state_.truncated_state().index() + 1; }
uint64_t PeerStorage::LastIndex() const { return raft_state_.last_index(); }

Result<std::vector<eraftpb::Entry>> PeerStorage::Entries(uint64_t lo, uint64_t hi,
                                                         uint64_t max_size) const {
  if (lo < FirstIndex()) return raft::ErrCompacted();
  if (hi > LastIndex() + 1) return raft::ErrUnavailable();
  std::vector<eraftpb::Entry> out;
  if (lo >= hi) return out;
  rocksdb::ReadOptions ro;
  std::string upper = keys::RaftLogKey(region_id_, hi);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_));
  uint64_t size = 0;
  uint64_t want = lo;
  for (it->Seek(keys::RaftLogKey(region_id_, lo)); it->Valid(); it->Next()) {
    eraftpb::Entry e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Status::Corruption("raft log entry of region " + std::to_string(region_id_) +
                                " does not parse");
    }
    if (e.index() != want) {
      return Status::Corruption("raft log of region " + std::to_string(region_id_) +
                                " has a gap at " + std::to_string(want));
    }
    size += e.ByteSizeLong();
    if (!out.empty() && size > max_size) return out;
    out.push_back(std::move(e));
    ++want;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "read raft log"));
  if (want != hi) {
    return Status::Corruption("raft log of region " + std::to_string(region_id_) +
                              " is missing entry " + std::to_string(want));
  }
  return out;
}

Result<uint64_t> PeerStorage::Term(uint64_t i) const {
  const auto& ts = apply_state_.truncated_state();
  if (i == ts.index()) return ts.term();
  if (i < ts.index()) return raft::ErrCompacted();
  if (i > LastIndex()) return raft::ErrUnavailable();
  if (i == LastIndex()) return last_term_;
  ASSIGN_OR_RETURN(auto ents, Entries(i, i + 1, UINT64_MAX));
  return ents[0].term();
}

Result<eraftpb::Snapshot> PeerStorage::Snapshot(uint64_t /*request_index*/) const {
  if (generator_) return generator_();
  return raft::ErrSnapshotTemporarilyUnavailable();
}

void PeerStorage::PutRaftState(rocksdb::WriteBatch* wb) {
  wb->Put(cf_, keys::RaftStateKey(region_id_), raft_state_.SerializeAsString());
}

void PeerStorage::PutApplyState(rocksdb::WriteBatch* wb) {
  wb->Put(cf_, keys::ApplyStateKey(region_id_), apply_state_.SerializeAsString());
}

void PeerStorage::AppendToBatch(const std::vector<eraftpb::Entry>& entries,
                                rocksdb::WriteBatch* wb) {
  if (entries.empty()) return;
  uint64_t prev_last = LastIndex();
  for (const auto& e : entries) {
    if (e.index() < FirstIndex()) continue;  // already covered by the truncated state
    wb->Put(cf_, keys::RaftLogKey(region_id_, e.index()), e.SerializeAsString());
  }
  const auto& last = entries.back();
  if (last.index() < FirstIndex()) return;
  // Entries past the new last index belong to a replaced suffix.
  if (prev_last > last.index()) {
    wb->DeleteRange(cf_, keys::RaftLogKey(region_id_, last.index() + 1),
                    keys::RaftLogKey(region_id_, prev_last + 1));
  }
  raft_state_.set_last_index(last.index());
  last_term_ = last.term();
  PutRaftState(wb);
}

void PeerStorage::SetHardStateToBatch(const eraftpb::HardState& hs, rocksdb::WriteBatch* wb) {
  *raft_state_.mutable_hard_state() = hs;
  PutRaftState(wb);
}

void PeerStorage::ApplySnapshotToBatch(const eraftpb::SnapshotMetadata& meta, bool keep_log,
                                       rocksdb::WriteBatch* wb) {
  if (keep_log && raft_state_.last_index() > meta.index()) {
    // Entries after the snapshot may be acknowledged to the leader: they stay.
    wb->DeleteRange(cf_, keys::RaftLogKey(region_id_, 0),
                    keys::RaftLogKey(region_id_, meta.index() + 1));
  } else {
    wb->DeleteRange(cf_, keys::RaftLogKey(region_id_, 0), keys::RaftLogKey(region_id_, UINT64_MAX));
    raft_state_.set_last_index(meta.index());
    last_term_ = meta.term();
  }
  auto* hs = raft_state_.mutable_hard_state();
  if (hs->commit() < meta.index()) hs->set_commit(meta.index());
  if (hs->term() < meta.term()) hs->set_term(meta.term());
  apply_state_.set_applied_index(meta.index());
  apply_state_.mutable_truncated_state()->set_index(meta.index());
  apply_state_.mutable_truncated_state()->set_term(meta.term());
  conf_state_ = meta.conf_state();
  PutRaftState(wb);
  PutApplyState(wb);
}

void PeerStorage::SetAppliedToBatch(uint64_t applied, rocksdb::WriteBatch* wb) {
  apply_state_.set_applied_index(applied);
  PutApplyState(wb);
}

Status PeerStorage::CompactToBatch(uint64_t compact_index, rocksdb::WriteBatch* wb) {
  const auto& ts = apply_state_.truncated_state();
  if (compact_index <= ts.index()) return Status::OK();
  if (compact_index > applied_index()) {
    return Status::InvalidArgument("cannot compact region " + std::to_string(region_id_) +
                                   " to " + std::to_string(compact_index) +
                                   " beyond its applied index " +
                                   std::to_string(applied_index()));
  }
  ASSIGN_OR_RETURN(uint64_t term, Term(compact_index));
  wb->DeleteRange(cf_, keys::RaftLogKey(region_id_, 0),
                  keys::RaftLogKey(region_id_, compact_index + 1));
  apply_state_.mutable_truncated_state()->set_index(compact_index);
  apply_state_.mutable_truncated_state()->set_term(term);
  PutApplyState(wb);
  return Status::OK();
}

void PeerStorage::ClearToBatch(rocksdb::WriteBatch* wb) {
  wb->DeleteRange(cf_, keys::RegionRaftPrefix(region_id_),
                  keys::RegionRaftPrefix(region_id_ + 1));
  raft_state_.Clear();
  apply_state_.Clear();
  last_term_ = 0;
}

}  // namespace brkv::raftstore
