// PdClient over gRPC. See pd_client.h for the contract.
//
// Retry policy: transport failures (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED) are
// retried with a Backoffer until options.retry_budget_ms is spent; each attempt's deadline is
// min(rpc_timeout_ms, what is left of the budget). Errors reported by PD in the response header
// are never retried here: they are mapped to a Status and returned to the caller.
// Tso and RegionHeartbeat go over PD's bidirectional streams (OrderedStream): one request and
// its answer make an attempt, with the same deadline and retries as a unary call; a broken
// stream is reopened by the next attempt. Concurrent GetTS calls share one request
// (TsoBatcher).
#include "client/pd_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>

#include "client/ordered_stream.h"
#include "client/tso_batcher.h"
#include "common/backoff.h"
#include "common/logging.h"
#include "proto/brkvpb_pd.grpc.pb.h"
#include "proto/pdpb.grpc.pb.h"

namespace brkv::client {
namespace {

// Smallest per-attempt deadline, so a nearly spent budget still gets one real try.
constexpr int64_t kMinAttemptMs = 50;

Status FromGrpc(const grpc::Status& s, const char* rpc, const std::string& address) {
  std::string msg = std::string("PD ") + rpc + " to " + address + ": " + s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return Status::OK();
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status::Unavailable(msg);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Status::Busy(msg);
    case grpc::StatusCode::CANCELLED:
      return Status::Aborted(msg);
    case grpc::StatusCode::UNIMPLEMENTED:
      return Status::NotSupported(msg);
    default:
      return Status::Internal(msg);
  }
}

// Maps the PD error in a response header to a Status (OK when there is none).
Status FromHeader(const pdpb::ResponseHeader& h, const char* rpc) {
  if (!h.has_error() || h.error().type() == pdpb::OK) return Status::OK();
  std::string msg = std::string("PD ") + rpc + ": " + h.error().message();
  switch (h.error().type()) {
    case pdpb::NOT_BOOTSTRAPPED:
      return Status::Unavailable(msg.empty() ? "cluster is not bootstrapped" : msg);
    case pdpb::ALREADY_BOOTSTRAPPED:
      return Status::AlreadyExists(msg);
    case pdpb::REGION_NOT_FOUND:
    case pdpb::STORE_NOT_FOUND:
      return Status::NotFound(msg);
    case pdpb::STORE_TOMBSTONE:
      return Status::Aborted(msg);
    case pdpb::CLUSTER_MISMATCH:
      return Status::InvalidArgument(msg);
    case pdpb::INCOMPATIBLE_VERSION:
      return Status::NotSupported(msg);
    case pdpb::INVALID_VALUE:
      return Status::InvalidArgument(msg);
    case pdpb::ALREADY_EXISTS:
      return Status::AlreadyExists(msg);
    case pdpb::UNAVAILABLE:
      // PD's verdict (e.g. a store is down), not a transport failure: not retryable here.
      return Status::Unavailable(msg).WithRetryable(false);
    case pdpb::ABORTED:
      return Status::Aborted(msg);
    default:
      return Status::Internal(msg);
  }
}

template <typename Msg>
RegionInfo ToRegionInfo(const Msg& r) {
  RegionInfo info;
  info.region = r.region();
  info.leader = r.leader();
  info.approximate_size = r.approximate_size();
  info.approximate_keys = r.approximate_keys();
  info.down_peers.assign(r.down_peers().begin(), r.down_peers().end());
  info.pending_peers.assign(r.pending_peers().begin(), r.pending_peers().end());
  return info;
}

}  // namespace

struct PdClient::Impl {
  PdClientOptions options;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pdpb::PD::Stub> stub;
  std::unique_ptr<brkvpb::PDAdmin::Stub> admin_stub;
  uint64_t cluster_id = 0;
  std::unique_ptr<OrderedStream<pdpb::TsoRequest, pdpb::TsoResponse>> tso_stream;
  std::unique_ptr<OrderedStream<pdpb::RegionHeartbeatRequest, pdpb::RegionHeartbeatResponse>>
      heartbeat_stream;
  std::unique_ptr<TsoBatcher> tso;

