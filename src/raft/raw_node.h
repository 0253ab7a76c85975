// RawNode: the application's handle on one Raft node.
//
// Drive it with Tick() on a timer, Step() for every message from a peer, and Propose*() for new
// commands. Whenever HasReady(), take a Ready and, in this order:
//   1. persist `snapshot` (and apply it to the state machine), `entries` and `hard_state`,
//      atomically and durably (one synced write);
//   2. send `messages`;
//   3. apply `committed_entries` (for EntryConfChange call ApplyConfChange);
//   4. call Advance(ready) (or AdvanceAppend(ready) now and AdvanceApplyTo(i) once applied).
// Call GetReady() again only after Advance/AdvanceAppend of the previous Ready.
// Thread-safety: none; one thread owns a RawNode.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raft/raft.h"

namespace brkv::raft {

struct SoftState {
  uint64_t lead = kNone;
  StateRole role = StateRole::kFollower;
  bool operator==(const SoftState& o) const { return lead == o.lead && role == o.role; }
};

struct Ready {
  std::optional<SoftState> soft_state;           // set when leader or role changed
  std::optional<eraftpb::HardState> hard_state;  // set when term, vote or commit changed
  std::vector<ReadState> read_states;
  std::vector<eraftpb::Entry> entries;           // to persist
  std::optional<eraftpb::Snapshot> snapshot;     // to persist and apply
  // With `snapshot`: it replaces only the state machine (the node asked for it with
  // RequestSnapshot and its log holds the snapshot's last entry). The application keeps its log
  // entries after the snapshot's index (they may be acknowledged), drops those up to it, and
  // skips entries up to it that an earlier Ready handed out but it has not applied. Otherwise
  // the snapshot replaces the whole log.
  bool snapshot_keeps_log = false;
  std::vector<eraftpb::Entry> committed_entries; // to apply
  std::vector<eraftpb::Message> messages;        // to send after persisting
  // Whether the write of this Ready must be synced (entries, or a term/vote change).
  bool must_sync = false;
};

class RawNode {
 public:
  static Result<std::unique_ptr<RawNode>> Create(const Config& c, const Storage* storage);

  void Tick() { raft_->Tick(); }
  // Starts an election now (if this node may lead).
  void Campaign();
  // Proposes a command. Errors: ErrProposalDropped when this node is not the leader, is
  // transferring leadership, or (for membership changes) one is still pending.
  Status Propose(const std::string& data, const std::string& context = "");
  Status ProposeConfChange(const eraftpb::ConfChange& cc, const std::string& context = "");
  // Feeds a message from a peer. Errors: InvalidArgument for a local-only message type.
  Status Step(const eraftpb::Message& m);
  // Asks the leader to hand leadership to `transferee`.
  void TransferLeader(uint64_t transferee);
  // Requests a linearizable read; a ReadState with this context comes back in a later Ready.
  void ReadIndex(const std::string& request_ctx);
  // Asks the leader for a snapshot because the state machine cannot apply the next entry
  // (applied + 1) on its own; see Raft::RequestSnapshot. Errors: Aborted on the leader,
  // InvalidArgument when no committed entry waits to be applied.
  Status RequestSnapshot();
  void ReportUnreachable(uint64_t id);
  void ReportSnapshot(uint64_t id, bool success);
  Result<eraftpb::ConfState> ApplyConfChange(const eraftpb::ConfChange& cc);

  bool HasReady() const;
  Ready GetReady();
  void Advance(const Ready& rd);
  void AdvanceAppend(const Ready& rd);
  void AdvanceApplyTo(uint64_t applied);

  Raft& raft() { return *raft_; }
  const Raft& raft() const { return *raft_; }
  SoftState soft_state() const { return SoftState{raft_->lead(), raft_->state()}; }

 private:
  explicit RawNode(std::unique_ptr<Raft> r);

  std::unique_ptr<Raft> raft_;
  eraftpb::HardState prev_hs_;
  SoftState prev_ss_;
  uint64_t applying_ = 0;  // highest index handed out in committed_entries
  uint64_t max_committed_size_ = UINT64_MAX;
};

}  // namespace brkv::raft
