// Bad input and faults on the replicated cluster, on real processes:
//   - an operator naming a store or region that does not exist (or a down store) is refused by
//     PD with one clear kvctl error line, and no operator is left behind;
//   - leadership asked to move to a follower far behind (frozen while 200 transactions
//     committed) is refused by the leader until the follower caught up, writes go on meanwhile,
//     and the transfer completes once it has;
//   - a node that comes back after PD replaced its replicas destroys them (the count it reports
//     drops to zero) and never answers a read for them; also when the regions split while it
//     was away, after which PD's balance fills it again;
//   - a node restarted with a wiped data directory is refused with a message naming the old
//     store, and joins as a new store that PD fills once the old one is deleted;
//   - every acknowledged commit survives kill -9 of all kv-servers at once.
// Every scenario ends by reading back everything written, exactly.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/cluster.h"
#include "client/store_client.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "kv/keys.h"
#include "proto/kvrpcpb.pb.h"

namespace brkv::itest {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Fast Raft clock and heartbeats so that elections and PD's reactions take about a second.
constexpr const char* kKvConfig =
    "[raftstore]\n"
    "raft-base-tick-interval = \"50ms\"\n"
    "[server]\n"
    "region-heartbeat-interval = \"1s\"\n";

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    ::brkv::Status _s = (expr);                             \
    ASSERT_TRUE(_s.ok()) << #expr << ": " << _s.ToString(); \
  } while (0)

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Polls `cond` every 100 ms until it holds or `timeout` passes.
template <typename F>
bool WaitFor(F cond, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return cond();
}

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "fault/%05d", i);
  return buf;
}

class ReplicationFaultTest : public ::testing::Test {
 protected:
  // Starts `kv_count` kv-servers; `pd_toml` (if not empty) is PD's --config file.
  void StartCluster(int kv_count, const std::string& pd_toml = "",
                    std::vector<std::string> pd_args = {}) {
    LocalClusterOptions o;
    o.kv_count = kv_count;
    o.kv_config_toml = kKvConfig;
    if (!pd_toml.empty()) {
      ASSERT_OK(WriteFile(scratch_.Sub("pd.toml"), pd_toml));
      pd_args.push_back("--config");
      pd_args.push_back(scratch_.Sub("pd.toml"));
    }
    o.pd_extra_args = pd_args;
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
    ASSERT_OK(WaitFullyReplicated(60s));
  }

  // Every region has three voters and a leader (without asking for balance: with region
  // balance off a fourth store stays empty).
  Status WaitFullyReplicated(std::chrono::milliseconds timeout) {
    std::string why = "PD did not answer";
    const bool ok = WaitFor(
        [&] {
          auto rs = cluster_->pd()->ScanRegions("", "", 0);
          if (!rs.ok()) return false;
          for (const auto& r : *rs) {
            int voters = 0;
            for (const auto& p : r.region.peers()) voters += p.role() != metapb::Learner;
            if (voters != 3 || r.leader.id() == 0) {
              why = "region " + std::to_string(r.region.id()) + " has " + std::to_string(voters) +
                    " voters";
              return false;
            }
          }
          return true;
        },
        timeout);
    return ok ? Status::OK() : Status::TimedOut("not fully replicated: " + why);
  }

  CommandResult Kvctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BinPath("kvctl"), "--pd", cluster_->pd_address()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunCommand(argv, 60s, scratch_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }

  // Commits key(i) = "v<i>-<tag>" for i in [from, to), one transaction each.
  void WriteKeys(int from, int to, const std::string& tag) {
    for (int i = from; i < to; ++i) {
      auto txn = client_->Begin();
      ASSERT_TRUE(txn.ok()) << txn.status().ToString();
      ASSERT_OK((*txn)->Set(Key(i), "v" + std::to_string(i) + "-" + tag));
      auto c = (*txn)->Commit();
      ASSERT_TRUE(c.ok()) << Key(i) << ": " << c.status().ToString();
    }
  }

  // Everything under "fault/" equals `want` exactly (no key missing, none extra).
  void ExpectExactly(const std::map<std::string, std::string>& want) {
    auto ts = client_->GetTS();
    ASSERT_TRUE(ts.ok()) << ts.status().ToString();
    auto got = client_->GetSnapshot(*ts).Scan("fault/", "fault0", 0);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    std::map<std::string, std::string> have;
    for (const auto& kv : *got) have[kv.key] = kv.value;
    EXPECT_EQ(have.size(), want.size());
    for (const auto& [k, v] : want) {
      auto it = have.find(k);
      if (it == have.end()) {
        ADD_FAILURE() << k << " is lost";
      } else {
        EXPECT_EQ(it->second, v) << k;
      }
    }
  }

