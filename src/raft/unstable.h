// Unstable: the tail of a Raft log that the application has not persisted yet (entries and at
// most one incoming snapshot). Part of RaftLog; not used on its own. Thread-safety: none.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "raft/raft_types.h"

namespace brkv::raft {

class Unstable {
 public:
  // Index of entries_[0]; entries before it are in storage (or the snapshot).
  uint64_t offset = 0;
  std::vector<eraftpb::Entry> entries;
  std::optional<eraftpb::Snapshot> snapshot;
  // With `snapshot`: it replaces only the state machine; the log after its index stays (the
  // entries from the snapshot's index + 1 to the last index are in storage and `entries`).
  bool snapshot_keeps_log = false;

  // The first index if an unstable snapshot exists (its index + 1).
  std::optional<uint64_t> MaybeFirstIndex() const;
  // The last index if there are unstable entries or an unstable snapshot.
  std::optional<uint64_t> MaybeLastIndex() const;
  // The term of entry i if the unstable part knows it.
  std::optional<uint64_t> MaybeTerm(uint64_t i) const;
  // Entries up to (i, t) were persisted: drop them, if entry i still has term t.
  void StableTo(uint64_t i, uint64_t t);
  // The snapshot at index i was persisted.
  void StableSnapTo(uint64_t i);
  // Replaces everything with an incoming snapshot.
  void Restore(const eraftpb::Snapshot& s);
  // Takes a snapshot that keeps the log after its index. REQUIRES: s's index < offset (its
  // entry is persisted).
  void RestoreKeepingLog(const eraftpb::Snapshot& s);
  // Appends entries, truncating any unstable suffix from ents[0].index() on.
  void TruncateAndAppend(const std::vector<eraftpb::Entry>& ents);
  // Entries in [lo, hi). REQUIRES: offset <= lo <= hi <= offset + entries.size().
  std::vector<eraftpb::Entry> Slice(uint64_t lo, uint64_t hi) const;
};

}  // namespace brkv::raft
