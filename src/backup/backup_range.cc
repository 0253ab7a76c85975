#include "backup/backup_range.h"

#include <algorithm>
#include <optional>

#include "common/codec.h"
#include "kv/keys.h"
#include "server/region.h"

namespace brkv::backup {

namespace {

constexpr size_t kGroupSize = 8;
constexpr uint8_t kMarker = 0xFF;
// The marker of a final group holding L real bytes is kMarker - (8 - L) = kFinalMarkerBase + L.
constexpr uint8_t kFinalMarkerBase = kMarker - kGroupSize;

size_t LengthWithoutTrailingZeros(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && s[n - 1] == '\0') --n;
  return n;
}

}  // namespace

// EncodeBytes writes 9-byte groups: 8 data bytes (zero padded) and a marker, 0xFF for a full
// group followed by more, 0xF7 + L for the final group with L real bytes. Walk b group by group:
// full groups are raw bytes; where b stops being a full group, pick the shortest raw tail whose
// encoding is still >= b.
std::string RawKeyLowerBound(std::string_view b) {
  std::string raw;
  size_t pos = 0;
  while (true) {
    std::string_view rest = b.substr(pos);
    if (rest.size() <= kGroupSize) {
      // b ends inside this group: raw + rest encodes to rest, zero padding, a marker — so b is a
      // prefix of that encoding. Trailing zero bytes of rest are matched by the padding alone.
      raw.append(rest.substr(0, LengthWithoutTrailingZeros(rest)));
      return raw;
    }
    std::string_view group = rest.substr(0, kGroupSize);
    const uint8_t marker = static_cast<uint8_t>(rest[kGroupSize]);
    if (marker == kMarker) {
      raw.append(group);
      pos += kGroupSize + 1;
      continue;
    }
    // b's group is a final-group candidate (or malformed). Tails whose padded group equals
    // `group` are group[:L] for L >= len(group without trailing zeros); their marker grows with
    // L, and any longer tail (a full group, marker 0xFF) sorts after b.
    size_t len = LengthWithoutTrailingZeros(group);
    if (marker >= kFinalMarkerBase) len = std::max<size_t>(len, marker - kFinalMarkerBase);
    // An encoding equal to b's first pos+9 bytes is a proper prefix of a longer b: too small.
    if (kFinalMarkerBase + len == marker && rest.size() > kGroupSize + 1) ++len;
    raw.append(group.substr(0, std::min(len, kGroupSize)));
    return raw;
  }
}

RawRange RegionBoundsOf(const RawRange& raw, bool is_raw_kv) {
  if (is_raw_kv) return {keys::RawRegionKey(raw.start), keys::RawRegionEndKey(raw.end)};
  return {raw.start.empty() ? std::string() : keys::TxnRegionKey(raw.start),
          raw.end.empty() ? std::string() : keys::TxnRegionKey(raw.end)};
}

std::vector<BackupPieceSpec> PlanPieces(const std::vector<RawRange>& ranges,
                                        const std::vector<metapb::Region>& regions,
                                        bool is_raw_kv) {
  std::vector<BackupPieceSpec> pieces;
  for (const RawRange& range : ranges) {
    if (!range.end.empty() && range.start >= range.end) continue;
    const RawRange bounds = RegionBoundsOf(range, is_raw_kv);
    for (const metapb::Region& region : regions) {
      std::optional<server::KeyRange> clip =
          server::ClipToRegion(region, bounds.start, bounds.end);
      if (!clip) continue;
      BackupPieceSpec p;
      p.region = region;
      p.region_start = clip->start;
      p.region_end = clip->end;
      if (is_raw_kv) {
        // Inside ['r', 's') every region key is 'r' + user key (see RegionBoundsOf).
        if (p.region_start.empty() || p.region_start[0] != keys::kRawPrefix) continue;
        p.raw_start = p.region_start.substr(1);
        const std::string raw_space_end = keys::RawRegionEndKey("");
        if (p.region_end.empty() || p.region_end >= raw_space_end) {
          p.raw_end.clear();
        } else {
          p.raw_end = p.region_end.substr(1);
        }
      } else {
        p.raw_start =
            p.region_start == bounds.start ? range.start : RawKeyLowerBound(p.region_start);
        if (p.region_end.empty()) {
          p.raw_end.clear();
        } else {
          p.raw_end = p.region_end == bounds.end ? range.end : RawKeyLowerBound(p.region_end);
        }
      }
      if (!p.raw_end.empty() && p.raw_start >= p.raw_end) continue;
      pieces.push_back(std::move(p));
    }
  }
  return pieces;
}

}  // namespace brkv::backup
