// KeyRewriter: maps the KVs of one backup SST into the restore's key space (formats.md 2.2,
// 2.3), the heart of Download.
//
// A backup SST holds TiKV data keys: 'z' + enc(raw key) + desc(ts) for the MVCC CFs, or
// 'z' + user key for raw KV. The restore asks for the part of the file that falls into a range
// of the *new* region key space (SSTMeta.range) after replacing the rewrite rule's old prefix
// by its new prefix. The rewriter
//   1. "un-rewrites" that range into the file's old key space, so the scan can seek to its
//      start and stop at its end (seek_key(), and kStop from Rewrite);
//   2. for every KV scanned: requires the key to start with 'z' + old prefix (else
//      InvalidArgument "WrongKeyPrefix"), builds 'z' + new prefix + rest, keeps the ts suffix or
//      replaces it by desc(new_ts), and in CF write also re-encodes the write record's start_ts
//      as new_ts (byte-level: the record's other fields are copied unchanged);
//   3. drops KVs outside the ts window [ignore_before_ts, ignore_after_ts] (0 = no bound) and
//      KVs outside the requested range.
//
// Prefixes: for transactional keys they are in EncodeKeyPrefix form (a byte prefix of the
// memcomparable key; Legacy download type). For raw KV they are user-key prefixes, and a file
// key 'z' + user key lands at the node's raw key space 'z' + 'r' + new user key (kv/keys.h);
// the range is then in the raw region key space ('r' + user key) too. Raw keys have no ts, so
// the ts options do not apply to them.
//
// Because every kept key starts with the old prefix, replacing it keeps the keys' order, so
// the output is sorted when the input is. With new_ts, versions of one key collapse onto one
// output key; the caller keeps the first (newest) one.
//
// Thread-safety: immutable after New; Rewrite is const and may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::import {

// A range of the region key space (no 'z', no ts). Empty start / end = unbounded.
struct RegionRange {
  std::string start{};
  std::string end{};
  // SSTMeta.range ends are inclusive unless end_key_exclusive.
  bool end_inclusive = true;

  bool BeforeStart(std::string_view region_key) const;
  bool AfterEnd(std::string_view region_key) const;
  bool Contains(std::string_view region_key) const {
    return !BeforeStart(region_key) && !AfterEnd(region_key);
  }
};

// The rewrite rule and ts options of one download (import_sstpb.RewriteRule + is_raw_kv).
struct RewriteSpec {
  std::string old_prefix{};
  std::string new_prefix{};
  // 0 = keep the ts. Otherwise the ts suffix becomes desc(new_ts) (and CF write's start_ts).
  uint64_t new_ts = 0;
  // 0 = no bound. Versions with ts > ignore_after_ts / ts < ignore_before_ts are dropped.
  uint64_t ignore_after_ts = 0;
  uint64_t ignore_before_ts = 0;
  bool is_raw_kv = false;
};

class KeyRewriter {
 public:
  enum class Action {
    kKeep,  // *new_key / *new_value hold the rewritten KV
    kSkip,  // outside the ts window or before the range start: go on with the next KV
    kStop,  // past the range end: no later KV of the file can be in the range
  };

  // `cf` is "default" or "write" (raw KV: "default" only); InvalidArgument otherwise, or when
  // the range is inverted.
  static Result<KeyRewriter> New(const RewriteSpec& spec, std::string_view cf,
                                 const RegionRange& range);

  // True when no key with the new prefix can fall into the range: the file need not be read.
  bool range_is_empty() const { return range_empty_; }
  // The data key to seek the file to ('z' + un-rewritten start), or "" for the first KV.
  const std::string& seek_key() const { return seek_key_; }

  // Maps one KV of the file (keys in increasing order). Errors: InvalidArgument starting with
  // "WrongKeyPrefix" when the key does not start with 'z' + old prefix; Corruption for a
  // malformed data key or (with new_ts) a malformed write record.
  Result<Action> Rewrite(std::string_view key, std::string_view value, std::string* new_key,
                         std::string* new_value) const;

  // The region key of a data key produced by Rewrite (strips 'z' and, for MVCC keys, the ts).
  std::string_view RegionKeyOf(std::string_view new_data_key) const;

 private:
  KeyRewriter() = default;

  RewriteSpec spec_;
  bool write_cf_ = false;
  RegionRange range_;              // new key space
  std::string new_region_prefix_;  // "r" + new prefix for raw KV, else the new prefix
  bool range_empty_ = false;
  std::string seek_key_;
  // End of the scan in the old key space (origin region keys); nullopt = to the end.
  std::optional<std::string> old_end_;
  bool old_end_inclusive_ = true;
};

}  // namespace brkv::import
