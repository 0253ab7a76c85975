// ParallelFor: runs n independent tasks on at most `concurrency` threads.
// Thread-safety: fn is called concurrently from several threads.
#pragma once

#include <cstddef>
#include <functional>

#include "common/status.h"

namespace brkv::client {

// Calls fn(i) for i in [0, n). After the first failure no new task starts; tasks already
// running finish. Returns OK, or the failure of the lowest index that failed.
// n <= 1 or concurrency <= 1 runs inline on the calling thread.
Status ParallelFor(size_t n, int concurrency, const std::function<Status(size_t)>& fn);

}  // namespace brkv::client
