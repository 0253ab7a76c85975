// TikvService: construction, status mapping and the transactional (Percolator) handlers.
#include "server/tikv_service.h"

#include "kv/keys.h"

namespace brkv::server {

namespace {

template <typename Keys>
std::vector<std::string> TxnRegionKeys(const Keys& raw_keys) {
  std::vector<std::string> out;
  out.reserve(raw_keys.size());
  for (const auto& k : raw_keys) out.push_back(keys::TxnRegionKey(k));
  return out;
}

}  // namespace

grpc::Status ToGrpcStatus(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  const grpc::StatusCode code =
      s.retryable() ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::INTERNAL;
  return grpc::Status(code, s.ToString());
}

TikvService::TikvService(RegionManager* regions, TxnStore* txn, RegionSplitter* splitter)
    : regions_(regions), txn_(txn), splitter_(splitter) {}

grpc::Status TikvService::KvGet(grpc::ServerContext*, const kvrpcpb::GetRequest* req,
                                kvrpcpb::GetResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp, /*read=*/true)) return grpc::Status::OK;
  if (!KeysInRegion(region, {keys::TxnRegionKey(req->key())}, resp)) return grpc::Status::OK;
  txn_->Get(*req, resp);
  return grpc::Status::OK;
}

grpc::Status TikvService::KvScan(grpc::ServerContext*, const kvrpcpb::ScanRequest* req,
                                 kvrpcpb::ScanResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp, /*read=*/true)) return grpc::Status::OK;
  // A forward scan must start inside the region (TiKV's rule); a reverse scan's start is an
  // exclusive upper end, and TxnStore clips both directions to the region anyway.
  if (!req->reverse() && !KeysInRegion(region, {keys::TxnRegionKey(req->start_key())}, resp)) {
    return grpc::Status::OK;
  }
  txn_->Scan(*req, region.start_key(), region.end_key(), resp);
  return grpc::Status::OK;
}

grpc::Status TikvService::KvBatchGet(grpc::ServerContext*, const kvrpcpb::BatchGetRequest* req,
                                     kvrpcpb::BatchGetResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp, /*read=*/true)) return grpc::Status::OK;
  if (!KeysInRegion(region, TxnRegionKeys(req->keys()), resp)) return grpc::Status::OK;
  txn_->BatchGet(*req, resp);
  return grpc::Status::OK;
}

grpc::Status TikvService::KvPrewrite(grpc::ServerContext*, const kvrpcpb::PrewriteRequest* req,
                                     kvrpcpb::PrewriteResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  std::vector<std::string> rks;
  rks.reserve(req->mutations_size());
  for (const auto& m : req->mutations()) rks.push_back(keys::TxnRegionKey(m.key()));
  if (!KeysInRegion(region, rks, resp)) return grpc::Status::OK;
  return TxnWrite(req->context(), region, resp,
                  [&](rocksdb::WriteBatch* b) { txn_->Prewrite(*req, b, resp); });
}

grpc::Status TikvService::KvCommit(grpc::ServerContext*, const kvrpcpb::CommitRequest* req,
                                   kvrpcpb::CommitResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  if (!KeysInRegion(region, TxnRegionKeys(req->keys()), resp)) return grpc::Status::OK;
  return TxnWrite(req->context(), region, resp,
                  [&](rocksdb::WriteBatch* b) { txn_->Commit(*req, b, resp); });
}

grpc::Status TikvService::KvBatchRollback(grpc::ServerContext*,
                                          const kvrpcpb::BatchRollbackRequest* req,
                                          kvrpcpb::BatchRollbackResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  if (!KeysInRegion(region, TxnRegionKeys(req->keys()), resp)) return grpc::Status::OK;
  return TxnWrite(req->context(), region, resp,
                  [&](rocksdb::WriteBatch* b) { txn_->BatchRollback(*req, b, resp); });
}

grpc::Status TikvService::KvCheckTxnStatus(grpc::ServerContext*,
                                           const kvrpcpb::CheckTxnStatusRequest* req,
                                           kvrpcpb::CheckTxnStatusResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  if (!KeysInRegion(region, {keys::TxnRegionKey(req->primary_key())}, resp)) {
    return grpc::Status::OK;
  }
  return TxnWrite(req->context(), region, resp,
                  [&](rocksdb::WriteBatch* b) { txn_->CheckTxnStatus(*req, b, resp); });
}

grpc::Status TikvService::KvResolveLock(grpc::ServerContext*,
                                        const kvrpcpb::ResolveLockRequest* req,
                                        kvrpcpb::ResolveLockResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  if (!KeysInRegion(region, TxnRegionKeys(req->keys()), resp)) return grpc::Status::OK;
  return TxnWrite(req->context(), region, resp, [&](rocksdb::WriteBatch* b) {
    txn_->ResolveLock(*req, region.start_key(), region.end_key(), b, resp);
  });
}

grpc::Status TikvService::KvScanLock(grpc::ServerContext*, const kvrpcpb::ScanLockRequest* req,
                                     kvrpcpb::ScanLockResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp, /*read=*/true)) return grpc::Status::OK;
  txn_->ScanLock(*req, region.start_key(), region.end_key(), resp);
  return grpc::Status::OK;
}

}  // namespace brkv::server
