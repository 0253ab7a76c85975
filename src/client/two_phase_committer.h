// TwoPhaseCommitter: Percolator two-phase commit of one transaction's mutations (client-go's
// twoPhaseCommitter, simplified: optimistic, synchronous secondaries, no async commit).
//
//   1. prewrite every mutation, grouped by region and cut into batches, batches in parallel;
//      locks of other txns are resolved, region errors regroup the affected keys;
//   2. commit_ts from the TSO;
//   3. commit the primary key — the commit point;
//   4. commit the secondaries in parallel; failures are logged only (readers roll them
//      forward from the committed primary).
// A prewrite failure rolls back every key (best effort) and returns the error.
// Thread-safety: one Execute per object.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "client/batching.h"
#include "common/backoff.h"
#include "common/status.h"
#include "proto/kvrpcpb.pb.h"

namespace brkv::client {

class Cluster;

class TwoPhaseCommitter {
 public:
  // mutations: sorted by key, unique keys; the first is the primary.
  TwoPhaseCommitter(Cluster* cluster, uint64_t start_ts,
                    std::vector<kvrpcpb::Mutation> mutations, BatchLimits limits = {});

  // Returns commit_ts (0 if there are no mutations). Errors as Txn::Commit.
  Result<uint64_t> Execute();

  // Lock TTL for a txn of txn_bytes written, elapsed_ms after its start_ts: 3 s, growing with
  // the square root of the size (6 s per sqrt(MiB)), at most 120 s, plus the elapsed time
  // (a lock's TTL counts from its start_ts).
  static uint64_t LockTtl(uint64_t txn_bytes, int64_t elapsed_ms);

 private:
  enum class Action { kPrewrite, kCommit, kRollback };
  struct Outcome {
    bool retry = false;
    Status reason;                         // why retry (region error, unreachable store)
    std::vector<kvrpcpb::LockInfo> locks;  // locks to resolve before retrying
  };

  // Runs action on the mutations at indexes until all succeed, retrying region errors and
  // locks; the backoff budget restarts whenever a round makes progress.
  Status DoActionOnKeys(const BackoffOptions& backoff, Action action,
                        std::vector<size_t> indexes);
  Status SendBatch(Action action, const Batch& batch, Outcome* out);
  void RollbackAll();
  static const char* ActionName(Action a);

  Cluster* const cluster_;
  const uint64_t start_ts_;
  std::vector<kvrpcpb::Mutation> mutations_;
  const BatchLimits limits_;
  uint64_t lock_ttl_ = 0;
  uint64_t commit_ts_ = 0;
  // Set when a commit RPC got no answer: the primary's outcome may be unknown.
  std::atomic<bool> commit_rpc_failed_{false};
};

}  // namespace brkv::client
