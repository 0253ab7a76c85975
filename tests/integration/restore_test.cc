// End-to-end `br restore` from a real 3-node source cluster into fresh 1-node and 4-node
// target clusters (pd-server + kv-servers as processes; br and kvctl as commands):
//   - full, db, table and raw restores: `kvctl dump` of every restored table equals the source
//     at the backup ts, and `kvctl checksum` agrees on crc64xor / total_kvs / total_bytes;
//     empty databases and empty tables come back; rows inserted after a restore get new ids;
//   - full + incremental (after churn) restores to the incremental backup's state;
//   - an encrypted backup restores with the right key, and a wrong or missing key fails with
//     nothing written;
//   - one flipped byte in one SST, or one deleted SST, fails the restore naming the file;
//   - restoring the same database twice fails with "table already exists";
//   - bad input (no backupmeta, unknown db/table, incompatible format) fails with one error
//     line and nothing written;
//   - regions split while the restore downloads (slowed by a node failpoint) are retried;
//   - no staged file is left under any node's <data-dir>/import afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "br/meta_reader.h"
#include "catalog/tablecodec.h"
#include "client/cluster.h"
#include "common/codec.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "kv/keys.h"
#include "proto/brpb.pb.h"
#include "storage/external_storage.h"
#include "table/churn.h"
#include "table/ddl.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/sysbench_loader.h"
#include "table/table_checksum.h"

namespace brkv {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kDb[] = "sbtest";
constexpr char kKey[] = "00112233445566778899aabbccddeeff";
constexpr char kWrongKey[] = "ffeeddccbbaa99887766554433221100";
const std::vector<std::string> kTables = {"sbtest1", "sbtest2", "empty_t"};

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    ::brkv::Status _s = (expr);                             \
    ASSERT_TRUE(_s.ok()) << #expr << ": " << _s.ToString(); \
  } while (0)

// A started cluster and a client on it.
struct Cluster {
  std::unique_ptr<itest::LocalCluster> procs;
  std::unique_ptr<client::Cluster> client;
};

Result<Cluster> StartCluster(int kv_count) {
  itest::LocalClusterOptions lo;
  lo.kv_count = kv_count;
  Cluster c;
  ASSIGN_OR_RETURN(c.procs, itest::LocalCluster::Start(lo));
  client::ClusterOptions co;
  co.pd_address = c.procs->pd_address();
  ASSIGN_OR_RETURN(c.client, client::Cluster::Connect(co));
  return c;
}

itest::CommandResult RunCmd(const std::vector<std::string>& argv, const std::string& scratch,
                            milliseconds timeout = seconds(300)) {
  auto r = itest::RunCommand(argv, timeout, scratch);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : itest::CommandResult{};
}

// Exactly one non-empty stderr line, "br: error: ...", and a non-zero exit.
void ExpectOneErrorLine(const itest::CommandResult& r, const std::string& must_contain) {
  EXPECT_FALSE(r.exit.success()) << "stdout: " << r.out;
  EXPECT_FALSE(r.exit.signaled) << r.exit.ToString();
  std::vector<std::string> lines;
  for (const auto& l : itest::Lines(r.err)) {
    if (!l.empty()) lines.push_back(l);
  }
  ASSERT_EQ(lines.size(), 1u) << "stderr: " << r.err;
  EXPECT_EQ(lines[0].rfind("br: error:", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(must_contain), std::string::npos) << lines[0];
}

// total_kvs / total_bytes of each `kvctl checksum` line, keyed by "db.table". crc64xor hashes
// the keys, which hold the table id, so it differs between clusters whose table ids differ
// (TableCrcEqualsSource compares it with the rewrite).
std::map<std::string, std::string> ChecksumNumbers(const std::string& out) {
  std::map<std::string, std::string> m;
  for (const auto& line : itest::Lines(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    m[j["db"].get<std::string>() + "." + j["table"].get<std::string>()] =
        std::to_string(j["total_kvs"].get<uint64_t>()) + "/" +
        std::to_string(j["total_bytes"].get<uint64_t>());
  }
  return m;
}

// Files left in any node's import directory (staged SSTs or work directories).
std::vector<std::string> StagedFiles(const itest::LocalCluster& c) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(c.dir(), ec)) {
    if (e.path().parent_path().filename() == "import") out.push_back(e.path().string());
  }
  return out;
}

