// End-to-end: tables on a real 3-node cluster driven through kvctl (and, for checks the CLI
// does not expose, the brkv_table library): sysbench loading spread over every store, counts,
// node-side checksums before and after churn, dump -> insert round trips, bad input that
// writes nothing, and drop.
//
// One cluster and one sysbench load are shared by the whole suite (loading dominates the run
// time); each test that needs the load calls EnsureLoaded(). BRKV_TABLES_ROWS overrides the
// rows per table (default 50000).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "catalog/tablecodec.h"
#include "client/cluster.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "kv/keys.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/table_checksum.h"
#include "table/table_ranges.h"

namespace brkv::itest {
namespace {

constexpr int kTables = 4;
constexpr char kDb[] = "sb";

int64_t RowsPerTable() {
  if (const char* v = std::getenv("BRKV_TABLES_ROWS")) return std::atoll(v);
  return 50000;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

class TablesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Small regions, so that loading also splits regions by size on the nodes; no fsync per
    // write (the test is about layout and checksums, not durability), to keep the run short.
    LocalClusterOptions o;
    o.kv_count = 3;
    o.kv_config_toml =
        "[storage]\nsync-write = false\n[coprocessor]\nregion-split-size = \"1MiB\"\n";
    auto c = LocalCluster::Start(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cluster_ = std::move(c).value().release();
    scratch_ = new TempDir("brkv-tables");
    auto cl = client::Cluster::Connect({.pd_address = cluster_->pd_address()});
    ASSERT_TRUE(cl.ok()) << cl.status().ToString();
    client_ = std::move(cl).value().release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    delete scratch_;
    scratch_ = nullptr;
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    if (cluster_ == nullptr || client_ == nullptr) GTEST_SKIP() << "cluster did not start";
  }
  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) cluster_->DumpLogs(30);
  }

  // Runs kvctl with `args` (stdin from `stdin_path` when non-empty).
  static CommandResult Kvctl(const std::vector<std::string>& args,
                             const std::string& stdin_path = "",
                             std::chrono::seconds timeout = std::chrono::seconds(180)) {
    std::string cmd =
        ShellQuote(BinPath("kvctl")) + " --pd " + cluster_->pd_address() + " --timeout 30";
    for (const auto& a : args) cmd += " " + ShellQuote(a);
    if (!stdin_path.empty()) cmd += " < " + ShellQuote(stdin_path);
    auto r = RunCommand({"/bin/sh", "-c", cmd}, timeout, scratch_->path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }
  // kvctl that must succeed; returns its stdout.
  static std::string KvctlOk(const std::vector<std::string>& args,
                             const std::string& stdin_path = "") {
    CommandResult r = Kvctl(args, stdin_path);
    EXPECT_TRUE(r.exit.success()) << "kvctl " << ::testing::PrintToString(args) << ": "
                                  << r.exit.ToString() << "\n"
                                  << r.err;
    return r.out;
  }
  // kvctl that must fail with exactly one error line containing every `needles`.
  static void KvctlFails(const std::vector<std::string>& args,
                         const std::vector<std::string>& needles,
                         const std::string& stdin_path = "") {
    CommandResult r = Kvctl(args, stdin_path);
    EXPECT_FALSE(r.exit.success())
        << "kvctl " << ::testing::PrintToString(args) << " succeeded: " << r.out;
    auto lines = Lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_EQ(lines[0].rfind("kvctl: error: ", 0), 0u) << lines[0];
    for (const auto& n : needles) EXPECT_NE(lines[0].find(n), std::string::npos) << lines[0];
  }

  static std::string WriteScratch(const std::string& name, const std::string& text) {
    std::string path = scratch_->Sub(name);
    EXPECT_TRUE(WriteFile(path, text).ok());
    return path;
  }

  static void EnsureLoaded() {
    if (loaded_) return;
    auto t0 = std::chrono::steady_clock::now();
    std::string out =
        KvctlOk({"load", "sysbench", "--db", kDb, "--tables", std::to_string(kTables), "--rows",
                 std::to_string(RowsPerTable()), "--threads", "4", "--seed", "7"});
    std::printf("load sysbench: %.1f s\n%s",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                out.c_str());
    ASSERT_NE(out.find("rows/s"), std::string::npos) << out;
    loaded_ = true;
  }

  // The catalog entry of db.table at a fresh snapshot.
  static catalog::TableInfo GetTable(const std::string& db, const std::string& table) {
    auto ts = client_->GetTS();
    EXPECT_TRUE(ts.ok());
    table::SnapshotReader kv(client_->GetSnapshot(*ts));
    table::MetaReader meta(&kv);
    auto d = meta.FindDatabase(db);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok()) return {};
    auto t = meta.FindTable(*d, table);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : catalog::TableInfo{};
  }

