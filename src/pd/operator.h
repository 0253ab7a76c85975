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

enum class OpStatus { kRunning, kFinished, kTimedOut, kCancelled };

struct Operator {
  uint64_t region_id = 0;
  std::string desc;  // "replace-down-replica", "add-replica", "remove-extra-replica", ...
  std::vector<OpStep> steps;
  size_t current = 0;
  uint64_t start_conf_ver = 0;
  uint64_t start_version = 0;
  int64_t created_ms = 0;
  int64_t timeout_ms = 10 * 60 * 1000;
  OpStatus status = OpStatus::kRunning;

  // Checks the region as a heartbeat reports it: marks finished steps done and returns the
  // status. `now_ms` drives the timeout.
  OpStatus Update(const metapb::Region& region, const metapb::Peer& leader, int64_t now_ms);
  // What to tell the leader now (empty when nothing is to be done).
  pdpb::RegionHeartbeatResponse NextCommand(const metapb::Region& region,
                                            const metapb::Peer& leader) const;
  std::string ToString() const;
};

// Whether `step` is already reflected in the region.
bool StepDone(const OpStep& step, const metapb::Region& region, const metapb::Peer& leader);

}  // namespace brkv::pd