  static std::map<std::string, std::string> Expected(int from, int to, const std::string& tag) {
    std::map<std::string, std::string> m;
    for (int i = from; i < to; ++i) m[Key(i)] = "v" + std::to_string(i) + "-" + tag;
    return m;
  }

  // The kv index of the node whose store id is `store_id`; -1 if none.
  int NodeOf(uint64_t store_id) {
    for (int i = 0; i < cluster_->kv_count(); ++i) {
      auto id = cluster_->KvStoreId(i);
      if (id.ok() && *id == store_id) return i;
    }
    return -1;
  }

  Result<brkvpb::StoreInfo> StoreInfo(uint64_t store_id) {
    ASSIGN_OR_RETURN(auto stores, cluster_->pd()->GetAllStores());
    for (const auto& s : stores) {
      if (s.store().id() == store_id) return s;
    }
    return Status::NotFound("store " + std::to_string(store_id) + " unknown to PD");
  }

  // A KvGet of `key` sent straight to `address` for the given region replica, bypassing the
  // client's routing: what a stale client (or a stale region cache) would get from that node.
  Result<kvrpcpb::GetResponse> DirectGet(const std::string& address, const metapb::Region& region,
                                         const metapb::Peer& peer, const std::string& key) {
    ASSIGN_OR_RETURN(uint64_t ts, client_->GetTS());
    kvrpcpb::GetRequest req;
    req.mutable_context()->set_region_id(region.id());
    *req.mutable_context()->mutable_region_epoch() = region.region_epoch();
    *req.mutable_context()->mutable_peer() = peer;
    req.set_key(key);
    req.set_version(ts);
    kvrpcpb::GetResponse resp;
    RETURN_IF_ERROR(transport_->Call(address, req, &resp, Clock::now() + 2s));
    return resp;
  }

  TempDir scratch_{"brkv-faults"};
  std::unique_ptr<LocalCluster> cluster_;
  std::unique_ptr<client::Cluster> client_;
  client::ChannelCache channels_;
  std::unique_ptr<client::TikvTransport> transport_ = client::NewGrpcTikvTransport(&channels_);
};

// kvctl's error output: exactly one "kvctl: error: ..." line, non-zero exit.
void ExpectKvctlError(const CommandResult& r, const std::string& must_contain) {
  EXPECT_FALSE(r.exit.success()) << r.out;
  auto lines = Lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("kvctl: error: ", 0), 0u) << lines[0];
  EXPECT_TRUE(Contains(lines[0], must_contain)) << lines[0] << "\nwanted: " << must_contain;
}

TEST_F(ReplicationFaultTest, OperatorOnAStoreOrRegionThatDoesNotExistIsRefusedAndLeavesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(3, "", {"--store-down-ms", "2000"}));
  WriteKeys(0, 20, "a");
  auto regions = cluster_->pd()->ScanRegions("", "", 0);
  ASSERT_TRUE(regions.ok() && !regions->empty());
  const metapb::Region region = regions->front().region;
  const std::string rid = std::to_string(region.id());

  ExpectKvctlError(Kvctl({"operator", "add", "add-peer", rid, "99"}),
                   "NotFound: PD AddOperator: store 99 not found");
  ExpectKvctlError(Kvctl({"operator", "add", "transfer-leader", rid, "99"}),
                   "NotFound: PD AddOperator: store 99 not found");
  ExpectKvctlError(Kvctl({"operator", "add", "remove-peer", rid, "99"}),
                   "NotFound: PD AddOperator: store 99 not found");
  ExpectKvctlError(Kvctl({"operator", "add", "add-peer", "987654", "1"}),
                   "NotFound: PD AddOperator: region 987654");
  ExpectKvctlError(Kvctl({"store", "delete", "99"}),
                   "NotFound: PD DeleteStore: store 99 not found");

  // A store that exists but is down cannot receive leadership.
  auto leader_store = regions->front().leader.store_id();
  int victim = -1;
  for (int i = 0; i < 3 && victim < 0; ++i) {
    auto id = cluster_->KvStoreId(i);
    if (id.ok() && *id != leader_store) victim = i;
  }
  ASSERT_GE(victim, 0);
  auto victim_store = cluster_->KvStoreId(victim);
  ASSERT_TRUE(victim_store.ok());
  ASSERT_OK(cluster_->KillKv(victim));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = StoreInfo(*victim_store);
        return s.ok() && s->is_down();
      },
      20s));
  ExpectKvctlError(
      Kvctl({"operator", "add", "transfer-leader", rid, std::to_string(*victim_store)}),
      "Unavailable: PD AddOperator: store " + std::to_string(*victim_store) +
          " is down (no heartbeat for ");

  // None of the refused requests left an operator behind.
  auto ops = cluster_->pd()->ListOperators(0);
  ASSERT_TRUE(ops.ok()) << ops.status().ToString();
  for (const auto& op : *ops) {
    EXPECT_NE(op.kind(), "admin") << "operator left behind: " << op.desc() << " region "
                                  << op.region_id();
  }
  auto show = Kvctl({"operator", "show", rid});
  EXPECT_TRUE(show.exit.success()) << show.err;
  EXPECT_FALSE(Contains(show.out, "admin-")) << show.out;

  // The region keeps serving on the two live replicas; nothing was lost.
  WriteKeys(20, 30, "a");
  ExpectExactly(Expected(0, 30, "a"));
  ASSERT_OK(cluster_->RestartKv(victim));
}

