// Backoffer: truncated exponential backoff with jitter, a total sleep budget and a deadline.
//
// Usage:
//   Backoffer bo(BackoffOptions{.base_ms = 20, .max_ms = 1000, .budget_ms = 20000});
//   while (true) {
//     Status s = Try();
//     if (s.ok() || !s.retryable()) return s;
//     RETURN_IF_ERROR(bo.Backoff(s));   // sleeps, or returns the last error wrapped as
//   }                                   // TimedOut once the budget/deadline is spent
// Not thread-safe; one Backoffer per retry loop.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/status.h"

namespace brkv {

struct BackoffOptions {
  // First sleep. Default: 20 ms.
  int64_t base_ms = 20;
  // Cap for one sleep. Default: 1000 ms.
  int64_t max_ms = 1000;
  // Total time the loop may take, counted from construction (sleeps and attempts). Default: 30 s.
  int64_t budget_ms = 30000;
  // Seed for the jitter; 0 = seeded from the clock.
  uint64_t seed = 0;
};

class Backoffer {
 public:
  explicit Backoffer(BackoffOptions options = {});

  // Sleeps before the next attempt. Returns OK to retry, or TimedOut (carrying `last`'s
  // message) when the next sleep would pass the budget. Never sleeps past the deadline.
  Status Backoff(const Status& last);
  // Milliseconds left before the deadline (>= 0).
  int64_t RemainingMs() const;
  int attempts() const { return attempts_; }
  // The deadline, for RPC deadlines that should not outlive the retry loop.
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  BackoffOptions options_;
  std::chrono::steady_clock::time_point deadline_;
  int attempts_ = 0;
  uint64_t rng_;
};

}  // namespace brkv
