// Region helpers: key ranges, epochs and TiKV-style region errors (errorpb).
//
// A region covers [start_key, end_key) of the region key space (kv/keys.h); an empty end_key
// is +infinity. Every request names a region and the epoch it believes current; the node
// answers with an errorpb::Error when it cannot serve it, and the client refreshes its region
// cache and retries. In C++ such an error travels as Status::RegionError plus the errorpb
// detail in a RegionErrorDetail out-parameter (the service copies it into region_error).
// Thread-safety: pure functions on values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "proto/errorpb.pb.h"
#include "proto/metapb.pb.h"

namespace brkv::server {

// True when region_key lies in [region.start_key, region.end_key).
bool KeyInRegion(const metapb::Region& region, std::string_view region_key);

// True when both conf_ver and version are equal.
bool EpochEqual(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b);

// A half-open range of the region key space; an empty `end` is +infinity.
struct KeyRange {
  std::string start;
  std::string end;
};

// [lower, upper) ∩ region; nullopt when the intersection is empty.
std::optional<KeyRange> ClipToRegion(const metapb::Region& region, std::string_view lower,
                                     std::string_view upper);

// True when [lower, upper) and [start, end) overlap (empty upper/end = +infinity).
bool RangesOverlap(std::string_view lower, std::string_view upper, std::string_view start,
                   std::string_view end);

// errorpb::Error builders. Each also sets `message` to a human-readable line.
errorpb::Error RegionNotFoundError(uint64_t region_id);
// This store's replica does not lead the region; `leader` is the leader it knows (null or id 0:
// unknown), for the client to retry there.
errorpb::Error NotLeaderError(uint64_t region_id, const metapb::Peer* leader = nullptr);
errorpb::Error EpochNotMatchError(const metapb::RegionEpoch& requested,
                                  const std::vector<metapb::Region>& current_regions);
errorpb::Error KeyNotInRegionError(std::string_view region_key, const metapb::Region& region);
errorpb::Error ServerIsBusyError(std::string_view reason, uint64_t backoff_ms);

// Status::RegionError carrying err.message().
Status RegionErrorStatus(const errorpb::Error& err);

// Sets *out = err (when out is non-null) and returns RegionErrorStatus(err).
Status FailWithRegionError(errorpb::Error err, errorpb::Error* out);

// "region 12 [61, 7A) epoch {conf_ver: 1, version: 3}" with escaped keys, for logs.
std::string DescribeRegion(const metapb::Region& region);

}  // namespace brkv::server
