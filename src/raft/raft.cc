#include "raft/raft.h"

#include <algorithm>
#include <memory>

namespace brkv::raft {

using eraftpb::Entry;
using eraftpb::Message;
using eraftpb::MessageType;

namespace {

bool IsVoteRequest(MessageType t) {
  return t == eraftpb::MsgRequestVote || t == eraftpb::MsgRequestPreVote;
}

MessageType VoteRespType(MessageType t) {
  return t == eraftpb::MsgRequestVote ? eraftpb::MsgRequestVoteResponse
                                      : eraftpb::MsgRequestPreVoteResponse;
}

}  // namespace

const char* RoleName(StateRole r) {
  switch (r) {
    case StateRole::kFollower: return "Follower";
    case StateRole::kCandidate: return "Candidate";
    case StateRole::kLeader: return "Leader";
    case StateRole::kPreCandidate: return "PreCandidate";
  }
  return "?";
}

Status Config::Validate() const {
  if (id == kNone) return Status::InvalidArgument("raft config: id must not be 0");
  if (heartbeat_tick <= 0) return Status::InvalidArgument("raft config: heartbeat_tick must be > 0");
  if (election_tick <= heartbeat_tick) {
    return Status::InvalidArgument("raft config: election_tick must be > heartbeat_tick");
  }
  if (max_inflight_msgs <= 0) {
    return Status::InvalidArgument("raft config: max_inflight_msgs must be > 0");
  }
  return Status::OK();
}

std::string DescribeMessage(const Message& m) {
  std::string s = eraftpb::MessageType_Name(m.msg_type()) + " " + std::to_string(m.from()) +
                  "->" + std::to_string(m.to()) + " term " + std::to_string(m.term()) +
                  " log_term " + std::to_string(m.log_term()) + " index " +
                  std::to_string(m.index()) + " commit " + std::to_string(m.commit());
  if (m.entries_size() > 0) {
    s += " entries [" + std::to_string(m.entries(0).index()) + ".." +
         std::to_string(m.entries(m.entries_size() - 1).index()) + "]";
  }
  if (m.reject()) s += " reject hint " + std::to_string(m.reject_hint());
  if (m.request_snapshot() != 0) s += " request_snapshot " + std::to_string(m.request_snapshot());
  if (m.has_snapshot()) s += " snapshot " + std::to_string(m.snapshot().metadata().index());
  return s;
}

Raft::Raft(const Config& c, const Storage* storage)
    : id_(c.id),
      log_(storage),
      prs_(static_cast<size_t>(c.max_inflight_msgs)),
      check_quorum_(c.check_quorum),
      pre_vote_(c.pre_vote),
      heartbeat_timeout_(c.heartbeat_tick),
      election_timeout_(c.election_tick),
      max_msg_size_(c.max_size_per_msg),
      rng_state_(c.rand_seed ? c.rand_seed : c.id) {}

Result<std::unique_ptr<Raft>> Raft::Create(const Config& c, const Storage* storage) {
  RETURN_IF_ERROR(c.Validate());
  std::unique_ptr<Raft> r(new Raft(c, storage));
  ASSIGN_OR_RETURN(RaftState rs, storage->InitialState());
  r->prs_.Reset(rs.conf_state, 1);
  if (rs.conf_state.voters_outgoing_size() > 0) {
    return Status::NotSupported("raft: joint consensus configurations are not supported");
  }
  const auto& hs = rs.hard_state;
  if (hs.term() != 0 || hs.vote() != 0 || hs.commit() != 0) {
    if (hs.commit() < r->log_.committed() || hs.commit() > r->log_.LastIndex()) {
      return Status::Corruption("raft: hard state commit " + std::to_string(hs.commit()) +
                                " is out of range [" + std::to_string(r->log_.committed()) + ", " +
                                std::to_string(r->log_.LastIndex()) + "]");
    }
    r->log_.set_committed(hs.commit());
    r->term_ = hs.term();
    r->vote_ = hs.vote();
  }
  if (c.applied > 0) {
    if (c.applied > r->log_.committed()) {
      return Status::Corruption("raft: applied index " + std::to_string(c.applied) +
                                " is beyond commit " + std::to_string(r->log_.committed()));
    }
    r->log_.set_applied(std::max(c.applied, r->log_.applied()));
  }
  r->BecomeFollower(r->term_, kNone);
  r->is_learner_ = r->prs_.IsLearner(r->id_);
  return r;
}

uint64_t Raft::RandomInt(uint64_t n) {
  uint64_t z = SplitMix64(&rng_state_);
  return n == 0 ? 0 : z % n;
}

eraftpb::HardState Raft::HardState() const {
  eraftpb::HardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed());
  return hs;
}