  explicit Impl(PdClientOptions o) : options(std::move(o)) {
    grpc::ChannelArguments args;
    // Reconnect quickly after a PD restart; the retry loop provides the patience.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    args.SetMaxReceiveMessageSize(-1);
    channel = grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(), args);
    stub = pdpb::PD::NewStub(channel);
    admin_stub = brkvpb::PDAdmin::NewStub(channel);
    tso_stream = std::make_unique<OrderedStream<pdpb::TsoRequest, pdpb::TsoResponse>>(
        "PD Tso stream to " + options.address,
        [this](grpc::ClientContext* ctx, std::chrono::system_clock::time_point deadline) {
          return OpenWhenConnected(deadline, [&] { return stub->Tso(ctx); });
        });
    heartbeat_stream = std::make_unique<
        OrderedStream<pdpb::RegionHeartbeatRequest, pdpb::RegionHeartbeatResponse>>(
        "PD RegionHeartbeat stream to " + options.address,
        [this](grpc::ClientContext* ctx, std::chrono::system_clock::time_point deadline) {
          return OpenWhenConnected(deadline, [&] { return stub->RegionHeartbeat(ctx); });
        });
    tso = std::make_unique<TsoBatcher>([this](uint32_t count) { return FetchTS(count); });
  }

  // Opening a stream blocks until the channel is connected (the call's initial metadata is
  // sent synchronously), so it waits for that first, with the attempt's deadline.
  template <typename Open>
  auto OpenWhenConnected(std::chrono::system_clock::time_point deadline, Open open)
      -> decltype(open()) {
    if (!channel->WaitForConnected(deadline)) return nullptr;
    return open();
  }

  pdpb::PD::Stub* StubFor(pdpb::PD::Stub*) const { return stub.get(); }
  brkvpb::PDAdmin::Stub* StubFor(brkvpb::PDAdmin::Stub*) const { return admin_stub.get(); }

  template <typename Req>
  void FillHeader(Req* req) const {
    req->mutable_header()->set_cluster_id(cluster_id);
  }

  // Runs one unary RPC (of pdpb.PD or brkvpb.PDAdmin) with retries on transport failures,
  // then maps the response header. `admin`: long-running split/scatter — admin_timeout_ms per
  // attempt and no re-send after a deadline, since the first attempt may still be running on PD.
  template <typename StubT, typename Req, typename Resp>
  Status Call(const char* rpc, Req req,
              grpc::Status (StubT::*method)(grpc::ClientContext*, const Req&, Resp*), Resp* resp,
              bool admin = false) {
    FillHeader(&req);
    StubT* s = StubFor(static_cast<StubT*>(nullptr));
    return Retry(rpc, resp, admin, [&](std::chrono::system_clock::time_point deadline) {
      grpc::ClientContext ctx;
      ctx.set_deadline(deadline);
      return (s->*method)(&ctx, req, resp);
    });
  }

  // One request and its answer on a stream, with the retries of a unary call.
  template <typename Req, typename Resp>
  Status CallStream(const char* rpc, Req req, OrderedStream<Req, Resp>* stream, Resp* resp) {
    FillHeader(&req);
    return Retry(rpc, resp, /*admin=*/false, [&](std::chrono::system_clock::time_point deadline) {
      return stream->Call(req, resp, deadline);
    });
  }

  Result<uint64_t> FetchTS(uint32_t count) {
    pdpb::TsoRequest req;
    req.set_count(count);
    pdpb::TsoResponse resp;
    RETURN_IF_ERROR(CallStream("Tso", std::move(req), tso_stream.get(), &resp));
    const auto& ts = resp.timestamp();
    if (ts.physical() <= 0) return Status::Internal("PD Tso: empty timestamp");
    if (resp.count() != count) {
      return Status::Internal("PD Tso: asked for " + std::to_string(count) + " timestamps, got " +
                              std::to_string(resp.count()));
    }
    return (static_cast<uint64_t>(ts.physical()) << 18) + static_cast<uint64_t>(ts.logical());
  }

  // Runs attempt(deadline) until it succeeds, fails for good or the retry budget is spent;
  // then maps resp's header.
  template <typename Resp, typename Attempt>
  Status Retry(const char* rpc, Resp* resp, bool admin, Attempt attempt) {
    BackoffOptions bo_opts;
    bo_opts.base_ms = 50;
    bo_opts.max_ms = 1000;
    bo_opts.budget_ms = std::max<int64_t>(options.retry_budget_ms, 0);
    Backoffer bo(bo_opts);
    while (true) {
      int64_t attempt_ms = admin ? options.admin_timeout_ms
                                 : std::min(options.rpc_timeout_ms, bo.RemainingMs());
      attempt_ms = std::max(attempt_ms, kMinAttemptMs);
      resp->Clear();
      grpc::Status gs =
          attempt(std::chrono::system_clock::now() + std::chrono::milliseconds(attempt_ms));
      Status s = FromGrpc(gs, rpc, options.address);
      if (s.ok()) return FromHeader(resp->header(), rpc);
      if (!s.retryable()) return s;
      if (admin && gs.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) return s;
      if (bo.RemainingMs() <= 0 || !bo.Backoff(s).ok()) {
        // Report the transport error itself (Unavailable), not the Backoffer's TimedOut.
        return s.WithContext("gave up after " + std::to_string(bo.attempts() + 1) +
                             " attempts within " + std::to_string(bo_opts.budget_ms) + " ms");
      }
      LOG_DEBUG("PD {} retry: {}", rpc, s.ToString());
    }
  }
};

