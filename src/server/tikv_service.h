// TikvService: the gRPC face of the storage node: tikvpb.Tikv (kvproto's service and
// signatures) and brkvpb.Debug (what TiKV does not have: table checksum and region moves).
// kv_server.cc registers it as both. Private to src/server: only kv_server.cc and tests
// include it (it pulls in grpc++).
//
// Every handler first routes the request: the region named by the context must be hosted
// here with the same epoch, and every key must lie in it (region key space, kv/keys.h);
// otherwise the response carries region_error (RegionNotFound, NotLeader, EpochNotMatch,
// KeyNotInRegion, StoreNotMatch, or ServerIsBusy while shutting down) and nothing else.
//   - transactional reads go to TxnStore with the region's bounds;
//   - transactional writes take the region's write latch, let TxnStore append to a batch and
//     hand the batch to RegionManager::Propose (which re-checks the epoch);
//   - raw KV lives in CF default at 'z' + 'r' + user key, without MVCC;
//   - SplitRegion, and brkvpb.Debug's Checksum, TransferOut and TransferIn, serve admin flows
//     (restore split, table checksum, PD's scatter);
//   - Raft and BatchRaft carry other stores' Raft messages to this store's RaftStore; Snapshot
//     a region snapshot with its SST files.
// Only a region's leader serves it; reads wait for a ReadIndex (linearizable).
// Internal failures (engine I/O, injected faults) are returned as gRPC status INTERNAL, or
// UNAVAILABLE when retrying may help.
// Thread-safety: handlers run concurrently on gRPC's thread pool.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "proto/brkvpb_debug.grpc.pb.h"
#include "proto/tikvpb.grpc.pb.h"
#include "server/region_manager.h"
#include "server/splitter.h"
#include "server/txn_store.h"

namespace brkv::server {

class TikvService final : public tikvpb::Tikv::Service, public brkvpb::Debug::Service {
 public:
  // All must outlive the service. `splitter` may be null until SetSplitter (SplitRegion fails
  // meanwhile): the node binds its port before it has joined PD.
  TikvService(RegionManager* regions, TxnStore* txn, RegionSplitter* splitter);
  void SetSplitter(RegionSplitter* splitter) { splitter_.store(splitter); }

  // From now on every request is answered with ServerIsBusy.
  void SetShuttingDown() { shutting_down_.store(true); }
  // Ends every open Raft stream and refuses new ones (peers' streams never end by themselves,
  // and would hold a graceful shutdown for its whole timeout).
  void StopRaftStreams();

  grpc::Status KvGet(grpc::ServerContext*, const kvrpcpb::GetRequest*,
                     kvrpcpb::GetResponse*) override;
  grpc::Status KvScan(grpc::ServerContext*, const kvrpcpb::ScanRequest*,
                      kvrpcpb::ScanResponse*) override;
  grpc::Status KvBatchGet(grpc::ServerContext*, const kvrpcpb::BatchGetRequest*,
                          kvrpcpb::BatchGetResponse*) override;
  grpc::Status KvPrewrite(grpc::ServerContext*, const kvrpcpb::PrewriteRequest*,
                          kvrpcpb::PrewriteResponse*) override;
  grpc::Status KvCommit(grpc::ServerContext*, const kvrpcpb::CommitRequest*,
                        kvrpcpb::CommitResponse*) override;
  grpc::Status KvBatchRollback(grpc::ServerContext*, const kvrpcpb::BatchRollbackRequest*,
                               kvrpcpb::BatchRollbackResponse*) override;
  grpc::Status KvCheckTxnStatus(grpc::ServerContext*, const kvrpcpb::CheckTxnStatusRequest*,
                                kvrpcpb::CheckTxnStatusResponse*) override;
  grpc::Status KvResolveLock(grpc::ServerContext*, const kvrpcpb::ResolveLockRequest*,
                             kvrpcpb::ResolveLockResponse*) override;
  grpc::Status KvScanLock(grpc::ServerContext*, const kvrpcpb::ScanLockRequest*,
                          kvrpcpb::ScanLockResponse*) override;

  grpc::Status RawGet(grpc::ServerContext*, const kvrpcpb::RawGetRequest*,
                      kvrpcpb::RawGetResponse*) override;
  grpc::Status RawPut(grpc::ServerContext*, const kvrpcpb::RawPutRequest*,
                      kvrpcpb::RawPutResponse*) override;
  grpc::Status RawBatchPut(grpc::ServerContext*, const kvrpcpb::RawBatchPutRequest*,
                           kvrpcpb::RawBatchPutResponse*) override;
  grpc::Status RawDelete(grpc::ServerContext*, const kvrpcpb::RawDeleteRequest*,
                         kvrpcpb::RawDeleteResponse*) override;
  grpc::Status RawScan(grpc::ServerContext*, const kvrpcpb::RawScanRequest*,
                       kvrpcpb::RawScanResponse*) override;

  grpc::Status SplitRegion(grpc::ServerContext*, const kvrpcpb::SplitRegionRequest*,
                           kvrpcpb::SplitRegionResponse*) override;

  // brkvpb.Debug.
  grpc::Status Checksum(grpc::ServerContext*, const brkvpb::ChecksumRequest*,
                        brkvpb::ChecksumResponse*) override;
  grpc::Status TransferOut(grpc::ServerContext*, const brkvpb::TransferOutRequest*,
                           brkvpb::TransferOutResponse*) override;
  grpc::Status TransferIn(grpc::ServerContext*, const brkvpb::TransferInRequest*,
                          brkvpb::TransferInResponse*) override;

