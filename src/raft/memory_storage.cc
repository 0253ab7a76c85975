#include "raft/memory_storage.h"

#include <algorithm>

namespace brkv::raft {

MemoryStorage::MemoryStorage() { ents_.emplace_back(); }

MemoryStorage MemoryStorage::WithVoters(const std::vector<uint64_t>& voters) {
  MemoryStorage s;
  auto* cs = s.snapshot_.mutable_metadata()->mutable_conf_state();
  for (uint64_t v : voters) cs->add_voters(v);
  return s;
}

Result<RaftState> MemoryStorage::InitialState() const {
  RaftState st;
  st.hard_state = hard_state_;
  st.conf_state = snapshot_.metadata().conf_state();
  return st;
}

uint64_t MemoryStorage::FirstIndex() const { return ents_[0].index() + 1; }
uint64_t MemoryStorage::LastIndex() const { return ents_[0].index() + ents_.size() - 1; }

Result<std::vector<eraftpb::Entry>> MemoryStorage::Entries(uint64_t lo, uint64_t hi,
                                                           uint64_t max_size) const {
  uint64_t offset = ents_[0].index();
  if (lo <= offset) return ErrCompacted();
  if (hi > LastIndex() + 1) return ErrUnavailable();
  std::vector<eraftpb::Entry> out;
  uint64_t size = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const auto& e = ents_[i - offset];
    size += EntrySize(e);
    if (!out.empty() && size > max_size) break;
    out.push_back(e);
  }
  return out;
}

Result<uint64_t> MemoryStorage::Term(uint64_t i) const {
  uint64_t offset = ents_[0].index();
  if (i < offset) return ErrCompacted();
  if (i - offset >= ents_.size()) return ErrUnavailable();
  return ents_[i - offset].term();
}

Result<eraftpb::Snapshot> MemoryStorage::Snapshot(uint64_t /*request_index*/) const {
  return snapshot_;
}

Status MemoryStorage::ApplySnapshot(const eraftpb::Snapshot& snap) {
  if (snapshot_.metadata().index() >= snap.metadata().index() && snapshot_.metadata().index() > 0) {
    return Status::Aborted("raft: snapshot is out of date");
  }
  snapshot_ = snap;
  ents_.clear();
  eraftpb::Entry dummy;
  dummy.set_index(snap.metadata().index());
  dummy.set_term(snap.metadata().term());
  ents_.push_back(dummy);
  if (hard_state_.term() < snap.metadata().term()) hard_state_.set_term(snap.metadata().term());
  if (hard_state_.commit() < snap.metadata().index()) hard_state_.set_commit(snap.metadata().index());
  return Status::OK();
}

Status MemoryStorage::ApplySnapshotKeepingLog(const eraftpb::Snapshot& snap) {
  const auto& meta = snap.metadata();
  if (snapshot_.metadata().index() >= meta.index() && snapshot_.metadata().index() > 0) {
    return Status::Aborted("raft: snapshot is out of date");
  }
  auto term = Term(meta.index());
  if (!term.ok() || *term != meta.term()) {
    return Status::InvalidArgument("raft: the log does not hold the snapshot's entry " +
                                   std::to_string(meta.index()));
  }
  RETURN_IF_ERROR(Compact(meta.index()));
  snapshot_ = snap;
  if (hard_state_.commit() < meta.index()) hard_state_.set_commit(meta.index());
  return Status::OK();
}

Result<eraftpb::Snapshot> MemoryStorage::CreateSnapshot(uint64_t i, const eraftpb::ConfState* cs,
                                                        const std::string& data) {
  if (i <= snapshot_.metadata().index()) return Status::Aborted("raft: snapshot is out of date");
  if (i > LastIndex()) return Status::InvalidArgument("raft: snapshot index beyond last index");
  uint64_t offset = ents_[0].index();
  snapshot_.mutable_metadata()->set_index(i);
  snapshot_.mutable_metadata()->set_term(ents_[i - offset].term());
  if (cs) snapshot_.mutable_metadata()->mutable_conf_state()->CopyFrom(*cs);
  snapshot_.set_data(data);
  return snapshot_;
}

Status MemoryStorage::Compact(uint64_t compact_index) {
  uint64_t offset = ents_[0].index();
  if (compact_index <= offset) return Status::OK();
  if (compact_index > LastIndex()) {
    return Status::InvalidArgument("raft: compact index beyond last index");
  }
  uint64_t i = compact_index - offset;
  std::vector<eraftpb::Entry> rest;
  rest.reserve(ents_.size() - i);
  eraftpb::Entry dummy;
  dummy.set_index(ents_[i].index());
  dummy.set_term(ents_[i].term());
  rest.push_back(dummy);
  for (size_t k = i + 1; k < ents_.size(); ++k) rest.push_back(std::move(ents_[k]));
  ents_ = std::move(rest);
  return Status::OK();
}

Status MemoryStorage::Append(const std::vector<eraftpb::Entry>& entries) {
  if (entries.empty()) return Status::OK();
  uint64_t first = FirstIndex();
  uint64_t last = entries.back().index();
  if (last < first) return Status::OK();
  size_t skip = 0;
  if (first > entries.front().index()) skip = first - entries.front().index();
  uint64_t start = entries[skip].index();
  if (start > LastIndex() + 1) {
    return Status::Internal("raft: append would leave a gap in the log");
  }
  uint64_t offset = ents_[0].index();
  ents_.resize(start - offset);
  for (size_t k = skip; k < entries.size(); ++k) ents_.push_back(entries[k]);
  return Status::OK();
}

}  // namespace brkv::raft