bool Raft::Promotable() const { return prs_.IsVoter(id_); }

void Raft::Send(Message m) {
  m.set_from(id_);
  MessageType t = m.msg_type();
  if (IsVoteRequest(t) || t == eraftpb::MsgRequestVoteResponse ||
      t == eraftpb::MsgRequestPreVoteResponse) {
    if (m.term() == 0) RaftFatal("vote message without term: " + DescribeMessage(m));
  } else {
    if (m.term() != 0) RaftFatal("term set on " + DescribeMessage(m));
    // Proposals and read requests forwarded to the leader carry no term: they are local there.
    if (t != eraftpb::MsgPropose && t != eraftpb::MsgReadIndex) m.set_term(term_);
  }
  msgs.push_back(std::move(m));
}

bool Raft::MaybeSendAppend(uint64_t to, bool send_if_empty) {
  Progress* pr = prs_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  Message m;
  m.set_to(to);
  // A follower that asked for a snapshot gets one as soon as this leader can make one at or
  // past the index it asked for; until then it keeps getting entries (its log is sound).
  if (pr->pending_request_snapshot != kNone && pr->recent_active &&
      MaybeTakeRequestedSnapshot(pr, &m)) {
    Send(std::move(m));
    return true;
  }
  auto term = log_.Term(pr->next_idx - 1);
  auto ents = log_.EntriesFrom(pr->next_idx, max_msg_size_);
  bool need_snapshot = !term.ok() || !ents.ok() ||
                       (pr->next_idx - 1 < log_.FirstIndex() - 1);
  if (!need_snapshot && ents->empty() && !send_if_empty) return false;
  if (need_snapshot) {
    if (!pr->recent_active) return false;  // do not push a snapshot to a peer that is gone
    auto snap = log_.Snapshot(pr->next_idx);
    if (!snap.ok()) {
      if (IsSnapshotTemporarilyUnavailable(snap.status())) return false;
      RaftFatal("snapshot unavailable for " + std::to_string(to) + ": " +
                snap.status().ToString());
    }
    if (snap->metadata().index() == 0) RaftFatal("need a non-empty snapshot");
    m.set_msg_type(eraftpb::MsgSnapshot);
    *m.mutable_snapshot() = std::move(*snap);
    pr->BecomeSnapshot(m.snapshot().metadata().index());
    pr->pending_request_snapshot = kNone;
  } else {
    m.set_msg_type(eraftpb::MsgAppend);
    m.set_index(pr->next_idx - 1);
    m.set_log_term(*term);
    for (auto& e : *ents) *m.add_entries() = std::move(e);
    m.set_commit(log_.committed());
    if (m.entries_size() > 0) {
      uint64_t last = m.entries(m.entries_size() - 1).index();
      if (pr->state == ProgressState::kReplicate) {
        pr->OptimisticUpdate(last);
        pr->ins.Add(last);
      } else if (pr->state == ProgressState::kProbe) {
        pr->probe_sent = true;
      }
    }
  }
  Send(std::move(m));
  return true;
}

bool Raft::MaybeTakeRequestedSnapshot(Progress* pr, Message* m) {
  const uint64_t want = pr->pending_request_snapshot;
  // Not applied that far here yet: any snapshot this leader makes would be too old.
  if (log_.applied() < want) return false;
  auto snap = log_.Snapshot(want);
  if (!snap.ok()) {
    if (IsSnapshotTemporarilyUnavailable(snap.status())) return false;
    RaftFatal("snapshot unavailable for " + std::to_string(m->to()) + ": " +
              snap.status().ToString());
  }
  if (snap->metadata().index() < want) return false;  // older than asked: try again later
  m->set_msg_type(eraftpb::MsgSnapshot);
  *m->mutable_snapshot() = std::move(*snap);
  pr->BecomeSnapshot(m->snapshot().metadata().index());
  pr->pending_request_snapshot = kNone;
  return true;
}

