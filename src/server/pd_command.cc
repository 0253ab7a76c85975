#include "server/pd_command.h"

#include "common/logging.h"
#include "raftstore/store.h"

namespace brkv::server {

std::string DescribePdCommand(const pdpb::RegionHeartbeatResponse& resp) {
  if (resp.has_change_peer()) {
    const auto& cp = resp.change_peer();
    std::string what;
    switch (cp.change_type()) {
      case eraftpb::AddNode:
        what = cp.peer().role() == metapb::Learner ? "add learner" : "add voter";
        break;
      case eraftpb::AddLearnerNode:
        what = "add learner";
        break;
      case eraftpb::RemoveNode:
        what = "remove";
        break;
      default:
        what = eraftpb::ConfChangeType_Name(cp.change_type());
    }
    return what + " peer " + std::to_string(cp.peer().id()) + " on store " +
           std::to_string(cp.peer().store_id());
  }
  if (resp.has_transfer_leader()) {
    return "transfer leader to peer " + std::to_string(resp.transfer_leader().peer().id()) +
           " on store " + std::to_string(resp.transfer_leader().peer().store_id());
  }
  return "";
}

bool ExecutePdCommand(raftstore::RaftStore* store, const metapb::Region& region,
                      const pdpb::RegionHeartbeatResponse& resp) {
  if (store == nullptr) return false;
  if (!resp.has_change_peer() && !resp.has_transfer_leader()) return false;
  if (resp.region_id() != 0 && resp.region_id() != region.id()) return false;
  if (resp.has_region_epoch()) {
    const auto& e = resp.region_epoch();
    if (e.version() != region.region_epoch().version() ||
        e.conf_ver() != region.region_epoch().conf_ver()) {
      return false;
    }
  }
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(region.id());
  *req.mutable_header()->mutable_region_epoch() = region.region_epoch();
  auto* admin = req.mutable_admin_request();
  if (resp.has_change_peer()) {
    admin->set_cmd_type(raft_cmdpb::ChangePeer);
    auto* cp = admin->mutable_change_peer();
    cp->set_change_type(resp.change_peer().change_type());
    *cp->mutable_peer() = resp.change_peer().peer();
    if (cp->change_type() == eraftpb::AddLearnerNode) {
      cp->mutable_peer()->set_role(metapb::Learner);
    } else if (cp->change_type() == eraftpb::AddNode) {
      cp->mutable_peer()->set_role(metapb::Voter);
    }
  } else {
    admin->set_cmd_type(raft_cmdpb::TransferLeader);
    *admin->mutable_transfer_leader()->mutable_peer() = resp.transfer_leader().peer();
  }
  const std::string what = DescribePdCommand(resp);
  const uint64_t region_id = region.id();
  LOG_INFO("region {}: PD asks to {}", region_id, what);
  // A conf change is done once applied; a leader transfer only starts here (Raft hands over
  // once the target caught up, or gives up after an election timeout).
  const char* outcome = resp.has_change_peer() ? "done" : "started";
  store->Propose(std::move(req), [region_id, what, outcome](const raft_cmdpb::RaftCmdResponse& r) {
    if (r.header().has_error()) {
      LOG_WARN("region {}: {} failed: {}", region_id, what, r.header().error().message());
    } else {
      LOG_INFO("region {}: {} {}", region_id, what, outcome);
    }
  });
  return true;
}

}  // namespace brkv::server
