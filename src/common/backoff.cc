#include "common/backoff.h"

#include <algorithm>
#include <string>
#include <thread>

namespace brkv {

namespace {

// splitmix64: a tiny, well-mixed generator; jitter needs no cryptographic quality.
uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

Backoffer::Backoffer(BackoffOptions options)
    : options_(options),
      deadline_(std::chrono::steady_clock::now() +
                std::chrono::milliseconds(std::max<int64_t>(0, options.budget_ms))),
      rng_(options.seed != 0
               ? options.seed
               : static_cast<uint64_t>(
                     std::chrono::steady_clock::now().time_since_epoch().count())) {
  options_.base_ms = std::max<int64_t>(1, options_.base_ms);
  options_.max_ms = std::max(options_.base_ms, options_.max_ms);
}

int64_t Backoffer::RemainingMs() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline_ - std::chrono::steady_clock::now());
  return std::max<int64_t>(0, left.count());
}

Status Backoffer::Backoff(const Status& last) {
  ++attempts_;
  // Truncated exponential: base * 2^(attempts-1), capped at max_ms. The shift is bounded so it
  // cannot overflow however long the loop runs.
  int shift = std::min(attempts_ - 1, 30);
  int64_t cap = std::min(options_.max_ms, options_.base_ms << shift);
  // Equal jitter: sleep in [cap/2, cap], so retries from many clients spread out but the
  // backoff still grows.
  int64_t half = cap / 2;
  int64_t sleep_ms = cap - half + static_cast<int64_t>(NextRandom(&rng_) % (half + 1));

  if (sleep_ms > RemainingMs()) {
    return Status::TimedOut("gave up after " + std::to_string(attempts_) +
                            " attempts (backoff budget " + std::to_string(options_.budget_ms) +
                            " ms spent); last error: " + last.ToString());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  return Status::OK();
}

}  // namespace brkv
