// Node: this store's membership in the cluster (TiKV's Node + PD worker).
//
// Join(): connects to PD (retrying for options.pd_connect_timeout_ms), then
//   - a fresh data directory gets a store id from PD (AllocID) and persists its ident;
//   - if the cluster is not bootstrapped yet, the node bootstraps it with the first region
//     ["", "") on itself: the region is persisted locally *before* PD's Bootstrap, so a crash
//     in between is finished on restart; if another node won the race (ALREADY_BOOTSTRAPPED),
//     the local (empty) region is dropped and the node just registers (failpoint
//     "kv.bootstrap.before-pd" sits between the local write and PD's Bootstrap);
//   - a known data directory must belong to PD's cluster (else InvalidArgument);
//   - PutStore registers the advertised address.
// Start(): a background thread sends a store heartbeat every store_heartbeat_ms, a heartbeat of
// every region this store leads every region_heartbeat_ms, and a region's heartbeat right after
// it changed (RegionsChanged, wired to RegionManager's change listener) or this store started
// leading it (polled every kLeaderPollMs).
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/pd_client.h"
#include "common/status.h"
#include "proto/metapb.pb.h"
#include "server/engine.h"
#include "server/region_manager.h"

namespace brkv::server {

struct NodeOptions {
  // PD address "host:port".
  std::string pd_address;
  // Address clients use to reach this store (registered with PD).
  std::string advertise_address;
  // Data directory (reported to PD as the deploy path).
  std::string data_dir;
  // How long Join() keeps trying to reach PD. Default: 60 s.
  int64_t pd_connect_timeout_ms = 60000;
  // Deadline / retry budget of one PD call once joined. Default: 3 s / 5 s.
  int64_t pd_rpc_timeout_ms = 3000;
  int64_t pd_retry_budget_ms = 5000;
  // Default: 1 s.
  int64_t store_heartbeat_ms = 1000;
  // Default: 5 s.
  int64_t region_heartbeat_ms = 5000;
  // Raft's tick (RegionRaftOptions::tick_ms), to report how long a replica has been down.
  int64_t raft_tick_ms = 200;
  // Software version reported to PD.
  std::string version = "0.1.0";
};

// Approximate size of a region, for heartbeats; filled by the caller's size estimator.
using RegionSizeFn = std::function<void(const metapb::Region&, uint64_t* bytes, uint64_t* keys)>;

class Node {
 public:
  // Connects to PD and makes this store a member of its cluster (see above). `regions` and
  // `engine` must outlive the node. Unavailable (naming the address) when PD cannot be reached
  // in time.
  static Result<std::unique_ptr<Node>> Join(const NodeOptions& options, RegionManager* regions,
                                            Engine* engine);
  ~Node();  // Stop()s

  client::PdClient* pd() { return pd_.get(); }
  uint64_t store_id() const { return store_id_; }
  uint64_t cluster_id() const;

  // Sets how heartbeats estimate region sizes (default: RocksDB's approximate sizes).
  void SetRegionSizeFn(RegionSizeFn fn);
  // Starts the heartbeat thread.
  void Start();
  // Stops the heartbeat thread. Idempotent.
  void Stop();
  // Queues immediate heartbeats for these regions (removed regions are not reported).
  void RegionsChanged(const std::vector<metapb::Region>& regions, bool removed);

  // Sends one heartbeat for every hosted region now.
  void HeartbeatAllRegions();

 private:
  Node(const NodeOptions& options, RegionManager* regions, Engine* engine)
      : options_(options), regions_(regions), engine_(engine) {}
  Status Register();
  Status BootstrapCluster(uint64_t store_id);
  // The error for PD refusing our address (AlreadyExists from PutStore): names the store that
  // holds it and how to replace it.
  Status AddressTakenError(const Status& put) const;
  metapb::Store StoreMeta() const;
  void Loop();
  void StoreHeartbeat();
  // Sends the store heartbeat when it is due. Region heartbeats call it between regions: with
  // tens of thousands of regions one round of region heartbeats outlasts PD's store-down
  // threshold, and a store heartbeat waiting behind it made PD report a busy store as down.
  void StoreHeartbeatIfDue();
  void RegionHeartbeat(const metapb::Region& region);
  // The region if this store's replica leads it.
  std::optional<metapb::Region> LedRegion(uint64_t region_id) const;
  static constexpr int64_t kLeaderPollMs = 200;

  const NodeOptions options_;
  RegionManager* const regions_;
  Engine* const engine_;
  std::unique_ptr<client::PdClient> pd_;
  uint64_t store_id_ = 0;
  int64_t start_time_s_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                 // GUARDED_BY(mu_)
  std::set<uint64_t> dirty_regions_;  // GUARDED_BY(mu_)
  std::set<uint64_t> led_;            // GUARDED_BY(mu_): regions led at the last poll
  RegionSizeFn size_fn_;              // GUARDED_BY(mu_)
  std::thread thread_;
  // steady_clock nanoseconds at which the next store heartbeat is due.
  std::atomic<int64_t> next_store_heartbeat_ns_{0};
};

// RocksDB's estimate of the bytes the region occupies in CFs default, write and lock
// (memtables included); keys are estimated from it.
void ApproximateRegionSize(Engine* engine, const metapb::Region& region, uint64_t* bytes,
                           uint64_t* keys);

}  // namespace brkv::server
