// kvctl stores / regions / operator / store delete / scatter against an in-process pd-server
// (real gRPC),
// with the test playing every region leader: it reports the region and carries out PD's
// commands.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "client/pd_client.h"
#include "pd/clock.h"
#include "pd/pd_server.h"
#include "pd/pd_test_util.h"
#include "tools/kvctl_common.h"
#include "tools/region_scatter.h"
#include "tools/replica_report.h"

namespace brkv::tools {
namespace {

struct KvctlRun {
  Status status;
  std::string out;
};

// Runs one kvctl command line the way kvctl's main does, capturing stdout.
KvctlRun RunKvctl(const std::string& pd, std::vector<std::string> args) {
  KvctlContext ctx;
  CLI::App app{"kvctl"};
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--pd", ctx.options().pd);
  AddClusterCommands(&app, &ctx);
  AddOperatorCommands(&app, &ctx);
  AddAdminCommands(&app, &ctx);
  args.insert(args.begin(), {"kvctl", "--pd", pd});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  KvctlRun run;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    run.status = Status::InvalidArgument(e.what());
    return run;
  }
  std::FILE* out = std::tmpfile();
  ctx.set_out(out);
  run.status = ctx.ValidateGlobals();
  if (run.status.ok()) run.status = ctx.RunAction();
  std::fflush(out);
  std::rewind(out);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), out)) > 0) run.out.append(buf, n);
  std::fclose(out);
  return run;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class KvctlOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pd::PdServerOptions opts;
    opts.data_dir = dir_.path();
    opts.addr = "127.0.0.1:0";
    opts.clock = &clock_;
    opts.schedule.leader_schedule_limit = 0;
    opts.schedule.region_schedule_limit = 0;
    auto s = pd::PdServer::Start(opts);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    client::PdClientOptions co;
    co.address = server_->address();
    pd_ = std::move(client::PdClient::Connect(co).value());
    region_.region.set_id(2);
    region_.region.mutable_region_epoch()->set_conf_ver(1);
    region_.region.mutable_region_epoch()->set_version(1);
    auto* p = region_.region.add_peers();
    p->set_id(3);
    p->set_store_id(1);
    region_.leader = *p;
    ASSERT_TRUE(pd_->Bootstrap(Store(1), region_.region).ok());
    for (uint64_t id = 2; id <= 4; ++id) ASSERT_TRUE(pd_->PutStore(Store(id)).ok());
  }

  static metapb::Store Store(uint64_t id) {
    metapb::Store s;
    s.set_id(id);
    s.set_address("127.0.0.1:" + std::to_string(30000 + id));
    return s;
  }

  // The leader reports and carries out PD's commands until PD has none.
  void Converge() {
    for (int i = 0; i < 30; ++i) {
      auto resp = pd_->RegionHeartbeat(region_);
      ASSERT_TRUE(resp.ok()) << resp.status().ToString();
      if (!pd::testing::ApplyHeartbeatCommand(*resp, &region_.region, &region_.leader)) return;
    }
    FAIL() << "PD kept sending commands";
  }
  KvctlRun Kvctl(std::vector<std::string> args) {
    return RunKvctl(server_->address(), std::move(args));
  }

  pd::testing::ScratchDir dir_;
  pd::ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<pd::PdServer> server_;
  std::unique_ptr<client::PdClient> pd_;
  client::RegionInfo region_;
};

