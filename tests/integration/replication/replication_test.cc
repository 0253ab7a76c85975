// Replication end to end on real processes: three kv-servers keep three replicas of every
// region; a leader killed with -9 or frozen with SIGSTOP is replaced within seconds, and a bank
// workload under a nemesis (kill -9 / pause / restart / leader transfer / split) never sees money
// created or lost and never loses an acknowledged transfer.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "client/cluster.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "kv/keys.h"

namespace brkv::itest {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Fast Raft clock so that failover takes about a second.
constexpr const char* kKvConfig =
    "[raftstore]\n"
    "raft-base-tick-interval = \"50ms\"\n"
    "[server]\n"
    "region-heartbeat-interval = \"1s\"\n";

constexpr int kAccounts = 12;
constexpr int64_t kInitial = 100;

std::string Account(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "acct/%02d", i);
  return buf;
}

int Voters(const metapb::Region& r) {
  int n = 0;
  for (const auto& p : r.peers()) n += p.role() != metapb::Learner;
  return n;
}

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalClusterOptions o;
    o.kv_count = 3;
    o.kv_config_toml = kKvConfig;
    auto c = LocalCluster::Start(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cluster_ = std::move(c).value();
    client::ClusterOptions co;
    co.pd_address = cluster_->pd_address();
    co.rpc_timeout_ms = 2000;
    co.retry_budget_ms = 30000;
    auto cl = client::Cluster::Connect(co);
    ASSERT_TRUE(cl.ok()) << cl.status().ToString();
    client_ = std::move(cl).value();
    ASSERT_TRUE(WaitFullyReplicated(3, 60s).ok());
  }

  // Polls PD until every region has `replicas` voters and a leader.
  Status WaitFullyReplicated(int replicas, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string last;
    while (Clock::now() < deadline) {
      auto regions = cluster_->pd()->ScanRegions("", "", 0);
      if (regions.ok()) {
        bool all = !regions->empty();
        for (const auto& r : *regions) {
          if (Voters(r.region) != replicas || r.leader.id() == 0) {
            all = false;
            last = "region " + std::to_string(r.region.id()) + " has " +
                   std::to_string(Voters(r.region)) + " voters";
          }
        }
        if (all) return Status::OK();
      }
      std::this_thread::sleep_for(100ms);
    }
    return Status::TimedOut("not fully replicated: " + last);
  }

  // The kv index whose store leads the region holding `key` (a txn key).
  Result<int> LeaderOf(const std::string& key) {
    ASSIGN_OR_RETURN(client::RegionInfo r, cluster_->pd()->GetRegion(keys::TxnRegionKey(key)));
    for (int i = 0; i < cluster_->kv_count(); ++i) {
      auto id = cluster_->KvStoreId(i);
      if (id.ok() && *id == r.leader.store_id()) return i;
    }
    return Status::NotFound("no leader known for " + key);
  }

  // OK only when the transfer committed; Aborted("insufficient funds") when nothing was done.
  Status Transfer(int from, int to, int64_t amount, const std::string& marker) {
    ASSIGN_OR_RETURN(auto txn, client_->Begin());
    ASSIGN_OR_RETURN(std::string a, txn->Get(Account(from)));
    ASSIGN_OR_RETURN(std::string b, txn->Get(Account(to)));
    const int64_t av = std::stoll(a), bv = std::stoll(b);
    if (av < amount) return Status::Aborted("insufficient funds");
    RETURN_IF_ERROR(txn->Set(Account(from), std::to_string(av - amount)));
    RETURN_IF_ERROR(txn->Set(Account(to), std::to_string(bv + amount)));
    RETURN_IF_ERROR(txn->Set(marker, std::to_string(amount)));
    return txn->Commit().status();
  }

  Result<int64_t> Total(uint64_t ts) {
    std::vector<std::string> ks;
    for (int i = 0; i < kAccounts; ++i) ks.push_back(Account(i));
    ASSIGN_OR_RETURN(auto got, client_->GetSnapshot(ts).BatchGet(ks));
    if (got.size() != ks.size()) {
      return Status::Corruption("only " + std::to_string(got.size()) + " accounts visible");
    }
    int64_t sum = 0;
    for (const auto& [k, v] : got) sum += std::stoll(v);
    return sum;
  }

  // `kvctl consistency-check` with the given extra arguments.
  CommandResult ConsistencyCheck(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {BinPath("kvctl"), "--pd", cluster_->pd_address(),
                                     "consistency-check"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = RunCommand(argv, 120s, cluster_->dir());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }

  // Every region's replicas (all three) hold the same data.
  void ExpectReplicasAgree() {
    auto r = ConsistencyCheck();
    EXPECT_TRUE(r.exit.success()) << r.out << r.err;
    auto lines = Lines(r.out);
    ASSERT_GE(lines.size(), 2u) << r.out;
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      EXPECT_NE(lines[i].find(": 3 replicas agree"), std::string::npos) << lines[i];
    }
    EXPECT_NE(lines.back().find(" 0 inconsistent, 0 not verified"), std::string::npos)
        << lines.back();
  }

  std::unique_ptr<LocalCluster> cluster_;
  std::unique_ptr<client::Cluster> client_;
};