TEST_F(ReplicationFaultTest, TransferToAFollowerFarBehindWaitsUntilItCaughtUp) {
  // The frozen follower must not count as down (PD would then cancel the transfer, which is
  // another scenario), however slow the machine: a generous store-down threshold.
  ASSERT_NO_FATAL_FAILURE(StartCluster(3, "", {"--store-down-ms", "60000"}));
  WriteKeys(0, 1, "b");
  auto r0 = cluster_->pd()->GetRegion(keys::TxnRegionKey(Key(0)));
  ASSERT_TRUE(r0.ok());
  const uint64_t region_id = r0->region.id();
  const int leader = NodeOf(r0->leader.store_id());
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % 3;
  auto follower_store = cluster_->KvStoreId(follower);
  ASSERT_TRUE(follower_store.ok());

  // The follower freezes while 200 transactions (two Raft entries each) commit without it.
  ASSERT_OK(cluster_->PauseKv(follower));
  WriteKeys(1, 200, "b");
  auto add = Kvctl({"operator", "add", "transfer-leader", std::to_string(region_id),
                    std::to_string(*follower_store)});
  ASSERT_TRUE(add.exit.success()) << add.err;
  EXPECT_TRUE(Contains(
      add.out, "added operator admin-transfer-leader for region " + std::to_string(region_id)))
      << add.out;

  // The leader refuses the transfer while the follower is that far behind (TiKV's
  // leader-transfer-max-log-lag), and says why in its log.
  const std::string leader_log = cluster_->dir() + "/kv-" + std::to_string(leader) + ".log";
  ASSERT_TRUE(WaitFor([&] { return Contains(ReadFile(leader_log), "entries behind"); }, 15s))
      << "the leader never refused the transfer";
  auto r1 = cluster_->pd()->GetRegion(keys::TxnRegionKey(Key(0)));
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->leader.store_id(), r0->leader.store_id()) << "leadership moved to a frozen node";
  // Writes go on meanwhile: the refused transfer does not stall the region.
  WriteKeys(200, 210, "b");

  // Once the follower is back and caught up, the operator's next attempt succeeds.
  ASSERT_OK(cluster_->ResumeKv(follower));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = cluster_->pd()->GetRegion(keys::TxnRegionKey(Key(0)));
        return r.ok() && r->leader.store_id() == *follower_store;
      },
      25s))
      << "leadership never reached the caught-up follower";
  auto show = Kvctl({"operator", "show", std::to_string(region_id)});
  EXPECT_TRUE(Contains(show.out, "admin-transfer-leader  admin    finished")) << show.out;
  ExpectExactly(Expected(0, 210, "b"));
}

