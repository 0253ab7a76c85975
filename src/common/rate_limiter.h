// Token-bucket rate limiter in bytes per second (backup/restore/download throttling).
// Thread-safe: concurrent callers share the budget.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace brkv {

class RateLimiter {
 public:
  // bytes_per_sec == 0 means unlimited. The bucket starts empty and holds at most one second
  // of tokens, so a burst after a long idle period is bounded by one second's worth.
  explicit RateLimiter(uint64_t bytes_per_sec);
  // Blocks until `bytes` may pass. Requests larger than the bucket are allowed; they borrow
  // against future tokens, so they (and the callers queued behind them) wait proportionally.
  void Request(uint64_t bytes);
  uint64_t rate() const { return rate_; }

 private:
  const uint64_t rate_;
  std::mutex mu_;
  double tokens_;                                // GUARDED_BY(mu_); negative = debt
  std::chrono::steady_clock::time_point last_;  // GUARDED_BY(mu_)
};

}  // namespace brkv
