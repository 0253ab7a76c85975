#include "pd/safe_point.h"

#include <limits>

#include "common/failpoint.h"
#include "common/logging.h"

namespace brkv::pd {
namespace {

std::string EncodeService(uint64_t safe_point, int64_t expire_at_ms) {
  return EncodeU64(safe_point) + EncodeU64(static_cast<uint64_t>(expire_at_ms));
}

}  // namespace

Result<std::unique_ptr<SafePointManager>> SafePointManager::Open(PdStorage* storage,
                                                                 Clock* clock) {
  std::unique_ptr<SafePointManager> m(new SafePointManager(storage, clock));
  ASSIGN_OR_RETURN(std::optional<uint64_t> gc, storage->GetU64(keys::kGcSafePoint));
  m->gc_safe_point_ = gc.value_or(0);
  Status decode_error;
  RETURN_IF_ERROR(storage->Scan(
      keys::kServiceSafePointPrefix, [&](std::string_view k, std::string_view v) {
        if (v.size() != 16) {
          decode_error = Status::Corruption("bad service safe point record " + std::string(k));
          return false;
        }
        Service s;
        s.safe_point = DecodeU64(v.substr(0, 8)).value();
        s.expire_at_ms = static_cast<int64_t>(DecodeU64(v.substr(8, 8)).value());
        m->services_[std::string(k.substr(keys::kServiceSafePointPrefix.size()))] = s;
        return true;
      }));
  RETURN_IF_ERROR(decode_error);
  return m;
}

uint64_t SafePointManager::GcSafePoint() const {
  std::lock_guard<std::mutex> lock(mu_);
  return gc_safe_point_;
}

std::optional<uint64_t> SafePointManager::PruneAndMinLocked(int64_t now_ms) {
  std::optional<uint64_t> min;
  for (auto it = services_.begin(); it != services_.end();) {
    if (it->second.expire_at_ms <= now_ms) {
      LOG_INFO("service safe point {} ({}) expired", it->first, it->second.safe_point);
      // Best effort: an expired record left in storage is ignored again after a restart.
      Status s = storage_->Delete(keys::ServiceSafePointKey(it->first));
      if (!s.ok()) LOG_WARN("drop expired service safe point {}: {}", it->first, s.ToString());
      it = services_.erase(it);
      continue;
    }
    if (!min || it->second.safe_point < *min) min = it->second.safe_point;
    ++it;
  }
  return min;
}

std::optional<uint64_t> SafePointManager::MinServiceSafePoint() {
  std::lock_guard<std::mutex> lock(mu_);
  return PruneAndMinLocked(clock_->NowMs());
}

Result<uint64_t> SafePointManager::UpdateServiceSafePoint(const std::string& service_id,
                                                          int64_t ttl_seconds,
                                                          uint64_t safe_point) {
  if (service_id.empty()) return Status::InvalidArgument("service id is empty");
  FAIL_POINT("pd.safe-point.update-service");
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_->NowMs();
  if (ttl_seconds <= 0) {
    if (services_.erase(service_id) > 0) {
      RETURN_IF_ERROR(storage_->Delete(keys::ServiceSafePointKey(service_id)));
      LOG_INFO("service safe point {} removed", service_id);
    }
  } else if (safe_point < gc_safe_point_) {
    LOG_WARN("service safe point {} = {} refused: GC safe point is already {}", service_id,
             safe_point, gc_safe_point_);
    return gc_safe_point_;
  } else {
    // Saturate instead of overflowing for absurd TTLs.
    constexpr int64_t kMaxTtlS = std::numeric_limits<int64_t>::max() / 1000 / 2;
    int64_t expire = ttl_seconds >= kMaxTtlS ? std::numeric_limits<int64_t>::max()
                                             : now + ttl_seconds * 1000;
    RETURN_IF_ERROR(storage_->Put(keys::ServiceSafePointKey(service_id),
                                  EncodeService(safe_point, expire)));
    auto [it, inserted] = services_.insert_or_assign(service_id, Service{safe_point, expire});
    if (inserted) {
      LOG_INFO("service safe point {} = {} (ttl {} s)", service_id, safe_point, ttl_seconds);
    } else {
      LOG_DEBUG("service safe point {} = {} (ttl {} s)", service_id, safe_point, ttl_seconds);
    }
  }
  std::optional<uint64_t> min = PruneAndMinLocked(now);
  return min.value_or(gc_safe_point_);
}

Result<uint64_t> SafePointManager::UpdateGcSafePoint(uint64_t safe_point) {
  FAIL_POINT("pd.safe-point.update-gc");
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t target = safe_point;
  std::optional<uint64_t> min = PruneAndMinLocked(clock_->NowMs());
  if (min && *min < target) target = *min;
  if (target > gc_safe_point_) {
    RETURN_IF_ERROR(storage_->PutU64(keys::kGcSafePoint, target));
    LOG_INFO("GC safe point {} -> {}", gc_safe_point_, target);
    gc_safe_point_ = target;
  }
  return gc_safe_point_;
}

}  // namespace brkv::pd
