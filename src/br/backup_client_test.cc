// BackupClient against an in-memory cluster: push-down to every store, the fine-grained phase
// for region errors, moved regions, locks and stores that are down, and the loud failures
// (overlap, unasked range, repeated plain errors, wrong cluster, missing ranges at the deadline).
#include "br/backup_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "catalog/tablecodec.h"
#include "kv/keys.h"

namespace brkv::br {
namespace {

using std::chrono::milliseconds;

// Regions of the raw-KV key space: [start, end) user keys, led by `store`.
struct FakeRegion {
  uint64_t id;
  std::string start;
  std::string end;  // "" = +inf
  uint64_t store;
};

class FakeCluster : public BackupTopology, public BackupSender {
 public:
  explicit FakeCluster(std::vector<FakeRegion> regions) : regions_(std::move(regions)) {}

  // --- knobs (set before or during the backup) ---
  std::set<uint64_t> down_stores;
  // Region id → number of region errors still to answer.
  std::map<uint64_t, int> region_errors;
  // Region id → number of lock errors still to answer.
  std::map<uint64_t, int> locks;
  // Region id → store it moves to right after its first region error.
  std::map<uint64_t, uint64_t> move_after_error;
  // Region ids answered with a plain error, always.
  std::set<uint64_t> broken_regions;
  // Answer every piece twice.
  bool duplicate = false;
  // Answer a range nobody asked for.
  bool stray = false;
  bool wrong_cluster = false;
  // Keys are TiDB keys (regions in the EncodeBytes key space) instead of raw-KV keys.
  bool txn = false;

  std::atomic<int> sends{0};
  std::map<uint64_t, int> sends_per_store;

  Result<std::vector<StoreTarget>> Stores() override {
    std::lock_guard<std::mutex> l(mu_);
    std::set<uint64_t> ids;
    for (const auto& r : regions_) ids.insert(r.store);
    ids.insert(1);
    ids.insert(2);
    ids.insert(3);
    std::vector<StoreTarget> out;
    for (uint64_t id : ids) {
      StoreTarget t;
      t.id = id;
      t.address = "store-" + std::to_string(id);
      out.push_back(t);
    }
    return out;
  }

  Result<std::vector<RegionTarget>> Regions(const std::string& start,
                                            const std::string& end) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<RegionTarget> out;
    for (const FakeRegion& r : regions_) {
      const std::string rs =
          txn ? (r.start.empty() ? "" : keys::TxnRegionKey(r.start)) : keys::RawRegionKey(r.start);
      const std::string re =
          txn ? (r.end.empty() ? "" : keys::TxnRegionKey(r.end)) : keys::RawRegionEndKey(r.end);
      if (!end.empty() && rs >= end) continue;
      if (!re.empty() && re <= start) continue;
      RegionTarget t;
      t.region.set_id(r.id);
      t.region.set_start_key(rs);
      t.region.set_end_key(re);
      t.store_id = r.store;
      t.address = "store-" + std::to_string(r.store);
      out.push_back(t);
    }
    return out;
  }