void Raft::SendHeartbeat(uint64_t to, const std::string& ctx) {
  const Progress* pr = prs_.Get(to);
  // A follower may not have the leader's whole committed log: never tell it to commit past
  // what it is known to hold.
  uint64_t commit = std::min(pr ? pr->match : 0, log_.committed());
  Message m;
  m.set_to(to);
  m.set_msg_type(eraftpb::MsgHeartbeat);
  m.set_commit(commit);
  m.set_context(ctx);
  Send(std::move(m));
}

void Raft::SendTimeoutNow(uint64_t to) {
  Message m;
  m.set_to(to);
  m.set_msg_type(eraftpb::MsgTimeoutNow);
  Send(std::move(m));
}

void Raft::BcastAppend() {
  for (auto& [id, pr] : prs_.progress()) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::BcastHeartbeat() {
  BcastHeartbeatWithCtx(read_only_.LastPendingRequestCtx());
}

void Raft::BcastHeartbeatWithCtx(const std::string& ctx) {
  for (auto& [id, pr] : prs_.progress()) {
    if (id != id_) SendHeartbeat(id, ctx);
  }
}

bool Raft::MaybeCommit() { return log_.MaybeCommit(prs_.QuorumCommitted(), term_); }

void Raft::Reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  prs_.ResetVotes();
  uint64_t last = log_.LastIndex();
  for (auto& [id, pr] : prs_.progress()) {
    bool learner = pr.is_learner;
    pr = Progress(last + 1, prs_.max_inflight());
    pr.is_learner = learner;
    if (id == id_) {
      pr.match = log_.persisted();
      pr.next_idx = last + 1;
    }
  }
  pending_conf_index_ = 0;
  read_only_.Reset();
  pending_read_index_msgs_.clear();
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      election_timeout_ + static_cast<int>(RandomInt(static_cast<uint64_t>(election_timeout_)));
}

bool Raft::AppendEntries(std::vector<Entry> ents) {
  uint64_t li = log_.LastIndex();
  for (size_t i = 0; i < ents.size(); ++i) {
    ents[i].set_term(term_);
    ents[i].set_index(li + 1 + i);
  }
  log_.Append(ents);
  // The leader's own match advances only when the entries are persisted (OnPersistEntries).
  return true;
}

void Raft::BecomeFollower(uint64_t term, uint64_t lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateRole::kFollower;
}

void Raft::BecomeCandidate() {
  if (state_ == StateRole::kLeader) RaftFatal("invalid transition [leader -> candidate]");
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateRole::kCandidate;
}

void Raft::BecomePreCandidate() {
  if (state_ == StateRole::kLeader) RaftFatal("invalid transition [leader -> pre-candidate]");
  // A pre-candidate changes neither its term nor its vote.
  prs_.ResetVotes();
  state_ = StateRole::kPreCandidate;
  lead_ = kNone;
}

void Raft::BecomeLeader() {
  if (state_ == StateRole::kFollower) RaftFatal("invalid transition [follower -> leader]");
  Reset(term_);
  lead_ = id_;
  state_ = StateRole::kLeader;
  if (Progress* self = prs_.Get(id_)) self->BecomeReplicate();
  AppendEntries({Entry()});
  // No membership change may be proposed until this empty entry, the leader's first of its
  // term, is committed and applied (the single-server change rule: a leader changes membership
  // only after committing an entry of its own term).
  pending_conf_index_ = log_.LastIndex();
  if (Progress* self = prs_.Get(id_)) {
    self->match = log_.persisted();
    self->next_idx = log_.LastIndex() + 1;
  }
}

