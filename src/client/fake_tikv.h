// FakeTikv: an in-memory stand-in for PD + storage nodes, for the client's unit tests only
// (header-only; not part of brkv_client).
//
// It is a RegionSource (PD's routing), a TikvTransport (the nodes) and a TSO at once, and
// implements the Percolator rules of server/txn_store.h on std::maps, raw KV, SplitRegion and
// Checksum, with TiKV's region checks (RegionNotFound, EpochNotMatch, KeyNotInRegion). Tests can
// inject region errors, unreachable stores and lag in PD's view.
// Thread-safety: thread-safe (one mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "client/cluster.h"
#include "client/region_cache.h"
#include "client/store_client.h"
#include "common/checksum.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "proto/brkvpb_debug.pb.h"
#include "proto/kvrpcpb.pb.h"

namespace brkv::client::testing {

class FakeTikv {
 public:
  struct Write {
    WriteType type;
    uint64_t start_ts;
    std::string value;
  };
  struct Lock {
    std::string primary;
    uint64_t ts;
    uint64_t ttl;
    kvrpcpb::Op op;
    std::string value;
  };

  // One region [ "", "" ) on store 1. `stores` stores, addressed "store<N>".
  explicit FakeTikv(int stores = 1) : stores_(stores) {
    metapb::Region r;
    r.set_id(NextId());
    r.mutable_region_epoch()->set_conf_ver(1);
    r.mutable_region_epoch()->set_version(1);
    auto* p = r.add_peers();
    p->set_id(NextId());
    p->set_store_id(1);
    regions_[r.id()] = r;
    pd_regions_ = regions_;
  }

  // ---- cluster shape ----

  // Splits the region containing each region key (sorted or not), new regions on the same
  // store; PD learns at once unless pd_lags is set.
  void Split(std::vector<std::string> region_keys, bool pd_lags = false) {
    std::lock_guard<std::mutex> l(mu_);
    std::sort(region_keys.begin(), region_keys.end());
    for (const auto& k : region_keys) SplitLocked(k);
    if (!pd_lags) pd_regions_ = regions_;
  }
  // Moves a region to another store (scatter); PD learns at once.
  void Move(uint64_t region_id, uint64_t store_id) {
    std::lock_guard<std::mutex> l(mu_);
    auto& r = regions_.at(region_id);
    r.mutable_peers(0)->set_store_id(store_id);
    r.mutable_peers(0)->set_id(NextId());
    r.mutable_region_epoch()->set_conf_ver(r.region_epoch().conf_ver() + 1);
    pd_regions_ = regions_;
  }
  void SyncPd() {
    std::lock_guard<std::mutex> l(mu_);
    pd_regions_ = regions_;
  }
  std::vector<metapb::Region> Regions() {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<metapb::Region> out;
    for (auto& [id, r] : regions_) out.push_back(r);
    std::sort(out.begin(), out.end(),
              [](auto& a, auto& b) { return a.start_key() < b.start_key(); });
    return out;
  }

  // ---- fault injection ----

  // The next `times` requests of type method (e.g. "PrewriteRequest") answer with err.
  void InjectRegionError(const std::string& method, const errorpb::Error& err, int times = 1) {
    std::lock_guard<std::mutex> l(mu_);
    for (int i = 0; i < times; ++i) injected_[method].push_back(err);
  }
  // Calls to this store's address fail with Unavailable `times` times.
  void InjectUnavailable(uint64_t store_id, int times) {
    std::lock_guard<std::mutex> l(mu_);
    unavailable_[Address(store_id)] += times;
  }
  // Runs before every request (outside the lock); a non-OK status becomes the call's result.
  std::function<Status(const google::protobuf::Message&)> before_call;

  // ---- direct data access for tests ----

