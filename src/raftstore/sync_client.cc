#include "common/metrics.h"
#include "raftstore/sync_client.h"

#include <future>
#include <memory>

#include "kv/keys.h"
#include "raftstore/region_util.h"

namespace brkv::raftstore {

namespace {

class ToCommand : public rocksdb::WriteBatch::Handler {
 public:
  ToCommand(const Engines& e, raft_cmdpb::RaftCmdRequest* req) : e_(e), req_(req) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    std::string name, k;
    if (!Resolve(cf, key, &name, &k)) return Bad();
    auto* r = req_->add_requests();
    r->set_cmd_type(raft_cmdpb::Put);
    r->mutable_put()->set_cf(name);
    r->mutable_put()->set_key(std::move(k));
    r->mutable_put()->set_value(value.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    std::string name, k;
    if (!Resolve(cf, key, &name, &k)) return Bad();
    auto* r = req_->add_requests();
    r->set_cmd_type(raft_cmdpb::Delete);
    r->mutable_delete_()->set_cf(name);
    r->mutable_delete_()->set_key(std::move(k));
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& begin,
                                const rocksdb::Slice& end) override {
    std::string name, b, en;
    if (!Resolve(cf, begin, &name, &b)) return Bad();
    // An end past every data key ('z' + 1) means "to the end of the region".
    if (end.size() == 1 && end[0] == ::brkv::keys::kDataPrefix + 1) {
      en.clear();
    } else if (!Resolve(cf, end, &name, &en)) {
      return Bad();
    }
    auto* r = req_->add_requests();
    r->set_cmd_type(raft_cmdpb::DeleteRange);
    r->mutable_delete_range()->set_cf(name);
    r->mutable_delete_range()->set_start_key(std::move(b));
    r->mutable_delete_range()->set_end_key(std::move(en));
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    error_ = "merge operations cannot be replicated";
    return rocksdb::Status::NotSupported(error_);
  }
  void LogData(const rocksdb::Slice&) override {}

  const std::string& error() const { return error_; }

 private:
  bool Resolve(uint32_t cf, const rocksdb::Slice& key, std::string* name, std::string* k) {
    if (cf == e_.cf_default->GetID()) {
      *name = "default";
    } else if (cf == e_.cf_write->GetID()) {
      *name = "write";
    } else if (cf == e_.cf_lock->GetID()) {
      *name = "lock";
    } else {
      error_ = "write to a column family that is not a data CF";
      return false;
    }
    if (key.empty() || key[0] != ::brkv::keys::kDataPrefix) {
      error_ = "write to a key without the data prefix";
      return false;
    }
    k->assign(key.data() + 1, key.size() - 1);
    return true;
  }
  rocksdb::Status Bad() { return rocksdb::Status::InvalidArgument(error_); }

  const Engines& e_;
  raft_cmdpb::RaftCmdRequest* req_;
  std::string error_;
};

}  // namespace

Result<raft_cmdpb::RaftCmdRequest> BatchToCommand(const Engines& engines, uint64_t region_id,
                                                  const metapb::RegionEpoch& epoch,
                                                  const rocksdb::WriteBatch& batch) {
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(region_id);
  *req.mutable_header()->mutable_region_epoch() = epoch;
  ToCommand h(engines, &req);
  auto s = batch.Iterate(&h);
  if (!s.ok()) return Status::InvalidArgument("cannot replicate write batch: " + h.error());
  return req;
}

namespace {

// TiKV's end-to-end latency of a write through Raft (proposed, committed, applied here) and of
// a linearizable read's ReadIndex, and its proposal counter.
metrics::Histogram& RequestDuration(const char* type) {
  static auto& f = metrics::Default().Histogram(
      "tikv_storage_engine_async_request_duration_seconds",
      "Bucketed histogram of processing successful asynchronous requests", {"type"},
      metrics::ExponentialBuckets(0.0005, 2, 20));
  return f.With({type});
}

metrics::Counter& Proposals(const char* type) {
  static auto& f = metrics::Default().Counter("tikv_raftstore_proposal_total",
                                              "Total number of proposals made", {"type"});
  return f.With({type});
}

}  // namespace

Status ProposeAndWait(RaftStore* store, raft_cmdpb::RaftCmdRequest req,
                      std::chrono::milliseconds timeout, errorpb::Error* err,
                      raft_cmdpb::RaftCmdResponse* resp) {
  static metrics::Histogram& write_duration = RequestDuration("write");
  static metrics::Counter& normal = Proposals("normal");
  static metrics::Counter& admin = Proposals("admin");
  (req.has_admin_request() ? admin : normal).Inc();
  const auto started = std::chrono::steady_clock::now();
  auto p = std::make_shared<std::promise<raft_cmdpb::RaftCmdResponse>>();
  auto f = p->get_future();
  uint64_t rid = req.header().region_id();
  store->Propose(std::move(req),
                 [p](const raft_cmdpb::RaftCmdResponse& r) { p->set_value(r); });
  if (f.wait_for(timeout) != std::future_status::ready) {
    return Status::TimedOut("no answer from region " + std::to_string(rid) + " within " +
                            std::to_string(timeout.count()) + " ms");
  }
  raft_cmdpb::RaftCmdResponse r = f.get();
  if (resp) *resp = r;
  if (r.header().has_error()) {
    if (err) *err = r.header().error();
    return ToStatus(r.header().error());
  }
  write_duration.Observe(metrics::SecondsSince(started));
  return Status::OK();
}

Status ReadIndexAndWait(RaftStore* store, uint64_t region_id, const metapb::RegionEpoch& epoch,
                        std::chrono::milliseconds timeout, errorpb::Error* err,
                        metapb::Region* region, uint64_t* term) {
  struct Out {
    bool ok = false;
    errorpb::Error e;
    metapb::Region r;
    uint64_t term = 0;
  };
  static metrics::Histogram& snapshot_duration = RequestDuration("snapshot");
  const auto started = std::chrono::steady_clock::now();
  auto p = std::make_shared<std::promise<Out>>();
  auto f = p->get_future();
  store->Read(region_id, epoch,
              [p](const errorpb::Error* e, const metapb::Region& r, uint64_t term) {
    Out o;
    o.ok = e == nullptr;
    if (e) o.e = *e;
    o.r = r;
    o.term = term;
    p->set_value(std::move(o));
  });
  if (f.wait_for(timeout) != std::future_status::ready) {
    return Status::TimedOut("no read index from region " + std::to_string(region_id) +
                            " within " + std::to_string(timeout.count()) + " ms");
  }
  Out o = f.get();
  if (!o.ok) {
    if (err) *err = o.e;
    return ToStatus(o.e);
  }
  if (region) *region = o.r;
  if (term) *term = o.term;
  snapshot_duration.Observe(metrics::SecondsSince(started));
  return Status::OK();
}

}  // namespace brkv::raftstore
