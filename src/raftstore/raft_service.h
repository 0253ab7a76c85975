// Server side of the store-to-store Raft transport: the bodies of tikvpb.Tikv's Raft and
// BatchRaft client-streaming RPCs, handing every received message to a RaftStore. The kv-server's
// Tikv service calls these; RaftTransportService is a Tikv service serving only them (tests).
// Includes gRPC: include only from .cc files.
#pragma once

#include <grpcpp/grpcpp.h>

#include "proto/tikvpb.grpc.pb.h"
#include "raftstore/store.h"

namespace brkv::raftstore {

grpc::Status ServeBatchRaft(grpc::ServerReader<tikvpb::BatchRaftMessage>* reader,
                            RaftStore* store);
grpc::Status ServeRaft(grpc::ServerReader<raft_serverpb::RaftMessage>* reader, RaftStore* store);

class RaftTransportService : public tikvpb::Tikv::Service {
 public:
  explicit RaftTransportService(RaftStore* store) : store_(store) {}
  grpc::Status BatchRaft(grpc::ServerContext*, grpc::ServerReader<tikvpb::BatchRaftMessage>* r,
                         raft_serverpb::Done*) override {
    return ServeBatchRaft(r, store_);
  }
  grpc::Status Raft(grpc::ServerContext*, grpc::ServerReader<raft_serverpb::RaftMessage>* r,
                    raft_serverpb::Done*) override {
    return ServeRaft(r, store_);
  }

 private:
  RaftStore* store_;
};

}  // namespace brkv::raftstore
