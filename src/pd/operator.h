// Operator: a sequence of steps PD asks a region's leader to carry out, one at a time, through
// region heartbeat responses (like PD's operators): add a learner, promote it, transfer
// leadership, remove a peer. A step is done when a heartbeat shows its effect; the operator is
// done after its last step, and is given up when it times out or the region changed in a way
// it did not cause (a conf_ver beyond what its steps explain, a split).
// Thread-safety: values; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace brkv::pd {

enum class StepKind { kAddLearner, kPromoteLearner, kTransferLeader, kRemovePeer };
const char* StepName(StepKind k);

struct OpStep {
  StepKind kind;
  metapb::Peer peer;  // the peer added / promoted / removed, or the new leader
  std::string ToString() const;
};

enum class OpStatus { kRunning, kFinished, kTimedOut, kCancelled, kReplaced };
const char* OpStatusName(OpStatus s);

// Who asked for an operator; balance limits count per kind, and an admin operator may replace
// a running balance or scatter operator but never a replica repair.
inline constexpr const char* kOpKindReplica = "replica";  // the replica checker
inline constexpr const char* kOpKindLeader = "leader";    // leader balance
inline constexpr const char* kOpKindRegion = "region";    // region balance, scatter
inline constexpr const char* kOpKindAdmin = "admin";      // a person (kvctl operator add)

struct Operator {
  uint64_t region_id = 0;
  std::string desc;  // "replace-down-replica", "add-replica", "remove-extra-replica", ...
  std::string kind = kOpKindReplica;  // one of the kOpKind* values
  std::vector<OpStep> steps;
  size_t current = 0;
  uint64_t start_conf_ver = 0;
  uint64_t start_version = 0;
  int64_t created_ms = 0;
  int64_t timeout_ms = 10 * 60 * 1000;
  OpStatus status = OpStatus::kRunning;
  int64_t finished_ms = 0;  // when it left kRunning (0 while running)

  // Checks the region as a heartbeat reports it: marks finished steps done and returns the
  // status. `now_ms` drives the timeout.
  OpStatus Update(const metapb::Region& region, const metapb::Peer& leader, int64_t now_ms);
  // What to tell the leader now (empty when nothing is to be done).
  pdpb::RegionHeartbeatResponse NextCommand(const metapb::Region& region,
                                            const metapb::Peer& leader) const;
  // True when `now_ms` is past the deadline.
  bool Expired(int64_t now_ms) const { return now_ms - created_ms > timeout_ms; }
  std::string ToString() const;
};

// Whether `step` is already reflected in the region.
bool StepDone(const OpStep& step, const metapb::Region& region, const metapb::Peer& leader);
// Whether `step` (not done yet) can still be carried out on the region: false when another peer
// already sits on the store a learner is added to, or the peer to promote / to lead is gone.
// Update cancels an operator whose next step is impossible.
bool StepPossible(const OpStep& step, const metapb::Region& region);

}  // namespace brkv::pd
