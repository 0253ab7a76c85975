// PdClient: the placement driver's client, used by kv-server, br, kvctl and playground.
//
// Every call has a deadline (options.rpc_timeout_ms; admin_timeout_ms for split/scatter) and
// retries transient failures
// (Unavailable / DEADLINE_EXCEEDED) with a Backoffer up to options.retry_budget_ms; gRPC
// reconnects the channel by itself. Errors: Unavailable when PD cannot be reached within the
// budget; the PD error type mapped to a Status otherwise.
// GetTS and RegionHeartbeat are synchronous calls too, carried by PD's Tso and RegionHeartbeat
// streams (kvproto's shape); a stream that breaks (PD restart) is reopened by the next attempt.
// Concurrent GetTS calls are batched into one TSO request.
// Thread-safety: thread-safe; share one instance.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/brkvpb_pd.pb.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace brkv::client {

struct PdClientOptions {
  // "host:port" of pd-server.
  std::string address;
  // Deadline of one RPC. Default: 5 s.
  int64_t rpc_timeout_ms = 5000;
  // Total time one call may spend retrying. Default: 15 s.
  int64_t retry_budget_ms = 15000;
  // Deadline of SplitRegions / ScatterRegions, which make PD call kv-servers and can take
  // long for big batches. They are not re-sent after a deadline (the caller decides).
  // Default: 120 s.
  int64_t admin_timeout_ms = 120000;
};

struct RegionInfo {
  metapb::Region region;
  metapb::Peer leader;
  uint64_t approximate_size = 0;
  uint64_t approximate_keys = 0;
  // The leader's view of its replicas: those it has not heard from (with for how long), and
  // those still catching up. A node fills them in its heartbeat; PD returns what the leader
  // last reported.
  std::vector<pdpb::PeerStats> down_peers;
  std::vector<metapb::Peer> pending_peers;
};

// PD's replication settings (GetClusterConfig).
struct ReplicationConfig {
  uint32_t max_replicas = 0;           // [replication] max-replicas
  uint32_t target_replicas = 0;        // min(max-replicas, usable stores) now
  int64_t max_store_down_time_ms = 0;  // [schedule] max-store-down-time
};

class PdClient {
 public:
  // Connects and fetches the cluster id (GetClusterInfo). Unavailable if PD does not answer.
  static Result<std::unique_ptr<PdClient>> Connect(const PdClientOptions& options);
  ~PdClient();

  uint64_t cluster_id() const;
  Result<bool> IsBootstrapped();
  Status Bootstrap(const metapb::Store& store, const metapb::Region& region);

  // One timestamp, or the last of `count` consecutive ones (no other caller gets any of them).
  Result<uint64_t> GetTS(uint32_t count = 1);
  Result<uint64_t> AllocID();

  Status PutStore(const metapb::Store& store);
  Status StoreHeartbeat(const pdpb::StoreStats& stats);
  Result<metapb::Store> GetStore(uint64_t store_id);
  Result<std::vector<brkvpb::StoreInfo>> GetAllStores();

  // Reports a region as its leader sees it. Returns PD's answer: at most one command for the
  // leader (change_peer or transfer_leader, for region_id at region_epoch), or an empty
  // response when there is nothing to do. Aborted when PD knows a newer epoch.
  // Our pd-server answers every heartbeat on the stream; a PD that answers only with commands
  // (kvproto's) would make this call wait out its deadline.
  Result<pdpb::RegionHeartbeatResponse> RegionHeartbeat(const RegionInfo& info);
  // The region containing region_key (region key space). NotFound if none.
  Result<RegionInfo> GetRegion(const std::string& region_key);
  Result<RegionInfo> GetRegionByID(uint64_t region_id);
  // Regions overlapping [start, end) (end empty = +inf), at most limit (0 = all), key order.
  Result<std::vector<RegionInfo>> ScanRegions(const std::string& start, const std::string& end,
                                             int32_t limit = 0);

  Result<std::vector<pdpb::SplitID>> AskBatchSplit(const metapb::Region& region, uint32_t count);
  Status ReportBatchSplit(const std::vector<metapb::Region>& regions);
  // Asks PD to split at the keys (region key space); returns the new region ids. Keys that are
  // already region boundaries are skipped, so a retry after a failure is safe. An error means
  // at least one key could not be split (the message says why).
  Result<std::vector<uint64_t>> SplitRegions(const std::vector<std::string>& split_keys);
  // Asks PD to spread the regions over the stores; returns ids that could not be scheduled.
  // A single-peer region moves whole and must be empty (it fails when it holds data, a store
  // is down or the id is unknown). A region with several peers gets a scatter-region operator
  // that PD runs in the background (GetOperator tells when it is done); it fails when it
  // already runs an operator or has a learner or an unhealthy peer. With one store, nothing
  // moves and nothing fails.
  Result<std::vector<uint64_t>> ScatterRegions(const std::vector<uint64_t>& region_ids);

  // Replication settings and the current target replica count.
  Result<ReplicationConfig> GetReplicationConfig();
  // The region's running operator, else its last finished one (kvproto's GetOperator).
  // NotFound when the region has had none since PD started.
  Result<pdpb::GetOperatorResponse> GetOperator(uint64_t region_id);
  // Running operators, then finished ones newest first; region_id 0 = every region. NotFound
  // for an unknown region.
  Result<std::vector<brkvpb::OperatorInfo>> ListOperators(uint64_t region_id = 0);
  // Starts an operator on a region's peer on `store_id` (kvctl operator add). Errors carry
  // PD's one-line reason: NotFound (unknown region / store), InvalidArgument (no peer there,
  // the only voter, ...), AlreadyExists (already so), Unavailable (store down / offline),
  // Aborted (the region runs another operator).
  Result<brkvpb::OperatorInfo> AddOperator(brkvpb::OperatorType type, uint64_t region_id,
                                           uint64_t store_id);
  // Marks a store Offline (PD then moves its replicas away and makes it a Tombstone); returns
  // the store as it is now. NotFound, or Aborted (already a tombstone / nowhere to move to).
  Result<metapb::Store> DeleteStore(uint64_t store_id);

  Result<uint64_t> GetGCSafePoint();
  Result<uint64_t> UpdateGCSafePoint(uint64_t safe_point);
  // Returns the minimum live service safe point after the update (ttl_seconds <= 0 removes).
  // A safe_point below the GC safe point is not stored: the reply is then the GC safe point,
  // which is > safe_point — callers must check the reply against what they asked for.
  Result<uint64_t> UpdateServiceGCSafePoint(const std::string& service_id, int64_t ttl_seconds,
                                            uint64_t safe_point);

 private:
  struct Impl;
  explicit PdClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace brkv::client
