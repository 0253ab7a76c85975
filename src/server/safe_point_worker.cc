#include "server/safe_point_worker.h"

#include <chrono>

#include "common/metrics.h"
#include "common/logging.h"

namespace brkv::server {

SafePointWorker::SafePointWorker(const SafePointWorkerOptions& options, RegionManager* regions,
                                 TxnStore* txn, client::PdClient* pd)
    : options_(options), regions_(regions), txn_(txn), pd_(pd) {}

SafePointWorker::~SafePointWorker() { Stop(); }

void SafePointWorker::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void SafePointWorker::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SafePointWorker::stopping() const {
  std::lock_guard<std::mutex> l(mu_);
  return stop_;
}

uint64_t SafePointWorker::done_safe_point() const {
  std::lock_guard<std::mutex> l(mu_);
  return done_;
}

Status SafePointWorker::CollectAll(uint64_t safe_point) {
  Status first_error;
  TxnStore::GcStats total;
  for (const metapb::Region& region : regions_->GetAllRegions()) {
    if (stopping()) return Status::Aborted("shutting down");
    const uint64_t region_id = region.id();
    // Deletions of versions below the safe point are correct whatever the region's current
    // epoch, so each batch goes to the region as it is when the batch is applied.
    auto apply = [this, region_id](rocksdb::WriteBatch* batch) -> Status {
      ASSIGN_OR_RETURN(RegionWriteLatch latch, regions_->LockRegion(region_id, nullptr));
      auto cur = regions_->GetRegion(region_id);
      if (!cur) return Status::RegionError("region moved away during GC");
      return regions_->Propose(latch, cur->region_epoch(), batch, nullptr);
    };
    TxnStore::GcStats stats;
    Status s = txn_->Gc(safe_point, region.start_key(), region.end_key(), apply, &stats);
    total.keys_scanned += stats.keys_scanned;
    total.versions_deleted += stats.versions_deleted;
    if (s.IsRegionError()) {
      LOG_INFO("GC of region {} stopped early: {}", region_id, s.ToString());
    } else if (!s.ok()) {
      LOG_WARN("GC of region {} at safe point {} failed: {}", region_id, safe_point,
               s.ToString());
      if (first_error.ok()) first_error = s;
    }
  }
  if (total.versions_deleted > 0) {
    LOG_INFO("GC to safe point {}: {} keys scanned, {} versions deleted", safe_point,
             total.keys_scanned, total.versions_deleted);
  }
  return first_error;
}

void SafePointWorker::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, std::chrono::milliseconds(options_.interval_ms), [this] { return stop_; });
      if (stop_) return;
    }
    auto sp = pd_->GetGCSafePoint();
    if (!sp.ok()) {
      LOG_DEBUG("GetGCSafePoint: {}", sp.status().ToString());
      continue;
    }
    if (*sp == 0 || *sp <= done_safe_point()) continue;
    if (CollectAll(*sp).ok()) {
      std::lock_guard<std::mutex> l(mu_);
      done_ = *sp;
      static auto& gauge = metrics::Default()
                               .Gauge("tikv_gcworker_autogc_safe_point",
                                      "Safe point used for auto gc", {})
                               .With({});
      gauge.Set(static_cast<double>(*sp));
    }
  }
}

}  // namespace brkv::server
