// RaftLog: a node's view of its log, combining what is persisted (Storage) with what is not yet
// (Unstable), plus the committed, persisted and applied indexes.
//
// Invariants: applied <= committed; committed <= last index; entries handed out for applying
// are both committed and persisted locally (a node never applies an entry it could lose in a
// crash). Violations of Raft's guarantees (e.g. truncating a committed entry) are fatal: the
// process aborts rather than diverge. Thread-safety: none.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "raft/storage.h"
#include "raft/unstable.h"

namespace brkv::raft {

// Logs `msg` and aborts: the node detected a broken Raft invariant.
[[noreturn]] void RaftFatal(const std::string& msg);

class RaftLog {
 public:
  // REQUIRES: storage outlives the log.
  explicit RaftLog(const Storage* storage);

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  uint64_t LastTerm() const;
  // Term of entry i; 0 when i is outside [FirstIndex() - 1, LastIndex()] or compacted.
  Result<uint64_t> Term(uint64_t i) const;
  uint64_t TermOrZero(uint64_t i) const;
  bool MatchTerm(uint64_t i, uint64_t t) const;
  // Whether a log ending at (lasti, term) is at least as up to date as this one (§5.4.1).
  bool IsUpToDate(uint64_t lasti, uint64_t term) const;

  // Follower side of MsgAppend: if the entry at `index` has `log_term`, appends `ents` (dropping
  // a conflicting suffix), raises commit to min(committed, last new index) and returns the last
  // new index; otherwise returns nullopt.
  std::optional<uint64_t> MaybeAppend(uint64_t index, uint64_t log_term, uint64_t committed,
                                      const std::vector<eraftpb::Entry>& ents);
  // Appends at the end (possibly truncating unstable entries); returns the last index.
  // REQUIRES: ents[0].index() - 1 >= committed.
  uint64_t Append(const std::vector<eraftpb::Entry>& ents);
  // Index of the first entry of `ents` that conflicts with the log or is new; 0 if none.
  uint64_t FindConflict(const std::vector<eraftpb::Entry>& ents) const;
  // The largest index <= index whose term is <= term, and that term (for reject hints).
  std::pair<uint64_t, uint64_t> FindConflictByTerm(uint64_t index, uint64_t term) const;

  // Entries in [lo, hi) of at most max_size bytes (at least one). Errors: compacted.
  Result<std::vector<eraftpb::Entry>> Slice(uint64_t lo, uint64_t hi, uint64_t max_size) const;
  // Entries from i to the end, at most max_size bytes.
  Result<std::vector<eraftpb::Entry>> EntriesFrom(uint64_t i, uint64_t max_size) const;

  // Committed, persisted entries after `since` (normally the applying index).
  std::vector<eraftpb::Entry> NextCommittedEntries(uint64_t since, uint64_t max_size) const;
  bool HasNextCommittedEntries(uint64_t since) const;
  const std::vector<eraftpb::Entry>& UnstableEntries() const { return unstable_.entries; }
  const std::optional<eraftpb::Snapshot>& UnstableSnapshot() const { return unstable_.snapshot; }
  // Whether the unstable snapshot keeps the log after its index (RestoreKeepingLog).
  bool UnstableSnapshotKeepsLog() const { return unstable_.snapshot_keeps_log; }
  // The snapshot to send to a follower: the unstable one, else the storage's.
  Result<eraftpb::Snapshot> Snapshot(uint64_t request_index) const;

  // Raises committed to max_index if that entry has `term` (the leader's commit rule).
  bool MaybeCommit(uint64_t max_index, uint64_t term);
  // REQUIRES: to_commit <= LastIndex() (fatal otherwise). Never lowers committed.
  void CommitTo(uint64_t to_commit);
  // REQUIRES: committed >= i >= applied (fatal otherwise).
  void AppliedTo(uint64_t i);
  // Entries up to (i, t) were persisted by the application.
  void StableTo(uint64_t i, uint64_t t);
  void StableSnapTo(uint64_t i);
  // Replaces the log with an incoming snapshot (not yet persisted).
  void Restore(const eraftpb::Snapshot& s);
  // Takes an incoming snapshot for the state machine only: entries after its index stay (they
  // may be acknowledged to the leader, i.e. part of a commit quorum), entries up to it are
  // covered by it, and committed rises to its index if lower.
  // REQUIRES: the log holds the snapshot's (index, term) and that entry is persisted (fatal
  // otherwise).
  void RestoreKeepingLog(const eraftpb::Snapshot& s);

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  uint64_t persisted() const { return persisted_; }
  const Storage* storage() const { return storage_; }
  void set_committed(uint64_t c) { committed_ = c; }
  void set_applied(uint64_t a) { applied_ = a; }

 private:
  const Storage* storage_;
  Unstable unstable_;
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
  uint64_t persisted_ = 0;  // highest index known durable in this node's storage
};

}  // namespace brkv::raft
