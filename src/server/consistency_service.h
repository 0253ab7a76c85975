// ConsistencyService: consistencypb.Consistency on the kv-server — runs a replica consistency
// check on the region's leader (ComputeHash) and answers a replica's hash for a check
// (GetHash). See raftstore/consistency.h for what is hashed and client/consistency_check.h for
// the caller that compares the replicas. Includes grpc++: only kv_server.cc and tests include it.
// Thread-safety: thread-safe (gRPC calls it from many threads).
#pragma once

#include <grpcpp/grpcpp.h>

#include "proto/consistencypb.grpc.pb.h"
#include "server/region_manager.h"

namespace brkv::server {

class ConsistencyService final : public consistencypb::Consistency::Service {
 public:
  // `regions` must outlive the service.
  explicit ConsistencyService(RegionManager* regions) : regions_(regions) {}

  grpc::Status ComputeHash(grpc::ServerContext* ctx, const consistencypb::ComputeHashRequest* req,
                           consistencypb::ComputeHashResponse* resp) override;
  grpc::Status GetHash(grpc::ServerContext* ctx, const consistencypb::GetHashRequest* req,
                       consistencypb::GetHashResponse* resp) override;

 private:
  RegionManager* const regions_;
};

}  // namespace brkv::server
