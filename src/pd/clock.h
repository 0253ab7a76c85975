// Clock: the wall clock PD reads, behind an interface so tests can inject time.
//
// PD uses wall time (unix milliseconds) for TSO physical parts, service safe point expiry and
// store heartbeat ages. SystemClock reads the real clock; ManualClock is set by tests.
// Thread-safety: implementations are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace brkv::pd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the unix epoch. May go backwards (NTP); callers must tolerate that.
  virtual int64_t NowMs() const = 0;
};

// The process-wide real clock. Never null; never destroyed.
Clock* SystemClock();

// A clock that only moves when told to. Starts at `start_ms`.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_ms_(start_ms) {}
  int64_t NowMs() const override { return now_ms_.load(std::memory_order_relaxed); }
  void Set(int64_t ms) { now_ms_.store(ms, std::memory_order_relaxed); }
  void Advance(int64_t ms) { now_ms_.fetch_add(ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace brkv::pd
