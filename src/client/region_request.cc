#include "client/region_request.h"

#include <vector>

#include "common/codec.h"
#include "common/logging.h"

namespace brkv::client {

void RegionRequestSender::FillContext(const KeyLocation& loc, kvrpcpb::Context* ctx) {
  ctx->set_region_id(loc.region.id());
  *ctx->mutable_region_epoch() = loc.region.region_epoch();
  *ctx->mutable_peer() = loc.leader;
}

std::string RegionRequestSender::KeyContext(std::string_view region_key) {
  return "request for region key " + codec::Escape(region_key);
}

Status RegionRequestSender::Call(const KeyLocation& loc, const google::protobuf::Message& req,
                                 google::protobuf::Message* resp, int64_t timeout_ms) {
  if (timeout_ms <= 0) timeout_ms = rpc_timeout_ms_;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Status s = transport_->Call(loc.address, req, resp, deadline);
  if (s.ok()) return s;
  if (s.code() == Status::Code::kUnavailable) {
    // The node may be restarting or gone: dial again next time and ask PD where the region
    // lives now.
    LOG_WARN("store {} unreachable for {}: {}", loc.address, loc.Describe(), s.message());
    transport_->ResetConnection(loc.address);
    cache_->InvalidateStore(loc.leader.store_id());
  }
  return s.WithContext(loc.Describe());
}

Status RegionRequestSender::OnRegionError(const KeyLocation& loc, const errorpb::Error& err) {
  std::string what;
  if (err.has_not_leader()) {
    what = "not leader";
    if (err.not_leader().has_leader() && err.not_leader().leader().store_id() != 0) {
      cache_->OnNotLeader(loc.id(), err.not_leader().leader());
    } else {
      cache_->Invalidate(loc.id());
    }
  } else if (err.has_epoch_not_match()) {
    what = "epoch not match";
    std::vector<metapb::Region> current(err.epoch_not_match().current_regions().begin(),
                                        err.epoch_not_match().current_regions().end());
    cache_->OnEpochNotMatch(loc.id(), loc.leader.store_id(), current);
  } else if (err.has_region_not_found()) {
    what = "region not found";
    cache_->Invalidate(loc.id());
  } else if (err.has_key_not_in_region()) {
    const auto& k = err.key_not_in_region();
    what = "key " + codec::Escape(k.key()) + " not in region [" + codec::Escape(k.start_key()) +
           ", " + codec::Escape(k.end_key()) + ")";
    cache_->Invalidate(loc.id());
  } else if (err.has_server_is_busy()) {
    return Status::Busy(loc.Describe() + ": server is busy: " + err.server_is_busy().reason());
  } else if (err.has_stale_command()) {
    what = "stale command";
    cache_->Invalidate(loc.id());
  } else if (err.has_store_not_match()) {
    what = "store not match";
    cache_->InvalidateStore(loc.leader.store_id());
  } else {
    what = "region error";
    cache_->Invalidate(loc.id());
  }
  if (!err.message().empty()) what += ": " + err.message();
  LOG_DEBUG("{}: {}", loc.Describe(), what);
  return Status::RegionError(loc.Describe() + ": " + what);
}

Status RetryWithBackoff(Backoffer* bo, const std::function<Status()>& attempt) {
  while (true) {
    Status s = attempt();
    if (s.ok() || !s.retryable()) return s;
    RETURN_IF_ERROR(bo->Backoff(s));
  }
}

BackoffOptions ChildBackoff(const BackoffOptions& base, const Backoffer& parent) {
  BackoffOptions o = base;
  o.budget_ms = parent.RemainingMs();
  o.seed = 0;
  return o;
}

}  // namespace brkv::client
