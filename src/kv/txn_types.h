// MVCC records of TiKV's Percolator implementation (formats.md 4.2, 4.3) and the TSO layout.
// Parsers stop at the first unknown tag so newer records still parse.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// A protected rollback carries this short value; GC must keep it.
inline constexpr std::string_view kProtectedRollbackShortValue = "p";

// The value stored in CF write: type, var-u64 start_ts, then optional tagged fields
// ('v' short value, 'R' overlapped rollback, 'F' gc_fence, 'l' last_change, 'S' txn_source).
struct WriteRecord {
  WriteType type = WriteType::kPut;
  uint64_t start_ts = 0;
  // REQUIRES for Encode: size() <= kShortValueMaxLen.
  std::optional<std::string> short_value{};
  bool has_overlapped_rollback = false;
  std::optional<uint64_t> gc_fence{};
  // Written ('l') only when last_change_ts or versions_to_last_change is non-zero.
  uint64_t last_change_ts = 0;
  uint64_t versions_to_last_change = 0;
  // Written ('S') only when non-zero.
  uint64_t txn_source = 0;

  // Encodes in TiKV's tag order. Decode(Encode()) reproduces every field.
  std::string Encode() const;
  // Tags may appear in any order; parsing stops at the first unknown tag and keeps what it has
  // (forward compatibility). Corruption on a bad type byte or a truncated field.
  static Result<WriteRecord> Decode(std::string_view v);

  bool operator==(const WriteRecord&) const = default;
};

enum class LockType : char { kPut = 'P', kDelete = 'D', kLock = 'L', kPessimistic = 'S' };

// The value stored in CF lock: type, compact-bytes primary, var-u64 ts, var-u64 ttl, then
// optional tagged fields. Numeric optional fields are written only when non-zero.
struct LockRecord {
  LockType type = LockType::kPut;
  std::string primary{};  // raw key of the primary lock
  uint64_t ts = 0;      // start_ts
  uint64_t ttl = 0;     // ms
  // REQUIRES for Encode: size() <= kShortValueMaxLen.
  std::optional<std::string> short_value{};
  uint64_t for_update_ts = 0;
  uint64_t txn_size = 0;
  uint64_t min_commit_ts = 0;
  // Async commit ('a'): the secondary keys of the transaction.
  bool use_async_commit = false;
  std::vector<std::string> secondaries{};
  std::vector<uint64_t> rollback_ts{};  // 'r'
  uint64_t last_change_ts = 0;        // 'l' (with versions_to_last_change)
  uint64_t versions_to_last_change = 0;
  uint64_t txn_source = 0;            // 's'
  bool is_locked_with_conflict = false;  // 'F'
  uint64_t generation = 0;            // 'g'

  // Encodes in TiKV's tag order. Decode(Encode()) reproduces every field.
  std::string Encode() const;
  // Stops at the first unknown tag. Corruption on a bad type byte or truncated field;
  // NotSupported for shared locks ('H'), which use a different multi-transaction layout.
  static Result<LockRecord> Decode(std::string_view v);

  bool operator==(const LockRecord&) const = default;
};

}  // namespace brkv
