// Token-bucket rate limiter in bytes per second. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace brkv {

class RateLimiter {
 public:
  // bytes_per_sec == 0 means unlimited. The bucket holds at most one second of tokens.
  explicit RateLimiter(uint64_t bytes_per_sec);
  // Blocks until `bytes` may pass. Requests larger than the bucket are let through in pieces.
  void Request(uint64_t bytes);
  uint64_t rate() const { return rate_; }

 private:
  const uint64_t rate_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace brkv