std::vector<std::string> SstFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".sst") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The object name of `path` relative to the backup root `dir`.
std::string ObjectName(const std::string& dir, const std::string& path) {
  return fs::relative(path, dir).string();
}

uint64_t BackupTs(const std::string& dir) {
  auto st = storage::CreateStorageFromUrl("local://" + dir);
  EXPECT_TRUE(st.ok());
  auto reader = br::MetaReader::Open(st->get());
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  return reader.ok() ? (*reader)->meta().end_version() : 0;
}

// Source: 3 nodes, 2 sysbench tables x 5000 rows spread over every store, an empty table, an
// empty database and raw KV; backups taken once for every scenario.
class RestoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new itest::TempDir("brkv-restore");
    auto src = StartCluster(3);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    source_ = new Cluster(std::move(src).value());
    client::Cluster* c = source_->client.get();
    table::SysbenchOptions so;
    so.db = kDb;
    so.tables = 2;
    so.rows = 5000;
    so.rows_per_region = 1000;
    so.threads = 2;
    auto loaded = table::LoadSysbench(c, so);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    ASSERT_TRUE(table::CreateTable(c, kDb, "empty_t",
                                   "id bigint primary key auto_increment, "
                                   "v varchar(20), index v(v)")
                    .ok());
    ASSERT_TRUE(table::CreateDatabase(c, "emptydb").ok());
    // Raw KV over several regions.
    std::vector<std::string> splits = {"raw/c", "raw/f"};
    ASSERT_TRUE(c->admin()->SplitRegions(splits, client::SplitKeyForm::kRawKvKey).ok());
    std::vector<client::KvPair> pairs;
    for (int i = 0; i < 300; ++i) {
      char k[32];
      std::snprintf(k, sizeof(k), "raw/%c%04d", 'a' + i % 8, i);
      pairs.push_back({k, "value-" + std::to_string(i)});
    }
    ASSERT_TRUE(c->raw()->BatchPut(pairs).ok());

    // Backups.
    for (auto [sub, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"full", {"full"}},
             {"table", {"table", "--db", kDb, "--table", "sbtest2"}},
             {"enc", {"db", "--db", kDb, "--crypter.method", "aes128-ctr", "--crypter.key", kKey}},
             {"raw", {"raw", "--start", codec::ToHex("raw/"), "--end", codec::ToHex("raw0")}},
         }) {
      std::vector<std::string> argv = {itest::BinPath("br"), "backup"};
      argv.insert(argv.end(), args.begin(), args.end());
      for (const std::string& a : {std::string("--pd"), source_->procs->pd_address(),
                                   std::string("-s"), "local://" + dir_->Sub(sub),
                                   std::string("--log-file"), dir_->Sub(sub + "-backup.log")}) {
        argv.push_back(a);
      }
      auto r = RunCmd(argv, dir_->path());
      ASSERT_TRUE(r.exit.success()) << sub << ": " << r.err;
    }
    // The source as of the backups (nothing changes it until the incremental scenario).
    for (const std::string& t : kTables) {
      dumps_[t] = Kvctl(*source_, {"dump", std::string(kDb) + "." + t}).out;
    }
    checksums_ = ChecksumNumbers(Kvctl(*source_, {"checksum", kDb}).out);
    auto raw = c->raw()->Scan("raw/", "raw0");
    ASSERT_TRUE(raw.ok());
    raw_ = *raw;
  }

  static void TearDownTestSuite() {
    delete source_;
    source_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(source_, nullptr) << "source setup failed"; }

  static itest::CommandResult Kvctl(const Cluster& c, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {itest::BinPath("kvctl"), "--pd", c.procs->pd_address()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunCmd(argv, dir_->path(), seconds(120));
    EXPECT_TRUE(r.exit.success()) << "kvctl " << args[0] << ": " << r.err;
    return r;
  }

  itest::CommandResult Restore(const Cluster& target, const std::vector<std::string>& kind,
                               const std::string& backup_dir,
                               const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {itest::BinPath("br"), "restore"};
    argv.insert(argv.end(), kind.begin(), kind.end());
    const std::string log = dir_->Sub("restore-" + std::to_string(++restores_) + ".log");
    for (const std::string& a : {std::string("--pd"), target.procs->pd_address(), std::string("-s"),
                                 "local://" + backup_dir, std::string("--log-file"), log}) {
      argv.push_back(a);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = RunCmd(argv, dir_->path());
    last_log_ = log;
    return r;
  }

  // Every listed table of the target equals the source as of the backup.
  void ExpectTablesEqualSource(const Cluster& target, const std::vector<std::string>& tables) {
    auto sums = ChecksumNumbers(Kvctl(target, {"checksum", kDb}).out);
    for (const std::string& t : tables) {
      EXPECT_EQ(Kvctl(target, {"dump", std::string(kDb) + "." + t}).out, dumps_.at(t)) << t;
      const std::string name = std::string(kDb) + "." + t;
      EXPECT_EQ(sums[name], checksums_.at(name)) << name;
      ExpectCrcEqualsSource(target, t);
    }
  }

  // The target table's checksum computed as if its keys were under the source table's id
  // equals the source's, crc64xor included.
  static void ExpectCrcEqualsSource(const Cluster& target, const std::string& t) {
    auto src = FindTable(source_->client.get(), t);
    auto dst = FindTable(target.client.get(), t);
    ASSERT_TRUE(src.ok() && dst.ok()) << t;
    auto src_ts = source_->client->GetTS();
    auto dst_ts = target.client->GetTS();
    ASSERT_TRUE(src_ts.ok() && dst_ts.ok());
    auto want = table::ChecksumTable(source_->client.get(), *src, *src_ts);
    auto got = table::ChecksumTableAs(target.client.get(), *src, dst->id, *dst_ts);
    ASSERT_TRUE(want.ok() && got.ok()) << t;
    EXPECT_EQ(got->crc64xor, want->crc64xor) << t;
    EXPECT_EQ(got->total_kvs, want->total_kvs) << t;
    EXPECT_EQ(got->total_bytes, want->total_bytes) << t;
  }

  static Result<catalog::TableInfo> FindTable(client::Cluster* c, const std::string& t) {
    ASSIGN_OR_RETURN(uint64_t ts, c->GetTS());
    table::SnapshotReader kv(c->GetSnapshot(ts));
    table::MetaReader meta(&kv);
    ASSIGN_OR_RETURN(catalog::DBInfo db, meta.FindDatabase(kDb));
    return meta.FindTable(db, t);
  }

  static void ExpectNothingStaged(const Cluster& c) {
    EXPECT_TRUE(StagedFiles(*c.procs).empty()) << StagedFiles(*c.procs).front();
  }

  static std::vector<std::string> Databases(const Cluster& c) {
    return itest::Lines(Kvctl(c, {"databases"}).out);
  }

  static itest::TempDir* dir_;
  static Cluster* source_;
  static std::map<std::string, std::string> dumps_;
  static std::map<std::string, std::string> checksums_;
  static std::vector<client::KvPair> raw_;
  int restores_ = 0;
  std::string last_log_;
};

itest::TempDir* RestoreTest::dir_ = nullptr;
Cluster* RestoreTest::source_ = nullptr;
std::map<std::string, std::string> RestoreTest::dumps_;
std::map<std::string, std::string> RestoreTest::checksums_;
std::vector<client::KvPair> RestoreTest::raw_;

TEST_F(RestoreTest, FullRestoreIntoOneNodeEqualsTheSourceAndTakesNewRows) {
  auto target = StartCluster(1);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  auto r = Restore(*target, {"full"}, dir_->Sub("full"));
  ASSERT_TRUE(r.exit.success()) << r.err << "\n" << itest::ReadFile(last_log_);
  EXPECT_NE(r.out.find("Full Restore success summary: total-ranges="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("restore-ts="), std::string::npos) << r.out;
  ExpectTablesEqualSource(*target, kTables);
  // The empty database came back.
  auto dbs = Databases(*target);
  EXPECT_NE(std::find(dbs.begin(), dbs.end(), "emptydb"), dbs.end());
  ExpectNothingStaged(*target);

  // Rows inserted after the restore get ids past the restored ones.
  const std::string csv = dir_->Sub("new_rows.csv");
  ASSERT_OK(itest::WriteFile(csv, "0,7,\"c-new\",\"pad-new\"\n0,8,\"c-new2\",\"pad-new2\"\n"));
  auto ins = RunCmd({"/bin/sh", "-c",
                     itest::BinPath("kvctl") + " --pd " + target->procs->pd_address() +
                         " insert sbtest.sbtest1 < " + csv},
                    dir_->path());
  ASSERT_TRUE(ins.exit.success()) << ins.err;
  EXPECT_EQ(itest::Lines(Kvctl(*target, {"count", "sbtest.sbtest1"}).out).at(0), "5002");
  const std::string dump = Kvctl(*target, {"dump", "sbtest.sbtest1"}).out;
  EXPECT_NE(dump.find("5001,7,"), std::string::npos);
}

TEST_F(RestoreTest, TableAndDbRestoresIntoFourNodesAndTheSecondRestoreIsRefused) {
  auto target = StartCluster(4);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  // From a table backup, by table.
  auto r = Restore(*target, {"table", "--db", kDb, "--table", "sbtest2"}, dir_->Sub("table"));
  ASSERT_TRUE(r.exit.success()) << r.err << "\n" << itest::ReadFile(last_log_);
  EXPECT_NE(r.out.find("Table Restore success summary"), std::string::npos) << r.out;
  // From the full backup, the rest of the database.
  r = Restore(*target, {"db", "--db", kDb, "-f", "*.*", "-f", "!sbtest.sbtest2"},
              dir_->Sub("full"));
  ASSERT_TRUE(r.exit.success()) << r.err << "\n" << itest::ReadFile(last_log_);
  EXPECT_NE(r.out.find("Database Restore success summary"), std::string::npos) << r.out;
  ExpectTablesEqualSource(*target, kTables);
  ExpectNothingStaged(*target);

  // The restored data is spread over the stores (split + scatter before the data moved, then
  // PD's balance for regions whose scatter was refused while PD was still replicating them):
  // every region has its replicas and every store leads some region of the cluster. Which
  // stores lead the few regions of the restored range is PD's balance's choice across the
  // whole cluster, so only their replicas are counted there.
  Status balanced = target->procs->WaitReplicatedAndBalanced(std::chrono::seconds(90));
  ASSERT_TRUE(balanced.ok()) << balanced.ToString();
  std::set<uint64_t> stores;
  auto regions = target->procs->pd()->ScanRegions(keys::TxnRegionKey("t"),
                                                  keys::TxnRegionKey("u"), 0);
  ASSERT_TRUE(regions.ok());
  for (const auto& r : *regions) {
    for (const auto& p : r.region.peers()) stores.insert(p.store_id());
  }
  EXPECT_GE(stores.size(), 3u);

  // Every replica of every region holds the same data: the replicas that ingested their own
  // copies of the restored files agree with their leaders, hashed at one Raft index.
  auto cc = Kvctl(*target, {"consistency-check"});
  ASSERT_TRUE(cc.exit.success()) << cc.out << cc.err;
  auto lines = itest::Lines(cc.out);
  ASSERT_GE(lines.size(), 2u) << cc.out;
  const size_t checked = lines.size() - 1;
  EXPECT_EQ(lines.back(), std::to_string(checked) + " region(s): " + std::to_string(checked) +
                              " consistent, 0 inconsistent, 0 not verified");
  for (size_t i = 0; i < checked; ++i) {
    EXPECT_NE(lines[i].find(": 3 replicas agree (crc64 0x"), std::string::npos) << lines[i];
  }

  // Restoring the database again: refused before anything is written.
  r = Restore(*target, {"db", "--db", kDb}, dir_->Sub("full"));
  ExpectOneErrorLine(r, "table already exists: sbtest.");
  ExpectTablesEqualSource(*target, kTables);
}

TEST_F(RestoreTest, RawRestoreEqualsTheSourceRange) {
  auto target = StartCluster(1);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  auto r = Restore(*target, {"raw", "--start", codec::ToHex("raw/"), "--end", codec::ToHex("raw0")},
                   dir_->Sub("raw"));
  ASSERT_TRUE(r.exit.success()) << r.err << "\n" << itest::ReadFile(last_log_);
  EXPECT_NE(r.out.find("Raw Restore success summary"), std::string::npos) << r.out;
  auto got = target->client->raw()->Scan("raw/", "raw0");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, raw_);
  ExpectNothingStaged(*target);
  // A sub-range restores only its keys.
  auto t2 = StartCluster(1);
  ASSERT_TRUE(t2.ok());
  r = Restore(*t2, {"raw", "--start", "raw/c", "--end", "raw/f", "--format", "raw"},
              dir_->Sub("raw"));
  ASSERT_TRUE(r.exit.success()) << r.err;
  auto part = t2->client->raw()->Scan("", "");
  ASSERT_TRUE(part.ok());
  std::vector<client::KvPair> want;
  for (const auto& kv : raw_) {
    if (kv.key >= "raw/c" && kv.key < "raw/f") want.push_back(kv);
  }
  EXPECT_EQ(*part, want);
}

TEST_F(RestoreTest, EncryptedBackupNeedsTheRightKey) {
  auto target = StartCluster(1);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  auto r = Restore(*target, {"full"}, dir_->Sub("enc"),
                   {"--crypter.method", "aes128-ctr", "--crypter.key", kWrongKey});
  ExpectOneErrorLine(r, "crypter.key");
  EXPECT_EQ(r.err.find(kWrongKey), std::string::npos);
  r = Restore(*target, {"full"}, dir_->Sub("enc"));
  ExpectOneErrorLine(r, "backupmeta");
  EXPECT_TRUE(Databases(*target).empty()) << "nothing may be written";

  r = Restore(*target, {"full"}, dir_->Sub("enc"),
              {"--crypter.method", "aes128-ctr", "--crypter.key", kKey});
  ASSERT_TRUE(r.exit.success()) << r.err << "\n" << itest::ReadFile(last_log_);
  ExpectTablesEqualSource(*target, kTables);
  EXPECT_EQ(itest::ReadFile(last_log_).find(kKey), std::string::npos) << "key in the log";
}

TEST_F(RestoreTest, FlippedByteAndDeletedSstFailNamingTheFile) {
  for (const bool flip : {true, false}) {
    SCOPED_TRACE(flip ? "flipped byte" : "deleted file");
    const std::string copy = dir_->Sub(flip ? "corrupt" : "missing");
    fs::copy(dir_->Sub("full"), copy, fs::copy_options::recursive);
    const std::vector<std::string> ssts = SstFiles(copy);
    ASSERT_FALSE(ssts.empty());
    const std::string victim = ssts[ssts.size() / 2];
    if (flip) {
      std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(static_cast<std::streamoff>(fs::file_size(victim) / 2));
      char c = 0;
      f.read(&c, 1);
      c = static_cast<char>(c ^ 0x5A);
      f.seekp(static_cast<std::streamoff>(fs::file_size(victim) / 2));
      f.write(&c, 1);
    } else {
      fs::remove(victim);
    }
    auto target = StartCluster(1);
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    auto r = Restore(*target, {"full"}, copy);
    ExpectOneErrorLine(r, ObjectName(copy, victim));
    EXPECT_EQ(r.out.find("success summary"), std::string::npos);
    ExpectNothingStaged(*target);
  }
}

TEST_F(RestoreTest, BadInputFailsWithNothingWritten) {
  auto target = StartCluster(1);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  fs::create_directories(dir_->Sub("nothing"));
  ExpectOneErrorLine(Restore(*target, {"full"}, dir_->Sub("nothing")), "no backupmeta");
  ExpectOneErrorLine(Restore(*target, {"db", "--db", "nope"}, dir_->Sub("full")),
                     "database nope is not in the backup");
  ExpectOneErrorLine(Restore(*target, {"table", "--db", kDb, "--table", "nope"}, dir_->Sub("full")),
                     "sbtest.nope is not in the backup");
  ExpectOneErrorLine(Restore(*target, {"raw", "--start", "00", "--end", "ff"}, dir_->Sub("full")),
                     "restore full|db|table");
  // A backup written by a newer BR.
  const std::string newer = dir_->Sub("newer");
  fs::copy(dir_->Sub("full"), newer, fs::copy_options::recursive);
  {
    ::backup::BackupMeta meta;
    std::string bytes = itest::ReadFile(newer + "/backupmeta");
    ASSERT_TRUE(meta.ParseFromString(bytes));
    meta.set_backup_schema_version(99);
    ASSERT_OK(itest::WriteFile(newer + "/backupmeta", meta.SerializeAsString()));
  }
  ExpectOneErrorLine(Restore(*target, {"full"}, newer), "incompatible backup format");
  EXPECT_TRUE(Databases(*target).empty()) << "nothing may be written";
}

TEST_F(RestoreTest, RegionsSplitDuringTheRestoreAreRetried) {
  // Downloads take a while on the target's nodes, and meanwhile the restored tables' regions
  // are split under br's feet: ingests meet EpochNotMatch and are retried on the new regions.
  ::setenv("BRKV_FAILPOINTS", "import.download.before-stage=sleep(300)", 1);
  auto target = StartCluster(3);
  ::unsetenv("BRKV_FAILPOINTS");
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  std::atomic<bool> stop{false};
  std::atomic<int> splits{0};
  std::thread splitter([&] {
    while (!stop.load()) {
      auto t1 = FindTable(target->client.get(), "sbtest1");
      auto t2 = FindTable(target->client.get(), "sbtest2");
      if (t1.ok() && t2.ok()) {
        for (int64_t h = 250; h < 5000 && !stop.load(); h += 500) {
          std::vector<std::string> keys = {catalog::RecordKey(t1->id, h),
                                           catalog::RecordKey(t2->id, h)};
          if (target->client->admin()->SplitRegions(keys, client::SplitKeyForm::kTxnRawKey).ok()) {
            ++splits;
          }
          std::this_thread::sleep_for(milliseconds(150));
        }
        return;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  });
  auto r = Restore(*target, {"db", "--db", kDb}, dir_->Sub("full"), {"--concurrency", "4"});
  stop = true;
  splitter.join();
  ASSERT_TRUE(r.exit.success()) << r.err << "\n" << itest::ReadFile(last_log_);
  EXPECT_GT(splits.load(), 0);
  size_t retries = 0;
  for (const auto& l : itest::Lines(itest::ReadFile(last_log_))) {
    retries += l.find("retrying after") != std::string::npos ? 1 : 0;
  }
  std::printf("%d splits during the restore, %zu region attempts retried\n", splits.load(),
              retries);
  ExpectTablesEqualSource(*target, kTables);
  ExpectNothingStaged(*target);
}

TEST_F(RestoreTest, FullPlusIncrementalRestoresTheIncrementalState) {
  // Runs last among the scenarios: it changes the source.
  const uint64_t full_ts = BackupTs(dir_->Sub("full"));
  ASSERT_NE(full_ts, 0u);
  table::ChurnOptions co;
  co.db = kDb;
  co.ops = 600;
  co.seed = 7;
  auto churn = table::RunChurn(source_->client.get(), co);
  ASSERT_TRUE(churn.ok()) << churn.status().ToString();
  auto inc =
      RunCmd({itest::BinPath("br"), "backup", "db", "--db", kDb, "--pd",
              source_->procs->pd_address(), "-s", "local://" + dir_->Sub("inc"), "--lastbackupts",
              std::to_string(full_ts), "--log-file", dir_->Sub("inc-backup.log")},
             dir_->path());
  ASSERT_TRUE(inc.exit.success()) << inc.err;
  for (const std::string& t : kTables) {
    dumps_[t] = Kvctl(*source_, {"dump", std::string(kDb) + "." + t}).out;
  }
  checksums_ = ChecksumNumbers(Kvctl(*source_, {"checksum", kDb}).out);

  auto target = StartCluster(1);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  auto r = Restore(*target, {"full"}, dir_->Sub("full"));
  ASSERT_TRUE(r.exit.success()) << r.err << "\n" << itest::ReadFile(last_log_);
  r = Restore(*target, {"db", "--db", kDb}, dir_->Sub("inc"));
  ASSERT_TRUE(r.exit.success()) << r.err << "\n" << itest::ReadFile(last_log_);
  EXPECT_NE(r.out.find("Incremental Database Restore success summary"), std::string::npos) << r.out;
  ExpectTablesEqualSource(*target, kTables);
  ExpectNothingStaged(*target);
  // New rows after the incremental restore do not collide either.
  auto more = table::RunChurn(target->client.get(), co);
  EXPECT_TRUE(more.ok()) << more.status().ToString();
}

}  // namespace
}  // namespace brkv
