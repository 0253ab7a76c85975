// Transactions, snapshots and lock resolution against the in-memory FakeTikv.
#include "client/txn.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "client/cluster.h"
#include "client/fake_tikv.h"
#include "client/two_phase_committer.h"
#include "common/failpoint.h"
#include "kv/keys.h"

namespace brkv::client {
namespace {

using testing::FakeTikv;

std::string Key(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "t1_r%05d", i);
  return buf;
}

class TxnTest : public ::testing::Test {
 protected:
  TxnTest() : fake_(2) {
    // Regions [, k20) [k20, k40) [k40, k60) [k60, ) with two of them on store 2.
    fake_.Split({keys::TxnRegionKey(Key(20)), keys::TxnRegionKey(Key(40)),
                 keys::TxnRegionKey(Key(60))});
    auto regions = fake_.Regions();
    fake_.Move(regions[1].id(), 2);
    fake_.Move(regions[3].id(), 2);
    ClusterOptions o;
    o.retry_budget_ms = 2000;
    cluster_ = fake_.NewCluster(o);
  }
  ~TxnTest() override { failpoint::DisableAll(); }

  uint64_t CommitKeys(int from, int to, const std::string& prefix = "v") {
    auto txn = cluster_->Begin();
    EXPECT_TRUE(txn.ok());
    for (int i = from; i < to; ++i) EXPECT_TRUE((*txn)->Set(Key(i), prefix + std::to_string(i)).ok());
    auto ts = (*txn)->Commit();
    EXPECT_TRUE(ts.ok()) << ts.status().ToString();
    return ts.ok() ? *ts : 0;
  }

  FakeTikv fake_;
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(TxnTest, CommitAcrossRegionsAndStores) {
  uint64_t commit_ts = CommitKeys(0, 80);
  ASSERT_GT(commit_ts, 0u);
  EXPECT_EQ(fake_.LockCount(), 0u);
  EXPECT_EQ(fake_.Calls("PrewriteRequest"), 4);  // one batch per region
  // Primary first (1 RPC), then the secondaries (4 regions).
  EXPECT_EQ(fake_.Calls("CommitRequest"), 5);
  Snapshot snap = cluster_->GetSnapshot(commit_ts);
  for (int i = 0; i < 80; ++i) {
    auto v = snap.Get(Key(i));
    ASSERT_TRUE(v.ok()) << Key(i) << ": " << v.status().ToString();
    EXPECT_EQ(*v, "v" + std::to_string(i));
  }
  // Before the commit ts nothing is visible.
  EXPECT_TRUE(cluster_->GetSnapshot(commit_ts - 1).Get(Key(5)).status().IsNotFound());
  auto scan = snap.Scan("", "");
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->size(), 80u);
  for (int i = 0; i < 80; ++i) EXPECT_EQ((*scan)[i].key, Key(i));
  auto part = snap.Scan(Key(15), Key(45), 20);
  ASSERT_TRUE(part.ok());
  ASSERT_EQ(part->size(), 20u);
  EXPECT_EQ(part->front().key, Key(15));
  EXPECT_EQ(part->back().key, Key(34));
  auto bg = snap.BatchGet({Key(1), Key(25), Key(79), "t1_nope"});
  ASSERT_TRUE(bg.ok());
  EXPECT_EQ(bg->size(), 3u);
  EXPECT_EQ(bg->at(Key(25)), "v25");
}

TEST_F(TxnTest, ScanEachStreamsInSmallBatches) {
  uint64_t ts = CommitKeys(0, 80);
  int n = 0;
  ASSERT_TRUE(cluster_->GetSnapshot(ts)
                  .ScanEach(Key(10), "", [&](const KvPair& kv) {
                    EXPECT_EQ(kv.key, Key(10 + n));
                    return ++n < 50;
                  }, 7)
                  .ok());
  EXPECT_EQ(n, 50);
}

TEST_F(TxnTest, BufferReadsAndDeletes) {
  uint64_t ts = CommitKeys(0, 10);
  ASSERT_GT(ts, 0u);
  auto txn = cluster_->Begin();
  ASSERT_TRUE(txn.ok());
  Txn& t = **txn;
  EXPECT_EQ(*t.Get(Key(3)), "v3");
  ASSERT_TRUE(t.Set(Key(3), "new").ok());
  ASSERT_TRUE(t.Delete(Key(4)).ok());
  ASSERT_TRUE(t.Set(Key(50), "fifty").ok());
  EXPECT_EQ(*t.Get(Key(3)), "new");
  EXPECT_TRUE(t.Get(Key(4)).status().IsNotFound());
  auto scan = t.Scan(Key(2), Key(60));
  ASSERT_TRUE(scan.ok());
  std::vector<std::string> keys;
  for (auto& kv : *scan) keys.push_back(kv.key);
  std::vector<std::string> want = {Key(2), Key(3), Key(5), Key(6), Key(7), Key(8), Key(9), Key(50)};
  EXPECT_EQ(keys, want);
  EXPECT_EQ((*scan)[1].value, "new");
  auto limited = t.Scan(Key(2), "", 3);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 3u);
  EXPECT_EQ((*limited)[2].key, Key(5));
  auto bg = t.BatchGet({Key(3), Key(4), Key(5), Key(50)});
  ASSERT_TRUE(bg.ok());
  EXPECT_EQ(bg->size(), 3u);
  auto commit = t.Commit();
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  Snapshot snap = cluster_->GetSnapshot(*commit);
  EXPECT_EQ(*snap.Get(Key(3)), "new");
  EXPECT_TRUE(snap.Get(Key(4)).status().IsNotFound());
  EXPECT_EQ(*snap.Get(Key(50)), "fifty");
  EXPECT_FALSE(t.Set("x", "y").ok());  // finished
}

