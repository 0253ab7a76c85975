#include "tools/replica_report.h"

#include <vector>

namespace brkv::tools {

RegionReplicas DescribeReplicas(const client::RegionInfo& region,
                                const std::map<uint64_t, brkvpb::StoreInfo>& stores,
                                uint32_t target_replicas) {
  RegionReplicas out;
  for (const auto& p : region.region.peers()) {
    std::vector<std::string> marks;
    const bool learner = p.role() == metapb::Learner;
    if (learner) marks.push_back("learner");
    bool down = false, pending = false;
    for (const auto& d : region.down_peers) down |= d.peer().id() == p.id();
    for (const auto& q : region.pending_peers) pending |= q.id() == p.id();
    bool healthy = !down && !pending;
    auto it = stores.find(p.store_id());
    if (it == stores.end()) {
      marks.push_back("unknown-store");
      healthy = false;
    } else if (it->second.store().state() == metapb::Tombstone) {
      marks.push_back("tombstone");
      healthy = false;
    } else {
      if (it->second.store().state() == metapb::Offline) marks.push_back("offline");
      down |= it->second.is_down();
      if (down) {
        marks.push_back("down");
        healthy = false;
      }
    }
    if (pending) marks.push_back("pending");
    if (!learner) {
      out.voters++;
      if (healthy) out.healthy_voters++;
    }
    if (!out.peers.empty()) out.peers += ",";
    out.peers += std::to_string(p.store_id());
    if (!marks.empty()) {
      out.peers += "(";
      for (size_t i = 0; i < marks.size(); ++i) out.peers += (i ? "," : "") + marks[i];
      out.peers += ")";
    }
  }
  out.under_replicated = out.healthy_voters < target_replicas;
  return out;
}

std::string UnderReplicatedSummary(size_t under, uint32_t target_replicas) {
  return std::to_string(under) + " regions under-replicated (target " +
         std::to_string(target_replicas) + " replicas)";
}

}  // namespace brkv::tools
