// End-to-end: a 3-node cluster with tiny regions keeps every committed MVCC version of 100k
// transactional keys across a SIGKILL and restart of one node.
//
// Steps: start pd + 3 kv-servers (region-split-size 64 KiB); pre-split the key range and
// scatter so every store leads regions; write v1 of all keys (ts1 = the newest v1 commit ts),
// then overwrite a subset with v2 and delete a few (ts2); check that every store leads regions
// holding data; SIGKILL one node and restart it; read everything back at ts2 (BatchGet) and at
// ts1 (a full scan, which also proves there are no extra keys).
#include "client/cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/local_cluster.h"
#include "kv/keys.h"

namespace brkv {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kKeys = 100000;
constexpr uint64_t kSeed = 0x5eedb4c0ffee1234ULL;
constexpr int kPreSplits = 24;
constexpr int kTxnBatch = 2000;

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Keys sort in index order; the suffix makes them less regular than a counter.
std::string Key(int i) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "it/%08d/%04x", i,
                static_cast<unsigned>(SplitMix(kSeed ^ static_cast<uint64_t>(i)) & 0xffff));
  return buf;
}

// Deterministic value of `version` for key i; about one in eight is 300..1299 bytes (longer
// than 255, so it lives in CF default rather than inline in the write record).
std::string Value(int i, int version) {
  uint64_t h = SplitMix(kSeed + static_cast<uint64_t>(i) * 1000003ULL + version);
  size_t len = (h % 8 == 0) ? 300 + (h >> 8) % 1000 : 8 + (h >> 8) % 90;
  std::string v = "v" + std::to_string(version) + ":" + std::to_string(i) + ":";
  uint64_t x = h;
  while (v.size() < len) {
    x = SplitMix(x);
    v.push_back(static_cast<char>(x & 0xff));  // arbitrary bytes, including 0x00
  }
  return v;
}

bool HasV2(int i) { return i % 3 == 0; }
bool Deleted(int i) { return i % 97 == 5; }  // never also HasV2-written: deleted at ts2

std::string Describe(const Status& s) { return s.ToString(); }

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    itest::LocalClusterOptions o;
    o.kv_count = 3;
    o.kv_config_toml =
        "[coprocessor]\n"
        "region-split-size = \"64KiB\"\n"
        "split-check-interval = \"200ms\"\n"
        "[server]\n"
        "store-heartbeat-interval = \"500ms\"\n"
        "region-heartbeat-interval = \"1s\"\n";
    auto c = itest::LocalCluster::Start(o);
    ASSERT_TRUE(c.ok()) << Describe(c.status());
    cluster_ = std::move(c).value();
    client::ClusterOptions co;
    co.pd_address = cluster_->pd_address();
    co.retry_budget_ms = 60000;
    auto cl = client::Cluster::Connect(co);
    ASSERT_TRUE(cl.ok()) << Describe(cl.status());
    client_ = std::move(cl).value();
  }

  void TearDown() override {
    client_.reset();
    cluster_.reset();
  }

  // Regions overlapping the test's key range, with their leaders.
  std::vector<client::RegionInfo> RangeRegions() {
    auto r = cluster_->pd()->ScanRegions(keys::TxnRegionKey(Key(0)),
                                         keys::TxnRegionKey(Key(kKeys - 1) + "~"), 0);
    EXPECT_TRUE(r.ok()) << Describe(r.status());
    return r.ok() ? *r : std::vector<client::RegionInfo>{};
  }

  // Commits `keys` (index list) writing `version` (0 = delete) in batches; returns the newest
  // commit ts.
  uint64_t WriteBatches(const std::vector<int>& idx, int version) {
    uint64_t newest = 0;
    for (size_t off = 0; off < idx.size(); off += kTxnBatch) {
      auto txn = client_->Begin();
      EXPECT_TRUE(txn.ok()) << Describe(txn.status());
      if (!txn.ok()) return 0;
      for (size_t j = off; j < std::min(idx.size(), off + kTxnBatch); ++j) {
        int i = idx[j];
        Status s = version == 0 ? (*txn)->Delete(Key(i)) : (*txn)->Set(Key(i), Value(i, version));
        EXPECT_TRUE(s.ok()) << Describe(s);
      }
      auto ts = (*txn)->Commit();
      EXPECT_TRUE(ts.ok()) << "batch at " << off << ": " << Describe(ts.status());
      if (!ts.ok()) return 0;
      newest = std::max(newest, *ts);
    }
    return newest;
  }

  std::unique_ptr<itest::LocalCluster> cluster_;
  std::unique_ptr<client::Cluster> client_;
};

