#include "client/parallel.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace brkv::client {

Status ParallelFor(size_t n, int concurrency, const std::function<Status(size_t)>& fn) {
  if (n == 0) return Status::OK();
  if (n == 1 || concurrency <= 1) {
    for (size_t i = 0; i < n; ++i) RETURN_IF_ERROR(fn(i));
    return Status::OK();
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  size_t first_failed = n;
  Status first_status;
  auto worker = [&]() {
    while (!failed.load(std::memory_order_acquire)) {
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      Status s = fn(i);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (i < first_failed) {
          first_failed = i;
          first_status = s;
        }
        failed.store(true, std::memory_order_release);
      }
    }
  };
  size_t threads = std::min<size_t>(n, static_cast<size_t>(concurrency));
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return first_status;
}

}  // namespace brkv::client
