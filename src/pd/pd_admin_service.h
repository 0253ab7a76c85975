// PdAdminService: the brkvpb.PDAdmin gRPC service — operator listing and admin operators
// (kvctl operator show / add) and store deletion (kvctl store delete), which kvproto's pdpb.PD
// does not have. Served by pd-server next to pdpb.PD on the same port; headers and error types
// are pdpb's, checked and mapped as PdService does.
// Internal to the pd module (includes grpc++). Thread-safety: thread-safe.
#pragma once

#include "pd/cluster.h"
#include "pd/coordinator.h"
#include "proto/brkvpb_pd.grpc.pb.h"

namespace brkv::pd {

class PdAdminService final : public brkvpb::PDAdmin::Service {
 public:
  // Both must outlive the service.
  PdAdminService(Cluster* cluster, Coordinator* coordinator)
      : cluster_(cluster), coordinator_(coordinator) {}

  grpc::Status ListOperators(grpc::ServerContext*, const brkvpb::ListOperatorsRequest*,
                             brkvpb::ListOperatorsResponse*) override;
  grpc::Status AddOperator(grpc::ServerContext*, const brkvpb::AddOperatorRequest*,
                           brkvpb::AddOperatorResponse*) override;
  grpc::Status DeleteStore(grpc::ServerContext*, const brkvpb::DeleteStoreRequest*,
                           brkvpb::DeleteStoreResponse*) override;

 private:
  // Fills the response header; false when the request is for another cluster or (with
  // `need_bootstrap`) the cluster is not bootstrapped.
  bool Admit(const pdpb::RequestHeader& req, pdpb::ResponseHeader* resp, bool need_bootstrap) const;

  Cluster* const cluster_;
  Coordinator* const coordinator_;
};

}  // namespace brkv::pd
