// PeerStorage: one region's Raft log and state, persisted in RocksDB's CF raft with TiKV's key
// layout (raft_keys.h). It is the raft::Storage the region's RawNode reads, and it turns a
// Ready's entries, hard state and snapshot into writes in a caller-owned WriteBatch, so that
// the Readies of every region on a store go to disk in one synced write.
//
// Write protocol: the *ToBatch methods update the in-memory view at once and put the writes
// into `wb`; the caller must write `wb` (synced when the Ready says so) before it sends the
// Ready's messages and before it calls the RawNode's Advance (after which the core reads the
// entries back from here). If the write fails the node must
// stop (the in-memory view is then ahead of the disk).
// Thread-safety: none; the store's raft thread owns it.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <memory>

#include "proto/raft_serverpb.pb.h"
#include "raft/storage.h"

namespace brkv::raftstore {

class PeerStorage : public raft::Storage {
 public:
  // Writes the initial Raft state of a new region (index and term kRaftInitLogIndex) into wb:
  // what bootstrap and split do for the regions they create.
  static void BootstrapToBatch(uint64_t region_id, rocksdb::WriteBatch* wb,
                               rocksdb::ColumnFamilyHandle* cf);

  // Loads the region's state. A region with no state yet is an uninitialized peer (created by a
  // message): empty log at index 0, waiting for a snapshot. `conf_state` is the membership
  // from the region's metadata. Errors: RocksDB failures, corrupt state (Corruption).
  static Result<std::unique_ptr<PeerStorage>> Open(rocksdb::DB* db,
                                                   rocksdb::ColumnFamilyHandle* cf,
                                                   uint64_t region_id,
                                                   const eraftpb::ConfState& conf_state);

  // raft::Storage.
  Result<raft::RaftState> InitialState() const override;
  Result<std::vector<eraftpb::Entry>> Entries(uint64_t lo, uint64_t hi,
                                              uint64_t max_size) const override;
  Result<uint64_t> Term(uint64_t i) const override;
  uint64_t FirstIndex() const override;
  uint64_t LastIndex() const override;
  Result<eraftpb::Snapshot> Snapshot(uint64_t request_index) const override;

  // Appends entries, deleting any persisted suffix they replace.
  void AppendToBatch(const std::vector<eraftpb::Entry>& entries, rocksdb::WriteBatch* wb);
  void SetHardStateToBatch(const eraftpb::HardState& hs, rocksdb::WriteBatch* wb);
  // Installs a snapshot's Raft state: the log is emptied and starts after the snapshot. With
  // `keep_log` (raft::Ready::snapshot_keeps_log) only the entries up to the snapshot go; those
  // after it stay. (The snapshot's data is ingested by the caller, in the same write or before
  // it.)
  void ApplySnapshotToBatch(const eraftpb::SnapshotMetadata& meta, bool keep_log,
                            rocksdb::WriteBatch* wb);
  // Records the applied index; goes in the same batch as the data it applies.
  void SetAppliedToBatch(uint64_t applied, rocksdb::WriteBatch* wb);
  // Drops the log before compact_index (its term stays known). REQUIRES: compact_index <=
  // applied index. Returns InvalidArgument otherwise.
  Status CompactToBatch(uint64_t compact_index, rocksdb::WriteBatch* wb);
  // Deletes every Raft key of the region (the peer was removed).
  void ClearToBatch(rocksdb::WriteBatch* wb);

  // Snapshots come from the state machine (the region's data at the applied index); the
  // raftstore installs the generator. Without one, Snapshot() reports "temporarily unavailable".
  void set_snapshot_generator(std::function<Result<eraftpb::Snapshot>()> g) {
    generator_ = std::move(g);
  }
  void set_conf_state(const eraftpb::ConfState& cs) { conf_state_ = cs; }

  uint64_t region_id() const { return region_id_; }
  uint64_t applied_index() const { return apply_state_.applied_index(); }
  const raft_serverpb::RaftLocalState& raft_state() const { return raft_state_; }
  const raft_serverpb::RaftApplyState& apply_state() const { return apply_state_; }
  // Whether the peer has Raft state (false: created by a message, waiting for a snapshot).
  bool initialized() const { return raft_state_.last_index() > 0; }

 private:
  PeerStorage(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, uint64_t region_id)
      : db_(db), cf_(cf), region_id_(region_id) {}
  void PutRaftState(rocksdb::WriteBatch* wb);
  void PutApplyState(rocksdb::WriteBatch* wb);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  uint64_t region_id_;
  raft_serverpb::RaftLocalState raft_state_;
  raft_serverpb::RaftApplyState apply_state_;
  eraftpb::ConfState conf_state_;
  uint64_t last_term_ = 0;
  std::function<Result<eraftpb::Snapshot>()> generator_;
};

}  // namespace brkv::raftstore
