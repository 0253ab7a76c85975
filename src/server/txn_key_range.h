// Internal to kv-server: region-key-space ranges for TxnStore, and a lock-CF walker.
// Region keys are EncodeBytes(raw key) (no 'z', no ts); an empty upper bound means +infinity.
// Thread-safety: pure functions; ForEachLock reads the engine (thread-safe).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <rocksdb/db.h>

#include "common/status.h"
#include "kv/txn_types.h"
#include "server/engine.h"

namespace brkv::server {

struct RegionRange {
  std::string lower;
  std::string upper;  // empty = +inf
  bool empty() const { return !upper.empty() && lower >= upper; }
};

// [max(enc(raw_start), lower), min(enc(raw_end), upper)); an empty raw_start / raw_end does not
// narrow its side.
RegionRange ClipRawRange(std::string_view raw_start, std::string_view raw_end,
                         std::string_view lower, std::string_view upper);

// Calls fn(raw key, lock, &stop) for every lock in [lower, upper) in key order, reading through
// `snapshot` (null = latest state), until fn sets *stop or returns an error (which is returned).
Status ForEachLock(
    Engine* engine, const rocksdb::Snapshot* snapshot, std::string_view lower,
    std::string_view upper,
    const std::function<Status(const std::string& raw, const LockRecord& lock, bool* stop)>& fn);

}  // namespace brkv::server
