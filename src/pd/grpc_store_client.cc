// gRPC implementation of StoreClient.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <mutex>

#include "common/failpoint.h"
#include "pd/store_client.h"
#include "proto/brkvpb_debug.grpc.pb.h"
#include "proto/tikvpb.grpc.pb.h"

namespace brkv::pd {
namespace {

Status FromGrpc(const grpc::Status& s, const char* rpc, const std::string& address) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(rpc) + " to store " + address + ": " + s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status::Unavailable(msg);
    case grpc::StatusCode::UNIMPLEMENTED:
      return Status::NotSupported(msg);
    default:
      return Status::Internal(msg);
  }
}

Status FromRegionError(const errorpb::Error& e, const char* rpc,
                       std::vector<metapb::Region>* current_regions) {
  if (current_regions && e.has_epoch_not_match()) {
    current_regions->assign(e.epoch_not_match().current_regions().begin(),
                            e.epoch_not_match().current_regions().end());
  }
  std::string what = e.message();
  if (e.has_not_leader()) what += " (not leader)";
  if (e.has_region_not_found()) what += " (region not found)";
  if (e.has_epoch_not_match()) what += " (epoch not match)";
  if (e.has_key_not_in_region()) what += " (key not in region)";
  if (e.has_server_is_busy()) what += " (server is busy)";
  return Status::RegionError(std::string(rpc) + ": region error: " + what);
}

class GrpcStoreClient : public StoreClient {
 public:
  explicit GrpcStoreClient(GrpcStoreClientOptions options) : options_(options) {}

  Status SplitRegion(const std::string& address, const kvrpcpb::Context& ctx,
                     const std::vector<std::string>& split_keys,
                     std::vector<metapb::Region>* regions,
                     std::vector<metapb::Region>* current_regions) override {
    FAIL_POINT("pd.store-client.split-region");
    kvrpcpb::SplitRegionRequest req;
    *req.mutable_context() = ctx;
    for (const auto& k : split_keys) req.add_split_keys(k);
    kvrpcpb::SplitRegionResponse resp;
    grpc::ClientContext cc;
    SetDeadline(&cc);
    RETURN_IF_ERROR(
        FromGrpc(Stubs(address).tikv->SplitRegion(&cc, req, &resp), "SplitRegion", address));
    if (resp.has_region_error()) {
      return FromRegionError(resp.region_error(), "SplitRegion", current_regions);
    }
    if (!resp.error().empty()) return Status::Aborted("SplitRegion: " + resp.error());
    regions->assign(resp.regions().begin(), resp.regions().end());
    return Status::OK();
  }

  Status TransferOut(const std::string& address, const kvrpcpb::Context& ctx) override {
    FAIL_POINT("pd.store-client.transfer-out");
    brkvpb::TransferOutRequest req;
    *req.mutable_context() = ctx;
    brkvpb::TransferOutResponse resp;
    grpc::ClientContext cc;
    SetDeadline(&cc);
    RETURN_IF_ERROR(
        FromGrpc(Stubs(address).debug->TransferOut(&cc, req, &resp), "TransferOut", address));
    if (resp.has_region_error()) return FromRegionError(resp.region_error(), "TransferOut", nullptr);
    if (!resp.error().empty()) return Status::Aborted("TransferOut: " + resp.error());
    return Status::OK();
  }

  Status TransferIn(const std::string& address, const metapb::Region& region) override {
    FAIL_POINT("pd.store-client.transfer-in");
    brkvpb::TransferInRequest req;
    *req.mutable_region() = region;
    brkvpb::TransferInResponse resp;
    grpc::ClientContext cc;
    SetDeadline(&cc);
    RETURN_IF_ERROR(
        FromGrpc(Stubs(address).debug->TransferIn(&cc, req, &resp), "TransferIn", address));
    if (!resp.error().empty()) return Status::Aborted("TransferIn: " + resp.error());
    return Status::OK();
  }

 private:
  void SetDeadline(grpc::ClientContext* cc) const {
    cc->set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(options_.rpc_timeout_ms));
  }

  // tikvpb.Tikv (split) and brkvpb.Debug (region moves) on one channel per store.
  struct StoreStubs {
    std::unique_ptr<tikvpb::Tikv::Stub> tikv;
    std::unique_ptr<brkvpb::Debug::Stub> debug;
  };

  const StoreStubs& Stubs(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& stubs = stubs_[address];
    if (!stubs.tikv) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
      args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
      args.SetMaxReceiveMessageSize(-1);
      auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
      stubs.tikv = tikvpb::Tikv::NewStub(channel);
      stubs.debug = brkvpb::Debug::NewStub(channel);
    }
    return stubs;
  }

  const GrpcStoreClientOptions options_;
  std::mutex mu_;
  std::map<std::string, StoreStubs> stubs_;  // guarded by mu_; entries never removed
};

}  // namespace

std::unique_ptr<StoreClient> NewGrpcStoreClient(GrpcStoreClientOptions options) {
  return std::make_unique<GrpcStoreClient>(options);
}

}  // namespace brkv::pd