  Status Send(const StoreTarget& store, const ::backup::BackupRequest& req,
              std::chrono::steady_clock::time_point, const ResponseFn& fn) override {
    ++sends;
    std::vector<::backup::BackupResponse> out;
    {
      std::lock_guard<std::mutex> l(mu_);
      ++sends_per_store[store.id];
      if (down_stores.count(store.id) > 0) {
        return Status::Unavailable("store " + std::to_string(store.id) + " is down");
      }
      for (const auto& sub : req.sub_ranges()) {
        for (FakeRegion& r : regions_) {
          if (r.store != store.id) continue;
          KeyRange piece{std::max(sub.start_key(), r.start), ""};
          if (sub.end_key().empty()) {
            piece.end = r.end;
          } else if (r.end.empty()) {
            piece.end = sub.end_key();
          } else {
            piece.end = std::min(sub.end_key(), r.end);
          }
          if (IsEmptyRange(piece)) continue;
          ::backup::BackupResponse resp;
          resp.set_start_key(piece.start);
          resp.set_end_key(piece.end);
          if (wrong_cluster) {
            resp.mutable_error()->mutable_cluster_id_error()->set_current(2);
            resp.mutable_error()->mutable_cluster_id_error()->set_request(1);
          } else if (region_errors[r.id] > 0) {
            --region_errors[r.id];
            resp.mutable_error()->set_msg("epoch not match");
            resp.mutable_error()->mutable_region_error()->set_message("epoch not match");
            auto mv = move_after_error.find(r.id);
            if (mv != move_after_error.end()) r.store = mv->second;
          } else if (locks[r.id] > 0) {
            --locks[r.id];
            resp.mutable_error()->set_msg("locked");
            auto* lock = resp.mutable_error()->mutable_kv_error()->mutable_locked();
            lock->set_key(piece.start);
            lock->set_lock_version(77);
          } else if (broken_regions.count(r.id) > 0) {
            resp.mutable_error()->set_msg("IOError: cannot write 1/x.sst: permission denied");
          } else {
            ::backup::File* f = resp.add_files();
            f->set_name(std::to_string(store.id) + "/" + std::to_string(r.id) + "_" + piece.start +
                        "_write.sst");
            f->set_start_key(piece.start);
            f->set_end_key(piece.end);
            f->set_total_kvs(1);
            f->set_total_bytes(10);
            f->set_size(100);
          }
          out.push_back(resp);
          if (duplicate && !resp.has_error()) out.push_back(resp);
        }
      }
      if (stray) {
        ::backup::BackupResponse resp;
        resp.set_start_key("zzz-not-asked");
        resp.set_end_key("zzz-not-asked2");
        out.push_back(resp);
      }
    }
    for (const auto& r : out) RETURN_IF_ERROR(fn(r));
    return Status::OK();
  }

  void SetDown(uint64_t store, bool down) {
    std::lock_guard<std::mutex> l(mu_);
    if (down) {
      down_stores.insert(store);
    } else {
      down_stores.erase(store);
    }
  }

  void SetStore(uint64_t region_id, uint64_t store) {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& r : regions_) {
      if (r.id == region_id) r.store = store;
    }
  }

 private:
  std::mutex mu_;
  std::vector<FakeRegion> regions_;
};

std::vector<FakeRegion> SixRegions() {
  return {{1, "", "b", 1},  {2, "b", "d", 2}, {3, "d", "f", 3},
          {4, "f", "h", 1}, {5, "h", "k", 2}, {6, "k", "", 3}};
}

class BackupClientTest : public ::testing::Test {
 protected:
  BackupClientOptions Options() {
    BackupClientOptions o;
    o.request.set_is_raw_kv(true);
    o.request.set_cf("default");
    o.fine_grained_timeout = milliseconds(2000);
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 20;
    return o;
  }
  BackupClientHooks Hooks() {
    BackupClientHooks h;
    h.on_piece = [this](const ::backup::BackupResponse& r) {
      std::lock_guard<std::mutex> l(mu_);
      pieces_.push_back(KeyRange{r.start_key(), r.end_key()});
      return Status::OK();
    };
    h.on_progress = [this](size_t done, size_t total) {
      last_done_ = done;
      last_total_ = total;
    };
    h.resolve_lock = [this](const kvrpcpb::LockInfo& lock) {
      ++resolved_;
      EXPECT_EQ(lock.lock_version(), 77u);
      return Status::OK();
    };
    return h;
  }

  std::mutex mu_;
  std::vector<KeyRange> pieces_;
  std::atomic<size_t> last_done_{0}, last_total_{0};
  std::atomic<int> resolved_{0};
};

TEST_F(BackupClientTest, PushDownToEveryStoreCompletesWithoutRetries) {
  FakeCluster fake(SixRegions());
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"a", "c"}, {"e", "j"}, {"m", ""}});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  // a-c: regions 1,2; e-j: 3,4,5; m-: 6.
  EXPECT_EQ(stats->pieces, 6u);
  EXPECT_EQ(stats->files, 6u);
  EXPECT_EQ(stats->total_kvs, 6u);
  EXPECT_EQ(stats->stores, 3u);
  EXPECT_EQ(stats->fine_grained_rounds, 0u);
  EXPECT_EQ(fake.sends.load(), 3);
  EXPECT_EQ(last_done_.load(), 3u);
  EXPECT_EQ(last_total_.load(), 3u);
  EXPECT_EQ(pieces_.size(), 6u);
}