  // checksum output: table name -> JSON object.
  static std::map<std::string, nlohmann::json> Checksums(const std::string& name) {
    std::map<std::string, nlohmann::json> out;
    for (const auto& line : Lines(KvctlOk({"checksum", name}))) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << line;
      if (j.is_discarded()) continue;
      for (const char* f : {"db", "table", "table_id", "crc64xor", "total_kvs", "total_bytes"}) {
        EXPECT_TRUE(j.contains(f)) << line;
      }
      out[j.value("table", "")] = j;
    }
    return out;
  }

  // Number of keys visible now in [start, end).
  static size_t CountKeys(const std::string& start, const std::string& end) {
    auto ts = client_->GetTS();
    EXPECT_TRUE(ts.ok());
    size_t n = 0;
    Status s = client_->GetSnapshot(*ts).ScanEach(start, end, [&](const client::KvPair&) {
      ++n;
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return n;
  }

  static LocalCluster* cluster_;
  static TempDir* scratch_;
  static client::Cluster* client_;
  static bool loaded_;
};

LocalCluster* TablesTest::cluster_ = nullptr;
TempDir* TablesTest::scratch_ = nullptr;
client::Cluster* TablesTest::client_ = nullptr;
bool TablesTest::loaded_ = false;

TEST_F(TablesTest, SysbenchLoadSpreadsEveryTableOverEveryStore) {
  ASSERT_NO_FATAL_FAILURE(EnsureLoaded());
  const int64_t rows = RowsPerTable();
  auto dbs = Lines(KvctlOk({"databases"}));
  EXPECT_NE(std::find(dbs.begin(), dbs.end(), kDb), dbs.end());
  EXPECT_EQ(Lines(KvctlOk({"tables", kDb})),
            (std::vector<std::string>{"sbtest1", "sbtest2", "sbtest3", "sbtest4"}));

  auto stores = cluster_->pd()->GetAllStores();
  ASSERT_TRUE(stores.ok());
  std::set<uint64_t> all;
  for (const auto& s : *stores) all.insert(s.store().id());
  ASSERT_EQ(all.size(), 3u);

  for (int i = 1; i <= kTables; ++i) {
    const std::string name = "sbtest" + std::to_string(i);
    EXPECT_EQ(KvctlOk({"count", std::string(kDb) + "." + name}), std::to_string(rows) + "\n");
    catalog::TableInfo t = GetTable(kDb, name);
    std::set<uint64_t> holding;
    size_t regions = 0;
    for (const auto& r : table::TableDataRanges(t)) {
      auto rs = cluster_->pd()->ScanRegions(keys::TxnRegionKey(r.start), keys::TxnRegionKey(r.end));
      ASSERT_TRUE(rs.ok()) << rs.status().ToString();
      for (const auto& ri : *rs) holding.insert(ri.leader.store_id());
      regions += rs->size();
    }
    EXPECT_EQ(holding, all) << name << " has " << regions << " regions";
  }
}

TEST_F(TablesTest, ChecksumIsStableAndChangesAfterChurn) {
  ASSERT_NO_FATAL_FAILURE(EnsureLoaded());
  auto first = Checksums(kDb);
  auto second = Checksums(kDb);
  ASSERT_EQ(first.size(), static_cast<size_t>(kTables));
  EXPECT_EQ(first, second);
  for (const auto& [name, j] : first) {
    // One record and one k_1 entry per row.
    EXPECT_EQ(j["total_kvs"].get<uint64_t>(), 2u * static_cast<uint64_t>(RowsPerTable())) << name;
    EXPECT_EQ(j["db"], kDb);
  }
  // A single-table checksum is the same object.
  auto one = Checksums(std::string(kDb) + ".sbtest2");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one["sbtest2"], first["sbtest2"]);

  std::string out = KvctlOk({"churn", "--db", kDb, "--ops", "200", "--seed", "3"});
  EXPECT_NE(out.find("ops/s"), std::string::npos) << out;
  std::printf("%s", out.c_str());
  auto after = Checksums(kDb);
  ASSERT_EQ(after.size(), static_cast<size_t>(kTables));
  EXPECT_NE(after, first);
  // Every table was touched by 200 random operations over 4 tables.
  for (const auto& [name, j] : after) EXPECT_NE(j["crc64xor"], first[name]["crc64xor"]) << name;
}

