// ReplicaChecker: decides what a region needs to have its full replica count on healthy stores
// (PD's replica checker). Given the region as its leader reports it and the stores as PD sees
// them, it returns at most one operator:
//   replace-down-replica    a peer on a store down longer than max-store-down-time (or unknown
//                           / a tombstone): add a learner elsewhere, promote it, remove the peer
//   replace-offline-replica the same for a peer on an Offline store (kvctl store delete)
//   add-replica             fewer voters than min(max-replicas, healthy stores)
//   remove-extra-replica    more voters than max-replicas
//   promote-learner         a learner left behind by an interrupted operator
//   remove-down-learner     such a learner on a store that needs replacing
// Removing the leader's own peer first moves leadership to another voter. New peers go to the
// healthy store without a replica of the region that holds the fewest regions; with no such
// store a dead replica is kept (the region keeps its quorum) rather than removed.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "pd/operator_builder.h"

namespace brkv::pd {

struct ReplicaConfig {
  // Replicas per region. Default: 3 (PD's max-replicas).
  uint32_t max_replicas = 3;
  // A store down this long has its replicas replaced. Default: 30 min (PD's max-store-down-time).
  int64_t max_store_down_time_ms = 30 * 60 * 1000;
};

// The operator the region needs now, if any. `alloc_id` gives a new peer id.
std::optional<Operator> CheckReplicas(const RegionView& r, const std::vector<StoreView>& stores,
                                      const ReplicaConfig& cfg,
                                      const std::function<uint64_t()>& alloc_id, int64_t now_ms);

// The replica count a cluster with these stores can hold: min(max_replicas, usable stores).
uint32_t TargetReplicas(const std::vector<StoreView>& stores, const ReplicaConfig& cfg);

}  // namespace brkv::pd