TEST_F(BackupClientTest, RegionErrorIsRetriedInTheFineGrainedPhase) {
  FakeCluster fake(SixRegions());
  fake.region_errors[4] = 2;
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"", ""}});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->pieces, 6u);
  EXPECT_EQ(stats->region_errors, 2u);
  EXPECT_GE(stats->fine_grained_rounds, 2u);
  EXPECT_EQ(last_done_.load(), 1u);
}

TEST_F(BackupClientTest, MovedRegionIsBackedUpByItsNewLeader) {
  FakeCluster fake(SixRegions());
  // Region 2 moves to store 4, which joined after the push-down was sent.
  fake.region_errors[2] = 1;
  fake.move_after_error[2] = 4;
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"a", "z"}});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->pieces, 6u);
  EXPECT_EQ(stats->stores, 3u);
  EXPECT_EQ(stats->fine_grained_rounds, 1u);
  EXPECT_EQ(fake.sends_per_store[4], 1);  // only the retry of region 2
}

TEST_F(BackupClientTest, LockIsResolvedAndTheRangeRetried) {
  FakeCluster fake(SixRegions());
  fake.locks[5] = 1;
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"", ""}});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(resolved_.load(), 1);
  EXPECT_EQ(stats->locks_met, 1u);
  EXPECT_EQ(stats->pieces, 6u);
}

TEST_F(BackupClientTest, StoreDownDuringPushDownThenBackIsRetried) {
  FakeCluster fake(SixRegions());
  fake.down_stores.insert(2);
  BackupClientHooks hooks = Hooks();
  // The store comes back while the fine-grained phase runs.
  hooks.resolve_lock = nullptr;
  BackupClient client(&fake, &fake, Options(), hooks);
  std::thread revive([&] {
    std::this_thread::sleep_for(milliseconds(100));
    fake.SetDown(2, false);
  });
  auto stats = client.BackupRanges({{"", ""}});
  revive.join();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->pieces, 6u);
  EXPECT_GE(stats->failed_streams, 1u);
}

TEST_F(BackupClientTest, StoreThatStaysDownFailsNamingTheMissingRangesAndStore) {
  FakeCluster fake(SixRegions());
  fake.down_stores.insert(2);
  BackupClientOptions o = Options();
  o.fine_grained_timeout = milliseconds(300);
  BackupClient client(&fake, &fake, o, Hooks());
  auto stats = client.BackupRanges({{"a", "z"}});
  ASSERT_FALSE(stats.ok());
  const std::string msg = stats.status().message();
  EXPECT_EQ(stats.status().code(), Status::Code::kTimedOut) << msg;
  EXPECT_NE(msg.find("backup incomplete: 2 range(s)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[b, d)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[h, k)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("store 2 (store-2)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no backupmeta"), std::string::npos) << msg;
  // Everything the other stores had was still recorded.
  EXPECT_EQ(pieces_.size(), 4u);
}

TEST_F(BackupClientTest, MissingTableRangesNameTheTableAndIndex) {
  const KeyRange rows = catalog::TableRecordRange(42);
  const KeyRange index = catalog::IndexRange(42, 3);
  FakeCluster fake({{1, "", index.end, 1}, {2, index.end, "", 2}});
  fake.txn = true;
  fake.down_stores.insert(1);
  BackupClientOptions o = Options();
  o.request.set_is_raw_kv(false);
  o.fine_grained_timeout = milliseconds(200);
  BackupClient client(&fake, &fake, o, Hooks());
  auto stats = client.BackupRanges({index, rows});
  ASSERT_FALSE(stats.ok());
  const std::string msg = stats.status().message();
  EXPECT_NE(msg.find("(table 42 index 3)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("(table 42 rows)"), std::string::npos) << "the rows were backed up: " << msg;
  EXPECT_EQ(pieces_.size(), 1u);
}

TEST_F(BackupClientTest, OverlappingAnswerFailsLoudly) {
  FakeCluster fake(SixRegions());
  fake.duplicate = true;
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"a", "c"}});
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("BUG"), std::string::npos) << stats.status().message();
  EXPECT_NE(stats.status().message().find("overlaps"), std::string::npos);
}