TEST_F(TablesTest, DumpRoundTripsThroughInsert) {
  ASSERT_NO_FATAL_FAILURE(EnsureLoaded());
  const std::string src = std::string(kDb) + ".sbtest3";
  const std::string dump = KvctlOk({"dump", src});
  ASSERT_FALSE(dump.empty());
  const std::string csv = WriteScratch("sbtest3.csv", dump);

  KvctlOk({"create-database", "copydb"});
  KvctlOk({"create-table", "copydb.sbtest3",
           "id int not null auto_increment, k int not null, c char(120) not null, "
           "pad char(60) not null, primary key (id), index k_1 (k)"});
  std::string ins = KvctlOk({"insert", "copydb.sbtest3"}, csv);
  EXPECT_NE(ins.find("inserted " + std::to_string(Lines(dump).size()) + " rows"), std::string::npos)
      << ins;
  EXPECT_EQ(KvctlOk({"dump", "copydb.sbtest3"}), dump);

  // Same data under another table id: the node-side checksum with a rewrite rule equals the
  // original's, taken at one ts.
  catalog::TableInfo orig = GetTable(kDb, "sbtest3");
  catalog::TableInfo copy = GetTable("copydb", "sbtest3");
  ASSERT_NE(orig.id, copy.id);
  auto ts = client_->GetTS();
  ASSERT_TRUE(ts.ok());
  auto a = table::ChecksumTable(client_, orig, *ts);
  auto b = table::ChecksumTableAs(client_, orig, copy.id, *ts);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*a, *b);
  auto plain = table::ChecksumTable(client_, copy, *ts);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->total_kvs, a->total_kvs);
  EXPECT_NE(plain->crc64xor, a->crc64xor);  // the keys differ by table id
}

TEST_F(TablesTest, SmallTableTypesNullsQuotingAndAutoIds) {
  KvctlOk({"create-database", "misc"});
  KvctlOk({"create-table", "misc.t",
           "id bigint primary key auto_increment, n int, d double, s varchar(20), b blob, "
           "unique index s(s)"});
  const std::string csv = WriteScratch("misc.csv",
                                       "5,1,1.5,plain,\\N\n"
                                       "\\N,\\N,-0.25,\"a,b\",\"x\"\"y\"\n"
                                       "0,-2147483648,1e+100,\"\\N\",\"two\nlines\"\n"
                                       "10,2147483647,0,,\n");
  EXPECT_NE(KvctlOk({"insert", "misc.t"}, csv).find("inserted 4 rows"), std::string::npos);
  // \N and 0 got ids after the largest explicit one (10 moved the allocator first).
  EXPECT_EQ(KvctlOk({"dump", "misc.t"}),
            "5,1,1.5,plain,\\N\n"
            "10,2147483647,0,,\n"
            "11,\\N,-0.25,\"a,b\",\"x\"\"y\"\n"
            "12,-2147483648,1e+100,\"\\N\",\"two\nlines\"\n");
  EXPECT_EQ(KvctlOk({"count", "misc.t"}), "4\n");

  // A table without an integer primary key gets implicit row ids.
  KvctlOk({"create-table", "misc.nopk", "a varchar(10), b int, index b(b)"});
  const std::string csv2 = WriteScratch("nopk.csv", "x,1\ny,1\nx,\\N\n");
  KvctlOk({"insert", "misc.nopk"}, csv2);
  EXPECT_EQ(KvctlOk({"dump", "misc.nopk"}), "x,1\ny,1\nx,\\N\n");
  auto cks = Checksums("misc.nopk");
  ASSERT_EQ(cks.size(), 1u);
  EXPECT_EQ(cks["nopk"]["total_kvs"].get<uint64_t>(), 6u);
}

