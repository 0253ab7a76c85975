// RegionTable: PD's in-memory routing table, region key space -> region.
//
// Keys are opaque ordered bytes (region key space, see metapb.Region); an empty end key means
// +infinity. The table holds non-overlapping regions; it need not cover the whole key space.
//
// Update rule (as PD's): an incoming region is stale, and rejected, when
//   - the table has the same id with a larger version or conf_ver, or
//   - it overlaps a region (other id) whose version is larger than its own.
// Otherwise it replaces the stored copy and every region it overlaps ("a newer epoch replaces
// overlapping regions"); the ids of the regions it displaced are returned so callers can delete
// them from storage.
//
// Thread-safety: not thread-safe; the owner (Cluster) serialises access.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace brkv::pd {

// True when the two epochs differ in any component.
bool EpochChanged(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b);

class RegionTable {
 public:
  struct PutResult {
    // Regions removed from the table because the new one overlapped them (other ids).
    std::vector<uint64_t> removed;
    // False when the update only touched approximate sizes (nothing durable changed).
    bool meta_changed = true;
  };

  // Validates and applies `item` (region + leader + sizes) under the update rule above.
  // InvalidArgument for a malformed region (id 0, start >= end); Aborted("stale ...") when the
  // epoch is stale. A missing leader defaults to the first peer.
  Result<PutResult> Put(pdpb::Region item);
  // Removes a region by id; no-op if absent.
  void Remove(uint64_t region_id);

  // The region containing `key`, or nullptr.
  const pdpb::Region* GetByKey(const std::string& key) const;
  const pdpb::Region* GetById(uint64_t id) const;
  // Regions overlapping [start, end) (end empty = +inf) in key order, at most `limit`
  // (<= 0 = all).
  std::vector<pdpb::Region> Scan(const std::string& start, const std::string& end,
                                 int limit) const;
  // Every region, key order.
  std::vector<pdpb::Region> All() const { return Scan("", "", 0); }

  // Number of regions whose leader is on each store (kept incrementally; O(stores)).
  std::unordered_map<uint64_t, uint32_t> LeaderCountByStore() const;
  // Number of regions with a peer (voter or learner) on each store (kept incrementally).
  std::unordered_map<uint64_t, uint32_t> PeerCountByStore() const { return peer_count_; }
  size_t size() const { return by_id_.size(); }

 private:
  // Ids of regions (other than `self_id`) overlapping [start, end).
  std::vector<uint64_t> Overlaps(const std::string& start, const std::string& end,
                                 uint64_t self_id) const;

  static uint64_t LeaderStoreOf(const pdpb::Region& r);
  void Index(pdpb::Region item);
  void Unindex(std::unordered_map<uint64_t, pdpb::Region>::iterator it);

  std::map<std::string, uint64_t> by_start_;          // start key -> id
  std::unordered_map<uint64_t, uint32_t> leader_count_;  // store id -> regions led there
  std::unordered_map<uint64_t, uint32_t> peer_count_;    // store id -> regions with a peer there
  std::unordered_map<uint64_t, pdpb::Region> by_id_;  // id -> region
};

}  // namespace brkv::pd
