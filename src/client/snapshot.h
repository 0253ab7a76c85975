// Snapshot: consistent reads of transactional data at one timestamp.
//
// Keys are raw TiDB keys (not encoded). A read that meets a pending lock with ts <= read ts
// asks the LockResolver to finish that lock's transaction (commit or roll it back, once its
// primary is committed, rolled back or expired) and retries; a lock of a live transaction
// is waited out with backoff until the retry budget ends, then the call fails with KeyLocked
// naming the key. Region errors are retried the same way.
// Thread-safety: thread-safe (immutable); the Cluster must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "client/types.h"
#include "common/status.h"

namespace brkv::client {

class Cluster;

class Snapshot {
 public:
  // Use Cluster::GetSnapshot(ts).
  Snapshot(Cluster* cluster, uint64_t ts) : cluster_(cluster), ts_(ts) {}

  uint64_t ts() const { return ts_; }

  // The newest value committed at or before ts. NotFound if none (or deleted).
  Result<std::string> Get(std::string_view key) const;
  // Values of the keys that have one; missing keys are absent from the map.
  Result<std::map<std::string, std::string>> BatchGet(const std::vector<std::string>& keys) const;
  // Pairs with start <= key < end (end "" = +inf) in key order, at most limit (0 = no limit).
  Result<std::vector<KvPair>> Scan(std::string_view start, std::string_view end,
                                   size_t limit = 0) const;
  // Streams the same pairs to fn in key order, fetching batch_size pairs per RPC; stops early
  // (returning OK) when fn returns false. Memory stays bounded for any range size.
  Status ScanEach(std::string_view start, std::string_view end,
                  const std::function<bool(const KvPair&)>& fn, uint32_t batch_size = 1024) const;

 private:
  Cluster* cluster_;
  uint64_t ts_;
};

}  // namespace brkv::client