  void PutLock(const std::string& key, const Lock& lock) {
    std::lock_guard<std::mutex> l(mu_);
    locks_[key] = lock;
  }
  // Rolls back txn start_ts on key (as BatchRollback).
  void RollbackTxn(const std::string& key, uint64_t start_ts) {
    std::lock_guard<std::mutex> l(mu_);
    RollbackKey(key, start_ts);
  }
  bool HasLock(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    return locks_.count(key) > 0;
  }
  size_t LockCount() {
    std::lock_guard<std::mutex> l(mu_);
    return locks_.size();
  }
  void PutCommitted(const std::string& key, const std::string& value, uint64_t start_ts,
                    uint64_t commit_ts) {
    std::lock_guard<std::mutex> l(mu_);
    writes_[key][commit_ts] = Write{WriteType::kPut, start_ts, value};
  }
  std::map<uint64_t, Write, std::greater<>> WritesOf(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = writes_.find(key);
    return it == writes_.end() ? std::map<uint64_t, Write, std::greater<>>{} : it->second;
  }
  int Calls(const std::string& method) {
    std::lock_guard<std::mutex> l(mu_);
    return calls_[method];
  }
  int resets() const { return resets_.load(); }

  // ---- TSO ----
  uint64_t NextTs() {
    std::lock_guard<std::mutex> l(mu_);
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    last_ts_ = std::max(last_ts_ + 1, ComposeTs(now, 0));
    return last_ts_;
  }

  static std::string Address(uint64_t store_id) { return "store" + std::to_string(store_id); }

  // ---- adapters ----

  class Source : public RegionSource {
   public:
    explicit Source(FakeTikv* f) : f_(f) {}
    Result<RegionInfo> GetRegion(const std::string& key) override {
      std::lock_guard<std::mutex> l(f_->mu_);
      ++f_->calls_["PdGetRegion"];
      for (auto& [id, r] : f_->pd_regions_) {
        if (InRegion(r, key)) return Info(r);
      }
      return Status::NotFound("no region");
    }
    Result<std::vector<RegionInfo>> ScanRegions(const std::string& start, const std::string& end,
                                                int32_t limit) override {
      std::lock_guard<std::mutex> l(f_->mu_);
      ++f_->calls_["PdScanRegions"];
      std::vector<RegionInfo> out;
      for (auto& [id, r] : f_->pd_regions_) {
        bool after_start = r.end_key().empty() || r.end_key() > start;
        bool before_end = end.empty() || r.start_key() < end;
        if (after_start && before_end) out.push_back(Info(r));
      }
      std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
        return a.region.start_key() < b.region.start_key();
      });
      if (limit > 0 && out.size() > static_cast<size_t>(limit)) out.resize(limit);
      return out;
    }
    Result<std::string> GetStoreAddress(uint64_t store_id) override {
      std::lock_guard<std::mutex> l(f_->mu_);
      ++f_->calls_["PdGetStore"];
      if (store_id == 0 || store_id > static_cast<uint64_t>(f_->stores_)) {
        return Status::NotFound("store " + std::to_string(store_id));
      }
      return Address(store_id);
    }

