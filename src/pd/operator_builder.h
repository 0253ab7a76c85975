// What schedulers see of the cluster (StoreView, RegionView) and the helpers that turn a
// decision into operator steps (PD's operator builder, non-joint path): a new voter is added as
// a learner and then promoted; a peer that leads hands leadership to a healthy voter before it
// is removed.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pd/operator.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace brkv::pd {

struct StoreView {
  uint64_t id = 0;
  bool up = true;        // heartbeating
  int64_t down_ms = 0;   // how long it has not heartbeat (0 when up)
  bool offline = false;  // being deleted: move everything away
  bool tombstone = false;
  uint64_t region_count = 0;  // regions with a replica here
  uint64_t leader_count = 0;  // regions led from here
};

// Up, heartbeating and not being deleted: may receive new replicas and leadership.
inline bool Usable(const StoreView& s) { return s.up && !s.offline && !s.tombstone; }

struct RegionView {
  metapb::Region region;
  metapb::Peer leader;
  // As the leader reported them: replicas it has not heard from, replicas still catching up.
  std::vector<pdpb::PeerStats> down_peers;
  std::vector<metapb::Peer> pending_peers;

  // True when the peer is in down_peers or pending_peers.
  bool Unhealthy(uint64_t peer_id) const;
  // The region's peer on `store_id`, or nullptr.
  const metapb::Peer* PeerOn(uint64_t store_id) const;
};

// The store with `id` in `stores`, or nullptr.
const StoreView* FindStore(const std::vector<StoreView>& stores, uint64_t id);

// An empty running operator for the region, its epoch recorded.
Operator NewOperator(const RegionView& r, std::string desc, std::string kind, int64_t now_ms);

// A new voter `peer_id` on `store_id`: add it as a learner (it catches up without counting
// toward the quorum), then promote it.
void AppendAddVoter(Operator* op, uint64_t peer_id, uint64_t store_id);

// Removes `victim`. If it leads, first hands leadership to another voter on a usable store that
// the leader reports healthy, preferring `preferred_leader_store` when that is one of them.
// Returns false (op unchanged) when the victim leads and no voter can take over.
bool AppendRemove(Operator* op, const RegionView& r, const metapb::Peer& victim,
                  const std::vector<StoreView>& stores, uint64_t preferred_leader_store = 0);

}  // namespace brkv::pd
