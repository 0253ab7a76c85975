#include "pd/pd_admin_service.h"

#include "pd/pd_service_util.h"

namespace brkv::pd {
namespace {

brkvpb::OperatorInfo ToInfo(const Operator& op) {
  brkvpb::OperatorInfo info;
  info.set_region_id(op.region_id);
  info.set_desc(op.desc);
  info.set_kind(op.kind);
  info.set_status(ToProto(op.status));
  for (const auto& s : op.steps) info.add_steps(s.ToString());
  info.set_current_step(static_cast<uint32_t>(op.current));
  info.set_created_ms(op.created_ms);
  info.set_finished_ms(op.finished_ms);
  return info;
}

}  // namespace

bool PdAdminService::Admit(const pdpb::RequestHeader& req, pdpb::ResponseHeader* resp,
                           bool need_bootstrap) const {
  if (!CheckClusterId(req.cluster_id(), cluster_->cluster_id(), resp)) return false;
  if (need_bootstrap && !cluster_->IsBootstrapped()) {
    SetError(resp, pdpb::NOT_BOOTSTRAPPED, "cluster is not bootstrapped");
    return false;
  }
  return true;
}

grpc::Status PdAdminService::ListOperators(grpc::ServerContext*,
                                           const brkvpb::ListOperatorsRequest* req,
                                           brkvpb::ListOperatorsResponse* resp) {
  if (!Admit(req->header(), resp->mutable_header(), true)) return grpc::Status::OK;
  if (req->region_id() != 0) {
    auto r = cluster_->GetRegionById(req->region_id());
    if (!r.ok()) {
      SetTypedStatus(resp->mutable_header(), r.status(), pdpb::REGION_NOT_FOUND);
      return grpc::Status::OK;
    }
  }
  for (const auto& op : coordinator_->ListOperators(req->region_id())) {
    *resp->add_operators() = ToInfo(op);
  }
  return grpc::Status::OK;
}

grpc::Status PdAdminService::AddOperator(grpc::ServerContext*,
                                         const brkvpb::AddOperatorRequest* req,
                                         brkvpb::AddOperatorResponse* resp) {
  if (!Admit(req->header(), resp->mutable_header(), true)) return grpc::Status::OK;
  auto op = coordinator_->AddAdminOperator(req->type(), req->region_id(), req->store_id());
  if (!op.ok()) {
    // Which of region or store was not found is in the message; the type says "not found".
    SetTypedStatus(resp->mutable_header(), op.status(), pdpb::REGION_NOT_FOUND);
    return grpc::Status::OK;
  }
  *resp->mutable_info() = ToInfo(*op);
  return grpc::Status::OK;
}

grpc::Status PdAdminService::DeleteStore(grpc::ServerContext*,
                                         const brkvpb::DeleteStoreRequest* req,
                                         brkvpb::DeleteStoreResponse* resp) {
  if (!Admit(req->header(), resp->mutable_header(), false)) return grpc::Status::OK;
  auto store = coordinator_->DeleteStore(req->store_id());
  if (!store.ok()) {
    SetTypedStatus(resp->mutable_header(), store.status(), pdpb::STORE_NOT_FOUND);
    return grpc::Status::OK;
  }
  *resp->mutable_store() = *store;
  return grpc::Status::OK;
}

}  // namespace brkv::pd
