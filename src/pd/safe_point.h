// SafePointManager: the GC safe point and the service safe points that hold it back.
//
// Rules:
//  - UpdateServiceSafePoint(id, ttl, sp):
//      ttl <= 0        removes service `id`;
//      sp < GC point   is refused (nothing stored); the reply is the current GC safe point, so
//                      the caller sees that GC is already past what it wanted to protect;
//      otherwise       stores/refreshes `id` with expiry now + ttl.
//    The reply is the minimum live service safe point after the update (the GC safe point when
//    no service safe point is live).
//  - UpdateGcSafePoint(sp): the new GC safe point is min(sp, min live service safe point); it
//    never moves backwards. Returns the GC safe point after the update.
//  - A service safe point whose expiry is <= now is ignored and dropped.
// All state is persisted (synced) before a call returns OK.
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/status.h"
#include "pd/clock.h"
#include "pd/storage.h"

namespace brkv::pd {

class SafePointManager {
 public:
  // Loads the GC safe point and service safe points. `storage` and `clock` must outlive it.
  static Result<std::unique_ptr<SafePointManager>> Open(PdStorage* storage, Clock* clock);

  uint64_t GcSafePoint() const;
  // See the rules above. InvalidArgument for an empty service id.
  Result<uint64_t> UpdateServiceSafePoint(const std::string& service_id, int64_t ttl_seconds,
                                          uint64_t safe_point);
  Result<uint64_t> UpdateGcSafePoint(uint64_t safe_point);
  // Smallest live service safe point, if any.
  std::optional<uint64_t> MinServiceSafePoint();

 private:
  struct Service {
    uint64_t safe_point = 0;
    int64_t expire_at_ms = 0;
  };
  SafePointManager(PdStorage* storage, Clock* clock) : storage_(storage), clock_(clock) {}
  // Drops expired entries (from memory and storage) and returns the live minimum.
  std::optional<uint64_t> PruneAndMinLocked(int64_t now_ms);

  PdStorage* const storage_;
  Clock* const clock_;
  mutable std::mutex mu_;
  uint64_t gc_safe_point_ = 0;              // guarded by mu_
  std::map<std::string, Service> services_;  // guarded by mu_
};

}  // namespace brkv::pd
