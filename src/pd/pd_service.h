// PdService: the pdpb.PD gRPC service, a thin adapter from requests to the PD components.
//
// Every response header carries the cluster id; a request whose header names a different
// non-zero cluster id gets CLUSTER_MISMATCH and is not executed. Component Status codes are
// mapped to pdpb.ErrorType by pd_service_util.h.
// Tso and RegionHeartbeat are bidirectional streams, as in kvproto: each request on them gets
// exactly one response, in order (a heartbeat's carries PD's command, or none). Streams live
// until the client ends them or StopStreams is called.
// Internal to the pd module (includes grpc++); other modules use pd_server.h.
// Thread-safety: thread-safe (gRPC calls handlers concurrently).
#pragma once

#include <mutex>
#include <set>

#include "pd/cluster.h"
#include "pd/coordinator.h"
#include "pd/id_allocator.h"
#include "pd/region_scheduler.h"
#include "pd/safe_point.h"
#include "pd/tso.h"
#include "proto/pdpb.grpc.pb.h"

namespace brkv::pd {

// Every component is required and must outlive the service.
struct PdComponents {
  Cluster* cluster = nullptr;
  TimestampOracle* tso = nullptr;
  IdAllocator* ids = nullptr;
  SafePointManager* safe_points = nullptr;
  RegionScheduler* scheduler = nullptr;
  Coordinator* coordinator = nullptr;
};

class PdService final : public pdpb::PD::Service {
 public:
  explicit PdService(PdComponents c) : c_(c) {}

  // Ends every open stream and refuses new ones (a stream never ends by itself, and would
  // hold a graceful server shutdown for its whole timeout).
  void StopStreams();

  grpc::Status GetClusterInfo(grpc::ServerContext*, const pdpb::GetClusterInfoRequest*,
                              pdpb::GetClusterInfoResponse*) override;
  grpc::Status Tso(grpc::ServerContext*,
                   grpc::ServerReaderWriter<pdpb::TsoResponse, pdpb::TsoRequest>*) override;
  grpc::Status Bootstrap(grpc::ServerContext*, const pdpb::BootstrapRequest*,
                         pdpb::BootstrapResponse*) override;
  grpc::Status IsBootstrapped(grpc::ServerContext*, const pdpb::IsBootstrappedRequest*,
                              pdpb::IsBootstrappedResponse*) override;
  grpc::Status AllocID(grpc::ServerContext*, const pdpb::AllocIDRequest*,
                       pdpb::AllocIDResponse*) override;
  grpc::Status PutStore(grpc::ServerContext*, const pdpb::PutStoreRequest*,
                        pdpb::PutStoreResponse*) override;
  grpc::Status StoreHeartbeat(grpc::ServerContext*, const pdpb::StoreHeartbeatRequest*,
                              pdpb::StoreHeartbeatResponse*) override;
  grpc::Status GetStore(grpc::ServerContext*, const pdpb::GetStoreRequest*,
                        pdpb::GetStoreResponse*) override;
  grpc::Status GetAllStores(grpc::ServerContext*, const pdpb::GetAllStoresRequest*,
                            pdpb::GetAllStoresResponse*) override;
  grpc::Status RegionHeartbeat(grpc::ServerContext*,
                               grpc::ServerReaderWriter<pdpb::RegionHeartbeatResponse,
                                                        pdpb::RegionHeartbeatRequest>*) override;
  grpc::Status GetRegion(grpc::ServerContext*, const pdpb::GetRegionRequest*,
                         pdpb::GetRegionResponse*) override;
  grpc::Status GetRegionByID(grpc::ServerContext*, const pdpb::GetRegionByIDRequest*,
                             pdpb::GetRegionResponse*) override;
  grpc::Status ScanRegions(grpc::ServerContext*, const pdpb::ScanRegionsRequest*,
                           pdpb::ScanRegionsResponse*) override;
  grpc::Status AskBatchSplit(grpc::ServerContext*, const pdpb::AskBatchSplitRequest*,
                             pdpb::AskBatchSplitResponse*) override;
  grpc::Status ReportBatchSplit(grpc::ServerContext*, const pdpb::ReportBatchSplitRequest*,
                                pdpb::ReportBatchSplitResponse*) override;
  grpc::Status SplitRegions(grpc::ServerContext*, const pdpb::SplitRegionsRequest*,
                            pdpb::SplitRegionsResponse*) override;
  grpc::Status ScatterRegion(grpc::ServerContext*, const pdpb::ScatterRegionRequest*,
                             pdpb::ScatterRegionResponse*) override;
  grpc::Status GetGCSafePoint(grpc::ServerContext*, const pdpb::GetGCSafePointRequest*,
                              pdpb::GetGCSafePointResponse*) override;
  grpc::Status UpdateGCSafePoint(grpc::ServerContext*, const pdpb::UpdateGCSafePointRequest*,
                                 pdpb::UpdateGCSafePointResponse*) override;
  grpc::Status UpdateServiceGCSafePoint(grpc::ServerContext*,
                                        const pdpb::UpdateServiceGCSafePointRequest*,
                                        pdpb::UpdateServiceGCSafePointResponse*) override;
  grpc::Status GetClusterConfig(grpc::ServerContext*, const pdpb::GetClusterConfigRequest*,
                                pdpb::GetClusterConfigResponse*) override;
  grpc::Status GetOperator(grpc::ServerContext*, const pdpb::GetOperatorRequest*,
                           pdpb::GetOperatorResponse*) override;

 private:
  // Fills the response header; false (with CLUSTER_MISMATCH set) when the request is for
  // another cluster.
  bool CheckHeader(const pdpb::RequestHeader& req, pdpb::ResponseHeader* resp) const;
  // Sets NOT_BOOTSTRAPPED and returns false when the cluster is not bootstrapped.
  bool CheckBootstrapped(pdpb::ResponseHeader* resp) const;
  // One message of the Tso / RegionHeartbeat streams.
  void TsoOnce(const pdpb::TsoRequest& req, pdpb::TsoResponse* resp);
  void HeartbeatOnce(const pdpb::RegionHeartbeatRequest& req, pdpb::RegionHeartbeatResponse* resp);
  // Serves a stream: one response per request until the client or StopStreams ends it.
  template <typename Req, typename Resp, typename Handle>
  grpc::Status ServeStream(const char* name, grpc::ServerContext* ctx,
                           grpc::ServerReaderWriter<Resp, Req>* stream, Handle handle);

  PdComponents c_;
  std::mutex streams_mu_;
  std::set<grpc::ServerContext*> streams_;  // GUARDED_BY(streams_mu_)
  bool streams_stopped_ = false;            // GUARDED_BY(streams_mu_)
};

}  // namespace brkv::pd