  // Store-to-store Raft messages, handed to the RaftStore (UNAVAILABLE before it runs).
  grpc::Status Raft(grpc::ServerContext*, grpc::ServerReader<raft_serverpb::RaftMessage>*,
                    raft_serverpb::Done*) override;
  grpc::Status BatchRaft(grpc::ServerContext*, grpc::ServerReader<tikvpb::BatchRaftMessage>*,
                         raft_serverpb::Done*) override;
  grpc::Status Snapshot(grpc::ServerContext*, grpc::ServerReader<raft_serverpb::SnapshotChunk>*,
                        raft_serverpb::Done*) override;

 private:
  // Routes a request: OK with *region filled, or region error already put into *resp. A read
  // (`read`) also waits for a ReadIndex so that it is linearizable (RegionManager::CheckRead).
  template <typename Resp>
  bool Admit(const kvrpcpb::Context& ctx, metapb::Region* region, Resp* resp, bool read = false);
  // Checks that every region key lies in the region; else sets KeyNotInRegion on *resp.
  template <typename Resp>
  bool KeysInRegion(const metapb::Region& region, const std::vector<std::string>& region_keys,
                    Resp* resp);
  // The transactional write path: latch → fill(batch) → Propose. On a region error the
  // response is cleared and only region_error is set.
  template <typename Resp, typename Fill>
  grpc::Status TxnWrite(const kvrpcpb::Context& ctx, const metapb::Region& region, Resp* resp,
                        Fill fill);
  // Raw write: latch → Propose(batch). Returns the gRPC status; region errors go to *resp.
  template <typename Resp>
  grpc::Status RawWrite(const kvrpcpb::Context& ctx, const metapb::Region& region,
                        rocksdb::WriteBatch* batch, Resp* resp);

  // Registers a Raft stream's context; false when streams are stopped.
  bool AddRaftStream(grpc::ServerContext* ctx);
  void RemoveRaftStream(grpc::ServerContext* ctx);

  RegionManager* const regions_;
  TxnStore* const txn_;
  std::mutex raft_streams_mu_;
  std::set<grpc::ServerContext*> raft_streams_;  // GUARDED_BY(raft_streams_mu_)
  bool raft_streams_stopped_ = false;            // GUARDED_BY(raft_streams_mu_)
  std::atomic<RegionSplitter*> splitter_;
  std::atomic<bool> shutting_down_{false};
};

// Maps a non-region Status to a gRPC status (UNAVAILABLE when retryable, INTERNAL otherwise).
grpc::Status ToGrpcStatus(const Status& s);


// ---- template definitions (shared by the tikv_service*.cc files) ----

template <typename Resp>
bool TikvService::Admit(const kvrpcpb::Context& ctx, metapb::Region* region, Resp* resp,
                        bool read) {
  if (shutting_down_.load(std::memory_order_relaxed)) {
    *resp->mutable_region_error() = ServerIsBusyError("store is shutting down", 1000);
    return false;
  }
  errorpb::Error err;
  Status s = read ? regions_->CheckRead(ctx, region, &err) : regions_->CheckContext(ctx, region, &err);
  if (s.ok()) return true;
  if (!s.IsRegionError()) err = ServerIsBusyError(s.ToString(), 100);
  *resp->mutable_region_error() = std::move(err);
  return false;
}

template <typename Resp>
bool TikvService::KeysInRegion(const metapb::Region& region,
                               const std::vector<std::string>& region_keys, Resp* resp) {
  for (const auto& k : region_keys) {
    if (!KeyInRegion(region, k)) {
      *resp->mutable_region_error() = KeyNotInRegionError(k, region);
      return false;
    }
  }
  return true;
}

template <typename Resp, typename Fill>
grpc::Status TikvService::TxnWrite(const kvrpcpb::Context& ctx, const metapb::Region& region,
                                   Resp* resp, Fill fill) {
  errorpb::Error err;
  auto latch = regions_->LockRegion(region.id(), &err);
  if (!latch.ok()) {
    if (!latch.status().IsRegionError()) return ToGrpcStatus(latch.status());
    *resp->mutable_region_error() = std::move(err);
    return grpc::Status::OK;
  }
  rocksdb::WriteBatch batch;
  fill(&batch);
  Status s = regions_->Propose(*latch, ctx.region_epoch(), &batch, &err);
  if (s.ok()) return grpc::Status::OK;
  resp->Clear();
  if (s.IsRegionError()) {
    *resp->mutable_region_error() = std::move(err);
    return grpc::Status::OK;
  }
  return ToGrpcStatus(s);
}

template <typename Resp>
grpc::Status TikvService::RawWrite(const kvrpcpb::Context& ctx, const metapb::Region& region,
                                   rocksdb::WriteBatch* batch, Resp* resp) {
  errorpb::Error err;
  auto latch = regions_->LockRegion(region.id(), &err);
  Status s = latch.ok() ? regions_->Propose(*latch, ctx.region_epoch(), batch, &err)
                        : latch.status();
  if (s.ok()) return grpc::Status::OK;
  if (s.IsRegionError()) {
    *resp->mutable_region_error() = std::move(err);
    return grpc::Status::OK;
  }
  return ToGrpcStatus(s);
}

}  // namespace brkv::server
