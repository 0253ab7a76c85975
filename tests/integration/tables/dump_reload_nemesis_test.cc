// `kvctl dump` -> `kvctl insert` (the benchmark's logical reload) on a replicated cluster, three
// kv-servers with three replicas per region, while PD moves region leaders and regions split
// under the scans and under the writes, on real processes: every dump taken during the nemesis
// equals the one taken in quiet byte for byte, and the tables reloaded from it equal the source
// (dump, kvctl count, kvctl checksum total_kvs/total_bytes). The source holds churned rows (ids
// past the load, deleted ids, moved k_1 entries), as the benchmark's does.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "catalog/datum.h"
#include "catalog/tablecodec.h"
#include "client/admin.h"
#include "client/cluster.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "kv/keys.h"
#include "table/churn.h"
#include "table/csv_import.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/sysbench_loader.h"
#include "table/table_reader.h"

namespace brkv::itest {
namespace {

using namespace std::chrono_literals;

constexpr char kDb[] = "sbtest";
constexpr char kCopyDb[] = "reload";
const std::vector<std::string> kTables = {"sbtest1", "sbtest2"};
constexpr int64_t kRows = 10000;
// The benchmark's reload schema: nullable columns (the loader's are NOT NULL), same encoding.
constexpr char kReloadSpec[] =
    "id int primary key auto_increment, k int, c char(120), pad char(60), index k_1(k)";

// Fast Raft clock, so that leader transfers complete within the run; no fsync per write (the
// test is about reads and writes meeting region changes, not durability).
constexpr const char* kKvConfig =
    "[raftstore]\n"
    "raft-base-tick-interval = \"50ms\"\n"
    "[server]\n"
    "region-heartbeat-interval = \"1s\"\n"
    "[storage]\n"
    "sync-write = false\n";

// "total_kvs/total_bytes" per table name from `kvctl checksum` (crc64xor hashes keys holding
// the table id, which differs between the source and the copy).
std::map<std::string, std::string> ChecksumNumbers(const std::string& out) {
  std::map<std::string, std::string> m;
  for (const auto& line : Lines(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    m[j["table"].get<std::string>()] = std::to_string(j["total_kvs"].get<uint64_t>()) + "/" +
                                       std::to_string(j["total_bytes"].get<uint64_t>());
  }
  return m;
}

// "" when `got` equals `want`; else the line counts and the first line that differs (dumps are
// megabytes: a plain EXPECT_EQ would print them whole).
std::string DumpDifference(const std::string& want, const std::string& got) {
  if (want == got) return "";
  const std::vector<std::string> w = Lines(want), g = Lines(got);
  size_t i = 0;
  while (i < w.size() && i < g.size() && w[i] == g[i]) ++i;
  return std::to_string(g.size()) + " lines instead of " + std::to_string(w.size()) +
         "; first difference at line " + std::to_string(i + 1) + ": expected '" +
         (i < w.size() ? w[i].substr(0, 40) : "<end>") + "...', got '" +
         (i < g.size() ? g[i].substr(0, 40) : "<end>") + "...'";
}

class DumpReloadNemesisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalClusterOptions lo;
    lo.kv_count = 3;
    lo.kv_config_toml = kKvConfig;
    auto procs = LocalCluster::Start(lo);
    ASSERT_TRUE(procs.ok()) << procs.status().ToString();
    procs_ = std::move(procs).value();
    client::ClusterOptions co;
    co.pd_address = procs_->pd_address();
    co.retry_budget_ms = 30000;
    auto c = client::Cluster::Connect(co);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(c).value();
    Status s = procs_->WaitReplicatedAndBalanced(60s);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    if (HasFailure() && procs_ != nullptr) procs_->DumpLogs(30);
  }

  // kvctl with `args`, stdin from `stdin_path` when non-empty; must succeed.
  std::string KvctlOk(const std::vector<std::string>& args, const std::string& stdin_path = "") {
    std::vector<std::string> argv = {BinPath("kvctl"), "--pd", procs_->pd_address(), "--timeout",
                                     "60"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!stdin_path.empty()) {
      std::string cmd;
      for (const auto& a : argv) cmd += "'" + a + "' ";
      argv = {"/bin/sh", "-c", cmd + "< '" + stdin_path + "'"};
    }
    auto r = RunCommand(argv, 120s, dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    EXPECT_TRUE(r->exit.success())
        << "kvctl " << ::testing::PrintToString(args) << ": " << r->exit.ToString() << "\n"
        << r->err;
    return r->out;
  }

  // The catalog entries of db.table at a fresh snapshot.
  std::pair<catalog::DBInfo, catalog::TableInfo> Find(const std::string& db,
                                                      const std::string& table) {
    auto ts = client_->GetTS();
    EXPECT_TRUE(ts.ok());
    if (!ts.ok()) return {};
    table::SnapshotReader kv(client_->GetSnapshot(*ts));
    table::MetaReader meta(&kv);
    auto d = meta.FindDatabase(db);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok()) return {};
    auto t = meta.FindTable(*d, table);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return {*d, t.ok() ? *t : catalog::TableInfo{}};
  }

