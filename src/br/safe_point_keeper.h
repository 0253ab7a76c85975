// SafePointKeeper: holds a PD service safe point for the whole life of a backup (or restore) so
// GC cannot remove the versions it reads (lessons.md 8; BR's StartServiceSafePointKeeper).
//
// Start registers `service_id` at `safe_point` with `ttl_seconds` and fails when PD refuses it:
// PD answers with the minimum live service safe point, and when that is above `safe_point` the
// GC safe point has already passed it ("GC safe point X is past the backup ts Y"). A thread
// then refreshes the registration every `interval` (default TTL/5) until Stop, which removes
// the service safe point (TTL 0). A refresh that fails to reach PD is logged and retried at the
// next tick (the TTL leaves room for four misses); a refresh that finds the safe point passed
// makes status() report the error, so the backup fails instead of writing metadata for data GC
// may have removed.
//
// Thread-safety: thread-safe. Destroying a running keeper Stops it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace brkv::client {
class PdClient;
}

namespace brkv::br {

struct SafePointKeeperOptions {
  // REQUIRED: the service id, e.g. "br-<uuid>".
  std::string service_id;
  // REQUIRED: the oldest version that must survive (backup ts - 1, or lastbackupts - 1).
  uint64_t safe_point = 0;
  // TTL of the registration in seconds. Default: 300 (BR's 5 minutes).
  int64_t ttl_seconds = 300;
  // Refresh period. Default: 0 = ttl / 5 (at least 1 s).
  std::chrono::milliseconds interval{0};
};

class SafePointKeeper {
 public:
  // PD's UpdateServiceGCSafePoint: (service_id, ttl_seconds, safe_point) → minimum live service
  // safe point (ttl <= 0 removes).
  using UpdateFn = std::function<Result<uint64_t>(const std::string&, int64_t, uint64_t)>;

  static Result<std::unique_ptr<SafePointKeeper>> Start(UpdateFn update,
                                                        SafePointKeeperOptions options);
  // Over a PD client (which must outlive the keeper).
  static Result<std::unique_ptr<SafePointKeeper>> Start(client::PdClient* pd,
                                                        SafePointKeeperOptions options);
  ~SafePointKeeper();
  SafePointKeeper(const SafePointKeeper&) = delete;
  SafePointKeeper& operator=(const SafePointKeeper&) = delete;

  // OK while the safe point is held; the error once a refresh found it passed.
  Status status() const;
  // Stops refreshing and removes the service safe point. Returns the removal's error (the TTL
  // removes it anyway). Idempotent.
  Status Stop();
  // Stops refreshing and, when keep_ttl_seconds > 0, registers the service safe point once
  // more with that TTL instead of removing it (an interrupted backup that can be resumed:
  // GC stays away from its ts until the TTL runs out). keep_ttl_seconds <= 0 is Stop().
  // Idempotent with Stop: only the first call acts.
  Status StopAndKeep(int64_t keep_ttl_seconds);

  uint64_t refreshes() const;
  const std::string& service_id() const { return options_.service_id; }

 private:
  SafePointKeeper(UpdateFn update, SafePointKeeperOptions options);
  // One registration; error when PD holds a higher safe point than ours.
  Status Register();
  void Run();

  const UpdateFn update_;
  const SafePointKeeperOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;       // GUARDED_BY(mu_)
  bool stopped_ = false;    // GUARDED_BY(mu_)
  Status error_;            // GUARDED_BY(mu_)
  uint64_t refreshes_ = 0;  // GUARDED_BY(mu_)
  std::thread thread_;
};

// A fresh service id "br-<32 hex digits>" (random).
std::string NewBrServiceId();

}  // namespace brkv::br