   private:
    static RegionInfo Info(const metapb::Region& r) {
      RegionInfo info;
      info.region = r;
      info.leader = r.peers(0);
      return info;
    }
    FakeTikv* f_;
  };

  class Transport : public TikvTransport {
   public:
    explicit Transport(FakeTikv* f) : f_(f) {}
    Status Call(const std::string& address, const google::protobuf::Message& req,
                google::protobuf::Message* resp,
                std::chrono::steady_clock::time_point) override {
      return f_->Handle(address, req, resp);
    }
    void ResetConnection(const std::string&) override { ++f_->resets_; }

   private:
    FakeTikv* f_;
  };

  // A Cluster over this fake (which must outlive it).
  std::unique_ptr<Cluster> NewCluster(ClusterOptions options = {}) {
    ClusterParts parts;
    parts.region_source = std::make_unique<Source>(this);
    parts.transport = std::make_unique<Transport>(this);
    parts.tso = [this]() -> Result<uint64_t> { return NextTs(); };
    return Cluster::Create(options, std::move(parts));
  }

 private:
  static bool InRegion(const metapb::Region& r, std::string_view key) {
    return key >= r.start_key() && (r.end_key().empty() || key < r.end_key());
  }
  uint64_t NextId() { return next_id_++; }

  void SplitLocked(const std::string& key) {
    for (auto& [id, r] : regions_) {
      if (!InRegion(r, key) || r.start_key() == key) continue;
      metapb::Region right = r;
      right.set_id(NextId());
      right.mutable_peers(0)->set_id(NextId());
      right.set_start_key(key);
      r.set_end_key(key);
      r.mutable_region_epoch()->set_version(r.region_epoch().version() + 1);
      right.mutable_region_epoch()->set_version(r.region_epoch().version());
      regions_[right.id()] = right;
      return;
    }
  }

  // Region admission as RegionManager::CheckContext. Returns false with *err filled.
  bool CheckContext(const std::string& address, const kvrpcpb::Context& ctx,
                    metapb::Region* region, errorpb::Error* err) {
    auto it = regions_.find(ctx.region_id());
    if (it == regions_.end()) {
      err->mutable_region_not_found()->set_region_id(ctx.region_id());
      return false;
    }
    const metapb::Region& r = it->second;
    if (Address(r.peers(0).store_id()) != address) {
      err->mutable_not_leader()->set_region_id(r.id());
      return false;
    }
    if (r.region_epoch().version() != ctx.region_epoch().version() ||
        r.region_epoch().conf_ver() != ctx.region_epoch().conf_ver()) {
      auto* e = err->mutable_epoch_not_match();
      for (auto& [id, cur] : regions_) {
        if (cur.peers(0).store_id() == r.peers(0).store_id()) *e->add_current_regions() = cur;
      }
      return false;
    }
    *region = r;
    return true;
  }

  bool KeyIn(const metapb::Region& r, std::string_view region_key, errorpb::Error* err) {
    if (InRegion(r, region_key)) return true;
    auto* e = err->mutable_key_not_in_region();
    e->set_key(std::string(region_key));
    e->set_region_id(r.id());
    e->set_start_key(r.start_key());
    e->set_end_key(r.end_key());
    return false;
  }

  // The lock blocking a read of key at ts, if any.
  const Lock* BlockingLock(const std::string& key, uint64_t ts) {
    auto it = locks_.find(key);
    if (it == locks_.end() || it->second.ts > ts) return nullptr;
    if (it->second.op != kvrpcpb::Put && it->second.op != kvrpcpb::Del &&
        it->second.op != kvrpcpb::Insert) {
      return nullptr;
    }
    return &it->second;
  }
  static kvrpcpb::LockInfo ToLockInfo(const std::string& key, const Lock& l) {
    kvrpcpb::LockInfo info;
    info.set_primary_lock(l.primary);
    info.set_lock_version(l.ts);
    info.set_key(key);
    info.set_lock_ttl(l.ttl);
    info.set_lock_type(l.op);
    return info;
  }
  // Newest visible value at ts (nullptr if none).
  const std::string* Visible(const std::string& key, uint64_t ts) {
    auto it = writes_.find(key);
    if (it == writes_.end()) return nullptr;
    for (auto w = it->second.lower_bound(ts); w != it->second.end(); ++w) {
      if (w->second.type == WriteType::kPut) return &w->second.value;
      if (w->second.type == WriteType::kDelete) return nullptr;
    }
    return nullptr;
  }
  // The write record of txn start_ts on key: {commit_ts, write} or commit_ts 0.
  std::pair<uint64_t, const Write*> TxnWrite(const std::string& key, uint64_t start_ts) {
    auto it = writes_.find(key);
    if (it == writes_.end()) return {0, nullptr};
    for (auto& [cts, w] : it->second) {
      if (w.start_ts == start_ts) return {cts, &w};
    }
    return {0, nullptr};
  }
  void CommitKey(const std::string& key, uint64_t commit_ts) {
    Lock l = locks_.at(key);
    locks_.erase(key);
    WriteType t = l.op == kvrpcpb::Del ? WriteType::kDelete : WriteType::kPut;
    writes_[key][commit_ts] = Write{t, l.ts, l.value};
  }
  void RollbackKey(const std::string& key, uint64_t start_ts) {
    auto it = locks_.find(key);
    if (it != locks_.end() && it->second.ts == start_ts) locks_.erase(it);
    auto [cts, w] = TxnWrite(key, start_ts);
    if (w == nullptr) writes_[key][start_ts] = Write{WriteType::kRollback, start_ts, ""};
  }
  // Key range of a request, clipped to the region, in raw TiDB key terms: keys k with
  // TxnRegionKey(k) in region and start <= k < end.
  template <class Map>
  std::vector<std::string> KeysIn(const Map& m, const metapb::Region& r, const std::string& start,
                                  const std::string& end) {
    std::vector<std::string> out;
    for (auto it = m.lower_bound(start); it != m.end(); ++it) {
      if (!end.empty() && it->first >= end) break;
      if (InRegion(r, keys::TxnRegionKey(it->first))) out.push_back(it->first);
    }
    return out;
  }

  Status Handle(const std::string& address, const google::protobuf::Message& req,
                google::protobuf::Message* resp) {
    if (before_call) RETURN_IF_ERROR(before_call(req));
    std::lock_guard<std::mutex> l(mu_);
    const std::string method = req.GetDescriptor()->name();
    ++calls_[method];
    if (unavailable_[address] > 0) {
      --unavailable_[address];
      return Status::Unavailable("injected: " + address + " down");
    }
    // Every response type has region_error as field 1.
    auto set_region_error = [&](const errorpb::Error& e) {
      const auto* fd = resp->GetDescriptor()->FindFieldByName("region_error");
      resp->GetReflection()->MutableMessage(resp, fd)->CopyFrom(e);
    };
    auto inj = injected_.find(method);
    if (inj != injected_.end() && !inj->second.empty()) {
      set_region_error(inj->second.front());
      inj->second.pop_front();
      return Status::OK();
    }
    const auto* ctx_fd = req.GetDescriptor()->FindFieldByName("context");
    const auto& ctx = static_cast<const kvrpcpb::Context&>(
        req.GetReflection()->GetMessage(req, ctx_fd));
    metapb::Region region;
    errorpb::Error err;
    if (!CheckContext(address, ctx, &region, &err)) {
      set_region_error(err);
      return Status::OK();
    }
    auto key_in = [&](std::string_view rk) {
      if (KeyIn(region, rk, &err)) return true;
      set_region_error(err);
      return false;
    };

    if (method == "GetRequest") {
      auto& q = static_cast<const kvrpcpb::GetRequest&>(req);
      auto& p = static_cast<kvrpcpb::GetResponse&>(*resp);
      if (!key_in(keys::TxnRegionKey(q.key()))) return Status::OK();
      if (const Lock* lk = BlockingLock(q.key(), q.version())) {
        *p.mutable_error()->mutable_locked() = ToLockInfo(q.key(), *lk);
      } else if (const std::string* v = Visible(q.key(), q.version())) {
        p.set_value(*v);
      } else {
        p.set_not_found(true);
      }
    } else if (method == "BatchGetRequest") {
      auto& q = static_cast<const kvrpcpb::BatchGetRequest&>(req);
      auto& p = static_cast<kvrpcpb::BatchGetResponse&>(*resp);
      for (const auto& k : q.keys()) {
        if (!key_in(keys::TxnRegionKey(k))) return Status::OK();
      }
      for (const auto& k : q.keys()) {
        if (const Lock* lk = BlockingLock(k, q.version())) {
          auto* pair = p.add_pairs();
          pair->set_key(k);
          *pair->mutable_error()->mutable_locked() = ToLockInfo(k, *lk);
        } else if (const std::string* v = Visible(k, q.version())) {
          auto* pair = p.add_pairs();
          pair->set_key(k);
          pair->set_value(*v);
        }
      }
    } else if (method == "ScanRequest") {
      auto& q = static_cast<const kvrpcpb::ScanRequest&>(req);
      auto& p = static_cast<kvrpcpb::ScanResponse&>(*resp);
      std::set<std::string> ks;
      for (auto& k : KeysIn(writes_, region, q.start_key(), q.end_key())) ks.insert(k);
      for (auto& k : KeysIn(locks_, region, q.start_key(), q.end_key())) ks.insert(k);
      for (const auto& k : ks) {
        if (q.limit() > 0 && static_cast<uint32_t>(p.pairs_size()) >= q.limit()) break;
        if (const Lock* lk = BlockingLock(k, q.version())) {
          auto* pair = p.add_pairs();
          pair->set_key(k);
          *pair->mutable_error()->mutable_locked() = ToLockInfo(k, *lk);
        } else if (const std::string* v = Visible(k, q.version())) {
          auto* pair = p.add_pairs();
          pair->set_key(k);
          pair->set_value(*v);
        }
      }
    } else if (method == "PrewriteRequest") {
      auto& q = static_cast<const kvrpcpb::PrewriteRequest&>(req);
      auto& p = static_cast<kvrpcpb::PrewriteResponse&>(*resp);
      for (const auto& m : q.mutations()) {
        if (!key_in(keys::TxnRegionKey(m.key()))) return Status::OK();
      }
      for (const auto& m : q.mutations()) {
        auto lk = locks_.find(m.key());
        if (lk != locks_.end()) {
          if (lk->second.ts != q.start_version()) {
            *p.add_errors()->mutable_locked() = ToLockInfo(m.key(), lk->second);
          }
          continue;
        }
        auto wit = writes_.find(m.key());
        if (wit != writes_.end() && !wit->second.empty()) {
          auto& [cts, w] = *wit->second.begin();
          if (w.type == WriteType::kRollback && w.start_ts == q.start_version()) {
            p.add_errors()->set_abort("already rolled back");
            continue;
          }
          if (cts >= q.start_version()) {
            auto* c = p.add_errors()->mutable_conflict();
            c->set_start_ts(q.start_version());
            c->set_conflict_ts(w.start_ts);
            c->set_conflict_commit_ts(cts);
            c->set_key(m.key());
            c->set_primary(q.primary_lock());
            continue;
          }
        }
        if (m.op() == kvrpcpb::Insert && Visible(m.key(), UINT64_MAX) != nullptr) {
          p.add_errors()->mutable_already_exist()->set_key(m.key());
        }
      }
      if (p.errors_size() > 0) return Status::OK();
      for (const auto& m : q.mutations()) {
        locks_[m.key()] = Lock{q.primary_lock(), q.start_version(), q.lock_ttl(), m.op(),
                               m.value()};
      }
    } else if (method == "CommitRequest") {
      auto& q = static_cast<const kvrpcpb::CommitRequest&>(req);
      auto& p = static_cast<kvrpcpb::CommitResponse&>(*resp);
      for (const auto& k : q.keys()) {
        if (!key_in(keys::TxnRegionKey(k))) return Status::OK();
      }
      for (const auto& k : q.keys()) {
        auto lk = locks_.find(k);
        if (lk != locks_.end() && lk->second.ts == q.start_version()) continue;
        auto [cts, w] = TxnWrite(k, q.start_version());
        if (w != nullptr && w->type != WriteType::kRollback) continue;
        if (w != nullptr) {
          p.mutable_error()->set_abort("txn rolled back");
        } else {
          p.mutable_error()->mutable_txn_not_found()->set_start_ts(q.start_version());
        }
        return Status::OK();
      }
      for (const auto& k : q.keys()) {
        auto lk = locks_.find(k);
        if (lk != locks_.end() && lk->second.ts == q.start_version()) {
          CommitKey(k, q.commit_version());
        }
      }
      p.set_commit_version(q.commit_version());
    } else if (method == "BatchRollbackRequest") {
      auto& q = static_cast<const kvrpcpb::BatchRollbackRequest&>(req);
      for (const auto& k : q.keys()) {
        if (!key_in(keys::TxnRegionKey(k))) return Status::OK();
      }
      for (const auto& k : q.keys()) RollbackKey(k, q.start_version());
    } else if (method == "CheckTxnStatusRequest") {
      auto& q = static_cast<const kvrpcpb::CheckTxnStatusRequest&>(req);
      auto& p = static_cast<kvrpcpb::CheckTxnStatusResponse&>(*resp);
      if (!key_in(keys::TxnRegionKey(q.primary_key()))) return Status::OK();
      auto lk = locks_.find(q.primary_key());
      if (lk != locks_.end() && lk->second.ts == q.lock_ts()) {
        if (TsPhysical(lk->second.ts) + static_cast<int64_t>(lk->second.ttl) <
            TsPhysical(q.current_ts())) {
          RollbackKey(q.primary_key(), q.lock_ts());
          p.set_action(kvrpcpb::TTLExpireRollback);
        } else {
          p.set_lock_ttl(lk->second.ttl);
          *p.mutable_lock_info() = ToLockInfo(q.primary_key(), lk->second);
        }
        return Status::OK();
      }
      auto [cts, w] = TxnWrite(q.primary_key(), q.lock_ts());
      if (w != nullptr) {
        if (w->type != WriteType::kRollback) p.set_commit_version(cts);
        return Status::OK();
      }
      if (q.rollback_if_not_exist()) {
        RollbackKey(q.primary_key(), q.lock_ts());
        p.set_action(kvrpcpb::LockNotExistRollback);
      } else {
        p.mutable_error()->mutable_txn_not_found()->set_start_ts(q.lock_ts());
      }
    } else if (method == "ResolveLockRequest") {
      auto& q = static_cast<const kvrpcpb::ResolveLockRequest&>(req);
      std::vector<std::string> targets;
      if (q.keys_size() > 0) {
        targets.assign(q.keys().begin(), q.keys().end());
      } else {
        for (auto& [k, lk] : locks_) {
          if (lk.ts == q.start_version() && InRegion(region, keys::TxnRegionKey(k))) {
            targets.push_back(k);
          }
        }
      }
      for (const auto& k : targets) {
        auto lk = locks_.find(k);
        if (lk == locks_.end() || lk->second.ts != q.start_version()) continue;
        if (q.commit_version() > 0) {
          CommitKey(k, q.commit_version());
        } else {
          RollbackKey(k, q.start_version());
        }
      }
    } else if (method == "ChecksumRequest") {
      auto& q = static_cast<const brkvpb::ChecksumRequest&>(req);
      auto& p = static_cast<brkvpb::ChecksumResponse&>(*resp);
      Checksum sum;
      for (const auto& range : q.ranges()) {
        for (const auto& k : KeysIn(locks_, region, range.start_key(), range.end_key())) {
          if (const Lock* lk = BlockingLock(k, q.start_ts())) {
            *p.mutable_error()->mutable_locked() = ToLockInfo(k, *lk);
            return Status::OK();
          }
        }
        for (const auto& k : KeysIn(writes_, region, range.start_key(), range.end_key())) {
          if (const std::string* v = Visible(k, q.start_ts())) {
            std::string hashed = k;
            if (!q.rule().new_prefix().empty()) {
              hashed = q.rule().old_prefix() + k.substr(q.rule().new_prefix().size());
            }
            sum.Update(hashed, *v);
          }
        }
      }
      p.set_checksum(sum.crc64xor);
      p.set_total_kvs(sum.total_kvs);
      p.set_total_bytes(sum.total_bytes);
    } else if (method == "SplitRegionRequest") {
      auto& q = static_cast<const kvrpcpb::SplitRegionRequest&>(req);
      auto& p = static_cast<kvrpcpb::SplitRegionResponse&>(*resp);
      std::vector<std::string> ks(q.split_keys().begin(), q.split_keys().end());
      for (const auto& k : ks) {
        if (!key_in(k)) return Status::OK();
        if (k == region.start_key()) {
          p.set_error("split key is the region start");
          return Status::OK();
        }
      }
      std::sort(ks.begin(), ks.end());
      for (const auto& k : ks) SplitLocked(k);
      pd_regions_ = regions_;
      for (auto& [id, r] : regions_) {
        bool inside = r.start_key() >= region.start_key() &&
                      (region.end_key().empty() ||
                       (!r.end_key().empty() && r.end_key() <= region.end_key()));
        if (inside) *p.add_regions() = r;
      }
    } else if (method == "RawGetRequest") {
      auto& q = static_cast<const kvrpcpb::RawGetRequest&>(req);
      auto& p = static_cast<kvrpcpb::RawGetResponse&>(*resp);
      if (!key_in(keys::RawRegionKey(q.key()))) return Status::OK();
      auto it = raw_.find(q.key());
      if (it == raw_.end()) {
        p.set_not_found(true);
      } else {
        p.set_value(it->second);
      }
    } else if (method == "RawPutRequest") {
      auto& q = static_cast<const kvrpcpb::RawPutRequest&>(req);
      if (!key_in(keys::RawRegionKey(q.key()))) return Status::OK();
      raw_[q.key()] = q.value();
    } else if (method == "RawDeleteRequest") {
      auto& q = static_cast<const kvrpcpb::RawDeleteRequest&>(req);
      if (!key_in(keys::RawRegionKey(q.key()))) return Status::OK();
      raw_.erase(q.key());
    } else if (method == "RawBatchPutRequest") {
      auto& q = static_cast<const kvrpcpb::RawBatchPutRequest&>(req);
      for (const auto& kv : q.pairs()) {
        if (!key_in(keys::RawRegionKey(kv.key()))) return Status::OK();
      }
      for (const auto& kv : q.pairs()) raw_[kv.key()] = kv.value();
    } else if (method == "RawScanRequest") {
      auto& q = static_cast<const kvrpcpb::RawScanRequest&>(req);
      auto& p = static_cast<kvrpcpb::RawScanResponse&>(*resp);
      if (!key_in(keys::RawRegionKey(q.start_key()))) return Status::OK();
      for (auto it = raw_.lower_bound(q.start_key()); it != raw_.end(); ++it) {
        if (!q.end_key().empty() && it->first >= q.end_key()) break;
        if (!InRegion(region, keys::RawRegionKey(it->first))) break;
        if (q.limit() > 0 && static_cast<uint32_t>(p.kvs_size()) >= q.limit()) break;
        auto* kv = p.add_kvs();
        kv->set_key(it->first);
        kv->set_value(it->second);
      }
    } else {
      return Status::NotSupported("fake: " + method);
    }
    return Status::OK();
  }

  std::mutex mu_;
  const int stores_;
  uint64_t next_id_ = 1;
  uint64_t last_ts_ = 0;
  std::map<uint64_t, metapb::Region> regions_;     // the nodes' truth
  std::map<uint64_t, metapb::Region> pd_regions_;  // PD's (possibly lagging) view
  std::map<std::string, std::map<uint64_t, Write, std::greater<>>> writes_;
  std::map<std::string, Lock> locks_;
  std::map<std::string, std::string> raw_;
  std::map<std::string, std::deque<errorpb::Error>> injected_;
  std::map<std::string, int> unavailable_;
  std::map<std::string, int> calls_;
  std::atomic<int> resets_{0};
};

}  // namespace brkv::client::testing
