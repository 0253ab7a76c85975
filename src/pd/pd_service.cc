#include "pd/pd_service.h"

#include "common/logging.h"
#include "pd/pd_service_util.h"

namespace brkv::pd {
namespace {

void FillRegion(const pdpb::Region& r, pdpb::GetRegionResponse* resp) {
  *resp->mutable_region() = r.region();
  *resp->mutable_leader() = r.leader();
  *resp->mutable_down_peers() = r.down_peers();
  *resp->mutable_pending_peers() = r.pending_peers();
  resp->set_approximate_size(r.approximate_size());
  resp->set_approximate_keys(r.approximate_keys());
}

}  // namespace

bool PdService::CheckHeader(const pdpb::RequestHeader& req, pdpb::ResponseHeader* resp) const {
  return CheckClusterId(req.cluster_id(), c_.cluster->cluster_id(), resp);
}

bool PdService::CheckBootstrapped(pdpb::ResponseHeader* resp) const {
  if (c_.cluster->IsBootstrapped()) return true;
  SetError(resp, pdpb::NOT_BOOTSTRAPPED, "cluster is not bootstrapped");
  return false;
}

void PdService::StopStreams() {
  std::lock_guard<std::mutex> lock(streams_mu_);
  streams_stopped_ = true;
  for (auto* ctx : streams_) ctx->TryCancel();
}

template <typename Req, typename Resp, typename Handle>
grpc::Status PdService::ServeStream(const char* name, grpc::ServerContext* ctx,
                                    grpc::ServerReaderWriter<Resp, Req>* stream, Handle handle) {
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    if (streams_stopped_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "PD is stopping");
    streams_.insert(ctx);
  }
  LOG_DEBUG("{} stream from {} opened", name, ctx->peer());
  Req req;
  while (stream->Read(&req)) {
    Resp resp;
    handle(req, &resp);
    if (!stream->Write(resp)) break;
  }
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    streams_.erase(ctx);
  }
  LOG_DEBUG("{} stream from {} closed", name, ctx->peer());
  return grpc::Status::OK;
}

grpc::Status PdService::GetClusterInfo(grpc::ServerContext*, const pdpb::GetClusterInfoRequest* req,
                                       pdpb::GetClusterInfoResponse* resp) {
  // kvproto types this request's header as a ResponseHeader; only the cluster id is read.
  if (!CheckClusterId(req->header().cluster_id(), c_.cluster->cluster_id(),
                      resp->mutable_header())) {
    return grpc::Status::OK;
  }
  resp->add_servicemodes(pdpb::PD_SVC_MODE);
  return grpc::Status::OK;
}

grpc::Status PdService::IsBootstrapped(grpc::ServerContext*, const pdpb::IsBootstrappedRequest* req,
                                       pdpb::IsBootstrappedResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  resp->set_bootstrapped(c_.cluster->IsBootstrapped());
  return grpc::Status::OK;
}

grpc::Status PdService::Tso(grpc::ServerContext* ctx,
                            grpc::ServerReaderWriter<pdpb::TsoResponse, pdpb::TsoRequest>* stream) {
  return ServeStream(
      "Tso", ctx, stream,
      [this](const pdpb::TsoRequest& req, pdpb::TsoResponse* resp) { TsoOnce(req, resp); });
}

void PdService::TsoOnce(const pdpb::TsoRequest& req, pdpb::TsoResponse* resp) {
  if (!CheckHeader(req.header(), resp->mutable_header())) return;
  uint32_t count = req.count() == 0 ? 1 : req.count();
  auto ts = c_.tso->GetTS(count);
  if (!ts.ok()) {
    SetStatus(resp->mutable_header(), ts.status());
    return;
  }
  resp->set_count(count);
  resp->mutable_timestamp()->set_physical(TsPhysical(*ts));
  resp->mutable_timestamp()->set_logical(TsLogical(*ts));
}

