// TimestampOracle: PD's TSO. A timestamp is (physical_ms << 18) | logical.
//
// Guarantees: every timestamp handed out is strictly greater than every one handed out before,
// within a run and across restarts on the same storage, even if the wall clock goes backwards.
// How: the oracle persists a window end ("max ts allowed", now + save_window_ms) and never
// hands out a physical part at or beyond the saved end without first saving a new one (synced).
// On open it starts at max(now, saved end), so a crash can never reissue a timestamp.
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "common/status.h"
#include "pd/clock.h"
#include "pd/storage.h"

namespace brkv::pd {

inline constexpr int kLogicalBits = 18;
inline constexpr uint64_t kMaxLogical = (uint64_t{1} << kLogicalBits) - 1;

inline uint64_t ComposeTs(int64_t physical_ms, int64_t logical) {
  return (static_cast<uint64_t>(physical_ms) << kLogicalBits) | static_cast<uint64_t>(logical);
}
inline int64_t TsPhysical(uint64_t ts) { return static_cast<int64_t>(ts >> kLogicalBits); }
inline int64_t TsLogical(uint64_t ts) { return static_cast<int64_t>(ts & kMaxLogical); }

struct TsoOptions {
  // How far ahead of the issued physical time the persisted window reaches. Default: 3000 ms.
  int64_t save_window_ms = 3000;
};

class TimestampOracle {
 public:
  // Loads the saved window, moves past it and persists a new one. `storage` and `clock` must
  // outlive the oracle. IOError if the window cannot be saved.
  static Result<std::unique_ptr<TimestampOracle>> Open(PdStorage* storage, Clock* clock,
                                                       TsoOptions options = {});

  // Allocates `count` (>= 1, <= kMaxLogical) consecutive timestamps and returns the last one.
  // InvalidArgument for a bad count; IOError if a new window could not be persisted (nothing
  // is handed out then).
  Result<uint64_t> GetTS(uint32_t count = 1);

 private:
  TimestampOracle(PdStorage* storage, Clock* clock, TsoOptions options)
      : storage_(storage), clock_(clock), options_(options) {}
  Status SaveWindowLocked(int64_t end_ms);

  PdStorage* const storage_;
  Clock* const clock_;
  const TsoOptions options_;
  std::mutex mu_;
  int64_t physical_ = 0;   // guarded by mu_
  int64_t logical_ = 0;    // guarded by mu_; last issued logical for physical_
  int64_t saved_end_ = 0;  // guarded by mu_; issued physical parts stay < saved_end_
};

}  // namespace brkv::pd
