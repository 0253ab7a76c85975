// MemoryStorage: a Storage kept in memory. Used by tests and the simulator, and as the model the
// raftstore's RocksDB-backed storage follows.
//
// The first element of the entry array is a dummy holding the index and term of the latest
// snapshot (or 0/0). Thread-safety: none.
#pragma once

#include <vector>

#include "raft/storage.h"

namespace brkv::raft {

class MemoryStorage : public Storage {
 public:
  MemoryStorage();
  // A storage whose initial membership is `voters` (a freshly bootstrapped group).
  static MemoryStorage WithVoters(const std::vector<uint64_t>& voters);

  Result<RaftState> InitialState() const override;
  Result<std::vector<eraftpb::Entry>> Entries(uint64_t lo, uint64_t hi,
                                              uint64_t max_size) const override;
  Result<uint64_t> Term(uint64_t i) const override;
  uint64_t FirstIndex() const override;
  uint64_t LastIndex() const override;
  Result<eraftpb::Snapshot> Snapshot(uint64_t request_index) const override;

  void SetHardState(const eraftpb::HardState& hs) { hard_state_ = hs; }
  const eraftpb::HardState& hard_state() const { return hard_state_; }
  void SetConfState(const eraftpb::ConfState& cs) { snapshot_.mutable_metadata()->mutable_conf_state()->CopyFrom(cs); }

  // Replaces the contents with the snapshot. Returns ErrSnapshotOutOfDate-like Aborted when
  // the snapshot is older than the current one.
  Status ApplySnapshot(const eraftpb::Snapshot& snap);
  // Takes a snapshot for the state machine only (Ready::snapshot_keeps_log): entries up to its
  // index are dropped, those after it stay. Errors: Aborted when it is not newer than the
  // current snapshot; InvalidArgument when the log does not hold the snapshot's entry.
  Status ApplySnapshotKeepingLog(const eraftpb::Snapshot& snap);
  // Makes a snapshot at index i (<= last index) with the given membership and payload.
  Result<eraftpb::Snapshot> CreateSnapshot(uint64_t i, const eraftpb::ConfState* cs,
                                           const std::string& data);
  // Discards entries before compact_index (which stays readable as the dummy's term).
  // REQUIRES: compact_index <= LastIndex().
  Status Compact(uint64_t compact_index);
  // Appends entries, truncating any existing suffix they conflict with. Entries older than the
  // first index are ignored. REQUIRES: no gap after the last index.
  Status Append(const std::vector<eraftpb::Entry>& entries);

 private:
  eraftpb::HardState hard_state_;
  eraftpb::Snapshot snapshot_;
  std::vector<eraftpb::Entry> ents_;  // ents_[0] is the dummy
};

}  // namespace brkv::raft
