// Backup range planning: which (region ∩ requested range) pieces a node backs up, in both key
// forms a piece needs.
//
// A BackupRequest names ranges of RAW keys (TiDB keys for transactional backups, user keys for
// raw KV; formats.md 0). Regions cover the REGION KEY SPACE (kv/keys.h): EncodeBytes(raw) for
// transactional keys, 'r' + user key for raw KV. A piece is one requested range clipped to one
// region this store leads; it carries the region-key bounds (what the scanner iterates) and the
// equivalent raw bounds (what the response, the files and the writer's range check use).
//
// Equivalence of the two forms: a raw key k belongs to the piece iff
// region_start <= RegionKey(k) < region_end  iff  raw_start <= k < raw_end. For transactional
// pieces whose region bound is not a valid EncodeBytes output (a region boundary in the raw-KV
// space, for example) the raw bound is RawKeyLowerBound(bound), which keeps this property.
// Thread-safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/metapb.pb.h"

namespace brkv::backup {

// A requested range of raw keys [start, end); empty end = +infinity.
struct RawRange {
  std::string start{};
  std::string end{};
  bool operator==(const RawRange&) const = default;
};

// One unit of backup work: a requested range clipped to one region.
struct BackupPieceSpec {
  metapb::Region region{};      // the region as planned (id, epoch, bounds)
  std::string region_start{};   // region key space, inclusive
  std::string region_end{};     // region key space, exclusive; empty = +infinity
  std::string raw_start{};      // raw key space, inclusive
  std::string raw_end{};        // raw key space, exclusive; empty = +infinity
};

// The smallest raw key r with EncodeBytes(r) >= region_key. For a valid encoding this is its
// decoding; for any other byte string it is the first raw key whose encoding sorts at or after
// it, so "raw >= RawKeyLowerBound(b)" iff "EncodeBytes(raw) >= b" for every raw key.
std::string RawKeyLowerBound(std::string_view region_key);

// Region-key-space bounds of a requested raw range: [EncodeBytes(start), EncodeBytes(end)) for
// transactional keys ("" for an empty start, "" = +inf for an empty end), ['r'+start,
// 'r'+end or "s") for raw KV.
RawRange RegionBoundsOf(const RawRange& raw, bool is_raw_kv);

// Every non-empty piece of `ranges` × `regions`, ordered by range (as given), then by region
// start key. Regions must not overlap each other (RegionManager guarantees it). Pieces that
// hold no raw key at all (possible only between two adjacent encodings) are dropped.
std::vector<BackupPieceSpec> PlanPieces(const std::vector<RawRange>& ranges,
                                        const std::vector<metapb::Region>& regions,
                                        bool is_raw_kv);

}  // namespace brkv::backup
