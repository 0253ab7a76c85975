// Balance and scatter planning: which operator, if any, spreads leaders and replicas more
// evenly over the usable stores (PD's balance-leader and balance-region schedulers and its
// region scatterer, much simplified).
//
// Loads are per-store counts of replicas and leaders as PD's region table shows them, plus the
// effect of the steps running operators have not carried out yet, so that several decisions
// made before the first heartbeat confirms anything do not all pick the same store.
// A move is worth it only when the source holds at least kBalanceTolerance more than the
// target; each move then strictly narrows the spread, so balancing settles.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "common/status.h"
#include "pd/operator_builder.h"

namespace brkv::pd {

inline constexpr int64_t kBalanceTolerance = 2;

struct StoreLoads {
  std::map<uint64_t, int64_t> regions;  // store id -> replicas
  std::map<uint64_t, int64_t> leaders;  // store id -> leaders

  // Counts from the store views.
  static StoreLoads From(const std::vector<StoreView>& stores);
  // Adds the effect of the steps of `op` from op.current on; `leader_store` is where the
  // region's leader is now.
  void AddInfluence(const Operator& op, uint64_t leader_store);
};

// balance-leader: when the region's leader store leads at least kBalanceTolerance more regions
// than the usable store of one of its healthy voters, move leadership there (the voter whose
// store leads fewest).
std::optional<Operator> BalanceLeader(const RegionView& r, const std::vector<StoreView>& stores,
                                      const StoreLoads& loads, int64_t now_ms);

// balance-region: for a fully replicated region (`target_replicas` voters, no learners, no down
// or pending peer), move the replica on its most loaded usable store to the least loaded usable
// store without one, when they differ by at least kBalanceTolerance.
std::optional<Operator> BalanceRegion(const RegionView& r, const std::vector<StoreView>& stores,
                                      const StoreLoads& loads, uint32_t target_replicas,
                                      const std::function<uint64_t()>& alloc_id, int64_t now_ms);

// scatter-region: the balance-region move (without the full-replication requirement) and then
// leadership to the final voter whose store leads fewest, as one operator. nullopt when the
// region is already well placed. Unavailable when it has a learner or a down / pending peer.
Result<std::optional<Operator>> PlanScatter(const RegionView& r,
                                            const std::vector<StoreView>& stores,
                                            const StoreLoads& loads,
                                            const std::function<uint64_t()>& alloc_id,
                                            int64_t now_ms);

}  // namespace brkv::pd