TEST_F(TxnTest, EmptyCommitWritesNothing) {
  auto txn = cluster_->Begin();
  ASSERT_TRUE(txn.ok());
  auto ts = (*txn)->Commit();
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts, 0u);
  EXPECT_EQ(fake_.Calls("PrewriteRequest"), 0);
  EXPECT_TRUE((*txn)->Set("", "v").code() == Status::Code::kInvalidArgument);
}

TEST_F(TxnTest, WriteConflictRollsBackOwnLocks) {
  auto t1 = cluster_->Begin();
  ASSERT_TRUE(t1.ok());
  CommitKeys(30, 31, "other");  // commits after t1 started
  for (int i = 25; i < 45; ++i) ASSERT_TRUE((*t1)->Set(Key(i), "mine").ok());
  auto r = (*t1)->Commit();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kWriteConflict) << r.status().ToString();
  EXPECT_EQ(fake_.LockCount(), 0u);
  // A rollback record protects every key of the failed txn against a late prewrite.
  auto writes = fake_.WritesOf(Key(41));
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes.begin()->second.type, WriteType::kRollback);
}

TEST_F(TxnTest, InsertFailsWhenKeyExists) {
  CommitKeys(7, 8);
  auto txn = cluster_->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Insert(Key(7), "dup").ok());
  ASSERT_TRUE((*txn)->Insert(Key(8), "fresh").ok());
  EXPECT_EQ((*txn)->Insert(Key(8), "again").code(), Status::Code::kAlreadyExists);
  auto r = (*txn)->Commit();
  EXPECT_EQ(r.status().code(), Status::Code::kAlreadyExists) << r.status().ToString();
  EXPECT_EQ(fake_.LockCount(), 0u);

  auto ok = cluster_->Begin();
  ASSERT_TRUE((*ok)->Insert(Key(8), "fresh").ok());
  ASSERT_TRUE((*ok)->Commit().ok());
}

TEST_F(TxnTest, LargeTxnIsCutIntoBatches) {
  auto txn = cluster_->Begin();
  ASSERT_TRUE(txn.ok());
  // 5000 keys in the first region: 2 batches of <= 4096 keys.
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE((*txn)->Set("t1_a" + std::to_string(100000 + i), "x").ok());
  }
  auto ts = (*txn)->Commit();
  ASSERT_TRUE(ts.ok()) << ts.status().ToString();
  EXPECT_EQ(fake_.Calls("PrewriteRequest"), 2);
  EXPECT_EQ(fake_.LockCount(), 0u);
  auto scan = cluster_->GetSnapshot(*ts).Scan("t1_a", "t1_b");
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->size(), 5000u);
}