PdClient::PdClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PdClient::~PdClient() = default;

Result<std::unique_ptr<PdClient>> PdClient::Connect(const PdClientOptions& options) {
  if (options.address.empty()) return Status::InvalidArgument("PD address is empty");
  auto impl = std::make_unique<Impl>(options);
  pdpb::GetClusterInfoResponse resp;
  RETURN_IF_ERROR(impl->Call("GetClusterInfo", pdpb::GetClusterInfoRequest(),
                             &pdpb::PD::Stub::GetClusterInfo, &resp));
  impl->cluster_id = resp.header().cluster_id();
  return std::unique_ptr<PdClient>(new PdClient(std::move(impl)));
}

uint64_t PdClient::cluster_id() const { return impl_->cluster_id; }

Result<bool> PdClient::IsBootstrapped() {
  pdpb::IsBootstrappedResponse resp;
  RETURN_IF_ERROR(impl_->Call("IsBootstrapped", pdpb::IsBootstrappedRequest(),
                              &pdpb::PD::Stub::IsBootstrapped, &resp));
  return resp.bootstrapped();
}

Status PdClient::Bootstrap(const metapb::Store& store, const metapb::Region& region) {
  pdpb::BootstrapRequest req;
  *req.mutable_store() = store;
  *req.mutable_region() = region;
  pdpb::BootstrapResponse resp;
  return impl_->Call("Bootstrap", std::move(req), &pdpb::PD::Stub::Bootstrap, &resp);
}

Result<uint64_t> PdClient::GetTS(uint32_t count) { return impl_->tso->GetTS(count); }

Result<uint64_t> PdClient::AllocID() {
  pdpb::AllocIDResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("AllocID", pdpb::AllocIDRequest(), &pdpb::PD::Stub::AllocID, &resp));
  if (resp.id() == 0) return Status::Internal("PD AllocID: returned id 0");
  return resp.id();
}

Status PdClient::PutStore(const metapb::Store& store) {
  pdpb::PutStoreRequest req;
  *req.mutable_store() = store;
  pdpb::PutStoreResponse resp;
  return impl_->Call("PutStore", std::move(req), &pdpb::PD::Stub::PutStore, &resp);
}

Status PdClient::StoreHeartbeat(const pdpb::StoreStats& stats) {
  pdpb::StoreHeartbeatRequest req;
  *req.mutable_stats() = stats;
  pdpb::StoreHeartbeatResponse resp;
  return impl_->Call("StoreHeartbeat", std::move(req), &pdpb::PD::Stub::StoreHeartbeat, &resp);
}

Result<metapb::Store> PdClient::GetStore(uint64_t store_id) {
  pdpb::GetStoreRequest req;
  req.set_store_id(store_id);
  pdpb::GetStoreResponse resp;
  RETURN_IF_ERROR(impl_->Call("GetStore", std::move(req), &pdpb::PD::Stub::GetStore, &resp));
  if (resp.store().id() == 0) {
    return Status::NotFound("PD GetStore: store " + std::to_string(store_id) + " not found");
  }
  return resp.store();
}

Result<std::vector<brkvpb::StoreInfo>> PdClient::GetAllStores() {
  pdpb::GetAllStoresRequest req;
  req.set_exclude_tombstone_stores(false);
  pdpb::GetAllStoresResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("GetAllStores", std::move(req), &pdpb::PD::Stub::GetAllStores, &resp));
  std::vector<brkvpb::StoreInfo> out(resp.infos().begin(), resp.infos().end());
  if (out.empty()) {
    // Tolerate a server that fills only `stores`.
    for (const auto& s : resp.stores()) {
      brkvpb::StoreInfo info;
      *info.mutable_store() = s;
      out.push_back(std::move(info));
    }
  }
  return out;
}

