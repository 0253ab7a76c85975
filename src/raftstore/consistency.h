// ConsistencyChecker: the hashes replicas compute of a region's data for a consistency check
// (TiKV's ComputeHash admin command). The leader proposes ComputeHash{context}; every replica,
// when it applies that entry, hands a RocksDB snapshot taken at exactly that point to the
// checker, which hashes the region's keys and values in every data CF on its own thread (the
// store loop never scans). Because all replicas hash the same log position, equal data gives
// equal hashes; a caller collects them from every replica's store and compares.
//
// The hash: CRC-64 (crc64.h) over, for each CF in the order default, lock, write, each key in
// the region's data range in order, the CF's name, the key and the value, each preceded by its
// length as a fixed 8-byte little-endian number (so no two different contents frame alike).
//
// Results are kept per (region, context) for the last `kKeep` checks of the store.
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "common/status.h"
#include "proto/metapb.pb.h"
#include "raftstore/engines.h"

namespace rocksdb {
class Snapshot;
}

namespace brkv::raftstore {

struct RegionHash {
  uint64_t index = 0;   // the log index of the ComputeHash entry
  uint64_t hash = 0;
  uint64_t kvs = 0;     // keys hashed, all CFs
  uint64_t bytes = 0;   // key + value bytes hashed
  metapb::Region region;  // the region as the replica had it at that index
  std::string error;    // non-empty when the scan failed (then hash means nothing)
};

// Hashes the region's data as `snap` sees it (nullptr: the latest data). Synchronous.
RegionHash HashRegion(const Engines& engines, const metapb::Region& region,
                      const rocksdb::Snapshot* snap);

class ConsistencyChecker {
 public:
  static constexpr size_t kKeep = 256;
  explicit ConsistencyChecker(const Engines& engines);
  ~ConsistencyChecker();  // finishes queued work, then joins the worker

  // Takes ownership of `snap` (from engines.db->GetSnapshot(); released when hashed) and
  // hashes the region's data it sees on the worker thread, filed under (region id, context).
  void Schedule(const metapb::Region& region, uint64_t index, std::string context,
                const rocksdb::Snapshot* snap);
  // Waits until the hash filed under (region_id, context) is known. TimedOut when it is not
  // known within `timeout` (this replica has not applied the check yet, or it caught up past
  // it by a snapshot and never will: the caller runs a new check).
  Result<RegionHash> Wait(uint64_t region_id, const std::string& context,
                          std::chrono::milliseconds timeout);

 private:
  struct Task {
    metapb::Region region;
    uint64_t index;
    std::string context;
    const rocksdb::Snapshot* snap;
  };
  void Run();

  const Engines engines_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;                                         // GUARDED_BY(mu_)
  std::map<std::pair<uint64_t, std::string>, RegionHash> done_;   // GUARDED_BY(mu_)
  std::deque<std::pair<uint64_t, std::string>> done_order_;       // GUARDED_BY(mu_)
  bool stop_ = false;                                              // GUARDED_BY(mu_)
  std::thread worker_;
};

}  // namespace brkv::raftstore