TEST_F(TxnTest, RegionSplitDuringPrewriteRegroupsKeys) {
  // Warm the cache, then split behind the client's back (PD lags too).
  ASSERT_GT(CommitKeys(0, 20), 0u);
  fake_.Split({keys::TxnRegionKey(Key(10))}, /*pd_lags=*/true);
  ASSERT_GT(CommitKeys(0, 20, "w"), 0u);
  EXPECT_EQ(fake_.LockCount(), 0u);
  auto ts = cluster_->GetTS();
  auto scan = cluster_->GetSnapshot(*ts).Scan(Key(0), Key(20));
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->size(), 20u);
  EXPECT_EQ((*scan)[15].value, "w15");
}

TEST_F(TxnTest, ReaderRollsForwardCommittedPrimary) {
  failpoint::Enable("client.txn.before-commit-secondaries", "return");
  uint64_t ts = CommitKeys(0, 80);  // primary committed, secondaries left locked
  failpoint::DisableAll();
  ASSERT_GT(ts, 0u);
  EXPECT_EQ(fake_.LockCount(), 79u);
  auto later = cluster_->GetTS();
  Snapshot snap = cluster_->GetSnapshot(*later);
  EXPECT_EQ(*snap.Get(Key(50)), "v50");
  auto scan = snap.Scan("", "");
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  EXPECT_EQ(scan->size(), 80u);
  EXPECT_EQ(fake_.LockCount(), 0u);
  // Each key committed at the txn's commit ts.
  EXPECT_EQ(fake_.WritesOf(Key(70)).begin()->first, ts);
  // One status check per txn thanks to the resolver's cache.
  EXPECT_EQ(fake_.Calls("CheckTxnStatusRequest"), 1);
}

TEST_F(TxnTest, ReaderRollsBackExpiredLocks) {
  auto now = cluster_->GetTS();
  uint64_t old_ts = ComposeTs(TsPhysical(*now) - 60000, 0);
  // A txn that died after prewrite: primary Key(5), secondary Key(45), both expired.
  fake_.PutLock(Key(5), {Key(5), old_ts, 100, kvrpcpb::Put, "dead"});
  fake_.PutLock(Key(45), {Key(5), old_ts, 100, kvrpcpb::Put, "dead"});
  Snapshot snap = cluster_->GetSnapshot(*cluster_->GetTS());
  EXPECT_TRUE(snap.Get(Key(45)).status().IsNotFound());
  EXPECT_FALSE(fake_.HasLock(Key(45)));
  EXPECT_FALSE(fake_.HasLock(Key(5)));
  // A writer meets nothing now.
  ASSERT_GT(CommitKeys(5, 6), 0u);
}

TEST_F(TxnTest, SecondaryWhosePrimaryNeverArrivedIsRolledBackAfterTtl) {
  auto now = cluster_->GetTS();
  uint64_t old_ts = ComposeTs(TsPhysical(*now) - 60000, 0);
  // Only the secondary's prewrite landed; the primary has no lock and no record.
  fake_.PutLock(Key(45), {Key(5), old_ts, 100, kvrpcpb::Put, "dead"});
  Snapshot snap = cluster_->GetSnapshot(*cluster_->GetTS());
  EXPECT_TRUE(snap.Get(Key(45)).status().IsNotFound());
  // The primary got a rollback record so the late prewrite cannot succeed.
  auto w = fake_.WritesOf(Key(5));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w.begin()->second.type, WriteType::kRollback);
}

TEST_F(TxnTest, LiveLockBlocksUntilBudgetThenKeyLocked) {
  ClusterOptions o;
  o.retry_budget_ms = 200;
  auto cluster = fake_.NewCluster(o);
  auto now = cluster->GetTS();
  fake_.PutLock(Key(5), {Key(5), *now, 600000, kvrpcpb::Put, "busy"});
  Snapshot snap = cluster->GetSnapshot(*cluster->GetTS());
  auto v = snap.Get(Key(5));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Status::Code::kKeyLocked) << v.status().ToString();
  EXPECT_NE(v.status().message().find(Key(5)), std::string::npos);
  // A reader below the lock's ts is not blocked.
  EXPECT_TRUE(cluster->GetSnapshot(*now - 1).Get(Key(5)).status().IsNotFound());
  // A writer is blocked too, and cleans up after itself.
  auto txn = cluster->Begin();
  ASSERT_TRUE((*txn)->Set(Key(5), "x").ok());
  ASSERT_TRUE((*txn)->Set(Key(6), "x").ok());
  auto c = (*txn)->Commit();
  EXPECT_EQ(c.status().code(), Status::Code::kKeyLocked) << c.status().ToString();
  EXPECT_FALSE(fake_.HasLock(Key(6)));
  EXPECT_TRUE(fake_.HasLock(Key(5)));
}

