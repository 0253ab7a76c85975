#include "client/tso_batcher.h"

#include <vector>

namespace brkv::client {

Result<uint64_t> TsoBatcher::GetTS(uint32_t count) {
  Waiter self;
  self.count = count == 0 ? 1 : count;
  std::unique_lock<std::mutex> lock(mu_);
  pending_.push_back(&self);
  while (!self.done) {
    if (in_flight_) {
      cv_.wait(lock);
      continue;
    }
    // Lead one request for the waiters at the head of the queue (self may be among the later
    // ones if the batch is full: then lead again).
    in_flight_ = true;
    std::vector<Waiter*> batch;
    uint64_t total = 0;
    while (!pending_.empty() && (batch.empty() || total + pending_.front()->count <= kMaxBatch)) {
      total += pending_.front()->count;
      batch.push_back(pending_.front());
      pending_.pop_front();
    }
    ++requests_sent_;
    lock.unlock();
    Result<uint64_t> last = fetch_(static_cast<uint32_t>(total));
    lock.lock();
    // The answer covers (last - total, last]; slices go out in queue order.
    uint64_t end = last.ok() ? *last - total : 0;
    for (Waiter* w : batch) {
      if (last.ok()) {
        end += w->count;
        w->result = end;
      } else {
        w->result = last.status();
      }
      w->done = true;
    }
    in_flight_ = false;
    cv_.notify_all();
  }
  return std::move(self.result);
}

uint64_t TsoBatcher::requests_sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_sent_;
}

size_t TsoBatcher::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace brkv::client
