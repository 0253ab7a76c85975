#include "client/key_bounds.h"

#include <algorithm>

#include "kv/keys.h"

namespace brkv::client {

namespace {

constexpr size_t kGroup = 8;
constexpr unsigned char kMarkerFull = 0xFF;
constexpr unsigned char kMarkerMin = 0xFF - kGroup;  // 0xF7: a final group with 8 pad bytes

std::string StripTrailingZeros(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && s[n - 1] == '\0') --n;
  return std::string(s.substr(0, n));
}

}  // namespace

// EncodeBytes writes 8-byte groups, each followed by a marker: 0xFF for a full group with more
// to come, 0xFF - pad for the final group (pad = 1..8 zero bytes). We walk the boundary group by
// group; every full group is forced into the key, and the first group that is not a full one
// determines the smallest suffix whose encoding reaches the rest of the boundary.
std::string TxnLowerBound(std::string_view b) {
  std::string key;
  while (!b.empty()) {
    if (b.size() >= kGroup + 1 && static_cast<unsigned char>(b[kGroup]) == kMarkerFull) {
      key.append(b.substr(0, kGroup));
      b.remove_prefix(kGroup + 1);
      continue;
    }
    std::string_view data = b.substr(0, std::min(b.size(), kGroup));
    if (b.size() <= kGroup) {
      // A prefix of a group: the shortest key whose data starts with it (zeros are padding).
      return key + StripTrailingZeros(data);
    }
    auto marker = static_cast<unsigned char>(b[kGroup]);
    size_t pad = kMarkerFull - marker;
    bool valid_final = marker >= kMarkerMin &&
                       std::all_of(data.begin() + (kGroup - pad), data.end(),
                                   [](char c) { return c == '\0'; });
    if (valid_final) {
      key.append(data.substr(0, kGroup - pad));
      // Exactly the encoding of key; anything after it makes the boundary larger, and the
      // next key in order is key + "\0".
      if (b.size() > kGroup + 1) key.push_back('\0');
      return key;
    }
    // An impossible marker or non-zero padding: every key whose group data equals `data`
    // encodes above the boundary, every smaller one below.
    return key + StripTrailingZeros(data);
  }
  return key;
}

std::optional<KeyRange> TxnRangeOfRegion(std::string_view region_start,
                                         std::string_view region_end) {
  KeyRange r{TxnLowerBound(region_start), region_end.empty() ? "" : TxnLowerBound(region_end)};
  if (!r.end.empty() && r.start >= r.end) return std::nullopt;
  if (!region_end.empty() && r.end.empty()) return std::nullopt;  // below every key
  return r;
}

std::optional<KeyRange> RawRangeOfRegion(std::string_view region_start,
                                         std::string_view region_end) {
  const std::string space_start(1, keys::kRawPrefix);
  const std::string space_end = keys::RawRegionEndKey("");
  // Map a region boundary into the user key space; nullopt = past the raw space.
  auto to_user = [&](std::string_view b) -> std::optional<std::string> {
    if (b <= space_start) return std::string();
    if (b >= space_end) return std::nullopt;
    return std::string(b.substr(1));  // b starts with 'r'
  };
  if (!region_end.empty() && region_end <= space_start) return std::nullopt;
  auto start = to_user(region_start);
  if (!start) return std::nullopt;
  KeyRange r{*start, ""};
  if (!region_end.empty()) {
    auto end = to_user(region_end);
    if (end) {
      if (end->empty() || *end <= r.start) return std::nullopt;
      r.end = *end;
    }
  }
  return r;
}

std::optional<KeyRange> Intersect(const KeyRange& a, const KeyRange& b) {
  KeyRange r;
  r.start = std::max(a.start, b.start);
  if (a.end.empty()) {
    r.end = b.end;
  } else if (b.end.empty()) {
    r.end = a.end;
  } else {
    r.end = std::min(a.end, b.end);
  }
  if (!r.end.empty() && r.start >= r.end) return std::nullopt;
  return r;
}

}  // namespace brkv::client
