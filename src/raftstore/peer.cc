#include "raftstore/peer.h"

#include "raftstore/region_util.h"

namespace brkv::raftstore {

const metapb::Peer* Peer::Lookup(uint64_t peer_id) const {
  if (const metapb::Peer* p = FindPeer(region, peer_id)) return p;
  auto it = peer_cache.find(peer_id);
  return it == peer_cache.end() ? nullptr : &it->second;
}

const metapb::Peer* Peer::Leader() const {
  uint64_t lead = raft->raft().lead();
  if (lead == raft::kNone) return nullptr;
  return Lookup(lead);
}

}  // namespace brkv::raftstore