TEST_F(TxnTest, PrimaryCommitWithoutAnswerIsUndetermined) {
  ClusterOptions o;
  o.retry_budget_ms = 100;
  auto cluster = fake_.NewCluster(o);
  auto txn = cluster->Begin();
  ASSERT_TRUE((*txn)->Set(Key(1), "x").ok());
  fake_.before_call = [](const google::protobuf::Message& m) {
    if (m.GetDescriptor()->name() == "CommitRequest") return Status::Unavailable("down");
    return Status::OK();
  };
  auto c = (*txn)->Commit();
  fake_.before_call = nullptr;
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kUnavailable);
  EXPECT_FALSE(c.status().retryable());
  EXPECT_NE(c.status().message().find("undetermined"), std::string::npos);
}

TEST_F(TxnTest, RolledBackByReaderIsTxnAborted) {
  auto txn = cluster_->Begin();
  ASSERT_TRUE((*txn)->Set(Key(1), "x").ok());
  ASSERT_TRUE((*txn)->Set(Key(50), "x").ok());
  // Between prewrite and commit, someone rolls the primary back (as a reader does once the
  // lock has expired).
  const uint64_t start = (*txn)->start_ts();
  fake_.before_call = [&, start](const google::protobuf::Message& m) {
    if (m.GetDescriptor()->name() == "CommitRequest") fake_.RollbackTxn(Key(1), start);
    return Status::OK();
  };
  auto c = (*txn)->Commit();
  fake_.before_call = nullptr;
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kTxnAborted) << c.status().ToString();
  EXPECT_EQ(fake_.LockCount(), 0u);  // the secondary's lock was rolled back too
}

// Snapshot isolation under contention: concurrent read-modify-write increments, restarted on
// WriteConflict / KeyLocked, lose no update.
TEST_F(TxnTest, ConcurrentIncrementsLoseNothing) {
  constexpr int kThreads = 6;
  constexpr int kIncrements = 15;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&]() {
      for (int i = 0; i < kIncrements; ++i) {
        while (true) {
          auto txn = cluster_->Begin();
          if (!txn.ok()) {
            ++failures;
            return;
          }
          auto cur = (*txn)->Get(Key(42));
          int v = cur.ok() ? std::stoi(*cur) : 0;
          if (!cur.ok() && !cur.status().IsNotFound()) continue;
          // Touch keys in several regions so the commit spans regions and stores.
          (void)(*txn)->Set(Key(42), std::to_string(v + 1));
          (void)(*txn)->Set(Key(2), "x");
          (void)(*txn)->Set(Key(70), "y");
          auto c = (*txn)->Commit();
          if (c.ok()) break;
          auto code = c.status().code();
          if (code != Status::Code::kWriteConflict && code != Status::Code::kKeyLocked &&
              code != Status::Code::kTxnAborted) {
            ADD_FAILURE() << c.status().ToString();
            ++failures;
            return;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto v = cluster_->GetSnapshot(*cluster_->GetTS()).Get(Key(42));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(fake_.LockCount(), 0u);
}

TEST(TwoPhaseCommitter, LockTtlGrowsWithSizeAndElapsedTime) {
  EXPECT_EQ(TwoPhaseCommitter::LockTtl(100, 0), 3000u);
  EXPECT_EQ(TwoPhaseCommitter::LockTtl(16ull << 20, 0), 24000u);
  EXPECT_EQ(TwoPhaseCommitter::LockTtl(1ull << 40, 0), 120000u);
  EXPECT_EQ(TwoPhaseCommitter::LockTtl(100, 500), 3500u);
  EXPECT_EQ(TwoPhaseCommitter::LockTtl(100, -5), 3000u);
}

}  // namespace
}  // namespace brkv::client
