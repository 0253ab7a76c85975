// MVCC records of TiKV's Percolator implementation (formats.md 4.2, 4.3) and the TSO layout.
// Parsers stop at the first unknown tag so newer records still parse.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv {

// TSO: (physical_ms << 18) | logical.
inline constexpr int kLogicalBits = 18;
inline uint64_t ComposeTs(int64_t physical_ms, int64_t logical) {
  return (static_cast<uint64_t>(physical_ms) << kLogicalBits) | static_cast<uint64_t>(logical);
}
inline int64_t TsPhysical(uint64_t ts) { return static_cast<int64_t>(ts >> kLogicalBits); }
inline int64_t TsLogical(uint64_t ts) { return static_cast<int64_t>(ts & ((1u << kLogicalBits) - 1)); }

// Values up to this length are stored inline in the write record ("short value").
inline constexpr size_t kShortValueMaxLen = 255;

enum class WriteType : char { kPut = 'P', kDelete = 'D', kLock = 'L', kRollback = 'R' };

struct WriteRecord {
  WriteType type = WriteType::kPut;
  uint64_t start_ts = 0;
  std::optional<std::string> short_value;
  bool has_overlapped_rollback = false;
  std::optional<uint64_t> gc_fence;

  std::string Encode() const;
  // Tolerates unknown trailing tags. Corruption on a bad type byte or truncated field.
  static Result<WriteRecord> Decode(std::string_view v);
};

enum class LockType : char { kPut = 'P', kDelete = 'D', kLock = 'L', kPessimistic = 'S' };

struct LockRecord {
  LockType type = LockType::kPut;
  std::string primary;  // raw key of the primary lock
  uint64_t ts = 0;      // start_ts
  uint64_t ttl = 0;     // ms
  std::optional<std::string> short_value;
  uint64_t for_update_ts = 0;
  uint64_t txn_size = 0;
  uint64_t min_commit_ts = 0;

  std::string Encode() const;
  static Result<LockRecord> Decode(std::string_view v);
};

}  // namespace brkv
