// Node-local metadata keys in CF raft (formats.md 4.1: local keys start with 0x01).
//
//   0x01 0x01                   store ident: store_id (u64 BE) + cluster_id (u64 BE)
//   0x01 0x03 + region_id (BE)  region state: a serialized metapb::Region
//
// These keys are never part of a backup and never leave the node.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brkv::server::local_keys {

inline constexpr char kLocalPrefix = 0x01;
inline constexpr char kStoreIdentSuffix = 0x01;
inline constexpr char kRegionMetaSuffix = 0x03;

inline std::string StoreIdentKey() { return std::string{kLocalPrefix, kStoreIdentSuffix}; }

// The prefix shared by all region-state keys; scan [prefix, RegionMetaEnd()) to list them.
inline std::string RegionMetaPrefix() { return std::string{kLocalPrefix, kRegionMetaSuffix}; }
inline std::string RegionMetaEnd() { return std::string{kLocalPrefix, kRegionMetaSuffix + 1}; }

inline std::string RegionStateKey(uint64_t region_id) {
  std::string k = RegionMetaPrefix();
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>(region_id >> shift));
  return k;
}

// The region id of a region-state key; nullopt if the key is not one.
inline std::optional<uint64_t> ParseRegionStateKey(std::string_view key) {
  if (key.size() != 10 || key[0] != kLocalPrefix || key[1] != kRegionMetaSuffix) {
    return std::nullopt;
  }
  uint64_t id = 0;
  for (size_t i = 2; i < 10; ++i) id = (id << 8) | static_cast<uint8_t>(key[i]);
  return id;
}

}  // namespace brkv::server::local_keys
