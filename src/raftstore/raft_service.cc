#include "raftstore/raft_service.h"

#include "common/logging.h"
#include "raftstore/snap_files.h"

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

grpc::Status ServeSnapshot(grpc::ServerReader<raft_serverpb::SnapshotChunk>* reader,
                           RaftStore* store) {
  raft_serverpb::SnapshotChunk chunk;
  if (!reader->Read(&chunk) || !chunk.has_message() ||
      chunk.message().message().msg_type() != eraftpb::MsgSnapshot) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "a snapshot stream starts with its MsgSnapshot message");
  }
  raft_serverpb::RaftMessage msg = std::move(*chunk.mutable_message());
  if (msg.to_peer().store_id() != store->store_id()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "snapshot for store " + std::to_string(msg.to_peer().store_id()) +
                            ", this is store " + std::to_string(store->store_id()));
  }
  raft_serverpb::RaftSnapshotData data;
  if (!data.ParseFromString(msg.message().snapshot().data())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the snapshot's data does not parse");
  }
  const auto& md = msg.message().snapshot().metadata();
  const SnapKey key{msg.region_id(), md.term(), md.index()};
  SnapshotReceiver rx(store->snap_dir(), key, data.meta());
  Status s;
  while (s.ok() && reader->Read(&chunk)) s = rx.Write(chunk.data());
  if (s.ok()) s = rx.Finish();
  if (!s.ok()) {
    LOG_WARN("raftstore: store {} refused a snapshot of region {}: {}", store->store_id(),
             key.region_id, s.ToString());
    return grpc::Status(grpc::StatusCode::DATA_LOSS, s.ToString());
  }
  store->Step(std::move(msg));
  return grpc::Status::OK;
}

}  // namespace brkv::raftstore