TEST_F(KvctlOperatorTest, RegionsAndStoresShowUnderReplication) {
  ASSERT_TRUE(pd_->RegionHeartbeat(region_).ok());  // PD starts add-replica; not carried out
  auto regions = Kvctl({"regions"});
  ASSERT_TRUE(regions.status.ok()) << regions.status.ToString();
  EXPECT_TRUE(Contains(regions.out, "REPLICAS")) << regions.out;
  EXPECT_TRUE(Contains(regions.out, " 1/3 ")) << regions.out;
  EXPECT_TRUE(Contains(regions.out, "1 regions under-replicated (target 3 replicas)\n"))
      << regions.out;
  auto stores = Kvctl({"stores"});
  ASSERT_TRUE(stores.status.ok()) << stores.status.ToString();
  EXPECT_TRUE(Contains(stores.out, "LEADERS  REGIONS")) << stores.out;
  EXPECT_TRUE(Contains(stores.out, "1 regions under-replicated (target 3 replicas)\n"))
      << stores.out;

  Converge();
  regions = Kvctl({"regions"});
  EXPECT_TRUE(Contains(regions.out, " 3/3 ")) << regions.out;
  EXPECT_TRUE(Contains(regions.out, "0 regions under-replicated (target 3 replicas)\n"))
      << regions.out;

  // A peer the leader reports down, and a pending one, count as missing.
  pdpb::PeerStats down;
  *down.mutable_peer() = region_.region.peers(1);
  region_.down_peers = {down};
  region_.pending_peers = {region_.region.peers(2)};
  ASSERT_TRUE(pd_->RegionHeartbeat(region_).ok());
  regions = Kvctl({"regions"});
  std::string down_store = std::to_string(region_.region.peers(1).store_id());
  std::string pending_store = std::to_string(region_.region.peers(2).store_id());
  EXPECT_TRUE(Contains(regions.out, down_store + "(down)")) << regions.out;
  EXPECT_TRUE(Contains(regions.out, pending_store + "(pending)")) << regions.out;
  EXPECT_TRUE(Contains(regions.out, " 1/3 ")) << regions.out;
  EXPECT_TRUE(Contains(regions.out, "1 regions under-replicated")) << regions.out;
}

TEST_F(KvctlOperatorTest, OperatorShowAndAdd) {
  Converge();
  auto show = Kvctl({"operator", "show"});
  ASSERT_TRUE(show.status.ok()) << show.status.ToString();
  EXPECT_TRUE(Contains(show.out, "add-replica")) << show.out;
  EXPECT_TRUE(Contains(show.out, "finished")) << show.out;
  auto none = Kvctl({"operator", "show", "2"});
  EXPECT_TRUE(Contains(none.out, "add-replica")) << none.out;

  uint64_t follower = region_.region.peers(1).store_id();
  auto add = Kvctl({"operator", "add", "transfer-leader", "2", std::to_string(follower)});
  ASSERT_TRUE(add.status.ok()) << add.status.ToString();
  EXPECT_TRUE(Contains(add.out,
                       "added operator admin-transfer-leader for region 2: transfer "
                       "leader to"))
      << add.out;
  show = Kvctl({"operator", "show", "2"});
  EXPECT_TRUE(Contains(show.out, "running")) << show.out;
  EXPECT_TRUE(Contains(show.out, "[transfer leader to")) << show.out;
  Converge();
  EXPECT_EQ(region_.leader.store_id(), follower);

  // The store without a replica gets one, then the checker trims back to three.
  uint64_t spare = 0;
  for (uint64_t s = 1; s <= 4; ++s) {
    bool has = false;
    for (const auto& p : region_.region.peers()) has |= p.store_id() == s;
    if (!has) spare = s;
  }
  ASSERT_TRUE(Kvctl({"operator", "add", "add-peer", "2", std::to_string(spare)}).status.ok());
  Converge();
  EXPECT_EQ(region_.region.peers_size(), 3);
  auto rm = Kvctl({"operator", "add", "remove-peer", "2", std::to_string(follower)});
  ASSERT_TRUE(rm.status.ok()) << rm.status.ToString();
  EXPECT_TRUE(Contains(rm.out, "admin-remove-peer")) << rm.out;
  uint64_t removed_peer = 0;
  for (const auto& p : region_.region.peers()) {
    if (p.store_id() == follower) removed_peer = p.id();
  }
  Converge();
  // The peer is gone; the replica checker then restored three voters (perhaps on that store
  // again, with a new peer).
  for (const auto& p : region_.region.peers()) EXPECT_NE(p.id(), removed_peer);
  EXPECT_EQ(region_.region.peers_size(), 3);
  show = Kvctl({"operator", "show", "2"});
  EXPECT_TRUE(Contains(show.out, "admin-remove-peer")) << show.out;
}

