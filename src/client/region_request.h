// RegionRequestSender: sends a request to the leader of a region and turns region errors into
// region-cache updates, so callers only decide whether to retry.
//
// Flow of one attempt (SendOnce): fill Context{region_id, epoch, peer} from the location, call
// the leader's store with a deadline, then classify:
//   OK                        the response carries no region error (it may carry key errors)
//   RegionError (retryable)   NotLeader / EpochNotMatch / RegionNotFound / KeyNotInRegion /
//                             StaleCommand / StoreNotMatch: the cache entry was updated or
//                             dropped; locate again and retry after a backoff
//   Busy (retryable)          ServerIsBusy: back off and retry, the cache stays
//   Unavailable (retryable)   no answer: the connection and the store's cache entries were
//                             dropped (the node may be restarting)
//   anything else             permanent
// SendByKey wraps this in a locate/backoff loop for requests aimed at one key.
// Messages name the region and the key so an exhausted budget says what was stuck.
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "client/region_cache.h"
#include "client/store_client.h"
#include "common/backoff.h"
#include "common/status.h"
#include "proto/errorpb.pb.h"
#include "proto/kvrpcpb.pb.h"

namespace brkv::client {

class RegionRequestSender {
 public:
  // cache and transport must outlive the sender. rpc_timeout_ms: default deadline of a call.
  RegionRequestSender(RegionCache* cache, TikvTransport* transport, int64_t rpc_timeout_ms)
      : cache_(cache), transport_(transport), rpc_timeout_ms_(rpc_timeout_ms) {}

  RegionCache* cache() const { return cache_; }

  // One attempt at loc (see the file comment). Clears *resp first. timeout_ms 0 = default.
  template <class Req, class Resp>
  Status SendOnce(const KeyLocation& loc, Req* req, Resp* resp, int64_t timeout_ms = 0) {
    FillContext(loc, req->mutable_context());
    resp->Clear();
    Status s = Call(loc, *req, resp, timeout_ms);
    if (!s.ok()) return s;
    if (resp->has_region_error()) return OnRegionError(loc, resp->region_error());
    return Status::OK();
  }

  // Sends to the region containing region_key, retrying retryable failures with bo until an
  // answer without region error arrives (OK; key errors are the caller's) or bo's budget is
  // spent (TimedOut naming the region and key). *loc_out receives the location answered.
  template <class Req, class Resp>
  Status SendByKey(Backoffer* bo, std::string_view region_key, Req* req, Resp* resp,
                   KeyLocation* loc_out = nullptr, int64_t timeout_ms = 0) {
    while (true) {
      Status s;
      auto loc = cache_->Locate(region_key);
      if (loc.ok()) {
        s = SendOnce(*loc, req, resp, timeout_ms);
        if (s.ok()) {
          if (loc_out != nullptr) *loc_out = std::move(loc).value();
          return s;
        }
      } else {
        s = loc.status();
      }
      if (!s.retryable()) return s;
      Status b = bo->Backoff(s);
      if (!b.ok()) return b.WithContext(KeyContext(region_key));
    }
  }

  // Context for a request to loc.
  static void FillContext(const KeyLocation& loc, kvrpcpb::Context* ctx);

  // "request for region key <escaped key>", for messages.
  static std::string KeyContext(std::string_view region_key);

  // Applies a region error to the cache; returns the retryable Status describing it.
  Status OnRegionError(const KeyLocation& loc, const errorpb::Error& err);

 private:
  Status Call(const KeyLocation& loc, const google::protobuf::Message& req,
              google::protobuf::Message* resp, int64_t timeout_ms);

  RegionCache* const cache_;
  TikvTransport* const transport_;
  const int64_t rpc_timeout_ms_;
};

// Runs attempt until it returns OK or a non-retryable error, backing off with bo in between.
// When bo's budget ends, returns TimedOut carrying the last error's message.
Status RetryWithBackoff(Backoffer* bo, const std::function<Status()>& attempt);

// A Backoffer for one sub-task of an operation: same base/cap, budget = what parent has left.
BackoffOptions ChildBackoff(const BackoffOptions& base, const Backoffer& parent);

}  // namespace brkv::client
