#include "raftstore/consistency.h"

#include <rocksdb/db.h>

#include <memory>

#include "common/crc64.h"
#include "kv/keys.h"

namespace brkv::raftstore {

namespace {

uint64_t Framed(uint64_t crc, std::string_view part) {
  char len[8];
  uint64_t n = part.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  crc = Crc64Update(crc, std::string_view(len, 8));
  return Crc64Update(crc, part);
}

}  // namespace

RegionHash HashRegion(const Engines& engines, const metapb::Region& region,
                      const rocksdb::Snapshot* snap) {
  RegionHash h;
  h.region = region;
  const std::string lo = ::brkv::keys::DataKey(region.start_key());
  const std::string hi = region.end_key().empty()
                             ? std::string(1, ::brkv::keys::kDataPrefix + 1)
                             : ::brkv::keys::DataKey(region.end_key());
  const std::pair<std::string_view, rocksdb::ColumnFamilyHandle*> cfs[] = {
      {"default", engines.cf_default}, {"lock", engines.cf_lock}, {"write", engines.cf_write}};
  uint64_t crc = 0;
  for (auto [name, cf] : cfs) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    ro.fill_cache = false;
    rocksdb::Slice ub(hi);
    ro.iterate_upper_bound = &ub;
    std::unique_ptr<rocksdb::Iterator> it(engines.db->NewIterator(ro, cf));
    for (it->Seek(lo); it->Valid(); it->Next()) {
      crc = Framed(crc, name);
      crc = Framed(crc, std::string_view(it->key().data(), it->key().size()));
      crc = Framed(crc, std::string_view(it->value().data(), it->value().size()));
      ++h.kvs;
      h.bytes += it->key().size() + it->value().size();
    }
    if (!it->status().ok()) {
      h.error = "scan of CF " + std::string(name) + " failed: " + it->status().ToString();
      break;
    }
  }
  h.hash = crc;
  return h;
}

ConsistencyChecker::ConsistencyChecker(const Engines& engines)
    : engines_(engines), worker_([this] { Run(); }) {}

ConsistencyChecker::~ConsistencyChecker() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void ConsistencyChecker::Schedule(const metapb::Region& region, uint64_t index,
                                  std::string context, const rocksdb::Snapshot* snap) {
  {
    std::lock_guard<std::mutex> l(mu_);
    tasks_.push_back(Task{region, index, std::move(context), snap});
  }
  cv_.notify_all();
}

Result<RegionHash> ConsistencyChecker::Wait(uint64_t region_id, const std::string& context,
                                            std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  const auto key = std::make_pair(region_id, context);
  bool found = cv_.wait_for(l, timeout, [&] { return done_.count(key) > 0; });
  if (!found) {
    return Status::TimedOut("region " + std::to_string(region_id) +
                            ": this replica has not applied the consistency check within " +
                            std::to_string(timeout.count()) + " ms");
  }
  return done_.at(key);
}

void ConsistencyChecker::Run() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    cv_.wait(l, [&] { return stop_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stop_ and nothing left
    Task t = std::move(tasks_.front());
    tasks_.pop_front();
    l.unlock();
    RegionHash h = HashRegion(engines_, t.region, t.snap);
    h.index = t.index;
    engines_.db->ReleaseSnapshot(t.snap);
    l.lock();
    auto key = std::make_pair(t.region.id(), std::move(t.context));
    if (done_.emplace(key, std::move(h)).second) done_order_.push_back(key);
    while (done_order_.size() > kKeep) {
      done_.erase(done_order_.front());
      done_order_.pop_front();
    }
    cv_.notify_all();
  }
}

}  // namespace brkv::raftstore
