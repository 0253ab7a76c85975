// TikvService: raw KV handlers. Raw pairs live in CF default at 'z' + 'r' + user key: their
// own key space (region key 'r' + user key), no MVCC, no transactions.
#include <memory>

#include <rocksdb/iterator.h>

#include "kv/keys.h"
#include "server/tikv_service.h"

namespace brkv::server {

namespace {

// Only CF default holds raw data; "" means default.
bool RawCfOk(const std::string& cf) { return cf.empty() || cf == keys::kCfDefault; }

std::string UnsupportedCf(const std::string& cf) {
  return "raw KV supports only column family \"default\", not \"" + cf + "\"";
}

}  // namespace

grpc::Status TikvService::RawGet(grpc::ServerContext*, const kvrpcpb::RawGetRequest* req,
                                 kvrpcpb::RawGetResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp, /*read=*/true)) return grpc::Status::OK;
  if (!RawCfOk(req->cf())) {
    resp->set_error(UnsupportedCf(req->cf()));
    return grpc::Status::OK;
  }
  const std::string rk = keys::RawRegionKey(req->key());
  if (!KeysInRegion(region, {rk}, resp)) return grpc::Status::OK;
  Engine* engine = regions_->engine();
  auto v = engine->Get(engine->cf_default(), keys::DataKey(rk));
  if (v.ok()) {
    resp->set_value(std::move(v).value());
  } else if (v.status().IsNotFound()) {
    resp->set_not_found(true);
  } else {
    resp->set_error(v.status().ToString());
  }
  return grpc::Status::OK;
}

grpc::Status TikvService::RawPut(grpc::ServerContext*, const kvrpcpb::RawPutRequest* req,
                                 kvrpcpb::RawPutResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  if (!RawCfOk(req->cf())) {
    resp->set_error(UnsupportedCf(req->cf()));
    return grpc::Status::OK;
  }
  if (req->key().empty()) {
    resp->set_error("raw key is empty");
    return grpc::Status::OK;
  }
  const std::string rk = keys::RawRegionKey(req->key());
  if (!KeysInRegion(region, {rk}, resp)) return grpc::Status::OK;
  rocksdb::WriteBatch batch;
  Engine* engine = regions_->engine();
  Status s = FromRocks(batch.Put(engine->cf_default(), keys::DataKey(rk), req->value()));
  if (!s.ok()) return ToGrpcStatus(s);
  return RawWrite(req->context(), region, &batch, resp);
}

grpc::Status TikvService::RawBatchPut(grpc::ServerContext*,
                                      const kvrpcpb::RawBatchPutRequest* req,
                                      kvrpcpb::RawBatchPutResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  if (!RawCfOk(req->cf())) {
    resp->set_error(UnsupportedCf(req->cf()));
    return grpc::Status::OK;
  }
  std::vector<std::string> rks;
  rks.reserve(req->pairs_size());
  for (const auto& p : req->pairs()) {
    if (p.key().empty()) {
      resp->set_error("raw key is empty");
      return grpc::Status::OK;
    }
    rks.push_back(keys::RawRegionKey(p.key()));
  }
  if (!KeysInRegion(region, rks, resp)) return grpc::Status::OK;
  rocksdb::WriteBatch batch;
  Engine* engine = regions_->engine();
  for (int i = 0; i < req->pairs_size(); ++i) {
    Status s = FromRocks(
        batch.Put(engine->cf_default(), keys::DataKey(rks[i]), req->pairs(i).value()));
    if (!s.ok()) return ToGrpcStatus(s);
  }
  return RawWrite(req->context(), region, &batch, resp);
}

grpc::Status TikvService::RawDelete(grpc::ServerContext*, const kvrpcpb::RawDeleteRequest* req,
                                    kvrpcpb::RawDeleteResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp)) return grpc::Status::OK;
  if (!RawCfOk(req->cf())) {
    resp->set_error(UnsupportedCf(req->cf()));
    return grpc::Status::OK;
  }
  const std::string rk = keys::RawRegionKey(req->key());
  if (!KeysInRegion(region, {rk}, resp)) return grpc::Status::OK;
  rocksdb::WriteBatch batch;
  Engine* engine = regions_->engine();
  Status s = FromRocks(batch.Delete(engine->cf_default(), keys::DataKey(rk)));
  if (!s.ok()) return ToGrpcStatus(s);
  return RawWrite(req->context(), region, &batch, resp);
}

grpc::Status TikvService::RawScan(grpc::ServerContext*, const kvrpcpb::RawScanRequest* req,
                                  kvrpcpb::RawScanResponse* resp) {
  metapb::Region region;
  if (!Admit(req->context(), &region, resp, /*read=*/true)) return grpc::Status::OK;
  if (!RawCfOk(req->cf())) {
    resp->set_error(UnsupportedCf(req->cf()));
    return grpc::Status::OK;
  }
  // Forward: [start_key, end_key). Reverse (as TiKV): start_key is the exclusive upper end and
  // end_key the inclusive lower end. Empty ends are the ends of the raw key space.
  std::string lower;
  std::string upper;
  if (!req->reverse()) {
    lower = keys::RawRegionKey(req->start_key());
    upper = keys::RawRegionEndKey(req->end_key());
    if (!KeysInRegion(region, {lower}, resp)) return grpc::Status::OK;
  } else {
    lower = keys::RawRegionKey(req->end_key());
    upper = keys::RawRegionEndKey(req->start_key());
  }
  auto clipped = ClipToRegion(region, lower, upper);
  if (!clipped) return grpc::Status::OK;
  // A clipped region end can be empty (+inf) only if the region ends after the raw space.
  if (clipped->end.empty()) clipped->end = keys::RawRegionEndKey("");

  Engine* engine = regions_->engine();
  SnapshotGuard snap(engine);
  const std::string lo = keys::DataKey(clipped->start);
  const std::string hi = keys::DataKey(clipped->end);
  rocksdb::Slice lo_slice(lo);
  rocksdb::Slice hi_slice(hi);
  rocksdb::ReadOptions ro;
  ro.snapshot = snap.get();
  ro.iterate_lower_bound = &lo_slice;
  ro.iterate_upper_bound = &hi_slice;
  std::unique_ptr<rocksdb::Iterator> it(engine->db()->NewIterator(ro, engine->cf_default()));
  const uint32_t limit = req->limit();
  if (!req->reverse()) {
    it->Seek(lo);
  } else {
    it->SeekToLast();
  }
  // Data keys here are 'z' + 'r' + user key.
  constexpr size_t kPrefixLen = 2;
  while (it->Valid() && (limit == 0 || static_cast<uint32_t>(resp->kvs_size()) < limit)) {
    kvrpcpb::KvPair* kv = resp->add_kvs();
    kv->set_key(it->key().data() + kPrefixLen, it->key().size() - kPrefixLen);
    if (!req->key_only()) kv->set_value(it->value().data(), it->value().size());
    if (!req->reverse()) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  Status s = FromRocks(it->status());
  if (!s.ok()) {
    resp->clear_kvs();
    resp->set_error(s.ToString());
  }
  return grpc::Status::OK;
}

}  // namespace brkv::server
