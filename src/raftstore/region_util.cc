#include "raftstore/region_util.h"

namespace brkv::raftstore {

eraftpb::ConfState ConfStateFromRegion(const metapb::Region& region) {
  eraftpb::ConfState cs;
  for (const auto& p : region.peers()) {
    if (p.role() == metapb::Learner) {
      cs.add_learners(p.id());
    } else {
      cs.add_voters(p.id());
    }
  }
  return cs;
}

const metapb::Peer* FindPeer(const metapb::Region& region, uint64_t peer_id) {
  for (const auto& p : region.peers()) {
    if (p.id() == peer_id) return &p;
  }
  return nullptr;
}

const metapb::Peer* FindPeerOnStore(const metapb::Region& region, uint64_t store_id) {
  for (const auto& p : region.peers()) {
    if (p.store_id() == store_id) return &p;
  }
  return nullptr;
}

bool KeyInRegion(const metapb::Region& region, std::string_view key) {
  return key >= region.start_key() && (region.end_key().empty() || key < region.end_key());
}

EpochCheck EpochCheckFor(const raft_cmdpb::RaftCmdRequest& req) {
  if (!req.has_admin_request()) return {true, false};
  switch (req.admin_request().cmd_type()) {
    case raft_cmdpb::ChangePeer:
    case raft_cmdpb::ChangePeerV2:
      return {false, true};
    case raft_cmdpb::BatchSplit:
    case raft_cmdpb::Split:
    case raft_cmdpb::PrepareMerge:
    case raft_cmdpb::CommitMerge:
    case raft_cmdpb::RollbackMerge:
      return {true, true};
    default:
      return {false, false};
  }
}

bool EpochMatches(const raft_cmdpb::RaftCmdRequest& req, const metapb::Region& region) {
  EpochCheck c = EpochCheckFor(req);
  const auto& want = req.header().region_epoch();
  const auto& cur = region.region_epoch();
  if (c.version && want.version() != cur.version()) return false;
  if (c.conf_ver && want.conf_ver() != cur.conf_ver()) return false;
  return true;
}

errorpb::Error NotLeaderErr(uint64_t region_id, const metapb::Peer* leader) {
  errorpb::Error e;
  e.set_message("peer is not leader for region " + std::to_string(region_id) +
                (leader ? ", leader may be on store " + std::to_string(leader->store_id())
                        : ", leader unknown"));
  e.mutable_not_leader()->set_region_id(region_id);
  if (leader) *e.mutable_not_leader()->mutable_leader() = *leader;
  return e;
}

errorpb::Error RegionNotFoundErr(uint64_t region_id) {
  errorpb::Error e;
  e.set_message("region " + std::to_string(region_id) + " is not found");
  e.mutable_region_not_found()->set_region_id(region_id);
  return e;
}

errorpb::Error EpochNotMatchErr(const metapb::Region& current) {
  errorpb::Error e;
  e.set_message("epoch not match for region " + std::to_string(current.id()) + ": current {" +
                std::to_string(current.region_epoch().conf_ver()) + ", " +
                std::to_string(current.region_epoch().version()) + "}");
  *e.mutable_epoch_not_match()->add_current_regions() = current;
  return e;
}

errorpb::Error KeyNotInRegionErr(std::string_view key, const metapb::Region& region) {
  errorpb::Error e;
  e.set_message("key is not in region " + std::to_string(region.id()));
  auto* k = e.mutable_key_not_in_region();
  k->set_key(std::string(key));
  k->set_region_id(region.id());
  k->set_start_key(region.start_key());
  k->set_end_key(region.end_key());
  return e;
}

errorpb::Error StaleCommandErr(std::string_view why) {
  errorpb::Error e;
  e.set_message("stale command: " + std::string(why));
  e.mutable_stale_command();
  return e;
}

Status ToStatus(const errorpb::Error& e) { return Status::RegionError(e.message()); }

}  // namespace brkv::raftstore