TEST_F(KvctlOperatorTest, OperatorErrorsAreOneClearLine) {
  Converge();
  auto expect_error = [&](std::vector<std::string> args, Status::Code code,
                          const std::string& text) {
    auto run = Kvctl(args);
    EXPECT_EQ(run.status.code(), code) << run.status.ToString();
    EXPECT_TRUE(Contains(run.status.message(), text)) << run.status.ToString();
    EXPECT_FALSE(Contains(run.status.ToString(), "\n"));
  };
  expect_error({"operator", "add", "transfer-leader", "99", "1"}, Status::Code::kNotFound,
               "region 99 not found");
  expect_error({"operator", "add", "add-peer", "2", "77"}, Status::Code::kNotFound,
               "store 77 not found");
  expect_error({"operator", "add", "add-peer", "2", "1"}, Status::Code::kAlreadyExists,
               "region 2 already has a peer on store 1");
  expect_error({"operator", "add", "transfer-leader", "2", "1"}, Status::Code::kAlreadyExists,
               "store 1 already leads region 2");
  expect_error({"operator", "show", "99"}, Status::Code::kNotFound, "region 99 not found");
  expect_error({"store", "delete", "9"}, Status::Code::kNotFound, "store 9 not found");
  expect_error({"operator", "add", "add-peer", "2"}, Status::Code::kInvalidArgument, "store");
  expect_error({"operator"}, Status::Code::kInvalidArgument, "subcommand");
  expect_error({"operator", "add", "add-peer", "x", "1"}, Status::Code::kInvalidArgument, "region");

  // A store that stopped heartbeating is down: it takes no new replica.
  uint64_t spare = 0;
  for (uint64_t s = 1; s <= 4; ++s) {
    bool has = false;
    for (const auto& p : region_.region.peers()) has |= p.store_id() == s;
    if (!has) spare = s;
  }
  clock_.Advance(11'000);
  for (uint64_t s = 1; s <= 4; ++s) {
    if (s == spare) continue;
    pdpb::StoreStats stats;
    stats.set_store_id(s);
    ASSERT_TRUE(pd_->StoreHeartbeat(stats).ok());
  }
  expect_error({"operator", "add", "add-peer", "2", std::to_string(spare)},
               Status::Code::kUnavailable, "store " + std::to_string(spare) + " is down");
}

TEST_F(KvctlOperatorTest, StoreDeleteMovesReplicasThenTombstones) {
  Converge();
  uint64_t victim = region_.region.peers(1).store_id();
  auto del = Kvctl({"store", "delete", std::to_string(victim)});
  ASSERT_TRUE(del.status.ok()) << del.status.ToString();
  EXPECT_TRUE(Contains(del.out, "is Offline")) << del.out;
  auto stores = Kvctl({"stores"});
  EXPECT_TRUE(Contains(stores.out, "Offline")) << stores.out;
  Converge();
  for (const auto& p : region_.region.peers()) EXPECT_NE(p.store_id(), victim);
  stores = Kvctl({"stores"});
  EXPECT_TRUE(Contains(stores.out, "Tombstone")) << stores.out;
  EXPECT_TRUE(Contains(stores.out, "0 regions under-replicated (target 3 replicas)")) << stores.out;
  auto again = Kvctl({"store", "delete", std::to_string(victim)});
  EXPECT_EQ(again.status.code(), Status::Code::kAborted);
  EXPECT_TRUE(Contains(again.status.message(), "already a tombstone"));
  // With three usable stores left for three replicas, deleting another is refused.
  auto refused = Kvctl({"store", "delete", std::to_string(region_.region.peers(0).store_id())});
  EXPECT_EQ(refused.status.code(), Status::Code::kAborted);
  EXPECT_TRUE(Contains(refused.status.message(), "add a store first")) << refused.status.ToString();
}

// Right after the first heartbeat PD runs add-replica on the region: scatter waits for it (the
// test, as the region's leader, carries it out only once the wait has begun), then scatters.
TEST_F(KvctlOperatorTest, ScatterWaitsForTheRunningReplicaOperator) {
  ASSERT_TRUE(pd_->RegionHeartbeat(region_).ok());
  auto op = pd_->GetOperator(2);
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  ASSERT_EQ(op->status(), pdpb::RUNNING);
  std::promise<std::string> first_progress;
  ScatterWaitOptions wo;
  wo.wait = std::chrono::seconds(60);
  wo.poll = std::chrono::milliseconds(20);
  int progress_lines = 0;
  wo.progress = [&](const std::string& line) {
    if (progress_lines++ == 0) first_progress.set_value(line);
  };
  auto outcome =
      std::async(std::launch::async, [&] { return ScatterWhenReady(pd_.get(), {2}, wo); });
  auto line = first_progress.get_future();
  ASSERT_EQ(line.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(Contains(line.get(),
                       "waiting up to 60s for PD to finish with 1 region before "
                       "scattering it: region 2 runs operator add-replica"));
  Converge();
  auto r = outcome.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->scattered, std::vector<uint64_t>{2});
  EXPECT_TRUE(r->refused.empty());
  EXPECT_TRUE(r->busy.empty());
  EXPECT_EQ(progress_lines, 1);  // one line per change in what is waited for
}

TEST_F(KvctlOperatorTest, ScatterReportsABusyRegionAtTheDeadlineAsOneLine) {
  ASSERT_TRUE(pd_->RegionHeartbeat(region_).ok());  // add-replica runs and is never carried out
  ScatterWaitOptions wo;
  wo.wait = std::chrono::milliseconds(0);
  bool progressed = false;
  wo.progress = [&](const std::string&) { progressed = true; };
  auto r = ScatterWhenReady(pd_.get(), {2, 2, 0}, wo);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->busy, std::vector<uint64_t>{2});
  EXPECT_EQ(r->busy_reason, "region 2 runs operator add-replica");
  EXPECT_TRUE(r->scattered.empty());
  EXPECT_FALSE(progressed);

  // PD's refusal of this single-peer region takes a while (it tries to reach the store), so
  // the wait is long enough to be sure kvctl gets to wait.
  const auto start = std::chrono::steady_clock::now();
  auto run = Kvctl({"scatter", "2", "--wait", "2.5"});
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
  EXPECT_EQ(run.status.code(), Status::Code::kTimedOut) << run.status.ToString();
  EXPECT_EQ(run.status.message(),
            "PD was still busy with regions 2 after 2.5s (region 2 runs operator add-replica): "
            "see kvctl operator show 2, then run kvctl scatter again, or pass a longer --wait");
  EXPECT_TRUE(Contains(run.out,
                       "s for PD to finish with 1 region before scattering it: region 2 runs "
                       "operator add-replica\n"))
      << run.out;
  EXPECT_TRUE(Contains(run.out, "scattered 0 of 1 regions\n")) << run.out;
  EXPECT_EQ(Kvctl({"scatter", "--wait", "-1"}).status.code(), Status::Code::kInvalidArgument);
}