void Raft::Tick() {
  if (state_ == StateRole::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    Message m;
    m.set_from(id_);
    m.set_msg_type(eraftpb::MsgHup);
    (void)Step(std::move(m));
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      Message m;
      m.set_from(id_);
      m.set_msg_type(eraftpb::MsgCheckQuorum);
      (void)Step(std::move(m));
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (state_ == StateRole::kLeader && lead_transferee_ != kNone) AbortLeaderTransfer();
  }
  if (state_ != StateRole::kLeader) return;
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    Message m;
    m.set_from(id_);
    m.set_msg_type(eraftpb::MsgBeat);
    (void)Step(std::move(m));
  }
}

bool Raft::HasUnappliedConfChanges() const {
  if (log_.applied() >= log_.committed()) return false;
  auto ents = log_.Slice(log_.applied() + 1, log_.committed() + 1, UINT64_MAX);
  if (!ents.ok()) return false;  // compacted: a snapshot is pending, which carries membership
  for (const auto& e : *ents) {
    if (e.entry_type() == eraftpb::EntryConfChange ||
        e.entry_type() == eraftpb::EntryConfChangeV2) {
      return true;
    }
  }
  return false;
}

void Raft::Hup(CampaignType t) {
  if (state_ == StateRole::kLeader) return;
  if (!Promotable()) return;
  // A node must not campaign while it has committed but unapplied membership changes: its view
  // of who votes may be out of date.
  if (HasUnappliedConfChanges()) return;
  Campaign(t);
}

