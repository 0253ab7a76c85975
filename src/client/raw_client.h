// RawClient: non-transactional key-value access to the raw-KV key space.
//
// Keys are raw-KV user keys; they live in regions as keys::RawRegionKey(key) ('r' + key), so
// they never mix with transactional data. No MVCC, no locks: a Put is visible at once and
// overwrites. Region errors and unreachable stores are retried within the retry budget.
// cf "" means the server's default column family.
// Thread-safety: thread-safe; owned by Cluster.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "client/types.h"
#include "common/status.h"

namespace brkv::client {

class Cluster;

class RawClient {
 public:
  explicit RawClient(Cluster* cluster) : cluster_(cluster) {}

  // InvalidArgument for an empty key.
  Status Put(std::string_view key, std::string_view value, std::string_view cf = "");
  // NotFound if the key has no value.
  Result<std::string> Get(std::string_view key, std::string_view cf = "");
  // OK also when the key did not exist.
  Status Delete(std::string_view key, std::string_view cf = "");
  // Writes all pairs, grouped by region and cut into batches (<= 4096 pairs or ~1 MiB).
  // Not atomic across batches: on error some pairs may have been written.
  Status BatchPut(const std::vector<KvPair>& pairs, std::string_view cf = "");
  // Pairs with start <= key < end (end "" = the end of the raw key space), in key order,
  // at most limit (0 = no limit).
  Result<std::vector<KvPair>> Scan(std::string_view start, std::string_view end,
                                   size_t limit = 0, std::string_view cf = "");
  // Streams the same pairs to fn; stops early (OK) when fn returns false.
  Status ScanEach(std::string_view start, std::string_view end,
                  const std::function<bool(const KvPair&)>& fn, std::string_view cf = "",
                  uint32_t batch_size = 1024);

 private:
  Cluster* cluster_;
};

}  // namespace brkv::client
