// Progress: the leader's view of one follower's log, and ProgressTracker: the membership (voters
// and learners) with every member's progress and the votes of the current election.
//
// A follower is in one of three states: Probe (one MsgAppend at a time until the match point is
// found), Replicate (pipelined MsgAppends up to an in-flight limit) or Snapshot (waiting for a
// snapshot to be applied). Thread-safety: none.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <vector>

#include "raft/raft_types.h"

namespace brkv::raft {

enum class ProgressState { kProbe, kReplicate, kSnapshot };
const char* ProgressStateName(ProgressState s);

// In-flight MsgAppends to one follower, by the last index each carried.
class Inflights {
 public:
  explicit Inflights(size_t cap) : cap_(cap) {}
  bool Full() const { return q_.size() >= cap_; }
  size_t Count() const { return q_.size(); }
  void Add(uint64_t last) { q_.push_back(last); }
  // Frees every message whose last index is <= to.
  void FreeTo(uint64_t to) {
    while (!q_.empty() && q_.front() <= to) q_.pop_front();
  }
  void FreeFirstOne() {
    if (!q_.empty()) q_.pop_front();
  }
  void Reset() { q_.clear(); }

 private:
  size_t cap_;
  std::deque<uint64_t> q_;
};

struct Progress {
  Progress(uint64_t next, size_t inflight_cap) : next_idx(next), ins(inflight_cap) {}

  uint64_t match = 0;
  uint64_t next_idx = 1;
  ProgressState state = ProgressState::kProbe;
  // Probe: a MsgAppend is out and unanswered, send no more until a response or heartbeat.
  bool probe_sent = false;
  // Snapshot: the index of the snapshot being sent.
  uint64_t pending_snapshot = 0;
  // The follower asked for a snapshot at or past this index (RawNode::RequestSnapshot): its
  // state machine cannot apply an entry on its own. The next send is a snapshot of at least
  // this index; 0 when nothing is asked. Cleared once such a snapshot is sent.
  uint64_t pending_request_snapshot = 0;
  // The follower says it waits for a snapshot at or past this index (its state machine is
  // stuck); 0 once its heartbeat response says it no longer waits. Such a follower cannot
  // serve, so it is no target for a leader transfer.
  uint64_t waiting_snapshot = 0;
  // Heard from since the last check-quorum round.
  bool recent_active = false;
  bool is_learner = false;
  Inflights ins;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);
  // A positive MsgAppendResponse for index n: returns whether match advanced.
  bool MaybeUpdate(uint64_t n);
  void OptimisticUpdate(uint64_t n) { next_idx = n + 1; }
  // A rejection of the append at `rejected`; match_hint is the follower's hint. Returns false
  // when the rejection is stale (already handled).
  bool MaybeDecrTo(uint64_t rejected, uint64_t match_hint);
  bool IsPaused() const;
  void Resume() { probe_sent = false; }
};

enum class VoteResult { kPending, kLost, kWon };

class ProgressTracker {
 public:
  explicit ProgressTracker(size_t max_inflight) : max_inflight_(max_inflight) {}
  size_t max_inflight() const { return max_inflight_; }

  // Rebuilds the membership from a ConfState; every member starts at next = next_idx.
  void Reset(const eraftpb::ConfState& cs, uint64_t next_idx);
  eraftpb::ConfState ConfState() const;

  const std::set<uint64_t>& voters() const { return voters_; }
  const std::set<uint64_t>& learners() const { return learners_; }
  bool IsVoter(uint64_t id) const { return voters_.count(id) > 0; }
  bool IsLearner(uint64_t id) const { return learners_.count(id) > 0; }
  bool Contains(uint64_t id) const { return progress_.count(id) > 0; }
  Progress* Get(uint64_t id);
  const Progress* Get(uint64_t id) const;
  std::map<uint64_t, Progress>& progress() { return progress_; }
  const std::map<uint64_t, Progress>& progress() const { return progress_; }

  // Adds a voter, or promotes a learner. New members start at next = next_idx.
  void AddVoter(uint64_t id, uint64_t next_idx);
  // Adds a learner. REQUIRES: id is not a voter (demotion is not supported).
  void AddLearner(uint64_t id, uint64_t next_idx);
  void Remove(uint64_t id);

  // The largest index replicated (match) on a majority of voters.
  uint64_t QuorumCommitted() const;
  // Whether a majority of voters were recently active (the leader counts itself).
  bool QuorumActive(uint64_t self) const;
  size_t Quorum() const { return voters_.size() / 2 + 1; }

  void ResetVotes() { votes_.clear(); }
  void RecordVote(uint64_t id, bool granted);
  VoteResult TallyVotes(size_t* granted, size_t* rejected) const;

 private:
  size_t max_inflight_;
  std::set<uint64_t> voters_;
  std::set<uint64_t> learners_;
  std::map<uint64_t, Progress> progress_;
  std::map<uint64_t, bool> votes_;
};

}  // namespace brkv::raft
