// Cluster: PD's view of the cluster — bootstrap state, stores and the region routing table —
// kept in memory and persisted to PdStorage on every durable change.
//
// Every mutating call writes its change (synced) before it returns OK; on a storage error the
// in-memory state may be ahead of storage only for data that PD can relearn from heartbeats
// (regions), never for bootstrap or store registration, which are written first.
// Thread-safety: thread-safe; one mutex serialises the tables.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "pd/clock.h"
#include "pd/id_allocator.h"
#include "pd/operator_builder.h"
#include "pd/region_table.h"
#include "pd/storage.h"
#include "pd/store_table.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace brkv::pd {

// Returns the persisted cluster id, or creates one on first start: (unix seconds << 32) |
// 32 random bits, as PD does.
Result<uint64_t> LoadOrCreateClusterId(PdStorage* storage, Clock* clock);

struct ClusterOptions {
  uint64_t cluster_id = 0;
  // A store with no heartbeat for this long is down. Default: 10000 ms.
  int64_t store_down_ms = 10000;
};

class Cluster {
 public:
  // Loads bootstrap state, stores and regions. The pointers must outlive the Cluster.
  static Result<std::unique_ptr<Cluster>> Open(PdStorage* storage, IdAllocator* ids,
                                               Clock* clock, ClusterOptions options);

  uint64_t cluster_id() const { return options_.cluster_id; }
  bool IsBootstrapped() const;
  // Stores the first store and region. AlreadyExists when already bootstrapped;
  // InvalidArgument when the region has no peer on the store or ids are 0.
  Status Bootstrap(const metapb::Store& store, const metapb::Region& region);

  // Stores (see StoreTable for the error cases).
  Status PutStore(const metapb::Store& store);
  Status StoreHeartbeat(const pdpb::StoreStats& stats);
  // NotFound for an unknown store.
  Result<brkvpb::StoreInfo> GetStore(uint64_t store_id) const;
  std::vector<brkvpb::StoreInfo> GetAllStores(bool exclude_tombstone) const;
  // Address of a store that can serve requests now. NotFound if unknown; Unavailable if down,
  // offline or a tombstone.
  Result<std::string> ServingStoreAddress(uint64_t store_id) const;
  // (store id, regions led there) for every serving store, by store id.
  std::vector<std::pair<uint64_t, uint32_t>> ServingStoreLoads() const;
  // Ids of stores that are down now (for logging transitions).
  std::vector<uint64_t> DownStores() const;
  // Every store (tombstones included) as the schedulers see it, by id: liveness from the
  // heartbeat age, state, and the replica / leader counts of PD's region table.
  std::vector<StoreView> StoreViews() const;
  // Changes a store's state and persists it. Allowed: Up -> Offline, Offline -> Up,
  // Offline -> Tombstone (only when PD's table shows no replica on the store), and a no-op to
  // the current state. NotFound for an unknown store; Aborted for a tombstone (final) or a
  // store that still holds replicas; InvalidArgument for any other transition.
  Result<metapb::Store> SetStoreState(uint64_t store_id, metapb::StoreState state);

  // Regions. RegionHeartbeat: Aborted("stale ...") for a stale epoch (see RegionTable). The
  // item's down_peers / pending_peers are kept in memory only.
  Status RegionHeartbeat(const pdpb::Region& item);
  // NotFound when no region contains the key / has the id.
  Result<pdpb::Region> GetRegionByKey(const std::string& key) const;
  Result<pdpb::Region> GetRegionById(uint64_t id) const;
  // The store of the region's leader; 0 when the region is unknown. Copies nothing.
  uint64_t LeaderStoreOf(uint64_t region_id) const;
  std::vector<pdpb::Region> ScanRegions(const std::string& start, const std::string& end,
                                        int limit) const;

  // New region and peer ids for `count` splits of `region` (one peer id per peer). Aborted if
  // PD knows a newer epoch of the region.
  Result<std::vector<pdpb::SplitID>> AskBatchSplit(const metapb::Region& region, uint32_t count);
  // Applies the regions a split produced. Stale entries are skipped (PD already knows newer).
  Status ReportBatchSplit(const std::vector<metapb::Region>& regions);

  // Moves the single-replica region `region_id` to `target_store`: replaces its peer with a new
  // peer (new id) on the target, bumps conf_ver, makes the new peer leader and persists.
  // Aborted if the region's epoch is no longer `expected_epoch`; NotFound if it is gone.
  Result<metapb::Region> CommitMove(uint64_t region_id, const metapb::RegionEpoch& expected_epoch,
                                    uint64_t target_store);

 private:
  Cluster(PdStorage* storage, IdAllocator* ids, Clock* clock, ClusterOptions options)
      : storage_(storage), ids_(ids), clock_(clock), options_(options) {}
  Status LoadLocked();
  // Applies one region to the table and adds the resulting changes to `batch`.
  Status ApplyRegionLocked(const pdpb::Region& item, StorageBatch* batch);
  brkvpb::StoreInfo InfoLocked(uint64_t id, int64_t now) const;

  PdStorage* const storage_;
  IdAllocator* const ids_;
  Clock* const clock_;
  const ClusterOptions options_;

  mutable std::mutex mu_;
  bool bootstrapped_ = false;  // guarded by mu_
  StoreTable stores_;          // guarded by mu_
  RegionTable regions_;        // guarded by mu_
};

}  // namespace brkv::pd