  // TableReader::DumpCsv (what kvctl dump runs) through the test's long-lived client, whose
  // region cache goes stale as the nemesis moves leaders and splits regions.
  std::string DumpInProcess(const catalog::TableInfo& t) {
    auto ts = client_->GetTS();
    EXPECT_TRUE(ts.ok());
    if (!ts.ok()) return "";
    std::string out;
    Status s = table::TableReader(client_.get(), t, *ts).DumpCsv([&](std::string_view chunk) {
      out.append(chunk);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  TempDir dir_{"brkv-dump-reload-nemesis"};
  std::unique_ptr<LocalCluster> procs_;
  std::unique_ptr<client::Cluster> client_;
};

TEST_F(DumpReloadNemesisTest, DumpAndReloadWhileLeadersMoveAndRegionsSplitAreExact) {
  // Source: two sysbench tables over several regions each, then churn.
  table::SysbenchOptions so;
  so.db = kDb;
  so.tables = static_cast<int>(kTables.size());
  so.rows = kRows;
  so.rows_per_region = 2500;
  so.threads = 2;
  auto loaded = table::LoadSysbench(client_.get(), so);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto churned = table::RunChurn(client_.get(), {.db = kDb, .ops = 300, .seed = 11});
  ASSERT_TRUE(churned.ok()) << churned.status().ToString();

  // In quiet: the reference dumps, row counts and checksums.
  std::map<std::string, std::string> dumps, dump_files, counts;
  for (const auto& t : kTables) {
    dumps[t] = KvctlOk({"dump", std::string(kDb) + "." + t});
    counts[t] = KvctlOk({"count", std::string(kDb) + "." + t});
    ASSERT_EQ(std::to_string(Lines(dumps[t]).size()) + "\n", counts[t]) << t;
    dump_files[t] = dir_.Sub(t + ".csv");
    ASSERT_TRUE(WriteFile(dump_files[t], dumps[t]).ok());
  }
  const auto sums = ChecksumNumbers(KvctlOk({"checksum", kDb}));
  ASSERT_EQ(sums.size(), kTables.size());

  KvctlOk({"create-database", kCopyDb});
  for (const auto& t : kTables) {
    KvctlOk({"create-table", std::string(kCopyDb) + "." + t, kReloadSpec});
  }

  // Split points: record and k_1 keys of the source tables and of the copies; leader moves:
  // the regions from the first of these tables to the end of the last.
  struct Target {
    catalog::DBInfo db;
    catalog::TableInfo table;
    int64_t k1 = 0;
  };
  std::map<std::string, Target> source, copy;
  std::vector<const Target*> targets;
  for (const auto& t : kTables) {
    for (const auto& [db, m] : {std::pair{kDb, &source}, std::pair{kCopyDb, &copy}}) {
      auto [d, info] = Find(db, t);
      const catalog::IndexInfo* k1 = info.FindIndex("k_1");
      ASSERT_NE(k1, nullptr) << db << "." << t;
      (*m)[t] = Target{d, info, k1->id};
      targets.push_back(&(*m)[t]);
    }
  }
  int64_t min_id = targets[0]->table.id, max_id = min_id;
  for (const Target* t : targets) {
    min_id = std::min(min_id, t->table.id);
    max_id = std::max(max_id, t->table.id);
  }
  const std::string moves_start = keys::TxnRegionKey(catalog::TablePrefix(min_id));
  const std::string moves_end = keys::TxnRegionKey(catalog::TablePrefix(max_id + 1));

  auto splitter_client = client::Cluster::Connect({.pd_address = procs_->pd_address()});
  ASSERT_TRUE(splitter_client.ok()) << splitter_client.status().ToString();
  client::Cluster* splitter = splitter_client->get();

  // The nemesis: every 50 ms, either leadership of a random region of those tables moves to a
  // random other voter, or a region is split at a random record or k_1 key of a random table.
  std::atomic<bool> stop{false};
  std::atomic<int> transfers{0}, splits{0};
  std::thread nemesis([&] {
    std::mt19937_64 rng(20261207);
    for (int i = 0; !stop.load(); ++i) {
      if (i % 2 == 0) {
        auto regions = procs_->pd()->ScanRegions(moves_start, moves_end, 0);
        if (regions.ok() && !regions->empty()) {
          const auto& r = (*regions)[rng() % regions->size()];
          std::vector<uint64_t> others;
          for (const auto& p : r.region.peers()) {
            if (p.store_id() != r.leader.store_id() && p.role() != metapb::Learner) {
              others.push_back(p.store_id());
            }
          }
          // Refused while the region runs another operator: fine.
          if (!others.empty() && procs_->pd()
                                     ->AddOperator(brkvpb::OPERATOR_TRANSFER_LEADER, r.region.id(),
                                                   others[rng() % others.size()])
                                     .ok()) {
            ++transfers;
          }
        }
      } else {
        const Target& t = *targets[rng() % targets.size()];
        const auto handle = static_cast<int64_t>(1 + rng() % (kRows + 500));
        std::string key;
        if (rng() % 2 == 0) {
          key = catalog::RecordKey(t.table.id, handle);
        } else {
          const catalog::Datum k = catalog::Datum::Int(static_cast<int64_t>(1 + rng() % kRows));
          key = catalog::IndexKey(t.table.id, t.k1, std::span<const catalog::Datum>(&k, 1), false,
                                  handle);
        }
        // A separate client, so that the test's own region cache only learns of the split when
        // its next request meets it.
        auto split = splitter->admin()->SplitRegions({key}, client::SplitKeyForm::kTxnRawKey);
        if (split.ok() && !split->empty()) ++splits;
      }
      std::this_thread::sleep_for(50ms);  // the nemesis' pace, not a synchronisation
    }
  });

  // Under the nemesis (no ASSERT until it is joined): dumps of the source (kvctl, and in process
  // through a client whose cache goes stale), then the reload, both tables at once in small
  // transactions: one through kvctl insert (as the benchmark), one through ImportCsv on the stale
  // client; then the copies' dumps.
  for (int round = 0; round < 3; ++round) {
    for (const auto& t : kTables) {
      EXPECT_EQ(DumpDifference(dumps[t], KvctlOk({"dump", std::string(kDb) + "." + t})), "")
          << t << " round " << round;
      for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(DumpDifference(dumps[t], DumpInProcess(source[t].table)), "")
            << t << " round " << round;
      }
    }
  }
  {
    std::string kvctl_out;
    std::thread by_kvctl([&] {
      kvctl_out = KvctlOk({"insert", std::string(kCopyDb) + "." + kTables[0], "--batch", "100"},
                          dump_files[kTables[0]]);
    });
    const Target& t = copy[kTables[1]];
    auto imported = table::ImportCsv(client_.get(), t.db, t.table, dumps[kTables[1]],
                                     table::ImportOptions{.batch_rows = 100});
    by_kvctl.join();
    EXPECT_NE(
        kvctl_out.find("inserted " + std::to_string(Lines(dumps[kTables[0]]).size()) + " rows"),
        std::string::npos)
        << kvctl_out;
    EXPECT_TRUE(imported.ok()) << imported.status().ToString();
    if (imported.ok()) EXPECT_EQ(imported->rows, Lines(dumps[kTables[1]]).size());
  }
  for (int round = 0; round < 3; ++round) {
    for (const auto& t : kTables) {
      EXPECT_EQ(DumpDifference(dumps[t], DumpInProcess(copy[t].table)), "")
          << t << " round " << round;
    }
  }
  stop = true;
  nemesis.join();
  std::printf("%d leader transfers and %d splits during the dumps and the reload\n",
              transfers.load(), splits.load());
  EXPECT_GT(transfers.load(), 0);
  EXPECT_GT(splits.load(), 0);

  // The copies equal the source: rows, row counts, and every row and index entry's bytes.
  const auto copy_sums = ChecksumNumbers(KvctlOk({"checksum", kCopyDb}));
  for (const auto& t : kTables) {
    EXPECT_EQ(DumpDifference(dumps[t], KvctlOk({"dump", std::string(kCopyDb) + "." + t})), "") << t;
    EXPECT_EQ(KvctlOk({"count", std::string(kCopyDb) + "." + t}), counts[t]) << t;
    EXPECT_EQ(copy_sums.count(t) ? copy_sums.at(t) : "", sums.at(t)) << t;
  }
}

}  // namespace
}  // namespace brkv::itest
