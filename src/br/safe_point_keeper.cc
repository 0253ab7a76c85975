#include "br/safe_point_keeper.h"

#include <algorithm>
#include <random>

#include "client/pd_client.h"
#include "common/codec.h"
#include "common/logging.h"

namespace brkv::br {

std::string NewBrServiceId() {
  std::random_device rd;
  std::string bytes(16, '\0');
  for (char& c : bytes) c = static_cast<char>(rd() & 0xFF);
  return "br-" + codec::ToHex(bytes);
}

SafePointKeeper::SafePointKeeper(UpdateFn update, SafePointKeeperOptions options)
    : update_(std::move(update)), options_(std::move(options)) {}

Result<std::unique_ptr<SafePointKeeper>> SafePointKeeper::Start(client::PdClient* pd,
                                                                SafePointKeeperOptions options) {
  return Start([pd](const std::string& id, int64_t ttl,
                    uint64_t sp) { return pd->UpdateServiceGCSafePoint(id, ttl, sp); },
               std::move(options));
}

Result<std::unique_ptr<SafePointKeeper>> SafePointKeeper::Start(UpdateFn update,
                                                                SafePointKeeperOptions options) {
  if (options.service_id.empty()) return Status::InvalidArgument("service safe point needs an id");
  if (options.ttl_seconds <= 0) {
    return Status::InvalidArgument("--gcttl must be a positive number of seconds");
  }
  if (options.interval.count() <= 0) {
    options.interval =
        std::chrono::milliseconds(std::max<int64_t>(1000, options.ttl_seconds * 1000 / 5));
  }
  std::unique_ptr<SafePointKeeper> k(new SafePointKeeper(std::move(update), std::move(options)));
  RETURN_IF_ERROR(k->Register());
  LOG_INFO("service safe point {} registered at {} (ttl {} s)", k->options_.service_id,
           k->options_.safe_point, k->options_.ttl_seconds);
  k->thread_ = std::thread([p = k.get()] { p->Run(); });
  return k;
}

SafePointKeeper::~SafePointKeeper() { (void)Stop(); }

Status SafePointKeeper::Register() {
  ASSIGN_OR_RETURN(uint64_t min_safe_point,
                   update_(options_.service_id, options_.ttl_seconds, options_.safe_point));
  if (min_safe_point > options_.safe_point) {
    return Status::InvalidArgument(
        "GC safe point " + std::to_string(min_safe_point) + " is past the required version " +
        std::to_string(options_.safe_point + 1) +
        ": the data at that ts may already be garbage-collected; use a newer --backupts / "
        "--lastbackupts");
  }
  return Status::OK();
}

void SafePointKeeper::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, options_.interval);
    if (stop_) break;
    l.unlock();
    Status s = Register();
    l.lock();
    ++refreshes_;
    if (s.ok()) continue;
    if (s.code() == Status::Code::kInvalidArgument) {
      if (error_.ok()) error_ = s;
      LOG_ERROR("service safe point {} lost: {}", options_.service_id, s.ToString());
    } else {
      LOG_WARN("service safe point {}: refresh failed (will retry): {}", options_.service_id,
               s.ToString());
    }
  }
}

Status SafePointKeeper::status() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_;
}

uint64_t SafePointKeeper::refreshes() const {
  std::lock_guard<std::mutex> l(mu_);
  return refreshes_;
}

Status SafePointKeeper::Stop() { return StopAndKeep(0); }

Status SafePointKeeper::StopAndKeep(int64_t keep_ttl_seconds) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return Status::OK();
    stopped_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (keep_ttl_seconds > 0) {
    auto kept = update_(options_.service_id, keep_ttl_seconds, options_.safe_point);
    if (!kept.ok()) {
      LOG_WARN("cannot extend service safe point {} for a resume: {}", options_.service_id,
               kept.status().ToString());
      return kept.status();
    }
    LOG_INFO("service safe point {} at {} kept for {} s so the job can be resumed",
             options_.service_id, options_.safe_point, keep_ttl_seconds);
    return Status::OK();
  }
  auto r = update_(options_.service_id, 0, options_.safe_point);
  if (!r.ok()) {
    LOG_WARN("cannot remove service safe point {} (it expires after {} s): {}", options_.service_id,
             options_.ttl_seconds, r.status().ToString());
    return r.status();
  }
  LOG_INFO("service safe point {} removed", options_.service_id);
  return Status::OK();
}

}  // namespace brkv::br
