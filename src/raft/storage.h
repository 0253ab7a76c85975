// Storage: the read side of a Raft node's persistent log, as the core sees it.
//
// The application persists entries, hard state and snapshots from each Ready, and implements
// this interface over what it persisted. The core only reads through it. Entry indexes are
// contiguous from FirstIndex() to LastIndex(); the entry at FirstIndex() - 1 is covered by the
// latest snapshot (its term is still readable through Term()). Errors use the codes documented
// in raft_types.h. Thread-safety: the core calls it from the thread that owns the node.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "raft/raft_types.h"

namespace brkv::raft {

struct RaftState {
  eraftpb::HardState hard_state;
  eraftpb::ConfState conf_state;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // The persisted hard state and membership to start from.
  virtual Result<RaftState> InitialState() const = 0;
  // Entries in [lo, hi), at most max_size bytes but at least one entry if any is in range.
  // REQUIRES: FirstIndex() <= lo <= hi <= LastIndex() + 1, else ErrCompacted / ErrUnavailable.
  virtual Result<std::vector<eraftpb::Entry>> Entries(uint64_t lo, uint64_t hi,
                                                      uint64_t max_size) const = 0;
  // Term of entry i, for i in [FirstIndex() - 1, LastIndex()].
  virtual Result<uint64_t> Term(uint64_t i) const = 0;
  virtual uint64_t FirstIndex() const = 0;
  virtual uint64_t LastIndex() const = 0;
  // The most recent snapshot, at index >= request_index if the storage can make one; returns
  // ErrSnapshotTemporarilyUnavailable while one is being generated.
  virtual Result<eraftpb::Snapshot> Snapshot(uint64_t request_index) const = 0;
};

}  // namespace brkv::raft
