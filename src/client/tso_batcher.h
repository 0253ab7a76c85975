// TsoBatcher: turns concurrent GetTS calls into one TSO request, as PD's clients do.
//
// A caller that finds no request in flight sends one for the counts of every caller waiting
// at that moment and then hands each its own consecutive slice of the answer; callers arriving
// meanwhile wait and go in the next request. Every caller gets the result of the request it
// went in, error included.
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "common/status.h"

namespace brkv::client {

class TsoBatcher {
 public:
  // Asks PD for `count` consecutive timestamps and returns the last of them. Must bound its
  // own time (deadline and retry budget): waiting callers wait for it.
  using Fetch = std::function<Result<uint64_t>(uint32_t count)>;

  // At most this many timestamps go in one request (PD's logical space of one millisecond).
  static constexpr uint32_t kMaxBatch = (1u << 18) - 1;

  explicit TsoBatcher(Fetch fetch) : fetch_(std::move(fetch)) {}

  // The last of `count` (>= 1) consecutive timestamps that no other caller gets.
  Result<uint64_t> GetTS(uint32_t count);

  // Requests sent so far, and callers queued for the next one (for tests).
  uint64_t requests_sent() const;
  size_t waiting() const;

 private:
  struct Waiter {
    uint32_t count = 1;
    bool done = false;
    Result<uint64_t> result = Status::Internal("TSO request not answered");
  };

  const Fetch fetch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Waiter*> pending_;  // GUARDED_BY(mu_); each waits in GetTS until done
  bool in_flight_ = false;       // GUARDED_BY(mu_)
  uint64_t requests_sent_ = 0;   // GUARDED_BY(mu_)
};

}  // namespace brkv::client
