// BACKUP / RESTORE / SHOW BACKUPS / KILL TIDB QUERY through the SQL front end, driven by the
// real `mariadb` client: two 1-node clusters, each with its own sql-server; a database backed
// up through the first is restored through the second (equal rows, equal Total_kvs/Total_bytes
// in ADMIN CHECKSUM TABLE); a rate-limited backup watched from a second connection, killed,
// leaving no backupmeta, with a second backup queued behind it; bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "sql/sql_itest_util.h"
#include "tools/subprocess.h"

namespace brkv {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

const std::regex kDatetime(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)");

class SqlBrieTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (int i = 0; i < 2; ++i) {
      itest::LocalClusterOptions options;
      options.kv_count = 1;
      auto c = itest::LocalCluster::Start(options);
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      clusters_[i] = std::move(c).value().release();
      auto s = itest::StartSqlServer(clusters_[i]->pd_address(), clusters_[i]->dir(), "sql", "");
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      servers_[i] = new itest::SqlServerProcess(std::move(s).value());
    }
  }
  static void TearDownTestSuite() {
    for (int i = 0; i < 2; ++i) {
      if (servers_[i]) servers_[i]->proc->Stop(seconds(10));
      delete servers_[i];
      servers_[i] = nullptr;
      delete clusters_[i];
      clusters_[i] = nullptr;
    }
  }
  void SetUp() override {
    if (::access(itest::kMariadbPath, X_OK) != 0) {
      if (std::getenv("CI")) FAIL() << "mariadb client not installed (scripts/deps.sh)";
      GTEST_SKIP() << "mariadb client not installed (scripts/deps.sh)";
    }
    ASSERT_NE(servers_[0], nullptr);
    ASSERT_NE(servers_[1], nullptr);
  }
  void TearDown() override {
    if (!HasFailure()) return;
    for (auto* c : clusters_) {
      if (c) c->DumpLogs(60);  // sql.log is in the cluster's directory too
    }
  }

  static int Src() { return servers_[0]->port; }
  static int Dst() { return servers_[1]->port; }

  itest::CommandResult Mariadb(int port, const std::string& script,
                               std::vector<std::string> extra = {}) {
    auto r = itest::RunCommand(itest::MariadbArgv(port, script, extra), seconds(120), dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : itest::CommandResult{};
  }
  std::string Ok(int port, const std::string& script, std::vector<std::string> extra = {}) {
    auto r = Mariadb(port, script, extra);
    EXPECT_TRUE(r.exit.success()) << script << "\nstderr: " << r.err;
    return r.out;
  }
  // The statement fails with `error_prefix` ("ERROR 8124 (HY000)") and a message holding
  // `message`.
  void Fails(int port, const std::string& script, const std::string& error_prefix,
             const std::string& message = "") {
    auto r = Mariadb(port, script);
    EXPECT_FALSE(r.exit.success()) << script;
    EXPECT_NE(r.err.find(error_prefix), std::string::npos)
        << script << "\nexpected " << error_prefix << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos)
        << script << "\nexpected " << message << "\nstderr: " << r.err;
  }
  // Runs a script from a file (big INSERTs).
  void OkFile(int port, const std::string& script) {
    const std::string file = dir_.Sub("script.sql");
    ASSERT_TRUE(itest::WriteFile(file, script).ok());
    const std::string cmd = std::string(itest::kMariadbPath) + " -h127.0.0.1 -P" +
                            std::to_string(port) + " -uroot --batch < " + file;
    auto r = itest::RunCommand({"/bin/sh", "-c", cmd}, seconds(120), dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->exit.success()) << r->err;
  }
  // A statement run by a mariadb client in the background; its output goes to files.
  struct Background {
    std::unique_ptr<tools::Subprocess> proc;
    std::string out_path, err_path;
  };
  Background StartBackground(int port, const std::string& script, const std::string& name) {
    Background b;
    b.out_path = dir_.Sub(name + ".out");
    b.err_path = dir_.Sub(name + ".err");
    tools::SubprocessOptions o;
    o.argv = itest::MariadbArgv(port, script);
    o.stdout_path = b.out_path;
    o.stderr_path = b.err_path;
    auto p = tools::Subprocess::Start(o);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (p.ok()) b.proc = std::move(p).value();
    return b;
  }
  // SHOW BACKUPS rows (fields) whose Destination is `url`.
  std::vector<std::vector<std::string>> BackupRows(const std::string& url) {
    std::vector<std::vector<std::string>> rows;
    for (const std::string& line :
         itest::Lines(Ok(Src(), "SHOW BACKUPS", {"--skip-column-names"}))) {
      std::vector<std::string> f = Fields(line);
      if (f.size() == 8 && f[0] == url) rows.push_back(f);
    }
    return rows;
  }
  std::string Url(const std::string& name) { return "local://" + dir_.Sub(name); }

  static itest::LocalCluster* clusters_[2];
  static itest::SqlServerProcess* servers_[2];
  itest::TempDir dir_{"brkv-sql-brie"};
};

