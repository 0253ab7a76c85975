// Raft: one node's consensus state machine (leader election, log replication, membership,
// snapshots, ReadIndex, pre-vote, check-quorum, leader transfer), after the Raft paper and
// etcd raft's design.
//
// Inputs: Tick(), Step(message), and the persistence acknowledgements OnPersist*; outputs are
// read from the public members (messages to send, read states) and the log by RawNode, which is
// the API applications use. Rules this node keeps that the application must complete:
//  - messages are sent only after the entries and hard state they depend on are persisted;
//  - the leader counts its own entries toward commit only once they are persisted;
//  - entries are handed out for applying only when committed and persisted locally.
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "raft/progress.h"
#include "raft/raft_log.h"
#include "raft/read_only.h"

namespace brkv::raft {

// Context of a vote request sent on behalf of a leader transfer (bypasses the vote lease).
inline constexpr char kCampaignTransfer[] = "CampaignTransfer";

inline Status ErrProposalDropped(std::string_view why) {
  return Status::Aborted(std::string("raft: proposal dropped: ") + std::string(why));
}
inline bool IsProposalDropped(const Status& s) { return s.code() == Status::Code::kAborted; }

enum class CampaignType { kPreElection, kElection, kTransfer };

class Raft {
 public:
  // Loads hard state and membership from storage. Errors: storage failures, a hard state
  // inconsistent with the log, or an invalid config.
  static Result<std::unique_ptr<Raft>> Create(const Config& c, const Storage* storage);

  // Advances logical time by one tick.
  void Tick();
  // Feeds a message (from the network, or a local one such as MsgHup / MsgPropose).
  // Errors: a proposal that cannot be accepted (ErrProposalDropped).
  Status Step(eraftpb::Message m);

  // Entries up to (index, term) from the last Ready are durable.
  void OnPersistEntries(uint64_t index, uint64_t term);
  // The snapshot at index is durable.
  void OnPersistSnapshot(uint64_t index);
  // The application applied entries up to index.
  void AppliedTo(uint64_t index);
  // Asks the leader for a snapshot of index >= `index` because this node's state machine cannot
  // apply entry `index` on its own (e.g. a file it needs is missing). Until a snapshot arrives
  // (or the node applies up to `index` itself), the follower repeats the request with every
  // heartbeat response; it keeps taking entries meanwhile (its log is sound, and the group
  // keeps its quorum). The snapshot replaces
  // only the state machine when the log matches it (see Restore), so entries after it that may
  // be acknowledged are never dropped. A request already pending is kept (OK).
  // Errors: Aborted on the leader (it must hand leadership on first); InvalidArgument when
  // `index` is not committed (only then can the leader be expected to apply it).
  Status RequestSnapshot(uint64_t index);
  // Applies a committed membership change; returns the resulting membership.
  // Errors: a change the single-step protocol does not allow (demoting a voter).
  Result<eraftpb::ConfState> ApplyConfChange(const eraftpb::ConfChange& cc);

  eraftpb::HardState HardState() const;
  bool Promotable() const;

  uint64_t id() const { return id_; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t lead() const { return lead_; }
  StateRole state() const { return state_; }
  uint64_t lead_transferee() const { return lead_transferee_; }
  uint64_t pending_conf_index() const { return pending_conf_index_; }
  // The index a RequestSnapshot is pending for (kNone when none).
  uint64_t pending_request_snapshot() const { return pending_request_snapshot_; }
  int election_elapsed() const { return election_elapsed_; }
  int randomized_election_timeout() const { return randomized_election_timeout_; }
  RaftLog& raft_log() { return log_; }
  const RaftLog& raft_log() const { return log_; }
  ProgressTracker& prs() { return prs_; }
  const ProgressTracker& prs() const { return prs_; }

  // Outputs, drained by RawNode.
  std::vector<eraftpb::Message> msgs;
  std::vector<ReadState> read_states;

  // Test hooks.
  void BecomeFollower(uint64_t term, uint64_t lead);
  void BecomeCandidate();
  void BecomePreCandidate();
  void BecomeLeader();
  void SetRandomizedElectionTimeout(int t) { randomized_election_timeout_ = t; }

 private:
  Raft(const Config& c, const Storage* storage);

  void Reset(uint64_t term);
  void ResetRandomizedElectionTimeout();
  void TickElection();
  void TickHeartbeat();
  bool PastElectionTimeout() const { return election_elapsed_ >= randomized_election_timeout_; }

  void Campaign(CampaignType t);
  VoteResult Poll(uint64_t id, eraftpb::MessageType t, bool granted);
  void Hup(CampaignType t);
  bool HasUnappliedConfChanges() const;

  Status StepLeader(eraftpb::Message& m);
  Status StepCandidate(eraftpb::Message& m);
  Status StepFollower(eraftpb::Message& m);
  void HandleAppendEntries(const eraftpb::Message& m);
  void HandleHeartbeat(const eraftpb::Message& m);
  void HandleSnapshot(const eraftpb::Message& m);
  // Takes an incoming snapshot; on success *restored is its index.
  bool Restore(const eraftpb::Snapshot& s, uint64_t* restored);
  void HandleAppendResponse(const eraftpb::Message& m, Progress* pr);
  void HandleSnapshotRequest(const eraftpb::Message& m, Progress* pr);
  void SendRequestSnapshot();
  void HandleHeartbeatResponse(const eraftpb::Message& m, Progress* pr);
  void HandleTransferLeader(const eraftpb::Message& m);
  void HandleReadIndex(const eraftpb::Message& m);
  void ReleasePendingReadIndexMessages();
  void SendReadIndexResponse(const eraftpb::Message& req, uint64_t index);

  void Send(eraftpb::Message m);
  void SendAppend(uint64_t to) { MaybeSendAppend(to, true); }
  bool MaybeSendAppend(uint64_t to, bool send_if_empty);
  // Fills *m with a snapshot at or past pr's requested index if one can be made now.
  bool MaybeTakeRequestedSnapshot(Progress* pr, eraftpb::Message* m);
  void SendHeartbeat(uint64_t to, const std::string& ctx);
  void SendTimeoutNow(uint64_t to);
  void BcastAppend();
  void BcastHeartbeat();
  void BcastHeartbeatWithCtx(const std::string& ctx);
  bool MaybeCommit();
  bool AppendEntries(std::vector<eraftpb::Entry> ents);
  void AbortLeaderTransfer() { lead_transferee_ = kNone; }
  bool CommittedEntryInCurrentTerm() const { return log_.TermOrZero(log_.committed()) == term_; }
  uint64_t RandomInt(uint64_t n);

  uint64_t id_;
  uint64_t term_ = 0;
  uint64_t vote_ = kNone;
  RaftLog log_;
  ProgressTracker prs_;
  StateRole state_ = StateRole::kFollower;
  bool is_learner_ = false;
  uint64_t lead_ = kNone;
  uint64_t lead_transferee_ = kNone;
  // Index of the latest membership change in the log (a new one waits until it is applied).
  uint64_t pending_conf_index_ = 0;
  // RequestSnapshot's index while the request is pending (kept across terms and roles).
  uint64_t pending_request_snapshot_ = kNone;
  ReadOnly read_only_;
  // ReadIndex requests that arrived before this leader committed an entry of its term.
  std::vector<eraftpb::Message> pending_read_index_msgs_;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  bool check_quorum_;
  bool pre_vote_;
  int heartbeat_timeout_;
  int election_timeout_;
  int randomized_election_timeout_ = 0;
  uint64_t max_msg_size_;
  uint64_t rng_state_;
};

}  // namespace brkv::raft
