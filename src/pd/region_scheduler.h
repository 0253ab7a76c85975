// RegionScheduler: operator-style actions PD drives on kv-servers — split at keys, and scatter
// (move empty regions to the least loaded stores).
//
// SplitRegions: keys are grouped by the region containing them (keys equal to a region's start
// are already split points and are skipped); one Tikv/SplitRegion call per region goes to the
// region leader's store, and PD applies the resulting regions to its table at once. Region
// errors (a split or move raced us) refresh PD's view and retry, up to `retry_limit` rounds.
//
// ScatterRegions, single-peer regions: the target is the serving store (other than the current
// one) with the fewest regions, ties broken round-robin. Steps: TransferOut on the source
// (fails if the region holds data), PD's table update (new peer id, conf_ver + 1, leader = new
// peer), TransferIn on the target. Any failure puts the id in `failed` — never silently
// skipped; a region already removed from its source is put back when the target refuses it.
// With a single serving store there is nowhere to move to: the region counts as scattered.
// Regions with more than one peer are Raft groups: the coordinator starts a scatter-region
// operator for each (Coordinator::ScatterRegions) and the call returns without waiting for them;
// an id whose operator could not start is in `failed`.
//
// Thread-safety: thread-safe; scatters are serialised so load counts stay consistent.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "pd/cluster.h"
#include "pd/coordinator.h"
#include "pd/store_client.h"

namespace brkv::pd {

struct RegionSchedulerOptions {
  // Rounds of SplitRegions retries after region errors when the request gives none. Default: 3.
  int split_retry_limit = 3;
  // Attempts for one store call that fails with Unavailable during scatter. Default: 3.
  int store_call_attempts = 3;
  // Sleep between retry rounds (multiplied by the round number). Default: 100 ms.
  int64_t retry_sleep_ms = 100;
};

class RegionScheduler {
 public:
  // `coordinator` scatters multi-peer regions; nullptr fails them.
  RegionScheduler(Cluster* cluster, StoreClient* stores, RegionSchedulerOptions options = {},
                  Coordinator* coordinator = nullptr)
      : cluster_(cluster), stores_(stores), coordinator_(coordinator), options_(options) {}

  struct SplitResult {
    std::vector<uint64_t> new_region_ids;  // regions created by the splits
    uint32_t finished_percentage = 0;      // of the requested split keys
    Status status;                         // first failure, if any key could not be split
  };
  SplitResult SplitRegions(std::vector<std::string> split_keys, int retry_limit = 0);

  struct ScatterResult {
    std::vector<uint64_t> failed;
    uint32_t finished_percentage = 0;
  };
  ScatterResult ScatterRegions(const std::vector<uint64_t>& region_ids, int retry_limit = 0);

 private:
  // Moves one region; OK when moved (or nothing to do).
  Status ScatterOne(uint64_t region_id);
  // Picks the target store for a region now on `source`; 0 when there is none.
  uint64_t PickTarget(uint64_t source);
  // Retries `fn` on Unavailable up to store_call_attempts times.
  template <typename Fn>
  Status WithRetry(Fn&& fn);

  Cluster* const cluster_;
  StoreClient* const stores_;
  Coordinator* const coordinator_;
  const RegionSchedulerOptions options_;
  std::mutex scatter_mu_;
  uint64_t last_target_ = 0;  // guarded by scatter_mu_: round-robin cursor
};

}  // namespace brkv::pd