Result<pdpb::RegionHeartbeatResponse> PdClient::RegionHeartbeat(const RegionInfo& info) {
  pdpb::RegionHeartbeatRequest req;
  *req.mutable_region() = info.region;
  *req.mutable_leader() = info.leader;
  req.set_approximate_size(info.approximate_size);
  req.set_approximate_keys(info.approximate_keys);
  for (const auto& d : info.down_peers) *req.add_down_peers() = d;
  for (const auto& p : info.pending_peers) *req.add_pending_peers() = p;
  pdpb::RegionHeartbeatResponse resp;
  RETURN_IF_ERROR(
      impl_->CallStream("RegionHeartbeat", std::move(req), impl_->heartbeat_stream.get(), &resp));
  if (resp.region_id() != info.region.id()) {
    return Status::Internal("PD RegionHeartbeat: answer for region " +
                            std::to_string(resp.region_id()) + ", sent region " +
                            std::to_string(info.region.id()));
  }
  return resp;
}

Result<RegionInfo> PdClient::GetRegion(const std::string& region_key) {
  pdpb::GetRegionRequest req;
  req.set_region_key(region_key);
  pdpb::GetRegionResponse resp;
  RETURN_IF_ERROR(impl_->Call("GetRegion", std::move(req), &pdpb::PD::Stub::GetRegion, &resp));
  if (resp.region().id() == 0) return Status::NotFound("PD GetRegion: no region for key");
  return ToRegionInfo(resp);
}

Result<RegionInfo> PdClient::GetRegionByID(uint64_t region_id) {
  pdpb::GetRegionByIDRequest req;
  req.set_region_id(region_id);
  pdpb::GetRegionResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("GetRegionByID", std::move(req), &pdpb::PD::Stub::GetRegionByID, &resp));
  if (resp.region().id() == 0) {
    return Status::NotFound("PD GetRegionByID: region " + std::to_string(region_id) +
                            " not found");
  }
  return ToRegionInfo(resp);
}

Result<std::vector<RegionInfo>> PdClient::ScanRegions(const std::string& start,
                                                      const std::string& end, int32_t limit) {
  pdpb::ScanRegionsRequest req;
  req.set_start_key(start);
  req.set_end_key(end);
  req.set_limit(limit);
  pdpb::ScanRegionsResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("ScanRegions", std::move(req), &pdpb::PD::Stub::ScanRegions, &resp));
  std::vector<RegionInfo> out;
  out.reserve(resp.regions_size());
  for (const auto& r : resp.regions()) out.push_back(ToRegionInfo(r));
  return out;
}

Result<std::vector<pdpb::SplitID>> PdClient::AskBatchSplit(const metapb::Region& region,
                                                           uint32_t count) {
  pdpb::AskBatchSplitRequest req;
  *req.mutable_region() = region;
  req.set_split_count(count);
  pdpb::AskBatchSplitResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("AskBatchSplit", std::move(req), &pdpb::PD::Stub::AskBatchSplit, &resp));
  if (static_cast<uint32_t>(resp.ids_size()) != count) {
    return Status::Internal("PD AskBatchSplit: asked for " + std::to_string(count) +
                            " ids, got " + std::to_string(resp.ids_size()));
  }
  return std::vector<pdpb::SplitID>(resp.ids().begin(), resp.ids().end());
}

Status PdClient::ReportBatchSplit(const std::vector<metapb::Region>& regions) {
  pdpb::ReportBatchSplitRequest req;
  for (const auto& r : regions) *req.add_regions() = r;
  pdpb::ReportBatchSplitResponse resp;
  return impl_->Call("ReportBatchSplit", std::move(req), &pdpb::PD::Stub::ReportBatchSplit,
                     &resp);
}

Result<std::vector<uint64_t>> PdClient::SplitRegions(const std::vector<std::string>& split_keys) {
  pdpb::SplitRegionsRequest req;
  for (const auto& k : split_keys) req.add_split_keys(k);
  pdpb::SplitRegionsResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("SplitRegions", std::move(req), &pdpb::PD::Stub::SplitRegions, &resp,
                  /*admin=*/true));
  return std::vector<uint64_t>(resp.regions_id().begin(), resp.regions_id().end());
}

