#include "server/consistency_service.h"

#include <algorithm>

namespace brkv::server {

namespace {

constexpr uint64_t kDefaultWaitMs = 10000;
constexpr uint64_t kMaxWaitMs = 60000;

// Fills the response's error fields from a failed call; true when it failed.
template <typename Resp>
bool Failed(const Status& s, const errorpb::Error& err, Resp* resp) {
  if (s.ok()) return false;
  if (s.IsRegionError()) {
    *resp->mutable_region_error() = err;
  } else {
    resp->set_error(s.ToString());
  }
  return true;
}

}  // namespace

grpc::Status ConsistencyService::ComputeHash(grpc::ServerContext*,
                                             const consistencypb::ComputeHashRequest* req,
                                             consistencypb::ComputeHashResponse* resp) {
  if (req->check_id().empty()) {
    resp->set_error("check_id must be set");
    return grpc::Status::OK;
  }
  errorpb::Error err;
  auto h = regions_->ComputeHash(req->region_id(), req->check_id(), &err);
  if (Failed(h.status(), err, resp)) return grpc::Status::OK;
  if (!h->error.empty()) {
    resp->set_error(h->error);
    return grpc::Status::OK;
  }
  *resp->mutable_region() = h->region;
  resp->set_index(h->index);
  resp->set_hash(h->hash);
  resp->set_total_kvs(h->kvs);
  resp->set_total_bytes(h->bytes);
  return grpc::Status::OK;
}

grpc::Status ConsistencyService::GetHash(grpc::ServerContext*,
                                         const consistencypb::GetHashRequest* req,
                                         consistencypb::GetHashResponse* resp) {
  const uint64_t wait =
      std::min(req->wait_ms() == 0 ? kDefaultWaitMs : req->wait_ms(), kMaxWaitMs);
  errorpb::Error err;
  auto h = regions_->WaitHash(req->region_id(), req->check_id(), static_cast<int64_t>(wait), &err);
  if (Failed(h.status(), err, resp)) return grpc::Status::OK;
  if (!h->error.empty()) {
    resp->set_error(h->error);
    return grpc::Status::OK;
  }
  resp->set_index(h->index);
  resp->set_hash(h->hash);
  resp->set_total_kvs(h->kvs);
  resp->set_total_bytes(h->bytes);
  return grpc::Status::OK;
}

}  // namespace brkv::server
