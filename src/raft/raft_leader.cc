// The leader's side of Raft::Step: proposals, replication responses, heartbeats and ReadIndex,
// leader transfer. Split from raft.cc by role; same class, same rules (see raft.h).
#include "raft/raft.h"

namespace brkv::raft {

using eraftpb::Entry;
using eraftpb::Message;

Status Raft::StepLeader(Message& m) {
  switch (m.msg_type()) {
    case eraftpb::MsgBeat:
      BcastHeartbeat();
      return Status::OK();
    case eraftpb::MsgCheckQuorum:
      if (!prs_.QuorumActive(id_)) {
        BecomeFollower(term_, kNone);
      } else {
        for (auto& [id, pr] : prs_.progress()) {
          if (id != id_) pr.recent_active = false;
        }
      }
      return Status::OK();
    case eraftpb::MsgPropose: {
      if (m.entries_size() == 0) return Status::InvalidArgument("raft: empty proposal");
      if (!prs_.Contains(id_)) return ErrProposalDropped("this node is not a member");
      if (lead_transferee_ != kNone) return ErrProposalDropped("leadership is being transferred");
      std::vector<Entry> ents(m.entries().begin(), m.entries().end());
      for (size_t i = 0; i < ents.size(); ++i) {
        auto et = ents[i].entry_type();
        if (et == eraftpb::EntryConfChangeV2) {
          return ErrProposalDropped("joint consensus (ConfChangeV2) is not supported");
        }
        if (et == eraftpb::EntryConfChange) {
          if (pending_conf_index_ > log_.applied()) {
            return ErrProposalDropped("a membership change is still pending");
          }
          pending_conf_index_ = log_.LastIndex() + i + 1;
        }
      }
      AppendEntries(std::move(ents));
      BcastAppend();
      return Status::OK();
    }
    case eraftpb::MsgReadIndex:
      HandleReadIndex(m);
      return Status::OK();
    case eraftpb::MsgTransferLeader:
      HandleTransferLeader(m);
      return Status::OK();
    default:
      break;
  }

  Progress* pr = prs_.Get(m.from());
  if (pr == nullptr) return Status::OK();  // from a node that is not a member
  switch (m.msg_type()) {
    case eraftpb::MsgAppendResponse:
      HandleAppendResponse(m, pr);
      break;
    case eraftpb::MsgHeartbeatResponse:
      HandleHeartbeatResponse(m, pr);
      break;
    case eraftpb::MsgSnapStatus:
      if (pr->state != ProgressState::kSnapshot) break;
      if (m.reject()) pr->pending_snapshot = 0;
      pr->BecomeProbe();
      // Wait for a heartbeat response (or an append response) before probing again.
      pr->probe_sent = true;
      break;
    case eraftpb::MsgUnreachable:
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      break;
    default:
      break;
  }
  return Status::OK();
}

void Raft::HandleAppendResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  if (m.reject() && m.request_snapshot() != kNone) {
    HandleSnapshotRequest(m, pr);
    return;
  }
  if (m.reject()) {
    uint64_t next_probe = m.reject_hint();
    if (m.log_term() > 0) {
      // Skip every entry of the follower's conflicting term in one round trip.
      next_probe = log_.FindConflictByTerm(m.reject_hint(), m.log_term()).first;
    }
    if (pr->MaybeDecrTo(m.index(), next_probe)) {
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      SendAppend(m.from());
    }
    return;
  }
  bool old_paused = pr->IsPaused();
  if (pr->state == ProgressState::kSnapshot && m.index() >= pr->pending_snapshot &&
      m.index() <= pr->match) {
    // It took a snapshot it asked for but already held entries past it (it kept its log):
    // nothing new is acknowledged, and replication resumes from its match.
    pr->BecomeProbe();
    pr->BecomeReplicate();
    while (MaybeSendAppend(m.from(), false)) {
    }
    return;
  }
  if (!pr->MaybeUpdate(m.index())) {
    // Even a stale response tells us the follower is alive; keep the pipe flowing.
    if (old_paused && !pr->IsPaused()) SendAppend(m.from());
    return;
  }
  switch (pr->state) {
    case ProgressState::kProbe:
      pr->BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      if (pr->match + 1 >= log_.FirstIndex() || pr->match >= pr->pending_snapshot) {
        pr->BecomeProbe();
        pr->BecomeReplicate();
      }
      break;
    case ProgressState::kReplicate:
      pr->ins.FreeTo(m.index());
      break;
  }
  if (MaybeCommit()) {
    ReleasePendingReadIndexMessages();
    BcastAppend();
  } else if (old_paused) {
    SendAppend(m.from());
  }
  // Send as much as the flow control allows.
  while (MaybeSendAppend(m.from(), false)) {
  }
  if (m.from() == lead_transferee_ && pr->match == log_.LastIndex()) {
    SendTimeoutNow(m.from());
  }
}