itest::LocalCluster* SqlBrieTest::clusters_[2] = {nullptr, nullptr};
itest::SqlServerProcess* SqlBrieTest::servers_[2] = {nullptr, nullptr};

TEST_F(SqlBrieTest, BackupThroughOneClusterRestoreThroughAnother) {
  Ok(Src(),
     "CREATE DATABASE shop; CREATE TABLE shop.items (id INT NOT NULL AUTO_INCREMENT, "
     "name VARCHAR(32) NOT NULL, qty INT DEFAULT '0' NOT NULL, note TEXT, PRIMARY KEY (id), "
     "KEY iqty (qty)); CREATE TABLE shop.empty (a INT)");
  std::string insert = "INSERT INTO shop.items (name, qty, note) VALUES ";
  for (int i = 1; i <= 300; ++i) {
    insert += (i > 1 ? ", " : "") + std::string("('item") + std::to_string(i) + "', " +
              std::to_string(i % 17) + ", " + (i % 5 == 0 ? "NULL" : "'note " + std::to_string(i) + "'") +
              ")";
  }
  Ok(Src(), insert);

  const std::string url = Url("full");
  std::vector<std::string> out = itest::Lines(Ok(Src(), "BACKUP DATABASE shop TO '" + url + "'"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "Destination\tSize\tBackupTS\tQueue Time\tExecution Time");
  std::vector<std::string> row = Fields(out[1]);
  ASSERT_EQ(row.size(), 5u) << out[1];
  EXPECT_EQ(row[0], url);
  EXPECT_GT(std::stoull(row[1]), 0u);
  const uint64_t backup_ts = std::stoull(row[2]);
  EXPECT_GT(backup_ts, 0u);
  EXPECT_TRUE(std::regex_match(row[3], kDatetime)) << row[3];
  EXPECT_TRUE(std::regex_match(row[4], kDatetime)) << row[4];
  EXPECT_TRUE(Exists(dir_.Sub("full/backupmeta")));
  // The finished job stays listed.
  auto listed = BackupRows(url);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0][1], "Finished");
  EXPECT_EQ(std::stod(listed[0][2]), 100.0);
  EXPECT_NE(listed[0][5], "0000-00-00 00:00:00");
  EXPECT_EQ(listed[0][7], "NULL");

  out = itest::Lines(Ok(Dst(), "RESTORE DATABASE shop FROM '" + url + "'"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "Destination\tSize\tBackupTS\tCluster TS\tQueue Time\tExecution Time");
  row = Fields(out[1]);
  ASSERT_EQ(row.size(), 6u) << out[1];
  EXPECT_EQ(row[0], url);
  EXPECT_EQ(std::stoull(row[2]), backup_ts);
  EXPECT_GT(std::stoull(row[3]), backup_ts);  // the checksum's ts on the target

  const std::string select = "SELECT * FROM shop.items ORDER BY id";
  const std::string rows = Ok(Src(), select);
  EXPECT_EQ(itest::Lines(rows).size(), 301u);
  EXPECT_EQ(Ok(Dst(), select), rows);
  EXPECT_EQ(Ok(Dst(), "SELECT name FROM shop.items WHERE qty = 3 ORDER BY id"),
            Ok(Src(), "SELECT name FROM shop.items WHERE qty = 3 ORDER BY id"));
  // Db_name, Table_name, Checksum_crc64_xor, Total_kvs, Total_bytes: the crc covers the table
  // id, which the restore changed; the counts do not.
  auto sums = [&](int port) {
    std::vector<std::string> l = itest::Lines(Ok(port, "ADMIN CHECKSUM TABLE shop.items"));
    EXPECT_EQ(l.size(), 2u);
    std::vector<std::string> f = l.size() == 2 ? Fields(l[1]) : std::vector<std::string>{};
    EXPECT_EQ(f.size(), 5u);
    return f.size() == 5 ? f[3] + "/" + f[4] : std::string();
  };
  EXPECT_EQ(sums(Dst()), sums(Src()));
  Ok(Dst(), "ADMIN CHECK TABLE shop.items");
  EXPECT_EQ(Ok(Dst(), "SHOW TABLES FROM shop"), "Tables_in_shop\nempty\nitems\n");
  // New rows get ids after the restored ones.
  EXPECT_EQ(Ok(Dst(), "INSERT INTO shop.items (name) VALUES ('after'); SELECT LAST_INSERT_ID() > 300"),
            "LAST_INSERT_ID() > 300\n1\n");
  std::vector<std::string> restores =
      itest::Lines(Ok(Dst(), "SHOW RESTORES LIKE 'local://%'", {"--skip-column-names"}));
  ASSERT_EQ(restores.size(), 1u);
  EXPECT_EQ(Fields(restores[0])[1], "Finished");
}