TEST_F(TablesTest, BadInputGivesOneErrorAndWritesNothing) {
  KvctlOk({"create-database", "bad"});
  KvctlOk({"create-table", "bad.t", "id bigint primary key, k int, c varchar(10), index k(k)"});
  const std::string ok_rows = WriteScratch("ok.csv", "1,1,a\n2,2,b\n");
  KvctlOk({"insert", "bad.t"}, ok_rows);
  auto before = Checksums("bad.t");

  // Unknown database / table.
  KvctlFails({"count", "nodb.t"}, {"unknown database 'nodb'"});
  KvctlFails({"count", "bad.nope"}, {"unknown table 'bad.nope'"});
  KvctlFails({"dump", "bad.nope"}, {"unknown table"});
  KvctlFails({"insert", "bad.nope"}, {"unknown table"}, ok_rows);
  KvctlFails({"checksum", "nodb"}, {"unknown database"});
  KvctlFails({"drop", "bad.nope"}, {"unknown table"});

  // Malformed CSV: the line is named, nothing of the file is written.
  KvctlFails({"insert", "bad.t"}, {"line 3", "not closed"},
             WriteScratch("m1.csv", "3,3,c\n4,4,d\n5,5,\"e\n"));
  KvctlFails({"insert", "bad.t"}, {"line 2", "expected 3 fields"},
             WriteScratch("m2.csv", "3,3,c\n4,4\n"));
  // Out-of-range and wrong-typed values name the column and the line.
  KvctlFails({"insert", "bad.t"}, {"line 2", "column 'k'", "out of range"},
             WriteScratch("r1.csv", "3,3,c\n4,99999999999,d\n"));
  KvctlFails({"insert", "bad.t"}, {"line 1", "column 'c'"},
             WriteScratch("r2.csv", "3,3,this is far too long\n"));
  KvctlFails({"insert", "bad.t"}, {"line 1", "column 'id'"}, WriteScratch("r3.csv", "x,3,c\n"));
  // Duplicate keys: within the input and against the table.
  KvctlFails({"insert", "bad.t"}, {"line 2", "duplicate entry '3'", "PRIMARY"},
             WriteScratch("d1.csv", "3,3,c\n3,4,d\n"));
  KvctlFails({"insert", "bad.t"}, {"line 2", "duplicate entry '2'"},
             WriteScratch("d2.csv", "3,3,c\n2,4,d\n"));
  EXPECT_EQ(KvctlOk({"count", "bad.t"}), "2\n");
  EXPECT_EQ(Checksums("bad.t"), before);

  // Duplicate names and unsupported specs: nothing created.
  KvctlFails({"create-database", "bad"}, {"database 'bad' already exists"});
  KvctlFails({"create-table", "bad.t", "a int"}, {"table 'bad.t' already exists"});
  KvctlFails({"create-table", "bad.u", "a decimal(10,2)"}, {"decimal"});
  KvctlFails({"create-table", "bad.u", "a int unsigned"}, {});
  KvctlFails({"create-table", "bad.u", "a int, index i(nope)"}, {"nope"});
  KvctlFails({"create-table", "nodb.u", "a int"}, {"unknown database 'nodb'"});
  KvctlFails({"create-table", "bad", "a int"}, {"DB.TABLE"});
  EXPECT_EQ(Lines(KvctlOk({"tables", "bad"})), std::vector<std::string>{"t"});
  EXPECT_EQ(KvctlOk({"count", "bad.t"}), "2\n");
}

TEST_F(TablesTest, DropRemovesCatalogEntriesAndRows) {
  KvctlOk({"create-database", "dropme"});
  KvctlOk({"create-table", "dropme.a", "id bigint primary key, v varchar(10), index v(v)"});
  KvctlOk({"create-table", "dropme.b", "x int"});
  std::string rows;
  for (int i = 1; i <= 3000; ++i) rows += std::to_string(i) + ",v" + std::to_string(i) + "\n";
  KvctlOk({"insert", "dropme.a"}, WriteScratch("drop.csv", rows));
  KvctlOk({"insert", "dropme.b"}, WriteScratch("dropb.csv", "1\n2\n"));
  catalog::TableInfo a = GetTable("dropme", "a");
  catalog::TableInfo b = GetTable("dropme", "b");
  const auto whole_a = catalog::WholeTableRange(a.id);
  EXPECT_EQ(CountKeys(whole_a.start, whole_a.end), 6000u);

  EXPECT_EQ(KvctlOk({"drop", "dropme.a"}), "dropped table dropme.a\n");
  EXPECT_EQ(Lines(KvctlOk({"tables", "dropme"})), std::vector<std::string>{"b"});
  KvctlFails({"count", "dropme.a"}, {"unknown table"});
  EXPECT_EQ(CountKeys(whole_a.start, whole_a.end), 0u);

  EXPECT_EQ(KvctlOk({"drop", "dropme"}), "dropped database dropme (1 tables)\n");
  for (const auto& line : Lines(KvctlOk({"databases"}))) EXPECT_NE(line, "dropme");
  const auto whole_b = catalog::WholeTableRange(b.id);
  EXPECT_EQ(CountKeys(whole_b.start, whole_b.end), 0u);
  // The name is free again, with a new id.
  KvctlOk({"create-database", "dropme"});
  KvctlOk({"create-table", "dropme.a", "id bigint primary key"});
  EXPECT_GT(GetTable("dropme", "a").id, b.id);
  EXPECT_EQ(KvctlOk({"count", "dropme.a"}), "0\n");
}

}  // namespace
}  // namespace brkv::itest