void Raft::HandleSnapshotRequest(const Message& m, Progress* pr) {
  const uint64_t want = m.request_snapshot();
  pr->waiting_snapshot = want;
  // A snapshot that covers the request is already on its way.
  if (pr->state == ProgressState::kSnapshot && pr->pending_snapshot >= want) return;
  pr->pending_request_snapshot = want;
  // Send it now if this leader can make one; otherwise the follower asks again with its next
  // heartbeat response. Its match stays: what it acknowledged is still in its log (it keeps
  // the entries after the snapshot), so the commit quorum is unchanged, and entries keep
  // flowing to it meanwhile.
  Message snap;
  snap.set_to(m.from());
  if (MaybeTakeRequestedSnapshot(pr, &snap)) Send(std::move(snap));
}

void Raft::HandleHeartbeatResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  pr->Resume();
  // Whether the follower still waits for a snapshot (it may have applied that far by itself,
  // or taken one).
  pr->waiting_snapshot = m.request_snapshot();
  if (m.request_snapshot() == kNone) pr->pending_request_snapshot = kNone;
  if (pr->state == ProgressState::kReplicate && pr->ins.Full()) pr->ins.FreeFirstOne();
  if (pr->match < log_.LastIndex()) SendAppend(m.from());
  if (m.context().empty() || !prs_.IsVoter(m.from())) return;
  size_t acks = read_only_.RecvAck(m.from(), m.context());
  if (acks < prs_.Quorum()) return;
  for (auto& rs : read_only_.Advance(m.context())) SendReadIndexResponse(rs.req, rs.index);
}

void Raft::SendReadIndexResponse(const Message& req, uint64_t index) {
  if (req.from() == kNone || req.from() == id_) {
    ReadState rs;
    rs.index = index;
    rs.request_ctx = req.entries(0).data();
    read_states.push_back(std::move(rs));
    return;
  }
  Message r;
  r.set_to(req.from());
  r.set_msg_type(eraftpb::MsgReadIndexResp);
  r.set_index(index);
  *r.mutable_entries() = req.entries();
  Send(std::move(r));
}

void Raft::HandleReadIndex(const Message& m) {
  if (m.entries_size() == 0) return;
  if (prs_.voters().size() == 1 && prs_.IsVoter(id_)) {
    // The only voter is always up to date.
    SendReadIndexResponse(m, log_.committed());
    return;
  }
  // Until this leader commits an entry of its own term it does not know the commit index.
  if (!CommittedEntryInCurrentTerm()) {
    pending_read_index_msgs_.push_back(m);
    return;
  }
  read_only_.AddRequest(log_.committed(), m, id_);
  BcastHeartbeatWithCtx(m.entries(0).data());
}

void Raft::ReleasePendingReadIndexMessages() {
  if (pending_read_index_msgs_.empty() || !CommittedEntryInCurrentTerm()) return;
  auto pending = std::move(pending_read_index_msgs_);
  pending_read_index_msgs_.clear();
  for (const auto& m : pending) HandleReadIndex(m);
}

void Raft::HandleTransferLeader(const Message& m) {
  uint64_t transferee = m.from();
  const Progress* pr = prs_.Get(transferee);
  if (pr == nullptr || pr->is_learner) return;  // only a voter can lead
  // Nor one whose state machine is stuck (it asked for a snapshot and would refuse).
  if (pr->waiting_snapshot != kNone) return;
  if (lead_transferee_ != kNone) {
    if (lead_transferee_ == transferee) return;  // already in progress
    AbortLeaderTransfer();
  }
  if (transferee == id_) return;
  // The transfer must finish within one election timeout.
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  if (pr->match == log_.LastIndex()) {
    SendTimeoutNow(transferee);
  } else {
    SendAppend(transferee);
  }
}

}  // namespace brkv::raft
