// TikvService: admin handlers — split on request (tikvpb.Tikv), and brkvpb.Debug's table
// checksum and the TransferOut / TransferIn pair PD uses to scatter empty regions.
#include "common/logging.h"
#include "server/tikv_service.h"

namespace brkv::server {

grpc::Status TikvService::SplitRegion(grpc::ServerContext*,
                                      const kvrpcpb::SplitRegionRequest* req,
                                      kvrpcpb::SplitRegionResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  std::vector<std::string> split_keys(req->split_keys().begin(), req->split_keys().end());
  if (!req->split_key().empty()) split_keys.push_back(req->split_key());
  if (split_keys.empty()) {
    resp->set_error("no split key given");
    return grpc::Status::OK;
  }
  RegionSplitter* splitter = splitter_.load();
  if (splitter == nullptr) {
    resp->set_error("this store cannot split regions (no PD connection)");
    return grpc::Status::OK;
  }
  errorpb::Error err;
  auto result = splitter->Split(region.id(), req->context().region_epoch(),
                                 std::move(split_keys), &err);
  if (!result.ok()) {
    if (result.status().IsRegionError()) {
      *resp->mutable_region_error() = std::move(err);
    } else {
      resp->set_error(result.status().ToString());
    }
    return grpc::Status::OK;
  }
  for (auto& r : *result) *resp->add_regions() = std::move(r);
  return grpc::Status::OK;
}

grpc::Status TikvService::Checksum(grpc::ServerContext*, const brkvpb::ChecksumRequest* req,
                                  brkvpb::ChecksumResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp, /*read=*/true)) return grpc::Status::OK;
  brkv::Checksum sum;
  kvrpcpb::LockInfo lock;
  Status s = txn_->Checksum(*req, region.start_key(), region.end_key(), &sum, &lock);
  if (s.IsKeyLocked()) {
    *resp->mutable_error()->mutable_locked() = std::move(lock);
    return grpc::Status::OK;
  }
  if (!s.ok()) {
    resp->mutable_error()->set_abort(s.ToString());
    return grpc::Status::OK;
  }
  resp->set_checksum(sum.crc64xor);
  resp->set_total_kvs(sum.total_kvs);
  resp->set_total_bytes(sum.total_bytes);
  return grpc::Status::OK;
}

grpc::Status TikvService::TransferOut(grpc::ServerContext*,
                                      const brkvpb::TransferOutRequest* req,
                                      brkvpb::TransferOutResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  errorpb::Error err;
  Status s = regions_->RemoveRegionIfEmpty(region.id(), &req->context().region_epoch(), &err);
  if (s.IsRegionError()) {
    *resp->mutable_region_error() = std::move(err);
  } else if (s.code() == Status::Code::kAborted) {
    resp->set_error(s.message());  // "region is not empty"
  } else if (!s.ok()) {
    resp->set_error(s.ToString());
  }
  return grpc::Status::OK;
}

grpc::Status TikvService::TransferIn(grpc::ServerContext*, const brkvpb::TransferInRequest* req,
                                     brkvpb::TransferInResponse* resp) {
  if (shutting_down_.load(std::memory_order_relaxed)) {
    resp->set_error("store is shutting down");
    return grpc::Status::OK;
  }
  const metapb::Region& region = req->region();
  const uint64_t store_id = regions_->store_id();
  bool has_local_peer = region.peers_size() == 0;
  for (const auto& p : region.peers()) has_local_peer |= p.store_id() == store_id;
  if (!has_local_peer) {
    resp->set_error("region " + std::to_string(region.id()) + " has no peer on store " +
                    std::to_string(store_id));
    return grpc::Status::OK;
  }
  Status s = regions_->AddRegion(region);
  if (!s.ok()) resp->set_error(s.ToString());
  return grpc::Status::OK;
}

}  // namespace brkv::server
