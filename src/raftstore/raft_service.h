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
// Receives one region snapshot (the message, then its files' bytes) into the store's snapshot
// directory, checking each file's size and checksum, then hands the message to the store.
// DATA_LOSS when the files do not match their meta (nothing stays), INVALID_ARGUMENT for a
// stream that does not start with a MsgSnapshot for this store.
grpc::Status ServeSnapshot(grpc::ServerReader<raft_serverpb::SnapshotChunk>* reader,
                           RaftStore* store);

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
  grpc::Status Snapshot(grpc::ServerContext*, grpc::ServerReader<raft_serverpb::SnapshotChunk>* r,
                        raft_serverpb::Done*) override {
    return ServeSnapshot(r, store_);
  }

 private:
  RaftStore* store_;
};

}  // namespace brkv::raftstore
