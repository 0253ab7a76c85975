// Raft keys in CF raft, TiKV's local key layout (formats.md: local keys start with 0x01):
//
//   0x01 0x02 region_id(8, BE) 0x01 index(8, BE)   a raft log entry (eraftpb.Entry)
//   0x01 0x02 region_id(8, BE) 0x02                RaftLocalState (hard state, last index)
//   0x01 0x02 region_id(8, BE) 0x03                RaftApplyState (applied, truncated)
//   0x01 0x02 region_id(8, BE) 0x04                eraftpb.Snapshot being installed (its
//                                                  metadata and RaftSnapshotData; no data)
//   0x01 0x03 region_id(8, BE) 0x01                RegionLocalState (region, peer state)
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace brkv::raftstore::keys {

inline constexpr char kLocalPrefix = 0x01;
inline constexpr char kRegionRaftPrefix = 0x02;
inline constexpr char kRaftLogSuffix = 0x01;
inline constexpr char kRaftStateSuffix = 0x02;
inline constexpr char kApplyStateSuffix = 0x03;
inline constexpr char kSnapshotApplySuffix = 0x04;
inline constexpr char kRegionMetaPrefix = 0x03;
inline constexpr char kRegionStateSuffix = 0x01;

// Raft state of a region created by bootstrap or split starts here, so a peer created by a
// message (empty, index 0) is never confused with an initialized one.
inline constexpr uint64_t kRaftInitLogIndex = 5;
inline constexpr uint64_t kRaftInitLogTerm = 5;

inline void PutU64(std::string* s, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) s->push_back(static_cast<char>(v >> shift));
}

inline std::string RegionRaftPrefix(uint64_t region_id) {
  std::string k{kLocalPrefix, kRegionRaftPrefix};
  PutU64(&k, region_id);
  return k;
}

inline std::string RaftLogKey(uint64_t region_id, uint64_t index) {
  std::string k = RegionRaftPrefix(region_id);
  k.push_back(kRaftLogSuffix);
  PutU64(&k, index);
  return k;
}

inline std::string RaftStateKey(uint64_t region_id) {
  std::string k = RegionRaftPrefix(region_id);
  k.push_back(kRaftStateSuffix);
  return k;
}

inline std::string ApplyStateKey(uint64_t region_id) {
  std::string k = RegionRaftPrefix(region_id);
  k.push_back(kApplyStateSuffix);
  return k;
}

inline std::string SnapshotApplyKey(uint64_t region_id) {
  std::string k = RegionRaftPrefix(region_id);
  k.push_back(kSnapshotApplySuffix);
  return k;
}

inline std::string RegionStateKey(uint64_t region_id) {
  std::string k{kLocalPrefix, kRegionMetaPrefix};
  PutU64(&k, region_id);
  k.push_back(kRegionStateSuffix);
  return k;
}

// [RegionMetaMin, RegionMetaMax) holds every region's RegionLocalState.
inline std::string RegionMetaMin() { return std::string{kLocalPrefix, kRegionMetaPrefix}; }
inline std::string RegionMetaMax() { return std::string{kLocalPrefix, kRegionMetaPrefix + 1}; }

}  // namespace brkv::raftstore::keys