TEST_F(ReplicationFaultTest, NodeBackAfterItsReplicasWereReplacedDestroysThemAndNeverServes) {
  // Replicas of a store down for 3 s are replaced; region balance is off so that nothing is
  // moved back to the returning node (its hosted count must drop to zero and stay there).
  ASSERT_NO_FATAL_FAILURE(StartCluster(4,
                                       "[schedule]\n"
                                       "max-store-down-time = \"3s\"\n"
                                       "region-schedule-limit = 0\n",
                                       {"--store-down-ms", "2000"}));
  ASSERT_TRUE(client_->admin()
                  ->SplitRegions({Key(100), Key(200), Key(300)}, client::SplitKeyForm::kTxnRawKey)
                  .ok());
  ASSERT_OK(WaitFullyReplicated(60s));
  WriteKeys(0, 400, "c");  // writes in every region

  // The node with the most replicas goes away; remember its replicas.
  auto regions = cluster_->pd()->ScanRegions("", "", 0);
  ASSERT_TRUE(regions.ok());
  std::map<uint64_t, int> per_store;
  for (const auto& r : *regions) {
    for (const auto& p : r.region.peers()) ++per_store[p.store_id()];
  }
  uint64_t stale_store = 0;
  for (const auto& [s, n] : per_store) {
    if (stale_store == 0 || n > per_store[stale_store]) stale_store = s;
  }
  const int stale = NodeOf(stale_store);
  ASSERT_GE(stale, 0);
  struct OldReplica {
    metapb::Region region;
    metapb::Peer peer;
    std::string key;  // a key inside the region
  };
  std::vector<OldReplica> old;
  for (int k : {0, 100, 200, 300}) {
    auto r = cluster_->pd()->GetRegion(keys::TxnRegionKey(Key(k)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& p : r->region.peers()) {
      if (p.store_id() == stale_store) old.push_back({r->region, p, Key(k)});
    }
  }
  ASSERT_GE(old.size(), 2u);
  ASSERT_OK(cluster_->KillKv(stale));

  // PD replaces every replica of the dead store on the remaining three; writes go on.
  WriteKeys(0, 400, "c2");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto rs = cluster_->pd()->ScanRegions("", "", 0);
        if (!rs.ok()) return false;
        for (const auto& r : *rs) {
          int voters = 0;
          for (const auto& p : r.region.peers()) {
            if (p.store_id() == stale_store) return false;
            voters += p.role() != metapb::Learner;
          }
          if (voters != 3) return false;
        }
        return true;
      },
      45s))
      << "PD did not replace the dead store's replicas";

  // It comes back holding replicas of regions that no longer count it as a member. Every read
  // sent straight to it is refused (never an old value), and it destroys them.
  ASSERT_OK(cluster_->RestartKv(stale));
  const std::string address = cluster_->kv_address(stale);
  std::set<std::string> errors_seen;
  int served = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& o : old) {
          auto resp = DirectGet(address, o.region, o.peer, o.key);
          if (!resp.ok()) continue;  // not answering at all is fine
          if (resp->has_region_error()) {
            const auto& e = resp->region_error();
            errors_seen.insert(e.has_not_leader()         ? "NotLeader"
                               : e.has_region_not_found() ? "RegionNotFound"
                               : e.has_epoch_not_match()  ? "EpochNotMatch"
                                                          : "other: " + e.message());
          } else {
            ++served;
          }
        }
        auto s = StoreInfo(stale_store);
        return s.ok() && !s->is_down() && s->hosted_region_count() == 0;
      },
      30s))
      << "the returning node still hosts " << StoreInfo(stale_store)->hosted_region_count()
      << " replicas";
  EXPECT_EQ(served, 0) << "a replica PD had replaced answered a read";
  std::string seen;
  for (const auto& e : errors_seen) seen += " " + e;
  std::printf("direct reads to the returning node's old replicas were refused with:%s\n",
              seen.c_str());

  // Destroyed: every old replica now answers RegionNotFound, and the log says so.
  const std::string log = ReadFile(cluster_->dir() + "/kv-" + std::to_string(stale) + ".log");
  for (const auto& o : old) {
    auto resp = DirectGet(address, o.region, o.peer, o.key);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    EXPECT_TRUE(resp->region_error().has_region_not_found())
        << "region " << o.region.id() << ": " << resp->ShortDebugString();
    EXPECT_TRUE(Contains(log, "destroyed its replica (peer " + std::to_string(o.peer.id()) +
                                  ") of region " + std::to_string(o.region.id())))
        << "region " << o.region.id();
  }
  auto stores = Kvctl({"stores"});
  EXPECT_TRUE(Contains(stores.out, "HOSTED")) << stores.out;
  ExpectExactly(Expected(0, 400, "c2"));
}

