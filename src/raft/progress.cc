#include "raft/progress.h"

#include <algorithm>
#include <functional>

namespace brkv::raft {

const char* ProgressStateName(ProgressState s) {
  switch (s) {
    case ProgressState::kProbe: return "Probe";
    case ProgressState::kReplicate: return "Replicate";
    case ProgressState::kSnapshot: return "Snapshot";
  }
  return "?";
}

void Progress::BecomeProbe() {
  // After a snapshot, the follower is known to have at least the snapshot's entries.
  if (state == ProgressState::kSnapshot) {
    uint64_t ps = pending_snapshot;
    state = ProgressState::kProbe;
    next_idx = std::max(match + 1, ps + 1);
  } else {
    state = ProgressState::kProbe;
    next_idx = match + 1;
  }
  probe_sent = false;
  pending_snapshot = 0;
  ins.Reset();
}

void Progress::BecomeReplicate() {
  state = ProgressState::kReplicate;
  next_idx = match + 1;
  probe_sent = false;
  pending_snapshot = 0;
  ins.Reset();
}

void Progress::BecomeSnapshot(uint64_t snapshot_index) {
  state = ProgressState::kSnapshot;
  pending_snapshot = snapshot_index;
  probe_sent = false;
  ins.Reset();
}

bool Progress::MaybeUpdate(uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    Resume();
  }
  next_idx = std::max(next_idx, n + 1);
  return updated;
}

bool Progress::MaybeDecrTo(uint64_t rejected, uint64_t match_hint) {
  if (state == ProgressState::kReplicate) {
    // Stale rejection: the follower already has what was rejected.
    if (rejected <= match) return false;
    next_idx = match + 1;
    return true;
  }
  // Probe (or snapshot): only the rejection of the last probe counts.
  if (next_idx == 0 || next_idx - 1 != rejected) return false;
  next_idx = std::max(std::min(rejected, match_hint + 1), match + 1);
  if (next_idx < 1) next_idx = 1;
  Resume();
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe: return probe_sent;
    case ProgressState::kReplicate: return ins.Full();
    case ProgressState::kSnapshot: return true;
  }
  return true;
}

void ProgressTracker::Reset(const eraftpb::ConfState& cs, uint64_t next_idx) {
  voters_.clear();
  learners_.clear();
  progress_.clear();
  votes_.clear();
  for (uint64_t v : cs.voters()) AddVoter(v, next_idx);
  for (uint64_t l : cs.learners()) AddLearner(l, next_idx);
}

eraftpb::ConfState ProgressTracker::ConfState() const {
  eraftpb::ConfState cs;
  for (uint64_t v : voters_) cs.add_voters(v);
  for (uint64_t l : learners_) cs.add_learners(l);
  return cs;
}

Progress* ProgressTracker::Get(uint64_t id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::Get(uint64_t id) const {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

void ProgressTracker::AddVoter(uint64_t id, uint64_t next_idx) {
  if (learners_.erase(id)) {
    voters_.insert(id);
    progress_.at(id).is_learner = false;
    return;
  }
  if (voters_.count(id)) return;
  voters_.insert(id);
  Progress pr(next_idx, max_inflight_);
  pr.recent_active = true;  // a new member gets a full election timeout before it counts
  progress_.emplace(id, std::move(pr));
}

void ProgressTracker::AddLearner(uint64_t id, uint64_t next_idx) {
  if (voters_.count(id) || learners_.count(id)) return;
  learners_.insert(id);
  Progress pr(next_idx, max_inflight_);
  pr.is_learner = true;
  pr.recent_active = true;
  progress_.emplace(id, std::move(pr));
}

void ProgressTracker::Remove(uint64_t id) {
  voters_.erase(id);
  learners_.erase(id);
  progress_.erase(id);
  votes_.erase(id);
}

uint64_t ProgressTracker::QuorumCommitted() const {
  if (voters_.empty()) return 0;
  std::vector<uint64_t> matches;
  matches.reserve(voters_.size());
  for (uint64_t v : voters_) matches.push_back(progress_.at(v).match);
  std::sort(matches.begin(), matches.end(), std::greater<>());
  return matches[Quorum() - 1];
}

bool ProgressTracker::QuorumActive(uint64_t self) const {
  size_t active = 0;
  for (uint64_t v : voters_) {
    if (v == self || progress_.at(v).recent_active) ++active;
  }
  return active >= Quorum();
}

void ProgressTracker::RecordVote(uint64_t id, bool granted) { votes_.emplace(id, granted); }

VoteResult ProgressTracker::TallyVotes(size_t* granted, size_t* rejected) const {
  size_t g = 0, r = 0;
  for (uint64_t v : voters_) {
    auto it = votes_.find(v);
    if (it == votes_.end()) continue;
    (it->second ? g : r)++;
  }
  if (granted) *granted = g;
  if (rejected) *rejected = r;
  size_t q = Quorum();
  if (g >= q) return VoteResult::kWon;
  if (voters_.size() - r < q) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace brkv::raft