TEST_F(ReplicationTest, KilledOrFrozenLeaderIsReplacedAndNothingAcknowledgedIsLost) {
  // 50 committed keys, then the leader of their region dies.
  for (int i = 0; i < 50; ++i) {
    auto txn = client_->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Set("k/" + std::to_string(i), "v" + std::to_string(i)).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto leader = LeaderOf("k/0");
  ASSERT_TRUE(leader.ok()) << leader.status().ToString();
  ASSERT_TRUE(cluster_->KillKv(*leader).ok());
  const auto t0 = Clock::now();
  {
    auto txn = client_->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Set("k/after-kill", "x").ok());
    auto c = (*txn)->Commit();
    ASSERT_TRUE(c.ok()) << c.status().ToString();
  }
  const auto failover = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  EXPECT_LT(failover.count(), 15000) << "writes resumed only after " << failover.count() << " ms";
  auto ts = client_->GetTS();
  ASSERT_TRUE(ts.ok());
  for (int i = 0; i < 50; ++i) {
    auto v = client_->GetSnapshot(*ts).Get("k/" + std::to_string(i));
    ASSERT_TRUE(v.ok()) << i << ": " << v.status().ToString();
    EXPECT_EQ(*v, "v" + std::to_string(i));
  }

  // The dead node comes back and catches up; then the new leader is frozen instead.
  ASSERT_TRUE(cluster_->RestartKv(*leader).ok());
  ASSERT_TRUE(WaitFullyReplicated(3, 30s).ok());
  auto leader2 = LeaderOf("k/0");
  ASSERT_TRUE(leader2.ok());
  ASSERT_TRUE(cluster_->PauseKv(*leader2).ok());
  {
    auto txn = client_->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Set("k/after-pause", "y").ok());
    auto c = (*txn)->Commit();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
  }
  // A replica that cannot answer leaves its region unverified: never reported consistent.
  {
    auto r = ConsistencyCheck({"--check-timeout", "3"});
    EXPECT_FALSE(r.exit.success()) << r.out;
    auto err = Lines(r.err);
    ASSERT_EQ(err.size(), 1u) << r.err;
    EXPECT_NE(err[0].find("could not be verified"), std::string::npos) << err[0];
    EXPECT_EQ(r.out.find("replicas agree"), std::string::npos) << r.out;
  }
  ASSERT_TRUE(cluster_->ResumeKv(*leader2).ok());
  auto ts2 = client_->GetTS();
  ASSERT_TRUE(ts2.ok());
  auto v = client_->GetSnapshot(*ts2).Get("k/after-pause");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "y");
  ExpectReplicasAgree();
}

