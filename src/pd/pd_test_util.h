// Test helpers for the pd module: a scratch directory removed at scope exit, and a region
// "leader" that carries out PD's heartbeat commands the way a Raft group would.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace brkv::pd::testing {

class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("brkv_pd_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
                .string();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Carries out one heartbeat command on `region` / `leader` as the region's Raft group would at
// once: a conf change bumps conf_ver, a transfer moves leadership to a voter. A command for
// another region or epoch is ignored (as TiKV does). Returns true when the region changed.
inline bool ApplyHeartbeatCommand(const pdpb::RegionHeartbeatResponse& cmd,
                                  metapb::Region* region, metapb::Peer* leader) {
  if (!cmd.has_change_peer() && !cmd.has_transfer_leader()) return false;
  if (cmd.region_id() != region->id() ||
      cmd.region_epoch().SerializeAsString() != region->region_epoch().SerializeAsString()) {
    return false;
  }
  if (cmd.has_transfer_leader()) {
    for (const auto& p : region->peers()) {
      if (p.id() == cmd.transfer_leader().peer().id() && p.role() != metapb::Learner) {
        *leader = p;
        return true;
      }
    }
    return false;
  }
  const metapb::Peer& target = cmd.change_peer().peer();
  int index = -1;
  for (int i = 0; i < region->peers_size(); ++i) {
    if (region->peers(i).id() == target.id()) index = i;
  }
  switch (cmd.change_peer().change_type()) {
    case eraftpb::AddLearnerNode:
      if (index >= 0) return false;
      *region->add_peers() = target;
      region->mutable_peers(region->peers_size() - 1)->set_role(metapb::Learner);
      break;
    case eraftpb::AddNode:
      if (index >= 0) {
        region->mutable_peers(index)->set_role(metapb::Voter);
      } else {
        *region->add_peers() = target;
        region->mutable_peers(region->peers_size() - 1)->set_role(metapb::Voter);
      }
      break;
    case eraftpb::RemoveNode:
      if (index < 0 || target.id() == leader->id()) return false;
      region->mutable_peers()->DeleteSubrange(index, 1);
      break;
    default:
      return false;
  }
  region->mutable_region_epoch()->set_conf_ver(region->region_epoch().conf_ver() + 1);
  return true;
}

}  // namespace brkv::pd::testing