grpc::Status PdService::Bootstrap(grpc::ServerContext*, const pdpb::BootstrapRequest* req,
                                  pdpb::BootstrapResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  Status s = c_.cluster->Bootstrap(req->store(), req->region());
  if (s.code() == Status::Code::kAlreadyExists) {
    SetError(resp->mutable_header(), pdpb::ALREADY_BOOTSTRAPPED, s.message());
  } else {
    SetStatus(resp->mutable_header(), s);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::AllocID(grpc::ServerContext*, const pdpb::AllocIDRequest* req,
                                pdpb::AllocIDResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  auto id = c_.ids->Alloc();
  if (!id.ok()) {
    SetStatus(resp->mutable_header(), id.status());
  } else {
    resp->set_id(*id);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::PutStore(grpc::ServerContext*, const pdpb::PutStoreRequest* req,
                                 pdpb::PutStoreResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  Status s = c_.cluster->PutStore(req->store());
  if (s.code() == Status::Code::kAborted) {
    SetError(resp->mutable_header(), pdpb::STORE_TOMBSTONE, s.message());
  } else {
    // Typed, so that a node refused an address another store holds sees AlreadyExists.
    SetTypedStatus(resp->mutable_header(), s, pdpb::STORE_NOT_FOUND);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::StoreHeartbeat(grpc::ServerContext*,
                                       const pdpb::StoreHeartbeatRequest* req,
                                       pdpb::StoreHeartbeatResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  Status s = c_.cluster->StoreHeartbeat(req->stats());
  if (s.code() == Status::Code::kAborted) {
    SetError(resp->mutable_header(), pdpb::STORE_TOMBSTONE, s.message());
  } else {
    SetStatus(resp->mutable_header(), s, pdpb::STORE_NOT_FOUND);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::GetStore(grpc::ServerContext*, const pdpb::GetStoreRequest* req,
                                 pdpb::GetStoreResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  auto info = c_.cluster->GetStore(req->store_id());
  if (!info.ok()) {
    SetStatus(resp->mutable_header(), info.status(), pdpb::STORE_NOT_FOUND);
    return grpc::Status::OK;
  }
  *resp->mutable_store() = info->store();
  // kvproto's stats as far as PD keeps them; the liveness view is the `info` extension.
  resp->mutable_stats()->set_store_id(info->store().id());
  resp->mutable_stats()->set_region_count(info->peer_count());
  resp->mutable_stats()->set_used_size(info->used_size());
  *resp->mutable_info() = *info;
  return grpc::Status::OK;
}

grpc::Status PdService::GetAllStores(grpc::ServerContext*, const pdpb::GetAllStoresRequest* req,
                                     pdpb::GetAllStoresResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  for (auto& info : c_.cluster->GetAllStores(req->exclude_tombstone_stores())) {
    *resp->add_stores() = info.store();
    *resp->add_infos() = std::move(info);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::RegionHeartbeat(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<pdpb::RegionHeartbeatResponse, pdpb::RegionHeartbeatRequest>* stream) {
  return ServeStream(
      "RegionHeartbeat", ctx, stream,
      [this](const pdpb::RegionHeartbeatRequest& req, pdpb::RegionHeartbeatResponse* resp) {
        HeartbeatOnce(req, resp);
        // Every answer names its region, so a client can match it to its heartbeat.
        if (resp->region_id() == 0) resp->set_region_id(req.region().id());
      });
}

void PdService::HeartbeatOnce(const pdpb::RegionHeartbeatRequest& req,
                              pdpb::RegionHeartbeatResponse* resp) {
  if (!CheckHeader(req.header(), resp->mutable_header())) return;
  if (!CheckBootstrapped(resp->mutable_header())) return;
  pdpb::Region item;
  *item.mutable_region() = req.region();
  *item.mutable_leader() = req.leader();
  item.set_approximate_size(req.approximate_size());
  item.set_approximate_keys(req.approximate_keys());
  *item.mutable_down_peers() = req.down_peers();
  *item.mutable_pending_peers() = req.pending_peers();
  Status s = c_.cluster->RegionHeartbeat(item);
  if (!s.ok()) {
    LOG_DEBUG("region heartbeat {}: {}", req.region().id(), s.ToString());
    SetStatus(resp->mutable_header(), s);
    return;
  }
  // At most one command for the leader: the next step of the region's operator.
  pdpb::ResponseHeader header = resp->header();
  *resp = c_.coordinator->OnRegionHeartbeat(item);
  *resp->mutable_header() = std::move(header);
}

grpc::Status PdService::GetRegion(grpc::ServerContext*, const pdpb::GetRegionRequest* req,
                                  pdpb::GetRegionResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  if (!CheckBootstrapped(resp->mutable_header())) return grpc::Status::OK;
  auto r = c_.cluster->GetRegionByKey(req->region_key());
  if (!r.ok()) {
    SetStatus(resp->mutable_header(), r.status(), pdpb::REGION_NOT_FOUND);
  } else {
    FillRegion(*r, resp);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::GetRegionByID(grpc::ServerContext*, const pdpb::GetRegionByIDRequest* req,
                                      pdpb::GetRegionResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  if (!CheckBootstrapped(resp->mutable_header())) return grpc::Status::OK;
  auto r = c_.cluster->GetRegionById(req->region_id());
  if (!r.ok()) {
    SetStatus(resp->mutable_header(), r.status(), pdpb::REGION_NOT_FOUND);
  } else {
    FillRegion(*r, resp);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::ScanRegions(grpc::ServerContext*, const pdpb::ScanRegionsRequest* req,
                                    pdpb::ScanRegionsResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  if (!CheckBootstrapped(resp->mutable_header())) return grpc::Status::OK;
  for (auto& r : c_.cluster->ScanRegions(req->start_key(), req->end_key(), req->limit())) {
    *resp->add_regions() = std::move(r);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::AskBatchSplit(grpc::ServerContext*, const pdpb::AskBatchSplitRequest* req,
                                      pdpb::AskBatchSplitResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  if (!CheckBootstrapped(resp->mutable_header())) return grpc::Status::OK;
  auto ids = c_.cluster->AskBatchSplit(req->region(), req->split_count());
  if (!ids.ok()) {
    SetStatus(resp->mutable_header(), ids.status());
    return grpc::Status::OK;
  }
  for (auto& id : *ids) *resp->add_ids() = std::move(id);
  return grpc::Status::OK;
}

grpc::Status PdService::ReportBatchSplit(grpc::ServerContext*,
                                         const pdpb::ReportBatchSplitRequest* req,
                                         pdpb::ReportBatchSplitResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  if (!CheckBootstrapped(resp->mutable_header())) return grpc::Status::OK;
  std::vector<metapb::Region> regions(req->regions().begin(), req->regions().end());
  SetStatus(resp->mutable_header(), c_.cluster->ReportBatchSplit(regions));
  return grpc::Status::OK;
}

grpc::Status PdService::SplitRegions(grpc::ServerContext*, const pdpb::SplitRegionsRequest* req,
                                     pdpb::SplitRegionsResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  if (!CheckBootstrapped(resp->mutable_header())) return grpc::Status::OK;
  std::vector<std::string> keys(req->split_keys().begin(), req->split_keys().end());
  auto result = c_.scheduler->SplitRegions(std::move(keys), static_cast<int>(req->retry_limit()));
  resp->set_finished_percentage(result.finished_percentage);
  for (uint64_t id : result.new_region_ids) resp->add_regions_id(id);
  SetStatus(resp->mutable_header(), result.status);
  return grpc::Status::OK;
}

grpc::Status PdService::ScatterRegion(grpc::ServerContext*, const pdpb::ScatterRegionRequest* req,
                                      pdpb::ScatterRegionResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  if (!CheckBootstrapped(resp->mutable_header())) return grpc::Status::OK;
  std::vector<uint64_t> ids(req->regions_id().begin(), req->regions_id().end());
  if (ids.empty() && req->region_id() != 0) ids.push_back(req->region_id());
  auto result = c_.scheduler->ScatterRegions(ids, static_cast<int>(req->retry_limit()));
  resp->set_finished_percentage(result.finished_percentage);
  for (uint64_t id : result.failed) resp->add_failed_regions_id(id);
  return grpc::Status::OK;
}

grpc::Status PdService::GetGCSafePoint(grpc::ServerContext*, const pdpb::GetGCSafePointRequest* req,
                                       pdpb::GetGCSafePointResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  resp->set_safe_point(c_.safe_points->GcSafePoint());
  return grpc::Status::OK;
}

grpc::Status PdService::UpdateGCSafePoint(grpc::ServerContext*,
                                          const pdpb::UpdateGCSafePointRequest* req,
                                          pdpb::UpdateGCSafePointResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  auto sp = c_.safe_points->UpdateGcSafePoint(req->safe_point());
  if (!sp.ok()) {
    SetStatus(resp->mutable_header(), sp.status());
  } else {
    resp->set_new_safe_point(*sp);
  }
  return grpc::Status::OK;
}

grpc::Status PdService::UpdateServiceGCSafePoint(
    grpc::ServerContext*, const pdpb::UpdateServiceGCSafePointRequest* req,
    pdpb::UpdateServiceGCSafePointResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  auto min = c_.safe_points->UpdateServiceSafePoint(req->service_id(), req->ttl(),
                                                    req->safe_point());
  if (!min.ok()) {
    SetStatus(resp->mutable_header(), min.status());
    return grpc::Status::OK;
  }
  resp->set_service_id(req->service_id());
  resp->set_ttl(req->ttl());
  resp->set_min_safe_point(*min);
  return grpc::Status::OK;
}

grpc::Status PdService::GetClusterConfig(grpc::ServerContext*,
                                         const pdpb::GetClusterConfigRequest* req,
                                         pdpb::GetClusterConfigResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  const ScheduleOptions& o = c_.coordinator->options();
  resp->mutable_cluster()->set_id(c_.cluster->cluster_id());
  resp->mutable_cluster()->set_max_peer_count(o.replication.max_replicas);
  resp->set_target_replicas(c_.coordinator->TargetReplicas());
  resp->set_max_store_down_time_ms(o.replication.max_store_down_time_ms);
  return grpc::Status::OK;
}

grpc::Status PdService::GetOperator(grpc::ServerContext*, const pdpb::GetOperatorRequest* req,
                                    pdpb::GetOperatorResponse* resp) {
  if (!CheckHeader(req->header(), resp->mutable_header())) return grpc::Status::OK;
  if (!CheckBootstrapped(resp->mutable_header())) return grpc::Status::OK;
  auto op = c_.coordinator->GetOperator(req->region_id());
  if (!op) {
    // As PD: REGION_NOT_FOUND tells a waiting client (BR) that nothing runs for the region.
    SetError(resp->mutable_header(), pdpb::REGION_NOT_FOUND,
             "no operator for region " + std::to_string(req->region_id()));
    return grpc::Status::OK;
  }
  resp->set_region_id(op->region_id);
  resp->set_desc(op->desc);
  resp->set_status(ToProto(op->status));
  resp->set_kind(op->kind);
  return grpc::Status::OK;
}

}  // namespace brkv::pd