// A region PD refuses while not busy with it (here: one PD does not know) is asked twice, then
// reported at once, without waiting for the deadline.
TEST_F(KvctlOperatorTest, ScatterRefusalWithoutABusyRegionFailsAtOnce) {
  Converge();
  const auto start = std::chrono::steady_clock::now();
  auto run = Kvctl({"scatter", "99", "2"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(run.status.code(), Status::Code::kAborted) << run.status.ToString();
  EXPECT_TRUE(Contains(run.status.message(), "PD could not scatter regions 99 ("))
      << run.status.ToString();
  EXPECT_TRUE(Contains(run.out, "scattered 1 of 2 regions\n")) << run.out;
  EXPECT_FALSE(Contains(run.out, "waiting")) << run.out;
}

TEST(ReplicaReportTest, MarksPeersAndCountsHealthyVoters) {
  std::map<uint64_t, brkvpb::StoreInfo> stores;
  for (uint64_t id = 1; id <= 5; ++id) stores[id].mutable_store()->set_id(id);
  stores[3].set_is_down(true);
  stores[4].mutable_store()->set_state(metapb::Offline);
  stores[5].mutable_store()->set_state(metapb::Tombstone);
  client::RegionInfo r;
  for (uint64_t id = 1; id <= 6; ++id) {
    auto* p = r.region.add_peers();
    p->set_id(10 + id);
    p->set_store_id(id);
  }
  r.region.mutable_peers(1)->set_role(metapb::Learner);  // store 2
  auto rep = DescribeReplicas(r, stores, 3);
  EXPECT_EQ(rep.peers, "1,2(learner),3(down),4(offline),5(tombstone),6(unknown-store)");
  EXPECT_EQ(rep.voters, 5u);
  EXPECT_EQ(rep.healthy_voters, 2u);  // stores 1 and 4
  EXPECT_TRUE(rep.under_replicated);
  EXPECT_FALSE(DescribeReplicas(r, stores, 2).under_replicated);
  EXPECT_EQ(UnderReplicatedSummary(4, 3), "4 regions under-replicated (target 3 replicas)");
}

}  // namespace
}  // namespace brkv::tools