Result<std::vector<uint64_t>> PdClient::ScatterRegions(const std::vector<uint64_t>& region_ids) {
  pdpb::ScatterRegionRequest req;
  for (uint64_t id : region_ids) req.add_regions_id(id);
  pdpb::ScatterRegionResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("ScatterRegion", std::move(req), &pdpb::PD::Stub::ScatterRegion, &resp,
                  /*admin=*/true));
  return std::vector<uint64_t>(resp.failed_regions_id().begin(), resp.failed_regions_id().end());
}

Result<ReplicationConfig> PdClient::GetReplicationConfig() {
  pdpb::GetClusterConfigResponse resp;
  RETURN_IF_ERROR(impl_->Call("GetClusterConfig", pdpb::GetClusterConfigRequest(),
                              &pdpb::PD::Stub::GetClusterConfig, &resp));
  ReplicationConfig c;
  c.max_replicas = resp.cluster().max_peer_count();
  c.target_replicas = resp.target_replicas();
  c.max_store_down_time_ms = resp.max_store_down_time_ms();
  return c;
}

Result<pdpb::GetOperatorResponse> PdClient::GetOperator(uint64_t region_id) {
  pdpb::GetOperatorRequest req;
  req.set_region_id(region_id);
  pdpb::GetOperatorResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("GetOperator", std::move(req), &pdpb::PD::Stub::GetOperator, &resp));
  return resp;
}

Result<std::vector<brkvpb::OperatorInfo>> PdClient::ListOperators(uint64_t region_id) {
  brkvpb::ListOperatorsRequest req;
  req.set_region_id(region_id);
  brkvpb::ListOperatorsResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("ListOperators", std::move(req), &brkvpb::PDAdmin::Stub::ListOperators, &resp));
  return std::vector<brkvpb::OperatorInfo>(resp.operators().begin(), resp.operators().end());
}

Result<brkvpb::OperatorInfo> PdClient::AddOperator(brkvpb::OperatorType type, uint64_t region_id,
                                                   uint64_t store_id) {
  brkvpb::AddOperatorRequest req;
  req.set_type(type);
  req.set_region_id(region_id);
  req.set_store_id(store_id);
  brkvpb::AddOperatorResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("AddOperator", std::move(req), &brkvpb::PDAdmin::Stub::AddOperator, &resp));
  return resp.info();
}

Result<metapb::Store> PdClient::DeleteStore(uint64_t store_id) {
  brkvpb::DeleteStoreRequest req;
  req.set_store_id(store_id);
  brkvpb::DeleteStoreResponse resp;
  RETURN_IF_ERROR(
      impl_->Call("DeleteStore", std::move(req), &brkvpb::PDAdmin::Stub::DeleteStore, &resp));
  return resp.store();
}

Result<uint64_t> PdClient::GetGCSafePoint() {
  pdpb::GetGCSafePointResponse resp;
  RETURN_IF_ERROR(impl_->Call("GetGCSafePoint", pdpb::GetGCSafePointRequest(),
                              &pdpb::PD::Stub::GetGCSafePoint, &resp));
  return resp.safe_point();
}

Result<uint64_t> PdClient::UpdateGCSafePoint(uint64_t safe_point) {
  pdpb::UpdateGCSafePointRequest req;
  req.set_safe_point(safe_point);
  pdpb::UpdateGCSafePointResponse resp;
  RETURN_IF_ERROR(impl_->Call("UpdateGCSafePoint", std::move(req),
                              &pdpb::PD::Stub::UpdateGCSafePoint, &resp));
  return resp.new_safe_point();
}

Result<uint64_t> PdClient::UpdateServiceGCSafePoint(const std::string& service_id,
                                                    int64_t ttl_seconds, uint64_t safe_point) {
  pdpb::UpdateServiceGCSafePointRequest req;
  req.set_service_id(service_id);
  req.set_ttl(ttl_seconds);
  req.set_safe_point(safe_point);
  pdpb::UpdateServiceGCSafePointResponse resp;
  RETURN_IF_ERROR(impl_->Call("UpdateServiceGCSafePoint", std::move(req),
                              &pdpb::PD::Stub::UpdateServiceGCSafePoint, &resp));
  return resp.min_safe_point();
}

}  // namespace brkv::client