void Raft::Campaign(CampaignType t) {
  uint64_t term;
  MessageType vote_msg;
  if (t == CampaignType::kPreElection) {
    BecomePreCandidate();
    vote_msg = eraftpb::MsgRequestPreVote;
    term = term_ + 1;  // the term we would campaign with; ours does not change
  } else {
    BecomeCandidate();
    vote_msg = eraftpb::MsgRequestVote;
    term = term_;
  }
  if (Poll(id_, VoteRespType(vote_msg), true) == VoteResult::kWon) {
    // A single-voter group wins at once.
    if (t == CampaignType::kPreElection) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (uint64_t v : prs_.voters()) {
    if (v == id_) continue;
    Message m;
    m.set_to(v);
    m.set_term(term);
    m.set_msg_type(vote_msg);
    m.set_index(log_.LastIndex());
    m.set_log_term(log_.LastTerm());
    if (t == CampaignType::kTransfer) m.set_context(kCampaignTransfer);
    Send(std::move(m));
  }
}

VoteResult Raft::Poll(uint64_t id, MessageType /*t*/, bool granted) {
  prs_.RecordVote(id, granted);
  return prs_.TallyVotes(nullptr, nullptr);
}

Status Raft::Step(Message m) {
  const MessageType t = m.msg_type();
  // 1. Terms.
  if (m.term() == 0) {
    // Local message.
  } else if (m.term() > term_) {
    if (IsVoteRequest(t)) {
      bool force = m.context() == kCampaignTransfer;
      bool in_lease = check_quorum_ && lead_ != kNone && election_elapsed_ < election_timeout_;
      if (!force && in_lease) {
        // This node heard from a leader within the minimum election timeout: ignore the vote
        // request without raising the term (protects a healthy leader from a disruptive node).
        return Status::OK();
      }
    }
    if (t == eraftpb::MsgRequestPreVote) {
      // Never change the term on a pre-vote.
    } else if (t == eraftpb::MsgRequestPreVoteResponse && !m.reject()) {
      // A granted pre-vote carries the future term; the term rises when the election starts.
    } else {
      if (t == eraftpb::MsgAppend || t == eraftpb::MsgHeartbeat || t == eraftpb::MsgSnapshot) {
        BecomeFollower(m.term(), m.from());
      } else {
        BecomeFollower(m.term(), kNone);
      }
    }
  } else if (m.term() < term_) {
    if ((check_quorum_ || pre_vote_) &&
        (t == eraftpb::MsgHeartbeat || t == eraftpb::MsgAppend)) {
      // A stale leader (e.g. after a partition) learns the newer term from this response and
      // steps down; without it, a node that ignores its messages could never be rejoined.
      Message r;
      r.set_to(m.from());
      r.set_msg_type(eraftpb::MsgAppendResponse);
      Send(std::move(r));
    } else if (t == eraftpb::MsgRequestPreVote) {
      Message r;
      r.set_to(m.from());
      r.set_term(term_);
      r.set_msg_type(eraftpb::MsgRequestPreVoteResponse);
      r.set_reject(true);
      Send(std::move(r));
    }
    return Status::OK();
  }

  // 2. Messages every role handles.
  switch (t) {
    case eraftpb::MsgHup:
      Hup(pre_vote_ ? CampaignType::kPreElection : CampaignType::kElection);
      return Status::OK();
    case eraftpb::MsgRequestVote:
    case eraftpb::MsgRequestPreVote: {
      bool can_vote = vote_ == m.from() || (vote_ == kNone && lead_ == kNone) ||
                      (t == eraftpb::MsgRequestPreVote && m.term() > term_);
      Message r;
      r.set_to(m.from());
      r.set_msg_type(VoteRespType(t));
      if (can_vote && log_.IsUpToDate(m.index(), m.log_term())) {
        // The response carries the request's term (for a pre-vote, the future term).
        r.set_term(m.term());
        if (t == eraftpb::MsgRequestVote) {
          election_elapsed_ = 0;
          vote_ = m.from();
        }
      } else {
        r.set_term(term_);
        r.set_reject(true);
      }
      Send(std::move(r));
      return Status::OK();
    }
    default:
      break;
  }

  switch (state_) {
    case StateRole::kLeader: return StepLeader(m);
    case StateRole::kCandidate:
    case StateRole::kPreCandidate: return StepCandidate(m);
    case StateRole::kFollower: return StepFollower(m);
  }
  return Status::OK();
}

Status Raft::StepCandidate(Message& m) {
  MessageType my_resp = state_ == StateRole::kPreCandidate ? eraftpb::MsgRequestPreVoteResponse
                                                           : eraftpb::MsgRequestVoteResponse;
  switch (m.msg_type()) {
    case eraftpb::MsgPropose:
      return ErrProposalDropped("no leader");
    case eraftpb::MsgAppend:
      BecomeFollower(m.term(), m.from());
      HandleAppendEntries(m);
      break;
    case eraftpb::MsgHeartbeat:
      BecomeFollower(m.term(), m.from());
      HandleHeartbeat(m);
      break;
    case eraftpb::MsgSnapshot:
      BecomeFollower(m.term(), m.from());
      HandleSnapshot(m);
      break;
    case eraftpb::MsgRequestPreVoteResponse:
    case eraftpb::MsgRequestVoteResponse: {
      if (m.msg_type() != my_resp) break;
      VoteResult res = Poll(m.from(), m.msg_type(), !m.reject());
      if (res == VoteResult::kWon) {
        if (state_ == StateRole::kPreCandidate) {
          Campaign(CampaignType::kElection);
        } else {
          BecomeLeader();
          BcastAppend();
        }
      } else if (res == VoteResult::kLost) {
        // A rejected pre-vote or vote with a higher term already made us a follower above.
        BecomeFollower(term_, kNone);
      }
      break;
    }
    default:
      break;
  }
  return Status::OK();
}

Status Raft::StepFollower(Message& m) {
  switch (m.msg_type()) {
    case eraftpb::MsgPropose:
      // Proposals are made on the leader only (the raftstore routes them there); forwarding
      // could apply a client's write twice after a retry.
      return ErrProposalDropped(lead_ == kNone ? "no leader" : "not the leader");
    case eraftpb::MsgAppend:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleAppendEntries(m);
      break;
    case eraftpb::MsgHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleHeartbeat(m);
      break;
    case eraftpb::MsgSnapshot:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleSnapshot(m);
      break;
    case eraftpb::MsgTransferLeader:
      if (lead_ == kNone) break;
      m.set_to(lead_);
      m.clear_term();
      msgs.push_back(m);  // forwarded as is: `from` names the transferee
      break;
    case eraftpb::MsgTimeoutNow:
      // A node waiting for a snapshot could not serve as leader: it does not take leadership
      // by transfer (it still campaigns on an election timeout, or the group could stall).
      if (Promotable() && pending_request_snapshot_ == kNone) {
        // Leadership transfer: campaign at once, skipping pre-vote and the vote lease.
        Campaign(CampaignType::kTransfer);
      }
      break;
    case eraftpb::MsgReadIndex:
      if (lead_ == kNone) break;
      {
        Message fwd = m;
        fwd.set_to(lead_);
        fwd.clear_term();
        Send(std::move(fwd));
      }
      break;
    case eraftpb::MsgReadIndexResp: {
      if (m.entries_size() != 1) break;
      ReadState rs;
      rs.index = m.index();
      rs.request_ctx = m.entries(0).data();
      read_states.push_back(std::move(rs));
      break;
    }
    default:
      break;
  }
  return Status::OK();
}

void Raft::HandleAppendEntries(const Message& m) {
  // A node waiting for a snapshot still takes entries (its log is sound; only its state
  // machine is stuck), so the group keeps its quorum.
  Message r;
  r.set_to(m.from());
  r.set_msg_type(eraftpb::MsgAppendResponse);
  if (m.index() < log_.committed()) {
    r.set_index(log_.committed());
    Send(std::move(r));
    return;
  }
  std::vector<Entry> ents(m.entries().begin(), m.entries().end());
  if (auto last_new = log_.MaybeAppend(m.index(), m.log_term(), m.commit(), ents)) {
    r.set_index(*last_new);
    Send(std::move(r));
    return;
  }
  // Reject, with a hint: the largest index at or below the probe whose term is <= the probed
  // term, so the leader can skip a whole conflicting term at once.
  uint64_t hint = std::min(m.index(), log_.LastIndex());
  auto [hint_index, hint_term] = log_.FindConflictByTerm(hint, m.log_term());
  r.set_index(m.index());
  r.set_reject(true);
  r.set_reject_hint(hint_index);
  r.set_log_term(hint_term);
  Send(std::move(r));
}

void Raft::HandleHeartbeat(const Message& m) {
  log_.CommitTo(std::min(m.commit(), log_.LastIndex()));
  Message r;
  r.set_to(m.from());
  r.set_msg_type(eraftpb::MsgHeartbeatResponse);
  r.set_context(m.context());
  // Tells the leader whether this node still waits for a snapshot (0: it does not; a request
  // the leader remembers is then forgotten).
  r.set_request_snapshot(pending_request_snapshot_);
  Send(std::move(r));
  // The request may have been lost, or gone to an earlier leader.
  if (pending_request_snapshot_ != kNone) SendRequestSnapshot();
}

Status Raft::RequestSnapshot(uint64_t index) {
  if (state_ == StateRole::kLeader) {
    return Status::Aborted("raft: the leader cannot request a snapshot");
  }
  if (pending_request_snapshot_ != kNone) return Status::OK();
  if (index > log_.committed()) {
    // Only a committed entry is known to be in the leader's log and state machine (soon).
    return Status::InvalidArgument("raft: snapshot requested for entry " + std::to_string(index) +
                                   " past the commit index " + std::to_string(log_.committed()));
  }
  pending_request_snapshot_ = index;
  SendRequestSnapshot();
  return Status::OK();
}

void Raft::SendRequestSnapshot() {
  if (lead_ == kNone) return;  // sent with the reply to the next leader's append or heartbeat
  Message m;
  m.set_to(lead_);
  m.set_msg_type(eraftpb::MsgAppendResponse);
  m.set_index(log_.committed());
  m.set_reject(true);
  m.set_reject_hint(log_.LastIndex());
  m.set_request_snapshot(pending_request_snapshot_);
  Send(std::move(m));
}

void Raft::HandleSnapshot(const Message& m) {
  Message r;
  r.set_to(m.from());
  r.set_msg_type(eraftpb::MsgAppendResponse);
  uint64_t restored = 0;
  if (Restore(m.snapshot(), &restored)) {
    // Only the snapshot's own entry is known to match the leader's log: a kept suffix after it
    // may still conflict, so never claim more.
    r.set_index(restored);
  } else {
    r.set_index(log_.committed());
  }
  Send(std::move(r));
}

bool Raft::Restore(const eraftpb::Snapshot& s, uint64_t* restored) {
  const auto& meta = s.metadata();
  if (state_ != StateRole::kFollower) return false;  // only a follower takes a snapshot
  const auto& cs = meta.conf_state();
  bool found = std::find(cs.voters().begin(), cs.voters().end(), id_) != cs.voters().end() ||
               std::find(cs.learners().begin(), cs.learners().end(), id_) != cs.learners().end();
  if (!found) return false;  // a snapshot of a membership we are not in: ignore it
  if (pending_request_snapshot_ != kNone && meta.index() >= pending_request_snapshot_ &&
      !log_.UnstableSnapshot() && log_.MatchTerm(meta.index(), meta.term())) {
    // The snapshot this node asked for, and its log agrees with it: replace only the state
    // machine. Entries after the snapshot stay; they may be acknowledged, i.e. part of a
    // commit quorum, and dropping them could lose committed entries. (With a snapshot still
    // to persist, the log is not on disk yet: the normal rules below apply.)
    if (meta.index() > log_.persisted()) return false;  // not durable here yet: ask again later
    log_.RestoreKeepingLog(s);
  } else {
    if (meta.index() <= log_.committed()) return false;
    if (log_.MatchTerm(meta.index(), meta.term())) {
      // Our log already has the snapshot's last entry: fast-forward commit instead.
      log_.CommitTo(meta.index());
      return false;
    }
    log_.Restore(s);
  }
  pending_request_snapshot_ = kNone;
  prs_.Reset(cs, log_.LastIndex() + 1);
  is_learner_ = prs_.IsLearner(id_);
  if (Progress* self = prs_.Get(id_)) self->match = log_.persisted();
  *restored = meta.index();
  return true;
}

void Raft::OnPersistEntries(uint64_t index, uint64_t term) {
  uint64_t before = log_.persisted();
  log_.StableTo(index, term);
  if (log_.persisted() == before) return;
  if (state_ == StateRole::kLeader) {
    Progress* self = prs_.Get(id_);
    if (self && self->MaybeUpdate(log_.persisted())) {
      if (MaybeCommit()) {
        ReleasePendingReadIndexMessages();
        BcastAppend();
      }
    }
  }
}

void Raft::OnPersistSnapshot(uint64_t index) { log_.StableSnapTo(index); }

void Raft::AppliedTo(uint64_t index) {
  log_.AppliedTo(index);
  // The state machine got there on its own: the snapshot is no longer needed.
  if (pending_request_snapshot_ != kNone && index >= pending_request_snapshot_) {
    pending_request_snapshot_ = kNone;
  }
}

Result<eraftpb::ConfState> Raft::ApplyConfChange(const eraftpb::ConfChange& cc) {
  uint64_t nid = cc.node_id();
  uint64_t next = log_.LastIndex() + 1;
  switch (cc.change_type()) {
    case eraftpb::AddNode:
      prs_.AddVoter(nid, next);
      break;
    case eraftpb::AddLearnerNode:
      if (prs_.IsVoter(nid)) {
        return Status::InvalidArgument("raft: cannot demote voter " + std::to_string(nid) +
                                       " to learner");
      }
      prs_.AddLearner(nid, next);
      break;
    case eraftpb::RemoveNode:
      prs_.Remove(nid);
      if (nid == lead_transferee_) AbortLeaderTransfer();
      break;
    default:
      return Status::InvalidArgument("raft: unknown conf change type");
  }
  is_learner_ = prs_.IsLearner(id_);
  if (state_ == StateRole::kLeader) {
    if (!prs_.IsVoter(id_)) {
      // Removed (or never a voter): stop leading; the remaining voters elect a new leader.
      BecomeFollower(term_, kNone);
    } else if (prs_.voters().size() > 0) {
      // The quorum may have shrunk.
      if (MaybeCommit()) {
        ReleasePendingReadIndexMessages();
        BcastAppend();
      }
    }
  }
  return prs_.ConfState();
}

}  // namespace brkv::raft
