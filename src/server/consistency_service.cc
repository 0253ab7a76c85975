#include "server/consistency_service.h"

#include <algorithm>

namespace brkv::server {

namespace {

constexpr uint64_t kDefaultWaitMs = 10000;
constexpr uint64_t kMaxWaitMs = 60000;

// Fills the response from a replica's hash (or its failure): region errors, other errors and
// a failed scan go to the error fields, a hash to the result fields.
template <typename Resp>
void FillAnswer(const Result<raftstore::RegionHash>& h, const errorpb::Error& err, Resp* resp) {
  if (!h.ok()) {
    if (h.status().IsRegionError()) {
      *resp->mutable_region_error() = err;
    } else {
      resp->set_error(h.status().ToString());
    }
    return;
  }
  if (!h->error.empty()) {
    resp->set_error(h->error);
    return;
  }
  resp->set_index(h->index);
  resp->set_hash(h->hash);
  resp->set_total_kvs(h->kvs);
  resp->set_total_bytes(h->bytes);
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
  FillAnswer(h, err, resp);
  if (h.ok() && h->error.empty()) *resp->mutable_region() = h->region;
  return grpc::Status::OK;
}

grpc::Status ConsistencyService::GetHash(grpc::ServerContext*,
                                         const consistencypb::GetHashRequest* req,
                                         consistencypb::GetHashResponse* resp) {
  const uint64_t wait =
      std::min(req->wait_ms() == 0 ? kDefaultWaitMs : req->wait_ms(), kMaxWaitMs);
  errorpb::Error err;
  auto h = regions_->WaitHash(req->region_id(), req->check_id(), static_cast<int64_t>(wait), &err);
  FillAnswer(h, err, resp);
  return grpc::Status::OK;
}

}  // namespace brkv::server
