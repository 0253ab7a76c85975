// `br restore` into a replicated 3-node cluster while leaders move and a node is killed with
// -9 and restarted, on real processes: the restore either exits 0 or fails with one clear
// error line and a rerun (which resumes from br's checkpoint) exits 0; either way the restored
// tables equal the source exactly (kvctl dump, kvctl checksum) and br's own table checksums
// matched the backup.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "client/cluster.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "table/sysbench_loader.h"

namespace brkv::itest {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr char kDb[] = "sbtest";
const std::vector<std::string> kTables = {"sbtest1", "sbtest2"};

// Fast Raft clock: a killed leader is replaced in about a second.
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

struct Cluster {
  std::unique_ptr<LocalCluster> procs;
  std::unique_ptr<client::Cluster> client;
};

Result<Cluster> StartCluster(const std::vector<std::string>& kv_env) {
  LocalClusterOptions lo;
  lo.kv_count = 3;
  lo.kv_config_toml = kKvConfig;
  lo.kv_env = kv_env;
  Cluster c;
  ASSIGN_OR_RETURN(c.procs, LocalCluster::Start(lo));
  client::ClusterOptions co;
  co.pd_address = c.procs->pd_address();
  co.retry_budget_ms = 30000;
  ASSIGN_OR_RETURN(c.client, client::Cluster::Connect(co));
  RETURN_IF_ERROR(c.procs->WaitReplicatedAndBalanced(60s));
  return c;
}

// total_kvs/total_bytes per "db.table" from `kvctl checksum` (crc64xor hashes keys holding the
// table id, which differs between source and target).
std::map<std::string, std::string> ChecksumNumbers(const std::string& out) {
  std::map<std::string, std::string> m;
  for (const auto& line : Lines(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    m[j["db"].get<std::string>() + "." + j["table"].get<std::string>()] =
        std::to_string(j["total_kvs"].get<uint64_t>()) + "/" +
        std::to_string(j["total_bytes"].get<uint64_t>());
  }
  return m;
}

class RestoreNemesisTest : public ::testing::Test {
 protected:
  CommandResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    auto r = RunCommand(argv, timeout, dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }
  CommandResult Kvctl(const Cluster& c, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BinPath("kvctl"), "--pd", c.procs->pd_address()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = Run(argv, 120s);
    EXPECT_TRUE(r.exit.success()) << "kvctl " << args[0] << ": " << r.err;
    return r;
  }
  CommandResult Restore(const Cluster& target, const std::string& log) {
    return Run({BinPath("br"), "restore", "db", "--db", kDb, "--pd", target.procs->pd_address(),
                "-s", "local://" + dir_.Sub("backup"), "--log-file", log},
               300s);
  }

  TempDir dir_{"brkv-restore-nemesis"};
};

TEST_F(RestoreNemesisTest, RestoreWhileLeadersMoveAndANodeIsKilledGivesExactData) {
  // Source: two sysbench tables over several regions, backed up once.
  auto source = StartCluster({});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  table::SysbenchOptions so;
  so.db = kDb;
  so.tables = 2;
  so.rows = 3000;
  so.rows_per_region = 500;
  so.threads = 2;
  auto loaded = table::LoadSysbench(source->client.get(), so);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto backup =
      Run({BinPath("br"), "backup", "db", "--db", kDb, "--pd", source->procs->pd_address(), "-s",
           "local://" + dir_.Sub("backup"), "--log-file", dir_.Sub("backup.log")},
          300s);
  ASSERT_TRUE(backup.exit.success()) << backup.err;
  std::map<std::string, std::string> dumps;
  for (const auto& t : kTables) dumps[t] = Kvctl(*source, {"dump", std::string(kDb) + "." + t}).out;
  const auto sums = ChecksumNumbers(Kvctl(*source, {"checksum", kDb}).out);
  ASSERT_EQ(sums.size(), kTables.size());
  source->procs.reset();  // the source is no longer needed: free the machine

  // Target: every download on a node takes a while, so that the faults land mid-restore.
  auto target = StartCluster({"BRKV_FAILPOINTS=import.download.before-stage=sleep(200)"});
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  LocalCluster* procs = target->procs.get();

  const std::string log1 = dir_.Sub("restore-1.log");
  std::atomic<bool> done{false};
  CommandResult first;
  std::thread restore([&] {
    first = Restore(*target, log1);
    done = true;
  });

  // Nemesis 1: leadership of a random region moves to a random other voter every 300 ms.
  std::atomic<int> transfers{0};
  std::thread mover([&] {
    std::mt19937_64 rng(20261207);
    while (!done.load()) {
      auto regions = procs->pd()->ScanRegions("", "", 0);
      if (regions.ok() && !regions->empty()) {
        const auto& r = (*regions)[rng() % regions->size()];
        std::vector<uint64_t> others;
        for (const auto& p : r.region.peers()) {
          if (p.store_id() != r.leader.store_id() && p.role() != metapb::Learner) {
            others.push_back(p.store_id());
          }
        }
        if (!others.empty()) {
          // Refused when the region runs another operator or the store is down: fine.
          auto op = procs->pd()->AddOperator(brkvpb::OPERATOR_TRANSFER_LEADER, r.region.id(),
                                             others[rng() % others.size()]);
          if (op.ok()) ++transfers;
        }
      }
      std::this_thread::sleep_for(300ms);  // the nemesis' pace, not a synchronisation
    }
  });

  // Nemesis 2: once br has split and scattered (the ingest phase begins), the node leading
  // the most regions is killed with -9; it comes back once PD has seen other stores take over
  // every region it led.
  auto wait_for = [&](auto cond, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline && !cond()) std::this_thread::sleep_for(50ms);
    return cond();
  };
  const bool ingesting =
      wait_for([&] { return done.load() || Contains(ReadFile(log1), " split at "); }, 120s);
  EXPECT_TRUE(ingesting) << "br never reached the ingest phase: " << ReadFile(log1);
  const bool killed_mid_restore = !done.load();
  int victim = 0;
  {
    std::map<uint64_t, int> led;
    auto regions = procs->pd()->ScanRegions("", "", 0);
    ASSERT_TRUE(regions.ok()) << regions.status().ToString();
    for (const auto& r : *regions) ++led[r.leader.store_id()];
    int most = -1;
    for (int i = 0; i < procs->kv_count(); ++i) {
      auto id = procs->KvStoreId(i);
      if (id.ok() && led[*id] > most) {
        most = led[*id];
        victim = i;
      }
    }
  }
  auto victim_store = procs->KvStoreId(victim);
  ASSERT_TRUE(victim_store.ok());
  ASSERT_OK(procs->KillKv(victim));
  wait_for(
      [&] {
        auto regions = procs->pd()->ScanRegions("", "", 0);
        if (!regions.ok()) return false;
        for (const auto& r : *regions) {
          if (r.leader.store_id() == *victim_store) return false;
        }
        return true;
      },
      20s);
  ASSERT_OK(procs->RestartKv(victim));
  restore.join();
  mover.join();
  EXPECT_TRUE(killed_mid_restore) << "the restore finished before the node was killed";
  std::printf("restore 1: exit %s, %d leader transfers during it, kv-%d killed and restarted\n",
              first.exit.ToString().c_str(), transfers.load(), victim);

  if (!first.exit.success()) {
    // A node dying under a download or an ingest may fail the restore; then the failure must be
    // one clear line and a rerun must finish the job.
    std::vector<std::string> lines;
    for (const auto& l : Lines(first.err)) {
      if (!l.empty()) lines.push_back(l);
    }
    ASSERT_EQ(lines.size(), 1u) << first.err;
    EXPECT_EQ(lines[0].rfind("br: error:", 0), 0u) << lines[0];
    std::printf("restore 1 failed: %s\n", lines[0].c_str());
    const std::string log2 = dir_.Sub("restore-2.log");
    auto second = Restore(*target, log2);
    ASSERT_TRUE(second.exit.success()) << second.err << "\n" << ReadFile(log2);
    EXPECT_TRUE(Contains(second.out, "Database Restore success summary")) << second.out;
  } else {
    EXPECT_TRUE(Contains(first.out, "Database Restore success summary")) << first.out;
    // br compared every table's checksum with the backup.
    const std::string log = ReadFile(log1);
    for (const auto& t : kTables) {
      EXPECT_TRUE(Contains(log, t + "` matches the backup") ||
                  Contains(log, t + " matches the backup"))
          << t << "\n"
          << log;
    }
  }

  ASSERT_OK(procs->WaitReplicatedAndBalanced(60s));
  const auto got_sums = ChecksumNumbers(Kvctl(*target, {"checksum", kDb}).out);
  for (const auto& t : kTables) {
    EXPECT_EQ(Kvctl(*target, {"dump", std::string(kDb) + "." + t}).out, dumps.at(t)) << t;
    const std::string name = std::string(kDb) + "." + t;
    EXPECT_EQ(got_sums.count(name) ? got_sums.at(name) : "", sums.at(name)) << name;
  }
}

}  // namespace
}  // namespace brkv::itest