TEST_F(BackupClientTest, AnswerOutsideTheRequestedRangesFails) {
  FakeCluster fake(SixRegions());
  fake.stray = true;
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"a", "c"}});
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("not (entirely) part of the backup"), std::string::npos)
      << stats.status().message();
}

TEST_F(BackupClientTest, RepeatedPlainErrorFailsWithTheNodesMessage) {
  FakeCluster fake(SixRegions());
  fake.broken_regions.insert(3);
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"", ""}});
  ASSERT_FALSE(stats.ok());
  const std::string msg = stats.status().message();
  EXPECT_NE(msg.find("permission denied"), std::string::npos) << msg;
  EXPECT_NE(msg.find("store 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3 times"), std::string::npos) << msg;
}

TEST_F(BackupClientTest, GapsAtTheDeadlineNameTheNodesOwnFailure) {
  // A node that cannot write to the storage keeps failing a range with a plain error; the
  // deadline comes before the error limit. The one error line names that failure (not only
  // the stream the deadline cut) and says to check the storage.
  FakeCluster fake(SixRegions());
  fake.broken_regions.insert(3);
  BackupClientOptions o = Options();
  o.max_range_errors = 1000;
  o.fine_grained_timeout = milliseconds(200);
  BackupClient client(&fake, &fake, o, Hooks());
  auto stats = client.BackupRanges({{"", ""}});
  ASSERT_FALSE(stats.ok());
  const std::string msg = stats.status().message();
  EXPECT_EQ(stats.status().code(), Status::Code::kTimedOut) << msg;
  EXPECT_NE(msg.find("backup incomplete"), std::string::npos) << msg;
  EXPECT_NE(msg.find("store 3 failed to back up a range: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("permission denied"), std::string::npos) << msg;
  EXPECT_NE(msg.find("can reach the storage"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no backupmeta"), std::string::npos) << msg;
}

TEST_F(BackupClientTest, StoreOfAnotherClusterIsFatal) {
  FakeCluster fake(SixRegions());
  fake.wrong_cluster = true;
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"a", "c"}});
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(stats.status().message().find("belongs to cluster 2"), std::string::npos);
}

TEST_F(BackupClientTest, HookErrorStopsTheBackup) {
  FakeCluster fake(SixRegions());
  BackupClientHooks hooks = Hooks();
  hooks.on_piece = [](const ::backup::BackupResponse&) {
    return Status::IOError("cannot write backupmeta.datafile.000000001");
  };
  BackupClient client(&fake, &fake, Options(), hooks);
  auto stats = client.BackupRanges({{"", ""}});
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Status::Code::kIOError);
}

TEST_F(BackupClientTest, NothingToBackUpSendsNothing) {
  FakeCluster fake(SixRegions());
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->ranges, 0u);
  EXPECT_EQ(fake.sends.load(), 0);
}

TEST_F(BackupClientTest, OverlappingRequestedRangesAreRefused) {
  FakeCluster fake(SixRegions());
  BackupClient client(&fake, &fake, Options(), Hooks());
  auto stats = client.BackupRanges({{"a", "d"}, {"c", "e"}});
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(fake.sends.load(), 0);
}

TEST(DescribeRangeTest, EscapesKeysAndShowsInfinity) {
  EXPECT_EQ(DescribeRange({"a\x01", ""}), "[a\\x01, +inf)");
  EXPECT_EQ(DescribeRange({"", "b"}), "[, b)");
}

TEST(RegionBoundsTest, TxnAndRawKeySpaces) {
  EXPECT_EQ(RegionBoundsOf({"", ""}, false), (KeyRange{"", ""}));
  EXPECT_EQ(RegionBoundsOf({"a", "b"}, false),
            (KeyRange{keys::TxnRegionKey("a"), keys::TxnRegionKey("b")}));
  EXPECT_EQ(RegionBoundsOf({"a", ""}, true),
            (KeyRange{keys::RawRegionKey("a"), keys::RawRegionEndKey("")}));
}

}  // namespace
}  // namespace brkv::br
