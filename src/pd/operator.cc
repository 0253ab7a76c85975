#include "pd/operator.h"

namespace brkv::pd {

namespace {

const metapb::Peer* Find(const metapb::Region& r, uint64_t id) {
  for (const auto& p : r.peers()) {
    if (p.id() == id) return &p;
  }
  return nullptr;
}

// How many conf changes the steps up to and including index i make.
uint64_t ConfChangesThrough(const std::vector<OpStep>& steps, size_t n) {
  uint64_t c = 0;
  for (size_t i = 0; i < n && i < steps.size(); ++i) {
    if (steps[i].kind != StepKind::kTransferLeader) ++c;
  }
  return c;
}

}  // namespace

const char* StepName(StepKind k) {
  switch (k) {
    case StepKind::kAddLearner: return "add learner";
    case StepKind::kPromoteLearner: return "promote learner";
    case StepKind::kTransferLeader: return "transfer leader to";
    case StepKind::kRemovePeer: return "remove peer";
  }
  return "?";
}

const char* OpStatusName(OpStatus s) {
  switch (s) {
    case OpStatus::kRunning: return "running";
    case OpStatus::kFinished: return "finished";
    case OpStatus::kTimedOut: return "timed out";
    case OpStatus::kCancelled: return "cancelled";
    case OpStatus::kReplaced: return "replaced";
  }
  return "?";
}

std::string OpStep::ToString() const {
  return std::string(StepName(kind)) + " " + std::to_string(peer.id()) + " on store " +
         std::to_string(peer.store_id());
}

std::string Operator::ToString() const {
  std::string s = desc + " region " + std::to_string(region_id) + ":";
  for (size_t i = 0; i < steps.size(); ++i) {
    s += (i == current ? " [" : " ") + steps[i].ToString() + (i == current ? "]" : "");
    if (i + 1 < steps.size()) s += ",";
  }
  return s;
}

bool StepDone(const OpStep& step, const metapb::Region& region, const metapb::Peer& leader) {
  const metapb::Peer* p = Find(region, step.peer.id());
  switch (step.kind) {
    case StepKind::kAddLearner: return p != nullptr;
    case StepKind::kPromoteLearner: return p != nullptr && p->role() != metapb::Learner;
    case StepKind::kTransferLeader: return leader.id() == step.peer.id();
    case StepKind::kRemovePeer: return p == nullptr;
  }
  return false;
}

bool StepPossible(const OpStep& step, const metapb::Region& region) {
  switch (step.kind) {
    case StepKind::kAddLearner:
      for (const auto& p : region.peers()) {
        if (p.store_id() == step.peer.store_id() && p.id() != step.peer.id()) return false;
      }
      return true;
    case StepKind::kPromoteLearner:
    case StepKind::kTransferLeader:
      return Find(region, step.peer.id()) != nullptr;
    case StepKind::kRemovePeer:
      return true;
  }
  return true;
}

OpStatus Operator::Update(const metapb::Region& region, const metapb::Peer& leader,
                          int64_t now_ms) {
  if (status != OpStatus::kRunning) return status;
  if (region.region_epoch().version() != start_version) {
    status = OpStatus::kCancelled;  // split or merge: the operator's view is stale
    return status;
  }
  while (current < steps.size() && StepDone(steps[current], region, leader)) ++current;
  if (current == steps.size()) {
    status = OpStatus::kFinished;
    return status;
  }
  // Someone else changed the membership: conf_ver is beyond what our finished steps explain.
  if (region.region_epoch().conf_ver() > start_conf_ver + ConfChangesThrough(steps, current) + 1) {
    status = OpStatus::kCancelled;
    return status;
  }
  // The next step can no longer be carried out (the node would refuse it forever): another peer
  // already sits on the store we add to, or the peer to promote or to lead is gone.
  if (!StepPossible(steps[current], region)) {
    status = OpStatus::kCancelled;
    return status;
  }
  if (Expired(now_ms)) status = OpStatus::kTimedOut;
  return status;
}

pdpb::RegionHeartbeatResponse Operator::NextCommand(const metapb::Region& region,
                                                    const metapb::Peer& leader) const {
  pdpb::RegionHeartbeatResponse r;
  if (status != OpStatus::kRunning || current >= steps.size()) return r;
  const OpStep& s = steps[current];
  r.set_region_id(region.id());
  *r.mutable_region_epoch() = region.region_epoch();
  *r.mutable_target_peer() = leader;
  switch (s.kind) {
    case StepKind::kAddLearner:
      r.mutable_change_peer()->set_change_type(eraftpb::AddLearnerNode);
      *r.mutable_change_peer()->mutable_peer() = s.peer;
      r.mutable_change_peer()->mutable_peer()->set_role(metapb::Learner);
      break;
    case StepKind::kPromoteLearner:
      r.mutable_change_peer()->set_change_type(eraftpb::AddNode);
      *r.mutable_change_peer()->mutable_peer() = s.peer;
      r.mutable_change_peer()->mutable_peer()->set_role(metapb::Voter);
      break;
    case StepKind::kTransferLeader:
      *r.mutable_transfer_leader()->mutable_peer() = s.peer;
      break;
    case StepKind::kRemovePeer:
      r.mutable_change_peer()->set_change_type(eraftpb::RemoveNode);
      *r.mutable_change_peer()->mutable_peer() = s.peer;
      break;
  }
  return r;
}

}  // namespace brkv::pd
