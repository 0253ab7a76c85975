// Cluster: one connection to a brkv cluster (PD + storage nodes) and the clients built on it.
//
//   ASSIGN_OR_RETURN(auto cluster, Cluster::Connect({.pd_address = "127.0.0.1:2379"}));
//   ASSIGN_OR_RETURN(auto txn, cluster->Begin());
//   RETURN_IF_ERROR(txn->Set(key, value));
//   ASSIGN_OR_RETURN(uint64_t commit_ts, txn->Commit());
//   Snapshot snap = cluster->GetSnapshot(commit_ts);          // reads at a ts
//   RETURN_IF_ERROR(cluster->raw()->Put("k", "v"));           // raw KV
//   ASSIGN_OR_RETURN(Checksum c, cluster->admin()->Checksum(ranges, ts));
//
// Every RPC has a deadline (rpc_timeout_ms); region errors and unreachable stores are retried
// with a Backoffer for at most retry_budget_ms per operation, after which the error names the
// region and key. Thread-safety: thread-safe; share one instance. Txn objects are not.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "client/admin.h"
#include "client/pd_client.h"
#include "client/raw_client.h"
#include "client/region_cache.h"
#include "client/snapshot.h"
#include "client/txn.h"
#include "common/backoff.h"
#include "common/status.h"

namespace brkv::client {

class ChannelCache;
class LockResolver;
class RegionRequestSender;
class TikvTransport;

struct ClusterOptions {
  // "host:port" of pd-server.
  std::string pd_address;
  // Deadline of one RPC. Default: 5 s.
  int64_t rpc_timeout_ms = 5000;
  // Deadline of one RPC that scans a whole region (Checksum, SplitRegion). Default: 60 s.
  int64_t long_rpc_timeout_ms = 60000;
  // Total time one operation may spend retrying region errors, unreachable stores and
  // locks. Default: 30 s.
  int64_t retry_budget_ms = 30000;
  // Parallel RPCs per operation (prewrite/commit batches, checksum regions). Default: 16.
  int concurrency = 16;
};

// The pieces a Cluster is made of; Connect builds them from PD, tests pass fakes.
struct ClusterParts {
  std::unique_ptr<PdClient> pd;                 // may be null (then pd() is null)
  std::unique_ptr<RegionSource> region_source;  // required
  std::unique_ptr<TikvTransport> transport;     // required
  std::function<Result<uint64_t>()> tso;        // required: a fresh timestamp
};

class Cluster {
 public:
  // Connects to PD and prepares the store connections (made lazily). Unavailable when PD does
  // not answer within the retry budget.
  static Result<std::unique_ptr<Cluster>> Connect(const ClusterOptions& options);
  // Builds a cluster from parts (tests, tools with their own PD client).
  static std::unique_ptr<Cluster> Create(const ClusterOptions& options, ClusterParts parts);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const ClusterOptions& options() const;
  // PD; null only for clusters made by Create without one.
  PdClient* pd();
  RegionCache* regions();
  RawClient* raw();
  Admin* admin();

  // A fresh timestamp from PD's TSO.
  Result<uint64_t> GetTS();
  // Starts an optimistic transaction at a fresh start_ts.
  Result<std::unique_ptr<Txn>> Begin();
  // A consistent read view at ts (no RPC until used).
  Snapshot GetSnapshot(uint64_t ts);

  // Building blocks for the other clients in this library and for br.
  RegionRequestSender* sender();
  LockResolver* lock_resolver();
  TikvTransport* transport();
  // gRPC channels to the stores, shared with other services on the same nodes (br's backup
  // and import calls); null for clusters made by Create.
  ChannelCache* channels();
  // A Backoffer with this cluster's retry budget.
  BackoffOptions backoff_options() const;

 private:
  struct Impl;
  explicit Cluster(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace brkv::client
