// Coordinator: drives replication from region heartbeats (PD's schedule coordinator).
//
// On every region heartbeat (after Cluster accepted it) the coordinator
//   1. updates the region's running operator, if any, with what the heartbeat shows;
//   2. if none runs (or it just ended), asks the replica checker for one, then — when the
//      region needs no repair and fewer than the limit of balance operators run cluster-wide —
//      the leader balancer, then the region balancer;
//   3. answers with the running operator's next command (at most one per heartbeat).
// People add operators (kvctl operator add) and delete stores (kvctl store delete) here too;
// a store being deleted is Offline until PD's table shows no replica on it, then Tombstone.
// The ticker (Tick) times operators out without waiting for heartbeats and tombstones emptied
// stores.
//
// Thread-safety: thread-safe; one mutex serialises scheduling decisions. Lock order:
// Coordinator, then Cluster (the coordinator calls into the cluster, never the reverse).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "common/status.h"
#include "pd/balance.h"
#include "pd/clock.h"
#include "pd/cluster.h"
#include "pd/id_allocator.h"
#include "pd/operator_controller.h"
#include "pd/replica_checker.h"
#include "proto/pdpb.pb.h"

namespace brkv::pd {

struct ScheduleOptions {
  // [replication] max-replicas and [schedule] max-store-down-time.
  ReplicaConfig replication;
  // Balance-leader operators running at once, cluster-wide; 0 turns leader balance off.
  // Default: 4 (PD's [schedule] leader-schedule-limit).
  uint32_t leader_schedule_limit = 4;
  // Balance-region operators (and scatters) running at once; 0 turns region balance off.
  // Default: 4 (PD's [schedule] region-schedule-limit).
  uint32_t region_schedule_limit = 4;
  // Deadline of an operator that moves replicas. Default: 10 min.
  int64_t operator_timeout_ms = 10 * 60 * 1000;
  // Deadline of an operator that only moves leadership. Default: 30 s.
  int64_t leader_operator_timeout_ms = 30 * 1000;
  // Finished operators kept for kvctl operator show. Default: 256.
  size_t operator_history = 256;
};

// InvalidArgument naming the bad field when `o` is unusable.
Status ValidateScheduleOptions(const ScheduleOptions& o);

class Coordinator {
 public:
  // The pointers must outlive the coordinator.
  Coordinator(Cluster* cluster, IdAllocator* ids, Clock* clock, ScheduleOptions options);

  // The heartbeat path: `item` is the region as its leader reported it (with down and pending
  // peers), already accepted by Cluster::RegionHeartbeat. Returns the command for the leader
  // (empty when there is nothing to do).
  pdpb::RegionHeartbeatResponse OnRegionHeartbeat(const pdpb::Region& item);

  // Starts an operator a person asked for (pd-ctl's admin-transfer-leader / admin-add-peer /
  // admin-remove-peer). Errors, each one line: NotFound for an unknown region or store;
  // InvalidArgument when the request makes no sense for the region (no peer there, the only
  // voter, a learner asked to lead, unknown type); AlreadyExists when it is already so;
  // Unavailable when the store cannot take it (down, offline, tombstone) or no voter can take
  // over from a leader being removed; Aborted when the region runs a repair or another admin
  // operator (a balance or scatter operator is replaced).
  Result<Operator> AddAdminOperator(brkvpb::OperatorType type, uint64_t region_id, uint64_t store_id);

  // Scatters regions with more than one peer by starting a scatter-region operator for each
  // (does not wait for them); each plan counts the ones before it, so a batch spreads out.
  // Returns one Status per id: OK also when the region is already well placed; NotFound for an
  // unknown region; Aborted when it runs an operator; Unavailable when it has a learner or
  // unhealthy peers.
  std::vector<Status> ScatterRegions(const std::vector<uint64_t>& region_ids);
  Status ScatterRegion(uint64_t region_id) { return ScatterRegions({region_id}).at(0); }

  // Marks a store Offline so its replicas move away (Tombstone at once if it holds none).
  // Returns the store as it is now. NotFound for an unknown store; Aborted for a tombstone, or
  // when its replicas would have nowhere to go (fewer than max-replicas other usable stores);
  // an Offline store is returned as is.
  Result<metapb::Store> DeleteStore(uint64_t store_id);

  // Periodic work: times out operators, tombstones emptied Offline stores, logs stores that
  // have been down longer than max-store-down-time.
  void Tick();

  // The running operator of the region, else its newest finished one. Both lookups first time
  // out expired operators, so they never show a running operator past its deadline.
  std::optional<Operator> GetOperator(uint64_t region_id);
  // See OperatorController::List.
  std::vector<Operator> ListOperators(uint64_t region_id);
  // min(max-replicas, usable stores) now.
  uint32_t TargetReplicas() const;
  const ScheduleOptions& options() const { return options_; }

 private:
  // Starts `op` with its timeout set; logs and drops it when the id allocator failed.
  Status StartLocked(Operator op, bool alloc_failed, int64_t now_ms, bool replace = false);
  // Replica and leader loads plus the influence of running operators.
  StoreLoads LoadsLocked(const std::vector<StoreView>& stores) const;
  void TombstoneEmptyStoresLocked(const std::vector<StoreView>& stores);

  Cluster* const cluster_;
  IdAllocator* const ids_;
  Clock* const clock_;
  const ScheduleOptions options_;

  mutable std::mutex mu_;
  OperatorController ops_;        // GUARDED_BY(mu_)
  std::set<uint64_t> long_down_;  // GUARDED_BY(mu_): stores logged as down too long
};

}  // namespace brkv::pd