TEST_F(ClusterTest, MvccVersionsSurviveNodeKillAndRestart) {
  auto t0 = Clock::now();
  auto lap = [&](const char* what) {
    std::fprintf(stderr, "[cluster_test] %-40s %6.1f s\n", what,
                 std::chrono::duration<double>(Clock::now() - t0).count());
  };
  lap("cluster up");

  // Pre-split the range into kPreSplits+1 regions and spread them over the stores.
  std::vector<std::string> split_keys;
  for (int k = 0; k <= kPreSplits; ++k) split_keys.push_back(Key(k * (kKeys / kPreSplits)));
  auto split = client_->admin()->SplitRegions(split_keys, client::SplitKeyForm::kTxnRawKey);
  ASSERT_TRUE(split.ok()) << Describe(split.status());
  ASSERT_GE(RangeRegions().size(), static_cast<size_t>(kPreSplits));

  // Spread the (still empty) regions: scattering moves a region off its store to the least
  // loaded other store, so move about half of the busiest store's regions until every store
  // leads at least a few regions of the range. PD returns the ids it could not move.
  std::vector<uint64_t> stores;
  for (int i = 0; i < 3; ++i) {
    auto id = cluster_->KvStoreId(i);
    ASSERT_TRUE(id.ok()) << Describe(id.status());
    stores.push_back(*id);
  }
  auto scatter_deadline = Clock::now() + std::chrono::seconds(60);
  while (true) {
    std::map<uint64_t, std::vector<uint64_t>> led;
    for (uint64_t s : stores) led[s];
    for (const auto& r : RangeRegions()) led[r.leader.store_id()].push_back(r.region.id());
    auto [lo, hi] = std::minmax_element(led.begin(), led.end(), [](const auto& a, const auto& b) {
      return a.second.size() < b.second.size();
    });
    if (lo->second.size() >= 3) break;
    ASSERT_LT(Clock::now(), scatter_deadline) << "regions did not spread over the 3 stores";
    size_t n = std::max<size_t>(1, (hi->second.size() - lo->second.size()) / 2);
    std::vector<uint64_t> move(hi->second.begin(), hi->second.begin() + n);
    auto failed = client_->admin()->ScatterRegions(move);
    ASSERT_TRUE(failed.ok()) << Describe(failed.status());
    if (!failed->empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));  // backoff
  }
  lap("pre-split and scattered");

  // v1 for every key.
  std::vector<int> all(kKeys);
  for (int i = 0; i < kKeys; ++i) all[i] = i;
  uint64_t ts1 = WriteBatches(all, 1);
  ASSERT_FALSE(HasFailure());
  ASSERT_GT(ts1, 0u);
  lap("wrote v1 of 100k keys");

  // v2 for a third of the keys, deletes for ~1%.
  std::vector<int> v2, dels;
  for (int i = 0; i < kKeys; ++i) {
    if (Deleted(i)) {
      dels.push_back(i);
    } else if (HasV2(i)) {
      v2.push_back(i);
    }
  }
  uint64_t ts2a = WriteBatches(v2, 2);
  ASSERT_FALSE(HasFailure());
  uint64_t ts2b = WriteBatches(dels, 0);
  ASSERT_FALSE(HasFailure());
  uint64_t ts2 = std::max(ts2a, ts2b);
  ASSERT_GT(ts2, ts1);
  lap("wrote v2 and deletes");

  // The data is spread over many regions and every store leads regions holding data. The
  // size-based splitter works in the background: wait (bounded) until it has produced more
  // regions than the pre-split made.
  std::vector<std::string> region_keys;
  region_keys.reserve(kKeys);
  for (int i = 0; i < kKeys; ++i) region_keys.push_back(keys::TxnRegionKey(Key(i)));
  std::map<uint64_t, int> data_regions_per_store;
  size_t data_regions = 0;
  auto split_deadline = Clock::now() + std::chrono::seconds(30);
  while (true) {
    data_regions_per_store.clear();
    data_regions = 0;
    for (const auto& r : RangeRegions()) {
      auto lo = std::lower_bound(region_keys.begin(), region_keys.end(), r.region.start_key());
      bool has_data =
          lo != region_keys.end() && (r.region.end_key().empty() || *lo < r.region.end_key());
      if (has_data) {
        ++data_regions;
        ++data_regions_per_store[r.leader.store_id()];
      }
    }
    if (data_regions > static_cast<size_t>(kPreSplits) + 10 || Clock::now() >= split_deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // poll interval
  }
  std::fprintf(stderr, "[cluster_test] %zu regions hold data:", data_regions);
  for (const auto& [store, n] : data_regions_per_store) {
    std::fprintf(stderr, " store %llu leads %d;", static_cast<unsigned long long>(store), n);
  }
  std::fprintf(stderr, "\n");
  EXPECT_EQ(data_regions_per_store.size(), 3u) << "every store must lead regions with data";
  EXPECT_GT(data_regions, static_cast<size_t>(kPreSplits))
      << "64 KiB regions should have split beyond the pre-split";

  // SIGKILL the node leading the most data regions, then restart it.
  int victim = 0;
  {
    uint64_t best_store = 0;
    int best = -1;
    for (const auto& [store, n] : data_regions_per_store) {
      if (n > best) best = n, best_store = store;
    }
    for (int i = 0; i < cluster_->kv_count(); ++i) {
      auto id = cluster_->KvStoreId(i);
      if (id.ok() && *id == best_store) victim = i;
    }
  }
  ASSERT_TRUE(cluster_->KillKv(victim).ok());
  lap("killed one kv-server (SIGKILL)");
  Status restarted = cluster_->RestartKv(victim);
  ASSERT_TRUE(restarted.ok()) << Describe(restarted);
  lap("restarted it");

  // Every key at ts2: v2 where overwritten, absent where deleted, v1 otherwise.
  client::Snapshot at2 = client_->GetSnapshot(ts2);
  size_t mismatches = 0;
  for (int off = 0; off < kKeys; off += 5000) {
    std::vector<std::string> batch;
    for (int i = off; i < std::min(kKeys, off + 5000); ++i) batch.push_back(Key(i));
    auto got = at2.BatchGet(batch);
    ASSERT_TRUE(got.ok()) << "BatchGet at ts2 from key " << off << ": " << Describe(got.status());
    for (int i = off; i < std::min(kKeys, off + 5000); ++i) {
      auto it = got->find(Key(i));
      if (Deleted(i)) {
        if (it != got->end() && mismatches++ < 10)
          ADD_FAILURE() << "deleted key " << i << " read at ts2";
      } else {
        const std::string want = Value(i, HasV2(i) ? 2 : 1);
        if ((it == got->end() || it->second != want) && mismatches++ < 10) {
          ADD_FAILURE() << "key " << i
                        << " at ts2: " << (it == got->end() ? "missing" : "wrong value");
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  lap("verified 100k keys at ts2");

  // The whole range at ts1: exactly v1 of every key, in order, nothing else.
  client::Snapshot at1 = client_->GetSnapshot(ts1);
  int next = 0;
  size_t bad = 0;
  Status scan = at1.ScanEach(Key(0), Key(kKeys - 1) + "~", [&](const client::KvPair& kv) {
    if (next >= kKeys || kv.key != Key(next) || kv.value != Value(next, 1)) {
      if (bad++ < 10) {
        ADD_FAILURE() << "scan at ts1: position " << next << " got key " << kv.key;
      }
    }
    ++next;
    return true;
  });
  ASSERT_TRUE(scan.ok()) << Describe(scan);
  EXPECT_EQ(next, kKeys) << "scan at ts1 returned a different number of keys";
  EXPECT_EQ(bad, 0u);
  lap("verified 100k keys at ts1 (scan)");
}

}  // namespace
}  // namespace brkv
