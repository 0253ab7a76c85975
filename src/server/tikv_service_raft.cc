// TikvService: the store-to-store Raft transport (tikvpb.Tikv Raft / BatchRaft / Snapshot). Messages go to
// the store's RaftStore; before it runs (the store has no id yet) and after StopRaftStreams,
// streams are refused with UNAVAILABLE and the sender retries later.
#include "raftstore/raft_service.h"
#include "server/tikv_service.h"

namespace brkv::server {

namespace {

grpc::Status NotRunning() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "this store's Raft groups are not running (store id unknown or stopping)");
}

}  // namespace

bool TikvService::AddRaftStream(grpc::ServerContext* ctx) {
  std::lock_guard<std::mutex> l(raft_streams_mu_);
  if (raft_streams_stopped_) return false;
  raft_streams_.insert(ctx);
  return true;
}

void TikvService::RemoveRaftStream(grpc::ServerContext* ctx) {
  std::lock_guard<std::mutex> l(raft_streams_mu_);
  raft_streams_.erase(ctx);
}

void TikvService::StopRaftStreams() {
  std::lock_guard<std::mutex> l(raft_streams_mu_);
  raft_streams_stopped_ = true;
  for (grpc::ServerContext* ctx : raft_streams_) ctx->TryCancel();
}

grpc::Status TikvService::Raft(grpc::ServerContext* ctx,
                               grpc::ServerReader<raft_serverpb::RaftMessage>* reader,
                               raft_serverpb::Done*) {
  raftstore::RaftStore* rs = regions_->raft();
  if (rs == nullptr || !AddRaftStream(ctx)) return NotRunning();
  grpc::Status s = raftstore::ServeRaft(reader, rs);
  RemoveRaftStream(ctx);
  return s;
}

grpc::Status TikvService::BatchRaft(grpc::ServerContext* ctx,
                                    grpc::ServerReader<tikvpb::BatchRaftMessage>* reader,
                                    raft_serverpb::Done*) {
  raftstore::RaftStore* rs = regions_->raft();
  if (rs == nullptr || !AddRaftStream(ctx)) return NotRunning();
  grpc::Status s = raftstore::ServeBatchRaft(reader, rs);
  RemoveRaftStream(ctx);
  return s;
}

grpc::Status TikvService::Snapshot(grpc::ServerContext* ctx,
                                   grpc::ServerReader<raft_serverpb::SnapshotChunk>* reader,
                                   raft_serverpb::Done*) {
  raftstore::RaftStore* rs = regions_->raft();
  if (rs == nullptr || !AddRaftStream(ctx)) return NotRunning();
  grpc::Status s = raftstore::ServeSnapshot(reader, rs);
  RemoveRaftStream(ctx);
  return s;
}

}  // namespace brkv::server
