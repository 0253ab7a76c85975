#include "client/store_client.h"

#include <grpcpp/grpcpp.h>

#include "proto/brkvpb_debug.grpc.pb.h"
#include "proto/tikvpb.grpc.pb.h"

namespace brkv::client {

std::shared_ptr<grpc::Channel> ChannelCache::Get(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(address);
  if (it != channels_.end()) return it->second;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 3000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Reconnect quickly after a node restart instead of gRPC's default minute-long backoff.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  channels_.emplace(address, channel);
  return channel;
}

void ChannelCache::Reset(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  channels_.erase(address);
}

namespace {

Status FromGrpc(const grpc::Status& s, const std::string& method, const std::string& address) {
  if (s.ok()) return Status::OK();
  std::string msg = method + " to store " + address + " failed: " + s.error_message() +
                    " (grpc code " + std::to_string(static_cast<int>(s.error_code())) + ")";
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
      return Status::Unavailable(msg);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Status::Busy(msg);
    case grpc::StatusCode::UNIMPLEMENTED:
      return Status::NotSupported(msg);
    default:
      return Status::Internal(msg);
  }
}

class GrpcTikvTransport : public TikvTransport {
 public:
  explicit GrpcTikvTransport(ChannelCache* channels) : channels_(channels) {}

  Status Call(const std::string& address, const google::protobuf::Message& req,
              google::protobuf::Message* resp,
              std::chrono::steady_clock::time_point deadline) override {
    auto channel = channels_->Get(address);
    auto stub = tikvpb::Tikv::NewStub(channel);
    grpc::ClientContext ctx;
    auto remaining = deadline - std::chrono::steady_clock::now();
    if (remaining < std::chrono::milliseconds(1)) remaining = std::chrono::milliseconds(1);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::duration_cast<std::chrono::system_clock::duration>(remaining));
    const auto* d = req.GetDescriptor();
#define BRKV_TIKV_RPC(ReqT, RespT, Method)                                                 \
  if (d == kvrpcpb::ReqT::descriptor()) {                                                  \
    return FromGrpc(stub->Method(&ctx, static_cast<const kvrpcpb::ReqT&>(req),             \
                                 static_cast<kvrpcpb::RespT*>(resp)),                      \
                    #Method, address);                                                     \
  }
    BRKV_TIKV_RPC(GetRequest, GetResponse, KvGet)
    BRKV_TIKV_RPC(ScanRequest, ScanResponse, KvScan)
    BRKV_TIKV_RPC(BatchGetRequest, BatchGetResponse, KvBatchGet)
    BRKV_TIKV_RPC(PrewriteRequest, PrewriteResponse, KvPrewrite)
    BRKV_TIKV_RPC(CommitRequest, CommitResponse, KvCommit)
    BRKV_TIKV_RPC(BatchRollbackRequest, BatchRollbackResponse, KvBatchRollback)
    BRKV_TIKV_RPC(CheckTxnStatusRequest, CheckTxnStatusResponse, KvCheckTxnStatus)
    BRKV_TIKV_RPC(ResolveLockRequest, ResolveLockResponse, KvResolveLock)
    BRKV_TIKV_RPC(ScanLockRequest, ScanLockResponse, KvScanLock)
    BRKV_TIKV_RPC(RawGetRequest, RawGetResponse, RawGet)
    BRKV_TIKV_RPC(RawPutRequest, RawPutResponse, RawPut)
    BRKV_TIKV_RPC(RawBatchPutRequest, RawBatchPutResponse, RawBatchPut)
    BRKV_TIKV_RPC(RawDeleteRequest, RawDeleteResponse, RawDelete)
    BRKV_TIKV_RPC(RawScanRequest, RawScanResponse, RawScan)
    BRKV_TIKV_RPC(SplitRegionRequest, SplitRegionResponse, SplitRegion)
#undef BRKV_TIKV_RPC
    // What TiKV does not have is in brkvpb.Debug.
    if (d == brkvpb::ChecksumRequest::descriptor()) {
      auto debug = brkvpb::Debug::NewStub(channel);
      return FromGrpc(debug->Checksum(&ctx, static_cast<const brkvpb::ChecksumRequest&>(req),
                                      static_cast<brkvpb::ChecksumResponse*>(resp)),
                      "Checksum", address);
    }
    return Status::NotSupported("no tikvpb.Tikv or brkvpb.Debug RPC takes " + d->full_name());
  }

  void ResetConnection(const std::string& address) override { channels_->Reset(address); }

 private:
  ChannelCache* channels_;
};

}  // namespace

std::unique_ptr<TikvTransport> NewGrpcTikvTransport(ChannelCache* channels) {
  return std::make_unique<GrpcTikvTransport>(channels);
}

}  // namespace brkv::client
