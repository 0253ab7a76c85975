#include "common/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace brkv {

RateLimiter::RateLimiter(uint64_t bytes_per_sec)
    : rate_(bytes_per_sec), tokens_(0), last_(std::chrono::steady_clock::now()) {}

void RateLimiter::Request(uint64_t bytes) {
  if (rate_ == 0 || bytes == 0) return;
  double wait_sec = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    double cap = static_cast<double>(rate_);
    tokens_ = std::min(cap, tokens_ + elapsed * cap);
    // Take the tokens now, possibly going into debt, and sleep the debt off outside the lock.
    // Later callers see the debt and queue behind it, which keeps the long-run rate exact for
    // any request size, including requests larger than the bucket.
    tokens_ -= static_cast<double>(bytes);
    if (tokens_ < 0) wait_sec = -tokens_ / cap;
  }
  if (wait_sec > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait_sec));
}

}  // namespace brkv
