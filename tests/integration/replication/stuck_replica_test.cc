// A replica whose staged SST is gone when the restore's ingest is applied, on real processes:
// it must not diverge silently. It gets stuck on the ingest (and says so in its log), asks the
// leader for a snapshot, catches up from it (and says so), and then serves exactly the
// restored data when it leads.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "client/cluster.h"
#include "common/codec.h"
#include "harness/local_cluster.h"
#include "kv/keys.h"

namespace brkv::itest {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A fast Raft clock; the leader's ingest waits 4 s after every replica staged its copy, the
// window in which this test removes one follower's copy.
constexpr const char* kKvConfig =
    "[raftstore]\n"
    "raft-base-tick-interval = \"50ms\"\n"
    "[server]\n"
    "region-heartbeat-interval = \"1s\"\n";

std::vector<std::string> StagedFiles(const std::string& import_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(import_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".sst") {
      out.push_back(it->path().string());
    }
  }
  return out;
}

bool LogHas(const std::string& path, const std::string& needle) {
  return ReadFile(path).find(needle) != std::string::npos;
}

TEST(StuckReplicaTest, ReplicaWithoutItsStagedFileCatchesUpBySnapshot) {
  LocalClusterOptions o;
  o.kv_count = 3;
  o.kv_config_toml = kKvConfig;
  o.kv_env = {"BRKV_FAILPOINTS=import.before-ingest=sleep(4000)"};
  auto started = LocalCluster::Start(o);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  auto cluster = std::move(started).value();
  ASSERT_TRUE(cluster->WaitReplicatedAndBalanced(60s).ok());
  client::ClusterOptions co;
  co.pd_address = cluster->pd_address();
  auto connected = client::Cluster::Connect(co);
  ASSERT_TRUE(connected.ok()) << connected.status().ToString();
  auto client = std::move(connected).value();

  std::vector<client::KvPair> pairs;
  for (int i = 0; i < 300; ++i) {
    char k[32];
    std::snprintf(k, sizeof(k), "raw/k%04d", i);
    pairs.push_back({k, "value-" + std::to_string(i)});
  }
  ASSERT_TRUE(client->raw()->BatchPut(pairs).ok());
  const std::string backup = cluster->dir() + "/backup";
  auto run = [&](std::vector<std::string> args, const std::string& log) {
    std::vector<std::string> argv = {BinPath("br")};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const std::string& a :
         {std::string("--pd"), cluster->pd_address(), std::string("-s"), "local://" + backup,
          std::string("--log-file"), cluster->dir() + "/" + log}) {
      argv.push_back(a);
    }
    return RunCommand(argv, 300s, cluster->dir());
  };
  const std::vector<std::string> range = {"--start", codec::ToHex("raw/"), "--end",
                                          codec::ToHex("raw0")};
  std::vector<std::string> backup_args = {"backup", "raw"};
  backup_args.insert(backup_args.end(), range.begin(), range.end());
  auto b = run(backup_args, "backup.log");
  ASSERT_TRUE(b.ok() && b->exit.success()) << (b.ok() ? b->err : b.status().ToString());
  for (const auto& p : pairs) ASSERT_TRUE(client->raw()->Delete(p.key).ok());

  // Restore in the background; while the leader waits, remove one follower's staged copy.
  std::vector<std::string> restore_args = {"restore", "raw"};
  restore_args.insert(restore_args.end(), range.begin(), range.end());
  Result<CommandResult> restored = Status::Internal("not run");
  std::thread restore([&] { restored = run(restore_args, "restore.log"); });
  int stuck = -1;
  const auto deadline = Clock::now() + 120s;
  while (stuck < 0 && Clock::now() < deadline) {
    bool all_staged = true;
    for (int i = 0; i < 3; ++i) {
      all_staged = all_staged &&
                   !StagedFiles(cluster->dir() + "/kv-" + std::to_string(i) + "/import").empty();
    }
    if (all_staged) {
      auto region = cluster->pd()->GetRegion(keys::RawRegionKey("raw/k0000"));
      if (region.ok()) {
        for (int i = 0; i < 3 && stuck < 0; ++i) {
          auto id = cluster->KvStoreId(i);
          if (id.ok() && *id != region->leader.store_id()) stuck = i;
        }
      }
    }
    if (stuck < 0) std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(stuck, 0) << "the staged copies never appeared on every node";
  const std::string stuck_dir = cluster->dir() + "/kv-" + std::to_string(stuck) + "/import";
  for (const auto& f : StagedFiles(stuck_dir)) fs::remove(f);
  restore.join();
  ASSERT_TRUE(restored.ok() && restored->exit.success())
      << (restored.ok() ? restored->err : restored.status().ToString());

  // The replica got stuck on the ingest, then caught up from the leader's snapshot.
  const std::string log = cluster->dir() + "/kv-" + std::to_string(stuck) + ".log";
  const auto caught_deadline = Clock::now() + 60s;
  while (!LogHas(log, "caught up from the leader's snapshot") && Clock::now() < caught_deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(LogHas(log, "is stuck at entry")) << "kv-" << stuck << " never got stuck";
  ASSERT_TRUE(LogHas(log, "caught up from the leader's snapshot"))
      << "kv-" << stuck << " never caught up";

  // It serves the restored data when it leads.
  auto region = cluster->pd()->GetRegion(keys::RawRegionKey("raw/k0000"));
  ASSERT_TRUE(region.ok());
  auto stuck_store = cluster->KvStoreId(stuck);
  ASSERT_TRUE(stuck_store.ok());
  auto t = RunCommand(
      {BinPath("kvctl"), "--pd", cluster->pd_address(), "operator", "add", "transfer-leader",
       std::to_string(region->region.id()), std::to_string(*stuck_store)},
      60s, cluster->dir());
  ASSERT_TRUE(t.ok() && t->exit.success()) << (t.ok() ? t->err : t.status().ToString());
  const auto lead_deadline = Clock::now() + 30s;
  while (Clock::now() < lead_deadline) {
    auto r = cluster->pd()->GetRegion(keys::RawRegionKey("raw/k0000"));
    if (r.ok() && r->leader.store_id() == *stuck_store) break;
    std::this_thread::sleep_for(50ms);
  }
  auto now = cluster->pd()->GetRegion(keys::RawRegionKey("raw/k0000"));
  ASSERT_TRUE(now.ok());
  ASSERT_EQ(now->leader.store_id(), *stuck_store) << "leadership never moved to kv-" << stuck;
  auto got = client->raw()->Scan("raw/", "raw0");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ((*got)[i].key, pairs[i].key);
    EXPECT_EQ((*got)[i].value, pairs[i].value);
  }
}

}  // namespace
}  // namespace brkv::itest
