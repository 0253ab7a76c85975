// Txn: an optimistic Percolator transaction over the whole cluster.
//
// Keys are raw TiDB keys (not encoded). Writes are buffered in memory until Commit, which runs
// two-phase commit: the first key (in key order) is the primary; mutations are grouped by
// region and cut into batches (<= 4096 keys or ~1 MiB); all batches are prewritten in
// parallel; a commit_ts comes from PD; the primary's batch commits first (this is the commit
// point), then the secondaries in parallel. Reads see the buffer first, then the snapshot at
// start_ts. Locks of other transactions met on the way are resolved (LockResolver).
// Thread-safety: not thread-safe; one thread per Txn. The Cluster must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/snapshot.h"
#include "client/types.h"
#include "common/status.h"

namespace brkv::client {

class Cluster;

// One buffered write.
struct Mutation {
  enum class Op { kPut, kDelete, kInsert };
  Op op = Op::kPut;
  std::string value;
};

class Txn {
 public:
  // Use Cluster::Begin(). REQUIRES: cluster outlives the Txn.
  Txn(Cluster* cluster, uint64_t start_ts);
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  uint64_t start_ts() const { return start_ts_; }

  // Buffer a write. InvalidArgument for an empty key or after Commit/Rollback.
  Status Set(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);
  // Like Set, but Commit fails with AlreadyExists if the key has a live value at commit time.
  // AlreadyExists at once if this txn already wrote a value for the key.
  Status Insert(std::string_view key, std::string_view value);

  // The value as this txn sees it (buffer, then snapshot at start_ts). NotFound if none.
  Result<std::string> Get(std::string_view key);
  // Found keys only.
  Result<std::map<std::string, std::string>> BatchGet(const std::vector<std::string>& keys);
  // Pairs with start <= key < end (end "" = +inf) as this txn sees them, at most limit
  // (0 = no limit), in key order.
  Result<std::vector<KvPair>> Scan(std::string_view start, std::string_view end,
                                   size_t limit = 0);

  // Two-phase commit. Returns the commit_ts (0 for a txn with no writes).
  // Errors (nothing committed; locks already written are rolled back):
  //   WriteConflict  another txn committed one of the keys after start_ts (restart the txn)
  //   AlreadyExists  an Insert found a live value
  //   TxnAborted     the txn was rolled back by someone else (its locks expired)
  //   KeyLocked / TimedOut / Unavailable  locks, region errors or stores did not clear in time
  // If the primary's commit RPC fails without an answer, the outcome is unknown: Unavailable,
  // not retryable, with "undetermined" in the message.
  // A failure to commit a secondary after the primary committed is logged, not returned.
  Result<uint64_t> Commit();
  // Discards the buffer. Nothing was written before Commit, so this needs no RPC.
  void Rollback();

  // Number of buffered mutations.
  size_t size() const { return mutations_.size(); }
  const std::map<std::string, Mutation, std::less<>>& mutations() const { return mutations_; }

 private:
  Status CheckOpen() const;

  Cluster* const cluster_;
  const uint64_t start_ts_;
  Snapshot snapshot_;
  std::map<std::string, Mutation, std::less<>> mutations_;
  bool done_ = false;
};

}  // namespace brkv::client
