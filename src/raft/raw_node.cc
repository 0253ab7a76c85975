#include "raft/raw_node.h"

namespace brkv::raft {

namespace {

bool HardStateEqual(const eraftpb::HardState& a, const eraftpb::HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}

bool IsLocalMessage(eraftpb::MessageType t) {
  return t == eraftpb::MsgHup || t == eraftpb::MsgBeat || t == eraftpb::MsgUnreachable ||
         t == eraftpb::MsgSnapStatus || t == eraftpb::MsgCheckQuorum;
}

}  // namespace

RawNode::RawNode(std::unique_ptr<Raft> r) : raft_(std::move(r)) {
  prev_hs_ = raft_->HardState();
  prev_ss_ = soft_state();
  applying_ = raft_->raft_log().applied();
}

Result<std::unique_ptr<RawNode>> RawNode::Create(const Config& c, const Storage* storage) {
  ASSIGN_OR_RETURN(auto r, Raft::Create(c, storage));
  std::unique_ptr<RawNode> n(new RawNode(std::move(r)));
  n->max_committed_size_ = c.max_committed_size_per_ready;
  return n;
}

void RawNode::Campaign() {
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgHup);
  (void)raft_->Step(std::move(m));
}

Status RawNode::Propose(const std::string& data, const std::string& context) {
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgPropose);
  m.set_from(raft_->id());
  auto* e = m.add_entries();
  e->set_data(data);
  e->set_context(context);
  return raft_->Step(std::move(m));
}

Status RawNode::ProposeConfChange(const eraftpb::ConfChange& cc, const std::string& context) {
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgPropose);
  m.set_from(raft_->id());
  auto* e = m.add_entries();
  e->set_entry_type(eraftpb::EntryConfChange);
  e->set_data(cc.SerializeAsString());
  e->set_context(context);
  return raft_->Step(std::move(m));
}

Status RawNode::Step(const eraftpb::Message& m) {
  if (IsLocalMessage(m.msg_type())) {
    return Status::InvalidArgument("raft: local message " +
                                   eraftpb::MessageType_Name(m.msg_type()) +
                                   " received from the network");
  }
  return raft_->Step(m);
}

void RawNode::TransferLeader(uint64_t transferee) {
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgTransferLeader);
  m.set_from(transferee);
  (void)raft_->Step(std::move(m));
}

void RawNode::ReadIndex(const std::string& request_ctx) {
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgReadIndex);
  m.set_from(raft_->id());
  m.add_entries()->set_data(request_ctx);
  (void)raft_->Step(std::move(m));
}

Status RawNode::RequestSnapshot() {
  return raft_->RequestSnapshot(raft_->raft_log().applied() + 1);
}

void RawNode::ReportUnreachable(uint64_t id) {
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgUnreachable);
  m.set_from(id);
  (void)raft_->Step(std::move(m));
}

void RawNode::ReportSnapshot(uint64_t id, bool success) {
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgSnapStatus);
  m.set_from(id);
  m.set_reject(!success);
  (void)raft_->Step(std::move(m));
}

Result<eraftpb::ConfState> RawNode::ApplyConfChange(const eraftpb::ConfChange& cc) {
  return raft_->ApplyConfChange(cc);
}

bool RawNode::HasReady() const {
  const Raft& r = *raft_;
  if (!(soft_state() == prev_ss_)) return true;
  eraftpb::HardState hs = r.HardState();
  if (!HardStateEqual(hs, prev_hs_)) return true;
  if (r.raft_log().UnstableSnapshot()) return true;
  if (!r.raft_log().UnstableEntries().empty()) return true;
  if (!r.msgs.empty() || !r.read_states.empty()) return true;
  return r.raft_log().HasNextCommittedEntries(applying_);
}

Ready RawNode::GetReady() {
  Raft& r = *raft_;
  Ready rd;
  SoftState ss = soft_state();
  if (!(ss == prev_ss_)) {
    rd.soft_state = ss;
    prev_ss_ = ss;
  }
  eraftpb::HardState hs = r.HardState();
  if (!HardStateEqual(hs, prev_hs_)) {
    rd.must_sync = hs.term() != prev_hs_.term() || hs.vote() != prev_hs_.vote();
    rd.hard_state = hs;
  }
  rd.entries = r.raft_log().UnstableEntries();
  if (!rd.entries.empty()) rd.must_sync = true;
  if (r.raft_log().UnstableSnapshot()) {
    rd.snapshot = *r.raft_log().UnstableSnapshot();
    rd.snapshot_keeps_log = r.raft_log().UnstableSnapshotKeepsLog();
    rd.must_sync = true;
  }
  rd.committed_entries = r.raft_log().NextCommittedEntries(applying_, max_committed_size_);
  rd.messages = std::move(r.msgs);
  r.msgs.clear();
  rd.read_states = std::move(r.read_states);
  r.read_states.clear();
  return rd;
}

void RawNode::AdvanceAppend(const Ready& rd) {
  if (rd.hard_state) prev_hs_ = *rd.hard_state;
  if (rd.snapshot) {
    uint64_t si = rd.snapshot->metadata().index();
    raft_->OnPersistSnapshot(si);
    if (si > applying_) applying_ = si;
  }
  if (!rd.entries.empty()) {
    const auto& last = rd.entries.back();
    raft_->OnPersistEntries(last.index(), last.term());
  }
  if (!rd.committed_entries.empty()) {
    uint64_t last = rd.committed_entries.back().index();
    if (last > applying_) applying_ = last;
  }
}

void RawNode::AdvanceApplyTo(uint64_t applied) {
  if (applied > raft_->raft_log().applied()) raft_->AppliedTo(applied);
}

void RawNode::Advance(const Ready& rd) {
  AdvanceAppend(rd);
  uint64_t applied = 0;
  if (rd.snapshot) applied = rd.snapshot->metadata().index();
  if (!rd.committed_entries.empty()) {
    applied = std::max(applied, rd.committed_entries.back().index());
  }
  if (applied > 0) AdvanceApplyTo(applied);
}

}  // namespace brkv::raft