TEST_F(ReplicationFaultTest, NodeBackAfterSplitsAndReplacementIsCleanedUpAndRefilled) {
  // As above, but the regions split while the node is away (its stale replicas cover ranges
  // that now belong to several regions), and PD's region balance then gives it replicas again:
  // the new replicas' snapshots must not be blocked by the stale ones.
  ASSERT_NO_FATAL_FAILURE(StartCluster(4,
                                       "[schedule]\n"
                                       "max-store-down-time = \"3s\"\n",
                                       {"--store-down-ms", "2000"}));
  ASSERT_TRUE(
      client_->admin()->SplitRegions({Key(100), Key(200)}, client::SplitKeyForm::kTxnRawKey).ok());
  ASSERT_OK(WaitFullyReplicated(60s));
  WriteKeys(0, 300, "e");

  auto regions = cluster_->pd()->ScanRegions("", "", 0);
  ASSERT_TRUE(regions.ok());
  std::map<uint64_t, int> per_store;
  for (const auto& r : *regions) {
    for (const auto& p : r.region.peers()) ++per_store[p.store_id()];
  }
  uint64_t stale_store = 0;
  for (const auto& [st, n] : per_store) {
    if (stale_store == 0 || n > per_store[stale_store]) stale_store = st;
  }
  const int stale = NodeOf(stale_store);
  ASSERT_GE(stale, 0);
  std::vector<std::pair<uint64_t, uint64_t>> old;  // region id, peer id on the stale store
  for (const auto& r : *regions) {
    for (const auto& p : r.region.peers()) {
      if (p.store_id() == stale_store) old.emplace_back(r.region.id(), p.id());
    }
  }
  ASSERT_FALSE(old.empty());
  ASSERT_OK(cluster_->KillKv(stale));

  // While it is away: splits inside every old region, writes, and PD's repair.
  ASSERT_TRUE(client_->admin()
                  ->SplitRegions({Key(50), Key(150), Key(250)}, client::SplitKeyForm::kTxnRawKey)
                  .ok());
  WriteKeys(0, 300, "e2");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto rs = cluster_->pd()->ScanRegions("", "", 0);
        if (!rs.ok() || rs->size() < 6) return false;
        for (const auto& r : *rs) {
          int voters = 0;
          for (const auto& p : r.region.peers()) {
            if (p.store_id() == stale_store) return false;
            voters += p.role() != metapb::Learner;
          }
          if (voters != 3) return false;
        }
        return true;
      },
      45s))
      << "PD did not replace the dead store's replicas";

  // Back: every stale replica is destroyed, PD's balance moves replicas (and leaders) onto the
  // node again, and what the node hosts is exactly what PD placed there.
  ASSERT_OK(cluster_->RestartKv(stale));
  const std::string log_path = cluster_->dir() + "/kv-" + std::to_string(stale) + ".log";
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string log = ReadFile(log_path);
        for (const auto& [region, peer] : old) {
          if (!Contains(log, "destroyed its replica (peer " + std::to_string(peer) +
                                 ") of region " + std::to_string(region))) {
            return false;
          }
        }
        return true;
      },
      30s))
      << "stale replicas not destroyed";
  ASSERT_OK(cluster_->WaitReplicatedAndBalanced(60s));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = StoreInfo(stale_store);
        return s.ok() && s->peer_count() > 0 && s->hosted_region_count() == s->peer_count();
      },
      30s))
      << Kvctl({"stores"}).out;
  ExpectExactly(Expected(0, 300, "e2"));
}

