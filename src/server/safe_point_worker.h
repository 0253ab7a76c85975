// SafePointWorker: the node's MVCC garbage collector driver.
//
// Every `interval_ms` it asks PD for the GC safe point; when it advanced past the last one this
// node fully collected, it runs TxnStore::Gc over every hosted region, applying each deletion
// batch through the region's write latch and RegionManager::Propose (the one write seam). A
// region that moved away or split mid-way is skipped (its remainder is collected by whoever
// hosts it, or on the next advance); the safe point is only recorded as done when every region
// finished, so failures are retried on the next round (GC is idempotent).
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "client/pd_client.h"
#include "common/status.h"
#include "server/region_manager.h"
#include "server/txn_store.h"

namespace brkv::server {

struct SafePointWorkerOptions {
  // How often to poll PD's GC safe point. Default: 3 s.
  int64_t interval_ms = 3000;
};

class SafePointWorker {
 public:
  // All must outlive the worker.
  SafePointWorker(const SafePointWorkerOptions& options, RegionManager* regions, TxnStore* txn,
                  client::PdClient* pd);
  ~SafePointWorker();  // Stop()s

  void Start();
  // Stops the thread and waits for it (an in-flight region GC finishes first). Idempotent.
  void Stop();

  // Collects every hosted region up to safe_point now. OK when all regions finished.
  Status CollectAll(uint64_t safe_point);
  // The last safe point every region was collected to (0 = none yet).
  uint64_t done_safe_point() const;

 private:
  void Loop();
  bool stopping() const;

  const SafePointWorkerOptions options_;
  RegionManager* const regions_;
  TxnStore* const txn_;
  client::PdClient* const pd_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;          // GUARDED_BY(mu_)
  uint64_t done_ = 0;          // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace brkv::server
