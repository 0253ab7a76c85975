// TiKV key layout (formats.md section 0, 4.1).
//
// Key forms:
//   raw key      a TiDB key such as t{id}_r{handle}, or a raw-KV user key
//   region key   the key space regions cover: EncodeBytes(raw key) for transactional keys;
//                'r' + user key for raw KV (its own key space, between meta 'm' and tables 't')
//   data key     'z' + region key; plus desc(ts) (8 bytes BE of ~ts) in CFs default and write
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::keys {

inline constexpr char kDataPrefix = 'z';
inline constexpr char kRawPrefix = 'r';
inline constexpr std::string_view kCfDefault = "default";
inline constexpr std::string_view kCfWrite = "write";
inline constexpr std::string_view kCfLock = "lock";
inline constexpr std::string_view kCfRaft = "raft";  // node-local metadata (region states)

// Region key of a transactional raw key: EncodeBytes(raw).
std::string TxnRegionKey(std::string_view raw);
// Region key of a raw-KV user key: 'r' + user_key. An empty user end key ("+infinity" in the
// raw space) maps to "s" (the first key after the raw space).
std::string RawRegionKey(std::string_view user_key);
std::string RawRegionEndKey(std::string_view user_end_key);

// 'z' + region key.
std::string DataKey(std::string_view region_key);
// 'z' + EncodeBytes(raw) + desc(ts): the key in CFs default and write.
std::string MvccKey(std::string_view raw, uint64_t ts);
// 'z' + EncodeBytes(raw): the key in CF lock.
std::string LockKey(std::string_view raw);

// Splits a CF default/write data key into (raw key, ts). Corruption if malformed.
struct DecodedMvccKey {
  std::string raw{};
  uint64_t ts = 0;
};
Result<DecodedMvccKey> DecodeMvccKey(std::string_view data_key);
// Decodes a CF lock data key into the raw key.
Result<std::string> DecodeLockKey(std::string_view data_key);
// Strips 'z' and the ts: the region key of an MVCC data key (no decoding). REQUIRES: len >= 9.
std::string_view MvccKeyToRegionKey(std::string_view data_key);

// Length of the desc(ts) suffix of a CF default/write data key.
inline constexpr size_t kMvccTsLen = 8;
// The ts suffix of a CF default/write data key, undecoded otherwise (0 if shorter than 8
// bytes). Hot path of every MVCC scan: no allocation.
uint64_t MvccKeyTs(std::string_view data_key);
// `data_prefix` ('z' + EncodeBytes(raw)) + desc(ts): a version of that key.
std::string MvccKeyWithTs(std::string_view data_prefix, uint64_t ts);
// True if `data_key` is a version of the key whose data prefix is `data_prefix`. Memcomparable
// encodings are prefix-free, so a length check suffices.
inline bool IsMvccVersionOf(std::string_view data_key, std::string_view data_prefix) {
  return data_key.size() == data_prefix.size() + kMvccTsLen && data_key.starts_with(data_prefix);
}

}  // namespace brkv::keys