TEST_F(ReplicationFaultTest, WipedDataDirIsRefusedUntilTheOldStoreIsDeletedThenRejoins) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(4));
  ASSERT_TRUE(
      client_->admin()->SplitRegions({Key(100), Key(200)}, client::SplitKeyForm::kTxnRawKey).ok());
  ASSERT_OK(cluster_->WaitReplicatedAndBalanced(60s));
  WriteKeys(0, 300, "d");

  // Node 3 loses its disk. Started on an empty directory it must not take over the old
  // store's identity (its replicas' data is gone): it refuses, naming the store to delete.
  const int wiped = 3;
  auto old_store = cluster_->KvStoreId(wiped);
  ASSERT_TRUE(old_store.ok());
  ASSERT_OK(cluster_->KillKv(wiped));
  std::filesystem::remove_all(cluster_->dir() + "/kv-" + std::to_string(wiped));
  Status refused = cluster_->RestartKv(wiped);
  ASSERT_FALSE(refused.ok()) << "a node with a wiped data dir joined under the old store's address";
  EXPECT_TRUE(Contains(refused.ToString(), "still belongs to store " + std::to_string(*old_store)))
      << refused.ToString();
  EXPECT_TRUE(Contains(refused.ToString(), "kvctl store delete " + std::to_string(*old_store)))
      << refused.ToString();
  // The old store still counts at PD and the data is all there.
  ExpectExactly(Expected(0, 300, "d"));

  // Deleting the old store moves its replicas to the three others, then it becomes Tombstone.
  auto del = Kvctl({"store", "delete", std::to_string(*old_store)});
  ASSERT_TRUE(del.exit.success()) << del.err;
  EXPECT_TRUE(Contains(del.out, "store " + std::to_string(*old_store) + " is Offline")) << del.out;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = StoreInfo(*old_store);
        return s.ok() && s->store().state() == metapb::Tombstone;
      },
      45s))
      << Kvctl({"stores"}).out;

  // Now the node starts as a new store, and PD's balance gives it replicas again.
  ASSERT_OK(cluster_->RestartKv(wiped));
  auto new_store = cluster_->KvStoreId(wiped);
  ASSERT_TRUE(new_store.ok());
  EXPECT_NE(*new_store, *old_store);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = StoreInfo(*new_store);
        return s.ok() && s->peer_count() > 0 && s->hosted_region_count() > 0;
      },
      45s))
      << Kvctl({"stores"}).out;
  ASSERT_OK(cluster_->WaitReplicatedAndBalanced(60s));
  WriteKeys(300, 320, "d");
  ExpectExactly(Expected(0, 320, "d"));
}

TEST_F(ReplicationFaultTest, AcknowledgedCommitsSurviveKillOfAllNodesAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(3));
  ASSERT_TRUE(client_->admin()
                  ->SplitRegions({Key(5000), Key(10000)}, client::SplitKeyForm::kTxnRawKey)
                  .ok());
  ASSERT_OK(cluster_->WaitReplicatedAndBalanced(60s));

  // Two writers commit until every node dies at once; what they were told committed is what
  // must be there afterwards.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::string, std::string> acknowledged;
  std::atomic<int> acks{0};
  auto writer = [&](int id) {
    for (int n = 0; !stop.load(); ++n) {
      const std::string k = Key(id * 5000 + n);
      const std::string v = "w" + std::to_string(id) + "-" + std::to_string(n);
      auto txn = client_->Begin();
      if (!txn.ok()) continue;
      if (!(*txn)->Set(k, v).ok()) continue;
      if ((*txn)->Commit().ok()) {
        std::lock_guard<std::mutex> l(mu);
        acknowledged[k] = v;
        ++acks;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int id = 0; id < 2; ++id) threads.emplace_back(writer, id);
  ASSERT_TRUE(WaitFor([&] { return acks.load() >= 150; }, 60s));
  for (int i = 0; i < 3; ++i) ASSERT_OK(cluster_->KillKv(i));
  stop = true;
  // Commits in flight keep retrying and may still be acknowledged once the nodes are back:
  // those count too, so the writers are joined only after the restart.
  Status restarted = Status::OK();
  for (int i = 0; i < 3 && restarted.ok(); ++i) restarted = cluster_->RestartKv(i);
  for (auto& t : threads) t.join();
  ASSERT_OK(restarted);
  const auto acked = acknowledged;  // no writer runs any more
  ASSERT_OK(cluster_->WaitReplicatedAndBalanced(60s));
  // Unacknowledged commits may or may not be there; only the acknowledged ones are checked.
  auto ts = client_->GetTS();
  ASSERT_TRUE(ts.ok());
  std::vector<std::string> ks;
  for (const auto& [k, v] : acked) ks.push_back(k);
  auto got = client_->GetSnapshot(*ts).BatchGet(ks);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  for (const auto& [k, v] : acked) {
    auto it = got->find(k);
    if (it == got->end()) {
      ADD_FAILURE() << "acknowledged " << k << " lost after kill -9 of every node";
    } else {
      EXPECT_EQ(it->second, v) << k;
    }
  }
  EXPECT_GE(acked.size(), 150u);
}

}  // namespace
}  // namespace brkv::itest
