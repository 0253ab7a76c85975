// PdStorage: PD's durable metadata, a RocksDB instance in the data dir.
//
// Layout (key -> value); ids are zero-padded decimal so keys sort by id:
//   meta/cluster_id           8-byte big-endian uint64
//   meta/cluster              metapb.Cluster, present once the cluster is bootstrapped
//   tso/max_ms                8-byte BE: no timestamp at or above this physical ms was issued
//   id/end                    8-byte BE: every id <= end may have been handed out
//   store/<id:020>            metapb.Store
//   region/<id:020>           pdpb.Region (region, leader, approximate sizes)
//   gc/safe_point             8-byte BE
//   gc/service/<service_id>   16 bytes: safe point BE, expire-at unix ms BE (signed)
// Every write is synced (WAL fsync) before it returns OK: callers hand out what they saved.
// Thread-safety: thread-safe (RocksDB is).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace brkv::pd {

// A set of puts and deletes applied atomically by PdStorage::Write.
class StorageBatch {
 public:
  void Put(std::string key, std::string value) {
    ops_.push_back({std::move(key), std::move(value), false});
  }
  void Delete(std::string key) { ops_.push_back({std::move(key), {}, true}); }
  bool empty() const { return ops_.empty(); }

  struct Op {
    std::string key;
    std::string value;
    bool is_delete;
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

class PdStorage {
 public:
  // Opens (creating if missing) the store under `dir`. IOError with a readable reason when the
  // directory cannot be created or is locked by another process.
  static Result<std::unique_ptr<PdStorage>> Open(const std::string& dir);
  ~PdStorage();

  // The value, or std::nullopt when the key is absent.
  Result<std::optional<std::string>> Get(std::string_view key) const;
  Status Put(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);
  Status Write(const StorageBatch& batch);
  // Calls fn(key, value) for every key with `prefix`, in key order, until fn returns false.
  Status Scan(std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Flushes memtables so a restart need not replay the WAL. Called at shutdown.
  Status Flush();

  // Helpers for 8-byte big-endian counters.
  Result<std::optional<uint64_t>> GetU64(std::string_view key) const;
  Status PutU64(std::string_view key, uint64_t v);

 private:
  struct Impl;
  explicit PdStorage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Key builders for the layout above.
namespace keys {
inline constexpr std::string_view kClusterId = "meta/cluster_id";
inline constexpr std::string_view kCluster = "meta/cluster";
inline constexpr std::string_view kTsoMax = "tso/max_ms";
inline constexpr std::string_view kIdEnd = "id/end";
inline constexpr std::string_view kStorePrefix = "store/";
inline constexpr std::string_view kRegionPrefix = "region/";
inline constexpr std::string_view kGcSafePoint = "gc/safe_point";
inline constexpr std::string_view kServiceSafePointPrefix = "gc/service/";
std::string StoreKey(uint64_t id);
std::string RegionKey(uint64_t id);
std::string ServiceSafePointKey(std::string_view service_id);
}  // namespace keys

// 8-byte big-endian encoding used for counters.
std::string EncodeU64(uint64_t v);
// Corruption unless `in` is exactly 8 bytes.
Result<uint64_t> DecodeU64(std::string_view in);

}  // namespace brkv::pd
