#include "raftstore/raft_service.h"

namespace brkv::raftstore {

grpc::Status ServeBatchRaft(grpc::ServerReader<tikvpb::BatchRaftMessage>* reader,
                            RaftStore* store) {
  tikvpb::BatchRaftMessage batch;
  while (reader->Read(&batch)) {
    for (auto& m : *batch.mutable_msgs()) store->Step(std::move(m));
  }
  return grpc::Status::OK;
}

grpc::Status ServeRaft(grpc::ServerReader<raft_serverpb::RaftMessage>* reader, RaftStore* store) {
  raft_serverpb::RaftMessage m;
  while (reader->Read(&m)) store->Step(std::move(m));
  return grpc::Status::OK;
}

}  // namespace brkv::raftstore
