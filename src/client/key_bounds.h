// Conversions between region boundaries (region key space) and the key forms requests carry.
//
// Regions are cut in the region key space, but transactional requests carry raw TiDB keys and
// raw-KV requests carry user keys. To scan region by region the client needs, for a region
// [start, end), the request-key range whose region keys fall inside it. Boundaries need not be
// valid encodings (a split may happen anywhere), so these functions compute lower bounds
// rather than decode.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "client/types.h"

namespace brkv::client {

// The smallest raw TiDB key k with TxnRegionKey(k) >= region_key ("" for "").
// For an end boundary E: TxnRegionKey(k) < E  ⇔  k < TxnLowerBound(E).
std::string TxnLowerBound(std::string_view region_key);

// The raw-KV user key range [start, end) of region keys in [region_start, region_end)
// (end "" = +inf in both). nullopt if the region holds no raw-KV key.
std::optional<KeyRange> RawRangeOfRegion(std::string_view region_start,
                                         std::string_view region_end);

// The raw TiDB key range of region keys in [region_start, region_end). nullopt if empty.
std::optional<KeyRange> TxnRangeOfRegion(std::string_view region_start,
                                         std::string_view region_end);

// [a.start, a.end) ∩ [b.start, b.end), ends "" = +inf. nullopt if empty.
std::optional<KeyRange> Intersect(const KeyRange& a, const KeyRange& b);

}  // namespace brkv::client