TEST_F(ReplicationTest, BankTotalNeverChangesUnderNemesisAndNoAcknowledgedTransferIsLost) {
  {
    auto txn = client_->Begin();
    ASSERT_TRUE(txn.ok());
    for (int i = 0; i < kAccounts; ++i) {
      ASSERT_TRUE((*txn)->Set(Account(i), std::to_string(kInitial)).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  const int64_t total = kAccounts * kInitial;

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> acknowledged;  // markers of committed transfers
  std::vector<std::string> violations;
  std::atomic<int> reads{0}, failed_transfers{0};

  auto worker = [&](int id) {
    std::mt19937_64 rng(1000 + id);
    for (int n = 0; !stop.load(); ++n) {
      const int from = static_cast<int>(rng() % kAccounts);
      const int to = static_cast<int>((from + 1 + rng() % (kAccounts - 1)) % kAccounts);
      const std::string marker = "xfer/" + std::to_string(id) + "/" + std::to_string(n);
      Status s = Transfer(from, to, 1 + static_cast<int64_t>(rng() % 10), marker);
      if (s.ok()) {
        std::lock_guard<std::mutex> l(mu);
        acknowledged.push_back(marker);
      } else {
        ++failed_transfers;  // conflicts, timeouts, undetermined outcomes: not acknowledged
      }
    }
  };
  auto reader = [&] {
    while (!stop.load()) {
      auto ts = client_->GetTS();
      if (!ts.ok()) continue;
      auto sum = Total(*ts);
      if (!sum.ok()) continue;  // a read that could not finish is not a wrong read
      ++reads;
      if (*sum != total) {
        std::lock_guard<std::mutex> l(mu);
        violations.push_back("total " + std::to_string(*sum) + " at ts " + std::to_string(*ts));
      }
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(worker, 1);
  threads.emplace_back(worker, 2);
  threads.emplace_back(reader);

  // The nemesis: one fault at a time, so that a quorum is always reachable once it is over.
  std::mt19937_64 rng(42);
  std::vector<std::string> log;
  const auto end = Clock::now() + 25s;
  int round = 0;
  while (Clock::now() < end) {
    const int node = static_cast<int>(rng() % cluster_->kv_count());
    switch (rng() % 4) {
      case 0:
        log.push_back("kill -9 kv" + std::to_string(node));
        ASSERT_TRUE(cluster_->KillKv(node).ok());
        std::this_thread::sleep_for(1500ms);  // the fault's length
        ASSERT_TRUE(cluster_->RestartKv(node).ok());
        break;
      case 1:
        log.push_back("pause kv" + std::to_string(node));
        ASSERT_TRUE(cluster_->PauseKv(node).ok());
        std::this_thread::sleep_for(2000ms);  // the fault's length
        ASSERT_TRUE(cluster_->ResumeKv(node).ok());
        break;
      case 2: {
        // Move the leadership of an account's region to another store, as `kvctl operator add
        // transfer-leader` does.
        const std::string acct = Account(static_cast<int>(rng() % kAccounts));
        auto r = cluster_->pd()->GetRegion(keys::TxnRegionKey(acct));
        auto to = cluster_->KvStoreId(node);
        log.push_back("transfer leader of " + acct + " to kv" + std::to_string(node));
        if (r.ok() && to.ok()) {
          // Refused when it already leads there or another operator runs: fine.
          (void)cluster_->pd()->AddOperator(brkvpb::OPERATOR_TRANSFER_LEADER, r->region.id(), *to);
        }
        break;
      }
      default: {
        const std::string key = Account(1 + static_cast<int>(rng() % (kAccounts - 1))) +
                                "/" + std::to_string(round);
        log.push_back("split at " + key);
        auto s = client_->admin()->SplitRegions({key}, client::SplitKeyForm::kTxnRawKey);
        (void)s;  // a split may fail while a node is down; the workload goes on either way
        break;
      }
    }
    ++round;
    std::this_thread::sleep_for(500ms);  // let the workload run between faults
  }
  stop = true;
  for (auto& t : threads) t.join();

  std::string history;
  for (const auto& l : log) history += l + "; ";
  EXPECT_TRUE(violations.empty()) << violations.front() << " (nemesis: " << history << ")";
  EXPECT_GT(reads.load(), 10) << history;
  ASSERT_GT(acknowledged.size(), 20u) << "too little progress under the nemesis: " << history;

  // Every acknowledged transfer is there, and the total is intact.
  auto ts = client_->GetTS();
  ASSERT_TRUE(ts.ok());
  auto sum = Total(*ts);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, total);
  auto got = client_->GetSnapshot(*ts).BatchGet(acknowledged);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  for (const auto& m : acknowledged) {
    EXPECT_TRUE(got->count(m)) << "acknowledged transfer " << m << " is lost (nemesis: "
                               << history << ")";
  }
  ASSERT_TRUE(WaitFullyReplicated(3, 60s).ok());
  // After all the kills, pauses, transfers and splits, every replica holds the same data.
  ExpectReplicasAgree();
}

}  // namespace
}  // namespace brkv::itest
