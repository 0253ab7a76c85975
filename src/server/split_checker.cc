#include "server/split_checker.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include <rocksdb/iterator.h>

#include "common/logging.h"
#include "kv/keys.h"

namespace brkv::server {

namespace {

constexpr size_t kTsLen = 8;
constexpr int kSamplesPerSplitSize = 32;

// The region key of the user key a data key belongs to: strip 'z', and for CF default/write
// MVCC keys also the ts. Raw-KV keys ('r' + user key, CF default only) have no ts.
std::string BoundaryKey(std::string_view data_key, bool has_ts) {
  std::string_view rk = data_key.substr(1);
  if (has_ts && !(rk.size() > 0 && rk[0] == keys::kRawPrefix) && rk.size() > kTsLen) {
    rk = rk.substr(0, rk.size() - kTsLen);
  }
  return std::string(rk);
}

struct Sample {
  std::string key;     // region key at which the sample closed
  uint64_t bytes = 0;  // bytes up to and including this key since the previous sample of its CF
};

}  // namespace

Result<std::vector<std::string>> ComputeSplitKeys(Engine* engine, const metapb::Region& region,
                                                  uint64_t split_size, RegionSizeInfo* info) {
  if (split_size == 0) return Status::InvalidArgument("split size 0");
  const uint64_t chunk = std::max<uint64_t>(split_size / kSamplesPerSplitSize, 1);
  const std::string lower = keys::DataKey(region.start_key());
  const std::string upper = region.end_key().empty()
                                ? std::string(1, static_cast<char>(keys::kDataPrefix + 1))
                                : keys::DataKey(region.end_key());

  SnapshotGuard snap(engine);
  std::vector<Sample> samples;
  RegionSizeInfo total;
  struct CfScan {
    rocksdb::ColumnFamilyHandle* cf;
    bool has_ts;
  };
  for (const CfScan& c : {CfScan{engine->cf_default(), true}, CfScan{engine->cf_write(), true},
                          CfScan{engine->cf_lock(), false}}) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap.get();
    ro.fill_cache = false;
    rocksdb::Slice ub(upper);
    ro.iterate_upper_bound = &ub;
    std::unique_ptr<rocksdb::Iterator> it(engine->db()->NewIterator(ro, c.cf));
    uint64_t pending = 0;
    std::string last_key;
    for (it->Seek(lower); it->Valid(); it->Next()) {
      const uint64_t n = it->key().size() + it->value().size();
      total.bytes += n;
      total.keys += 1;
      pending += n;
      if (pending >= chunk) {
        samples.push_back(Sample{BoundaryKey(it->key().ToStringView(), c.has_ts), pending});
        pending = 0;
      } else {
        last_key.assign(it->key().data(), it->key().size());
      }
    }
    RETURN_IF_ERROR(FromRocks(it->status()));
    if (pending > 0 && !last_key.empty()) {
      samples.push_back(Sample{BoundaryKey(last_key, c.has_ts), pending});
    }
  }
  if (info != nullptr) *info = total;
  if (total.bytes < split_size) return std::vector<std::string>{};

  const uint64_t parts =
      std::max<uint64_t>(2, (total.bytes + split_size - 1) / split_size);
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.key < b.key; });
  std::vector<std::string> out;
  uint64_t acc = 0;
  uint64_t next_part = 1;
  for (size_t i = 0; i < samples.size() && next_part < parts; ++i) {
    acc += samples[i].bytes;
    if (acc * parts < next_part * total.bytes) continue;
    // Cut at this sample's key: its chunk lies (almost) entirely to the left, and every
    // version of the key itself stays together on the right.
    const std::string& k = samples[i].key;
    while (next_part < parts && acc * parts >= next_part * total.bytes) ++next_part;
    if (k <= region.start_key() || !KeyInRegion(region, k)) continue;
    if (!out.empty() && k <= out.back()) continue;
    out.push_back(k);
  }
  return out;
}

SplitChecker::SplitChecker(const SplitCheckerOptions& options, RegionManager* regions,
                           RegionSplitter* splitter)
    : options_(options), regions_(regions), splitter_(splitter) {}

SplitChecker::~SplitChecker() { Stop(); }

void SplitChecker::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void SplitChecker::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SplitChecker::LastSize(uint64_t region_id, RegionSizeInfo* info) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = last_sizes_.find(region_id);
  if (it == last_sizes_.end()) return false;
  *info = it->second;
  return true;
}

int SplitChecker::RunOnce() {
  const uint64_t threshold = std::max<uint64_t>(options_.split_size / 4, 1);
  int splits = 0;
  for (uint64_t id : regions_->TakeRegionsToCheck(threshold)) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) break;
    }
    auto region = regions_->GetRegion(id);
    if (!region) continue;
    RegionSizeInfo info;
    auto keys = ComputeSplitKeys(regions_->engine(), *region, options_.split_size, &info);
    if (!keys.ok()) {
      LOG_WARN("split check of region {} failed: {}", id, keys.status().ToString());
      continue;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      last_sizes_[id] = info;
    }
    if (keys->empty()) continue;
    LOG_INFO("region {} holds {} bytes in {} entries (split size {}): splitting at {} key(s)", id,
             info.bytes, info.keys, options_.split_size, keys->size());
    errorpb::Error err;
    auto result = splitter_->Split(id, region->region_epoch(), std::move(keys).value(), &err);
    if (!result.ok()) {
      LOG_WARN("size split of region {} failed: {}", id, result.status().ToString());
      // Try again on the next round.
      regions_->AddWrittenBytes(id, threshold);
      continue;
    }
    ++splits;
    std::lock_guard<std::mutex> l(mu_);
    const uint64_t per_part = info.bytes / std::max<size_t>(result->size(), 1);
    for (const auto& r : *result) {
      last_sizes_[r.id()] = RegionSizeInfo{per_part, info.keys / result->size()};
    }
  }
  return splits;
}

void SplitChecker::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, std::chrono::milliseconds(options_.interval_ms), [this] { return stop_; });
    if (stop_) break;
    l.unlock();
    RunOnce();
    l.lock();
  }
}

}  // namespace brkv::server
