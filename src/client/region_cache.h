// RegionCache: the client's map from region key to region, leader and store address.
//
// Keys here are always in the REGION KEY SPACE (keys::TxnRegionKey / keys::RawRegionKey).
// Entries are kept sorted by start key; a lookup that misses asks the RegionSource (PD) and
// remembers the answer. Requests that fail with a region error call one of the On*/Invalidate
// methods so the next lookup reloads; nothing here sleeps or retries.
// A region without a known leader but with exactly one peer uses that peer (one replica).
// Thread-safety: thread-safe; share one instance per cluster.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "client/pd_client.h"
#include "common/status.h"
#include "proto/metapb.pb.h"

namespace brkv::client {

// Where the region routing comes from: PD in production, a fake in tests.
// Implementations must be thread-safe.
class RegionSource {
 public:
  virtual ~RegionSource() = default;
  // The region containing region_key. NotFound if none.
  virtual Result<RegionInfo> GetRegion(const std::string& region_key) = 0;
  // Regions overlapping [start, end) (end "" = +inf), at most limit (0 = all), in key order.
  virtual Result<std::vector<RegionInfo>> ScanRegions(const std::string& start,
                                                      const std::string& end, int32_t limit) = 0;
  // "host:port" of the store.
  virtual Result<std::string> GetStoreAddress(uint64_t store_id) = 0;
};

// A RegionSource backed by PD. `pd` must outlive the result.
std::unique_ptr<RegionSource> NewPdRegionSource(PdClient* pd);

// A located region: what a request needs to address it.
struct KeyLocation {
  metapb::Region region;
  metapb::Peer leader;
  std::string address;  // leader store's address

  uint64_t id() const { return region.id(); }
  const std::string& start_key() const { return region.start_key(); }
  const std::string& end_key() const { return region.end_key(); }
  // True if start_key <= region_key < end_key (end "" = +inf).
  bool Contains(std::string_view region_key) const;
  // True if the region's end is at or past `region_end` (region_end "" = +inf).
  bool ReachesEnd(std::string_view region_end) const;
  // "region 7 [start, end) on store 2 (127.0.0.1:20161)" with keys in hex, for messages.
  std::string Describe() const;
};

// A group of keys that fall into one region (indexes into the caller's key vector).
struct RegionGroup {
  KeyLocation location;
  std::vector<size_t> indexes;
};

class RegionCache {
 public:
  // `source` must outlive the cache.
  explicit RegionCache(RegionSource* source);
  RegionCache(const RegionCache&) = delete;
  RegionCache& operator=(const RegionCache&) = delete;

  // The region containing region_key, from the cache or the source. Errors: the source's
  // error; RegionError (retryable) when the source knows no region or no leader for the key.
  Result<KeyLocation> Locate(std::string_view region_key);
  // The regions overlapping [start, end) (end "" = +inf), in key order, loading the missing
  // ones in bulk (ScanRegions). The first starts at or before `start`.
  Result<std::vector<KeyLocation>> LocateRange(std::string_view start, std::string_view end);
  // Groups region keys by region, in key order of the regions. Keys need not be sorted;
  // each group's indexes keep the input order.
  Result<std::vector<RegionGroup>> GroupKeys(const std::vector<std::string>& region_keys);
  // Bulk-loads the regions overlapping [start, end) with one ScanRegions call per 128 regions.
  Status LoadRange(std::string_view start, std::string_view end);

  // Drops the region with this id, if cached.
  void Invalidate(uint64_t region_id);
  // NotLeader with a new leader: remember it if that peer belongs to the cached region,
  // else drop the region.
  void OnNotLeader(uint64_t region_id, const metapb::Peer& leader);
  // EpochNotMatch: replace the stale region with the current ones the node reported (they
  // are assumed to be led by the store that answered, `store_id`).
  void OnEpochNotMatch(uint64_t stale_region_id, uint64_t store_id,
                       const std::vector<metapb::Region>& current);
  // Drops every region led by the store and its address (the node failed or moved).
  void InvalidateStore(uint64_t store_id);
  // Inserts or replaces a region (e.g. from a split response), dropping overlapped entries.
  void Insert(const metapb::Region& region, const metapb::Peer& leader);
  // The address of a store (cached; asked of the source when unknown).
  Result<std::string> StoreAddress(uint64_t store_id);
  // Drops everything.
  void Clear();

  // Number of cached regions (tests and metrics).
  size_t size() const;

 private:
  struct Entry {
    metapb::Region region;
    metapb::Peer leader;
  };
  // REQUIRES: mu_ held. The entry containing key, or nullptr.
  const Entry* FindLocked(std::string_view key) const;
  // REQUIRES: mu_ held.
  void InsertLocked(const metapb::Region& region, const metapb::Peer& leader);
  void EraseLocked(uint64_t region_id);
  Result<KeyLocation> ToLocation(const Entry& e);

  RegionSource* const source_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> by_start_;         // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, std::string> start_of_id_;      // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, std::string> store_addr_;       // GUARDED_BY(mu_)
};

}  // namespace brkv::client