TEST_F(SqlBrieTest, ShowBackupsQueueAndKill) {
  // Six tables of about 1 MB each: at RATE_LIMIT = 1 MB/SECOND and one range at a time the
  // backup takes several seconds and its progress moves a table at a time.
  std::string script = "CREATE DATABASE slow; CREATE DATABASE tiny;\n"
                       "CREATE TABLE tiny.t (id INT PRIMARY KEY, v INT);\n"
                       "INSERT INTO tiny.t VALUES (1, 1), (2, 2), (3, 3);\n";
  const std::string pad(1000, 'x');
  for (int t = 1; t <= 6; ++t) {
    const std::string name = "slow.t" + std::to_string(t);
    script += "CREATE TABLE " + name + " (id INT PRIMARY KEY, pad TEXT);\n";
    for (int batch = 0; batch < 10; ++batch) {
      script += "INSERT INTO " + name + " VALUES ";
      for (int i = 0; i < 100; ++i) {
        script += (i ? ",(" : "(") + std::to_string(batch * 100 + i) + ",'" + pad + "')";
      }
      script += ";\n";
    }
  }
  OkFile(Src(), script);

  const std::string slow_url = Url("slow");
  const std::string tiny_url = Url("tiny");
  Background slow = StartBackground(
      Src(), "BACKUP DATABASE slow TO '" + slow_url + "' RATE_LIMIT = 1 MB/SECOND CONCURRENCY = 1",
      "slow");
  ASSERT_NE(slow.proc, nullptr);
  // SHOW BACKUPS from another connection: the running job, in phase Backup.
  std::vector<std::string> running;
  const auto deadline = Clock::now() + seconds(30);
  while (Clock::now() < deadline) {
    auto rows = BackupRows(slow_url);
    if (!rows.empty() && rows[0][1] == "Backup") {
      running = rows[0];
      break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_FALSE(running.empty()) << "the backup never showed up running";
  EXPECT_TRUE(std::regex_match(running[4], kDatetime)) << running[4];
  EXPECT_EQ(running[5], "0000-00-00 00:00:00");
  const std::string conn = running[6];
  ASSERT_GT(std::stoul(conn), 0u);

  // A second BACKUP waits for the first.
  Background tiny = StartBackground(Src(), "BACKUP DATABASE tiny TO '" + tiny_url + "'", "tiny");
  ASSERT_NE(tiny.proc, nullptr);
  bool saw_wait = false;
  double progress = 0;
  while (Clock::now() < deadline && (!saw_wait || progress <= 0)) {
    auto t = BackupRows(tiny_url);
    if (!t.empty()) {
      EXPECT_EQ(t[0][1], "Wait");
      EXPECT_EQ(t[0][4], "0000-00-00 00:00:00");
      saw_wait = saw_wait || t[0][1] == "Wait";
    }
    auto s = BackupRows(slow_url);
    ASSERT_EQ(s.size(), 1u);
    ASSERT_EQ(s[0][1], "Backup") << "the slow backup ended before it was killed";
    progress = std::stod(s[0][2]);
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(saw_wait);
  EXPECT_GT(progress, 0.0);
  EXPECT_LT(progress, 100.0);

  // KILL TIDB QUERY stops it cleanly: an error for the BACKUP, no backupmeta.
  Ok(Src(), "KILL TIDB QUERY " + conn);
  auto slow_exit = slow.proc->Wait(seconds(60));
  ASSERT_TRUE(slow_exit.ok()) << slow_exit.status().ToString();
  EXPECT_FALSE(slow_exit->success());
  const std::string err = itest::ReadFile(slow.err_path);
  EXPECT_NE(err.find("ERROR 1317 (70100)"), std::string::npos) << err;
  EXPECT_NE(err.find("interrupted by KILL QUERY"), std::string::npos) << err;
  EXPECT_FALSE(Exists(dir_.Sub("slow/backupmeta")));
  auto killed = BackupRows(slow_url);
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_EQ(killed[0][1], "Backup Canceled");
  EXPECT_NE(killed[0][7].find("interrupted"), std::string::npos) << killed[0][7];

  // The queued one runs next and succeeds; it started after it was queued.
  auto tiny_exit = tiny.proc->Wait(seconds(60));
  ASSERT_TRUE(tiny_exit.ok()) << tiny_exit.status().ToString();
  EXPECT_TRUE(tiny_exit->success()) << itest::ReadFile(tiny.err_path);
  std::vector<std::string> out = itest::Lines(itest::ReadFile(tiny.out_path));
  ASSERT_EQ(out.size(), 2u);
  std::vector<std::string> row = Fields(out[1]);
  ASSERT_EQ(row.size(), 5u);
  EXPECT_EQ(row[0], tiny_url);
  EXPECT_GE(row[4], row[3]);  // Execution Time >= Queue Time
  EXPECT_TRUE(Exists(dir_.Sub("tiny/backupmeta")));
  EXPECT_EQ(Ok(Src(), "SELECT COUNT(*) FROM tiny.t"), "COUNT(*)\n3\n");
}

TEST_F(SqlBrieTest, BadInputGetsMysqlErrors) {
  Ok(Src(), "CREATE DATABASE bad; CREATE TABLE bad.t (id INT PRIMARY KEY); "
            "INSERT INTO bad.t VALUES (1)");
  const std::string url = Url("bad");
  Fails(Src(), "BACKUP DATABASE bad TO '" + url + "' NO_SUCH_OPTION = 1", "ERROR 1064 (42000)");
  Fails(Src(), "BACKUP DATABASE bad TO '" + url + "' RATE_LIMIT = 10", "ERROR 1064 (42000)");
  Fails(Src(), "BACKUP DATABASE bad TO '" + url + "' IGNORE_STATS = 1", "ERROR 1235 (42000)");
  Fails(Dst(), "RESTORE DATABASE bad FROM '" + url + "' SNAPSHOT = 1", "ERROR 1235 (42000)");
  Fails(Src(), "BACKUP DATABASE bad TO 'nosuch://bucket/x'", "ERROR 8124 (HY000)",
        "Backup failed: invalid URL");
  Fails(Src(), "BACKUP DATABASE bad TO '" + url + "' SNAPSHOT = 'yesterday'",
        "ERROR 8124 (HY000)", "Backup failed: SNAPSHOT");
  Fails(Src(), "BACKUP DATABASE nosuchdb TO '" + url + "'", "ERROR 1049 (42000)");
  Fails(Src(), "BACKUP TABLE bad.nosuch TO '" + url + "'", "ERROR 1146 (42S02)");
  Fails(Src(), "BACKUP TABLE t TO '" + url + "'", "ERROR 1046 (3D000)");
  Fails(Dst(), "RESTORE DATABASE bad FROM '" + Url("empty") + "'", "ERROR 8125 (HY000)",
        "Restore failed: no backupmeta");
  // A path that holds a backup is refused; restoring over existing tables is refused.
  Ok(Src(), "BACKUP TABLE bad.t TO '" + url + "'");
  Fails(Src(), "BACKUP DATABASE bad TO '" + url + "'", "ERROR 8124 (HY000)",
        "Backup failed: backupmeta already exists");
  Ok(Dst(), "RESTORE TABLE bad.t FROM '" + url + "'");
  Fails(Dst(), "RESTORE TABLE bad.t FROM '" + url + "'", "ERROR 8125 (HY000)",
        "Restore failed: table already exists: bad.t");
  Fails(Dst(), "RESTORE DATABASE nosuch FROM '" + url + "'", "ERROR 8125 (HY000)",
        "database nosuch is not in the backup");
  // Both servers are still up.
  EXPECT_EQ(Ok(Src(), "SELECT COUNT(*) FROM bad.t"), "COUNT(*)\n1\n");
  EXPECT_EQ(Ok(Dst(), "SELECT COUNT(*) FROM bad.t"), "COUNT(*)\n1\n");
}

}  // namespace
}  // namespace brkv
