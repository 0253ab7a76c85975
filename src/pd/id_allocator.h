// IdAllocator: cluster-unique ids for stores, regions and peers (PD's AllocID).
//
// Ids start at 1 and only grow. The allocator persists the end of a batch before handing out
// any id inside it, so after a restart it continues above everything it may have handed out.
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "common/status.h"
#include "pd/storage.h"

namespace brkv::pd {

struct IdAllocatorOptions {
  // Ids reserved per persisted batch. Default: 1000.
  uint64_t batch = 1000;
};

class IdAllocator {
 public:
  // Loads the persisted batch end. `storage` must outlive the allocator.
  static Result<std::unique_ptr<IdAllocator>> Open(PdStorage* storage,
                                                   IdAllocatorOptions options = {});

  // One new id (> 0). IOError if a new batch could not be persisted.
  Result<uint64_t> Alloc();
  // `n` consecutive new ids; returns the first.
  Result<uint64_t> AllocN(uint64_t n);
  // Makes every future id greater than `used` (ids chosen outside PD, e.g. at bootstrap).
  Status Rebase(uint64_t used);

 private:
  IdAllocator(PdStorage* storage, IdAllocatorOptions options)
      : storage_(storage), options_(options) {}
  Status EnsureLocked(uint64_t last_needed);

  PdStorage* const storage_;
  const IdAllocatorOptions options_;
  std::mutex mu_;
  uint64_t last_ = 0;  // guarded by mu_: last id handed out
  uint64_t end_ = 0;   // guarded by mu_: persisted batch end
};

}  // namespace brkv::pd
