// The SQL front end end to end: a 1-node cluster (pd-server + kv-server), a sql-server process
// in front of it, and the real Debian `mariadb` client (and sysbench, when installed) driving
// it: DDL, DML and SELECTs with their expected output, MySQL error codes, transactions with
// statement rollback, passwords, and malformed / oversized packets on a raw socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "sql/protocol.h"
#include "sql/sql_itest_util.h"
#include "sql/wire.h"
#include "tools/net_util.h"
#include "tools/subprocess.h"

namespace brkv {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const char* kMariadb = itest::kMariadbPath;
const char* kSysbench = "/usr/bin/sysbench";
const char* kMysqldump = "/usr/bin/mysqldump";

bool Exists(const char* path) { return ::access(path, X_OK) == 0; }

using itest::SqlServerProcess;
using itest::StartSqlServer;

class SqlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    itest::LocalClusterOptions options;
    options.kv_count = 1;
    auto c = itest::LocalCluster::Start(options);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cluster_ = std::move(c).value().release();
    auto s = StartSqlServer(cluster_->pd_address(), cluster_->dir(), "sql",
                            "max-allowed-packet = 1048576\n");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = new SqlServerProcess(std::move(s).value());
  }
  static void TearDownTestSuite() {
    if (server_) server_->proc->Stop(seconds(10));
    delete server_;
    server_ = nullptr;
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (!Exists(kMariadb)) {
      if (std::getenv("CI")) FAIL() << "mariadb client not installed (scripts/deps.sh)";
      GTEST_SKIP() << "mariadb client not installed (scripts/deps.sh)";
    }
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (HasFailure() && cluster_) cluster_->DumpLogs(60);
  }

  // Runs `mariadb --batch -e script` (tab-separated output with a header line).
  itest::CommandResult Mariadb(const std::string& script, std::vector<std::string> extra = {},
                               int port = 0) {
    std::vector<std::string> argv =
        itest::MariadbArgv(port ? port : server_->port, script, extra);
    auto r = itest::RunCommand(argv, seconds(120), dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : itest::CommandResult{};
  }
  // Runs `mariadb --batch [extra] < script` (the client reads the statements from stdin, which
  // is what --force needs to go on after an error).
  itest::CommandResult MariadbStdin(const std::string& script, const std::string& extra) {
    const std::string file = dir_.Sub("script.sql");
    EXPECT_TRUE(itest::WriteFile(file, script).ok());
    const std::string cmd = std::string(kMariadb) + " -h127.0.0.1 -P" +
                            std::to_string(server_->port) + " -uroot --batch " + extra + " < " +
                            file;
    auto r = itest::RunCommand({"/bin/sh", "-c", cmd}, seconds(120), dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : itest::CommandResult{};
  }
  // Runs a script that must succeed and returns its output.
  std::string Ok(const std::string& script, std::vector<std::string> extra = {}) {
    auto r = Mariadb(script, extra);
    EXPECT_TRUE(r.exit.success()) << script << "\nstderr: " << r.err;
    return r.out;
  }
  // Runs one statement that must fail with `error_prefix` ("ERROR 1146 (42S02)").
  void Fails(const std::string& script, const std::string& error_prefix) {
    auto r = Mariadb(script);
    EXPECT_FALSE(r.exit.success()) << script;
    EXPECT_NE(r.err.find(error_prefix), std::string::npos)
        << script << "\nexpected " << error_prefix << "\nstderr: " << r.err;
  }

  static itest::LocalCluster* cluster_;
  static SqlServerProcess* server_;
  itest::TempDir dir_{"brkv-sql"};
};

itest::LocalCluster* SqlTest::cluster_ = nullptr;
SqlServerProcess* SqlTest::server_ = nullptr;

TEST_F(SqlTest, ConnectsAndAnswersClientQueries) {
  EXPECT_EQ(Ok("select @@version_comment limit 1"),
            "@@version_comment\nbrkv SQL front end (TiDB compatible)\n");
  EXPECT_EQ(Ok("SELECT VERSION(), 1 + 2 * 3, 'it''s', NULL, DATABASE()"),
            "VERSION()\t1 + 2 * 3\tit's\tNULL\tDATABASE()\n"
            "8.0.11-TiDB-v0.1.0-brkv\t7\tit's\tNULL\tNULL\n");
  EXPECT_EQ(Ok("SET @a = 5, autocommit = 1; SELECT @a * 2 AS twice, @@autocommit, @@session.sql_mode = @@sql_mode"),
            "twice\t@@autocommit\t@@session.sql_mode = @@sql_mode\n10\t1\t1\n");
  // The interactive client's `status` queries and COM_STATISTICS.
  auto status = Mariadb("status");
  EXPECT_TRUE(status.exit.success()) << status.err;
  EXPECT_NE(status.out.find("8.0.11-TiDB"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Uptime:"), std::string::npos) << status.out;
}

TEST_F(SqlTest, DdlDmlAndSelects) {
  Ok("CREATE DATABASE shop");
  Ok("CREATE TABLE shop.items (id INT NOT NULL AUTO_INCREMENT, name VARCHAR(32) NOT NULL, "
     "qty INT DEFAULT '0' NOT NULL, price DOUBLE, note TEXT, PRIMARY KEY (id), "
     "UNIQUE KEY uname (name)) ENGINE=InnoDB");
  EXPECT_EQ(Ok("INSERT INTO items(name, qty, price) VALUES ('apple', 5, 1.5), ('pear', 3, 2.25),"
               "('plum', 0, NULL); SELECT LAST_INSERT_ID()",
               {"shop"}),
            "LAST_INSERT_ID()\n1\n");
  // VALUES (0, ...) and NULL ids are generated, densely.
  Ok("INSERT INTO items VALUES (0, 'fig', 7, 3.0, 'dried'), (NULL, 'kiwi', 1, 0.5, NULL)", {"shop"});
  EXPECT_EQ(Ok("SELECT * FROM items ORDER BY id", {"shop"}),
            "id\tname\tqty\tprice\tnote\n"
            "1\tapple\t5\t1.5\tNULL\n"
            "2\tpear\t3\t2.25\tNULL\n"
            "3\tplum\t0\tNULL\tNULL\n"
            "4\tfig\t7\t3\tdried\n"
            "5\tkiwi\t1\t0.5\tNULL\n");
  // Point get, batch point get, handle range, filters on other columns, ORDER BY/LIMIT.
  EXPECT_EQ(Ok("SELECT name FROM items WHERE id = 2", {"shop"}), "name\npear\n");
  // Through the unique index on name (equality and IN), with the rest of WHERE applied.
  EXPECT_EQ(Ok("SELECT id FROM items WHERE name IN ('pear', 'kiwi', 'none')", {"shop"}),
            "id\n2\n5\n");
  EXPECT_EQ(Ok("SELECT id FROM items WHERE name = 'fig' AND qty > 100", {"shop"}), "");
  EXPECT_EQ(Ok("SELECT name FROM items WHERE id IN (5, 1, 9)", {"shop"}), "name\napple\nkiwi\n");
  EXPECT_EQ(Ok("SELECT id FROM items WHERE id BETWEEN 2 AND 4 AND qty > 0", {"shop"}),
            "id\n2\n4\n");
  EXPECT_EQ(Ok("SELECT name, qty FROM items WHERE name LIKE 'p%' ORDER BY qty DESC", {"shop"}),
            "name\tqty\npear\t3\nplum\t0\n");
  EXPECT_EQ(Ok("SELECT id FROM items ORDER BY price DESC LIMIT 1, 2", {"shop"}), "id\n2\n1\n");
  EXPECT_EQ(Ok("SELECT id FROM items LIMIT 2 OFFSET 3", {"shop"}), "id\n4\n5\n");
  EXPECT_EQ(Ok("SELECT COUNT(*), SUM(qty), MIN(name), MAX(price), AVG(qty), COUNT(price) "
               "FROM items",
               {"shop"}),
            "COUNT(*)\tSUM(qty)\tMIN(name)\tMAX(price)\tAVG(qty)\tCOUNT(price)\n"
            "5\t16\tapple\t3\t3.2000\t4\n");
  EXPECT_EQ(Ok("SELECT qty > 2 AS big, COUNT(*) AS n FROM items GROUP BY qty > 2 ORDER BY big",
               {"shop"}),
            "big\tn\n0\t2\n1\t3\n");
  EXPECT_EQ(Ok("SELECT DISTINCT qty > 2 FROM items ORDER BY 1", {"shop"}), "qty > 2\n0\n1\n");
  // UPDATE / DELETE report what they did.
  EXPECT_EQ(Ok("UPDATE items SET qty = qty + 10, note = 'x' WHERE id <= 2; "
               "SELECT id, qty, note FROM items WHERE id < 3",
               {"shop"}),
            "id\tqty\tnote\n1\t15\tx\n2\t13\tx\n");
  EXPECT_EQ(Ok("DELETE FROM items WHERE qty = 0; SELECT COUNT(*) FROM items", {"shop"}),
            "COUNT(*)\n4\n");
  EXPECT_EQ(Ok("SHOW TABLES", {"shop"}), "Tables_in_shop\nitems\n");
  std::string create = Ok("SHOW CREATE TABLE items", {"shop"});
  EXPECT_NE(create.find("`qty` int(11) NOT NULL DEFAULT '0'"), std::string::npos) << create;
  EXPECT_NE(create.find("UNIQUE KEY `uname` (`name`)"), std::string::npos) << create;
  EXPECT_NE(create.find("AUTO_INCREMENT=6"), std::string::npos) << create;
  EXPECT_NE(Ok("SHOW DATABASES").find("shop\n"), std::string::npos);
  // CREATE INDEX backfills the existing rows; a unique index over duplicates is refused and
  // leaves nothing behind.
  Ok("CREATE INDEX iqty ON items (qty); ADMIN CHECK TABLE items", {"shop"});
  EXPECT_EQ(Ok("SELECT name FROM items WHERE qty = 13", {"shop"}), "name\npear\n");
  // Inside a transaction the index lookup sees the transaction's own writes.
  EXPECT_EQ(Ok("BEGIN; UPDATE items SET qty = 99 WHERE id = 4; SELECT id FROM items WHERE qty = 99; "
               "SELECT COUNT(*) FROM items WHERE qty = 7; ROLLBACK",
               {"shop"}),
            "id\n4\nCOUNT(*)\n0\n");
  auto dup = Mariadb("CREATE UNIQUE INDEX uprice ON items (price)", {"shop"});
  EXPECT_TRUE(dup.exit.success()) << dup.err;  // prices are distinct
  Ok("UPDATE items SET qty = 1; ADMIN CHECK TABLE items", {"shop"});
  Fails("CREATE UNIQUE INDEX uqty ON shop.items (qty)", "ERROR 1062 (23000)");
  EXPECT_EQ(Ok("SHOW INDEX FROM items", {"shop"}).find("uqty"), std::string::npos);
  Ok("ADMIN CHECK TABLE items", {"shop"});
  // TRUNCATE empties the table and restarts its auto-increment.
  EXPECT_EQ(Ok("TRUNCATE TABLE items; INSERT INTO items (name) VALUES ('new'); "
               "SELECT id, name FROM items",
               {"shop"}),
            "id\tname\n1\tnew\n");
  Ok("DROP TABLE items; DROP DATABASE shop", {"shop"});
  EXPECT_EQ(Ok("SHOW DATABASES").find("shop\n"), std::string::npos);
}

TEST_F(SqlTest, ErrorsHaveMysqlCodes) {
  Ok("CREATE DATABASE errs; CREATE TABLE errs.t (id INT PRIMARY KEY, v VARCHAR(4) NOT NULL)");
  Ok("INSERT INTO errs.t VALUES (1, 'a')");
  Fails("SELEC 1", "ERROR 1064 (42000)");
  Fails("SELECT * FROM errs.t WHERE", "ERROR 1064 (42000)");
  Fails("USE nosuchdb", "ERROR 1049 (42000)");
  Fails("SELECT * FROM errs.nosuch", "ERROR 1146 (42S02)");
  Fails("SELECT nosuch FROM errs.t", "ERROR 1054 (42S22)");
  Fails("SELECT * FROM t", "ERROR 1046 (3D000)");
  Fails("INSERT INTO errs.t VALUES (1, 'b')", "ERROR 1062 (23000)");
  Fails("INSERT INTO errs.t VALUES (2, NULL)", "ERROR 1048 (23000)");
  Fails("INSERT INTO errs.t VALUES (3)", "ERROR 1136 (21S01)");
  Fails("CREATE TABLE errs.t (id INT)", "ERROR 1050 (42S01)");
  Fails("CREATE DATABASE errs", "ERROR 1007");
  Fails("DROP TABLE errs.nosuch", "ERROR 1051 (42S02)");
  Fails("SELECT a FROM errs.t JOIN errs.t2", "ERROR 1235 (42000)");
  Fails("RENAME TABLE errs.t TO errs.u", "ERROR 1235 (42000)");
  Fails("CREATE TABLE errs.d (x DECIMAL(10,2))", "ERROR 1235 (42000)");
  Fails("SELECT @@no_such_variable", "ERROR 1193");
  // The failed statements changed nothing.
  EXPECT_EQ(Ok("SELECT * FROM errs.t"), "id\tv\n1\ta\n");
  Ok("DROP DATABASE errs");
}

TEST_F(SqlTest, TransactionsAndStatementRollback) {
  Ok("CREATE DATABASE tx; CREATE TABLE tx.t (id INT PRIMARY KEY, v INT)");
  Ok("BEGIN; INSERT INTO t VALUES (1, 1); ROLLBACK", {"tx"});
  EXPECT_EQ(Ok("SELECT COUNT(*) FROM t", {"tx"}), "COUNT(*)\n0\n");
  // Reads inside a transaction see its own writes; COMMIT makes them visible.
  EXPECT_EQ(Ok("START TRANSACTION; INSERT INTO t VALUES (1, 10), (2, 20); "
               "UPDATE t SET v = v + 1 WHERE id = 2; SELECT * FROM t; COMMIT",
               {"tx"}),
            "id\tv\n1\t10\n2\t21\n");
  // A failing statement (duplicate) undoes only itself; the transaction goes on.
  auto r = MariadbStdin("BEGIN;\nINSERT INTO t VALUES (3, 30);\nINSERT INTO t VALUES (4, 40), (1, 0);\n"
                        "INSERT INTO t VALUES (5, 50);\nCOMMIT;\nSELECT id FROM t ORDER BY id;\n",
                        "--force tx");
  EXPECT_NE(r.err.find("ERROR 1062 (23000)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "id\n1\n2\n3\n5\n");
  // autocommit=0 opens a transaction implicitly.
  EXPECT_EQ(Ok("SET autocommit = 0; DELETE FROM t WHERE id = 5; ROLLBACK; "
               "SELECT COUNT(*) FROM t",
               {"tx"}),
            "COUNT(*)\n4\n");
  Ok("DROP DATABASE tx");
}

TEST_F(SqlTest, PasswordsFromConfig) {
  auto s = StartSqlServer(cluster_->pd_address(), dir_.path(), "sql-users",
                          "[users]\nroot = \"\"\nalice = \"s3cret\"\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto good = Mariadb("SELECT USER()", {"-ualice", "-ps3cret"}, s->port);
  EXPECT_TRUE(good.exit.success()) << good.err;
  EXPECT_NE(good.out.find("alice@"), std::string::npos) << good.out;
  auto bad = Mariadb("SELECT 1", {"-ualice", "-pwrong"}, s->port);
  EXPECT_FALSE(bad.exit.success());
  EXPECT_NE(bad.err.find("ERROR 1045 (28000)"), std::string::npos) << bad.err;
  auto nopw = Mariadb("SELECT 1", {"-ualice"}, s->port);
  EXPECT_NE(nopw.err.find("using password: NO"), std::string::npos) << nopw.err;
  auto unknown = Mariadb("SELECT 1", {"-ubob"}, s->port);
  EXPECT_NE(unknown.err.find("ERROR 1045"), std::string::npos) << unknown.err;
  s->proc->Stop(seconds(10));
}

// A raw client on a socket: reads the handshake and logs in as root (empty password).
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void Send(std::string_view bytes) { ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size())); }
  void SendPacket(std::string_view payload, uint8_t seq) {
    std::string out;
    sql::AppendPackets(&out, payload, &seq);
    Send(out);
  }
  // One packet's payload; "" with eof() at end of stream or after 10 s.
  std::string Read() {
    unsigned char h[4];
    if (!ReadFull(reinterpret_cast<char*>(h), 4)) return "";
    size_t n = h[0] | (h[1] << 8) | (h[2] << 16);
    std::string p(n, '\0');
    if (!ReadFull(p.data(), n)) return "";
    return p;
  }
  bool eof() const { return eof_; }
  uint32_t connection_id() const { return connection_id_; }
  void Login() {
    std::string hs = Read();
    ASSERT_FALSE(hs.empty());
    sql::PacketReader h(hs);
    h.Int1();
    h.NulStr();
    connection_id_ = h.Int4();
    sql::PacketWriter w;
    w.Int4(sql::cap::kProtocol41 | sql::cap::kSecureConnection | sql::cap::kPluginAuth |
           sql::cap::kLongPassword);
    w.Int4(1 << 24);
    w.Int1(46);
    w.Zeros(23);
    w.NulStr("root");
    w.Int1(0);  // empty auth response
    w.NulStr("mysql_native_password");
    SendPacket(w.data(), 1);
    std::string ok = Read();
    ASSERT_FALSE(ok.empty());
    ASSERT_EQ(static_cast<uint8_t>(ok[0]), 0x00);
  }

 private:
  bool ReadFull(char* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) {
        eof_ = true;
        return false;
      }
      ssize_t r = ::recv(fd_, buf + got, n - got, 0);
      if (r <= 0) {
        eof_ = true;
        return false;
      }
      got += static_cast<size_t>(r);
    }
    return true;
  }
  int fd_ = -1;
  uint32_t connection_id_ = 0;
  bool connected_ = false;
  bool eof_ = false;
};

TEST_F(SqlTest, MalformedAndOversizedPacketsCloseOnlyThatConnection) {
  {
    // Garbage instead of a handshake response.
    RawClient c(server_->port);
    ASSERT_TRUE(c.connected());
    ASSERT_FALSE(c.Read().empty());
    c.SendPacket("\x01\x02", 1);
    std::string err = c.Read();
    ASSERT_FALSE(err.empty());
    EXPECT_EQ(static_cast<uint8_t>(err[0]), 0xFF);
    c.Read();
    EXPECT_TRUE(c.eof());
  }
  {
    // Out-of-order sequence id after login.
    RawClient c(server_->port);
    c.Login();
    c.SendPacket("\x03SELECT 1", 5);
    c.Read();
    EXPECT_TRUE(c.eof());
  }
  {
    // A packet header announcing more than max_allowed_packet (1 MiB here) is refused at
    // once, without the server waiting for the body.
    RawClient c(server_->port);
    c.Login();
    c.Send(std::string("\xFF\xFF\x20\x00", 4));  // 2 MiB - 1 announced, nothing sent
    std::string err = c.Read();
    ASSERT_GE(err.size(), 3u);
    EXPECT_EQ(static_cast<uint8_t>(err[0]), 0xFF);
    EXPECT_EQ(static_cast<uint8_t>(err[1]) | (static_cast<uint8_t>(err[2]) << 8), 1153);
    c.Read();
    EXPECT_TRUE(c.eof());
  }
  {
    // An unknown command gets 1047; preparing DDL gets 1295; the connection stays usable.
    RawClient c(server_->port);
    c.Login();
    c.SendPacket("\x7F", 0);
    std::string e1 = c.Read();
    ASSERT_GE(e1.size(), 3u);
    EXPECT_EQ(static_cast<uint8_t>(e1[1]) | (static_cast<uint8_t>(e1[2]) << 8), 1047);
    c.SendPacket("\x16" "CREATE TABLE x (a INT)", 0);
    std::string e2 = c.Read();
    ASSERT_GE(e2.size(), 3u);
    EXPECT_EQ(static_cast<uint8_t>(e2[1]) | (static_cast<uint8_t>(e2[2]) << 8), 1295);
    c.SendPacket("\x0E", 0);  // COM_PING
    std::string ok = c.Read();
    ASSERT_FALSE(ok.empty());
    EXPECT_EQ(static_cast<uint8_t>(ok[0]), 0x00);
  }
  // The server still serves other clients.
  EXPECT_EQ(Ok("SELECT 1"), "1\n1\n");
}

int ErrorCode(const std::string& packet) {
  if (packet.size() < 3 || static_cast<uint8_t>(packet[0]) != 0xFF) return 0;
  return static_cast<uint8_t>(packet[1]) | (static_cast<uint8_t>(packet[2]) << 8);
}

TEST_F(SqlTest, PreparedStatementsUseTheBinaryProtocol) {
  RawClient c(server_->port);
  c.Login();
  c.SendPacket("\x16SELECT ? + 1 AS x, 'a' AS s", 0);
  std::string ok = c.Read();
  ASSERT_EQ(ok.size(), 12u) << "error " << ErrorCode(ok);
  sql::PacketReader pr(ok);
  EXPECT_EQ(pr.Int1(), 0);
  const uint32_t id = pr.Int4();
  EXPECT_EQ(pr.Int2(), 2);  // columns
  EXPECT_EQ(pr.Int2(), 1);  // params
  c.Read();                 // parameter definition
  EXPECT_EQ(static_cast<uint8_t>(c.Read()[0]), 0xFE);
  c.Read();
  c.Read();  // column definitions
  EXPECT_EQ(static_cast<uint8_t>(c.Read()[0]), 0xFE);

  auto execute = [&](bool bind, int32_t value) {
    sql::PacketWriter w;
    w.Int1(0x17);
    w.Int4(id);
    w.Int1(0);
    w.Int4(1);
    w.Int1(0);  // NULL bitmap
    w.Int1(bind ? 1 : 0);
    if (bind) {
      w.Int1(3);  // LONG
      w.Int1(0);
    }
    w.Int4(static_cast<uint32_t>(value));
    c.SendPacket(w.data(), 0);
    std::string count = c.Read();
    EXPECT_EQ(count, std::string(1, '\x02')) << "error " << ErrorCode(count);
    c.Read();
    c.Read();
    EXPECT_EQ(static_cast<uint8_t>(c.Read()[0]), 0xFE);
    std::string row = c.Read();
    EXPECT_EQ(static_cast<uint8_t>(c.Read()[0]), 0xFE);
    return row;
  };
  sql::PacketReader row(execute(true, 41));
  EXPECT_EQ(row.Int1(), 0);
  EXPECT_EQ(row.Int1(), 0);     // no NULLs
  EXPECT_EQ(row.Int8(), 42u);   // LONGLONG
  EXPECT_EQ(row.LenencStr(), "a");
  EXPECT_TRUE(row.ok() && row.AtEnd());
  // The second execute sends no types: the saved ones apply.
  sql::PacketReader row2(execute(false, -3));
  row2.Int1();
  row2.Int1();
  EXPECT_EQ(static_cast<int64_t>(row2.Int8()), -2);
  // COM_STMT_CLOSE has no reply; the id is gone afterwards.
  sql::PacketWriter close;
  close.Int1(0x19);
  close.Int4(id);
  c.SendPacket(close.data(), 0);
  sql::PacketWriter again;
  again.Int1(0x17);
  again.Int4(id);
  again.Int1(0);
  again.Int4(1);
  c.SendPacket(again.data(), 0);
  EXPECT_EQ(ErrorCode(c.Read()), 1243);
}

TEST_F(SqlTest, PlaygroundStartsASqlServer) {
  auto ports = tools::PickFreePortRange(2);
  ASSERT_TRUE(ports.ok()) << ports.status().ToString();
  tools::SubprocessOptions o;
  o.argv = {itest::BinPath("playground"), "--kv", "1", "--data-dir", dir_.Sub("pg"),
            "--port-base", std::to_string(*ports), "--sql-port", "0"};
  o.pipe_stdout = true;
  o.stderr_path = dir_.Sub("playground.stderr");
  auto pg = tools::Subprocess::Start(o);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  std::vector<std::string> lines;
  const auto deadline = std::chrono::steady_clock::now() + seconds(90);
  while (lines.empty() || lines.back() != "READY") {
    auto line = (*pg)->ReadLine(deadline);
    ASSERT_TRUE(line.ok()) << line.status().ToString() << "\n" << itest::ReadFile(o.stderr_path);
    lines.push_back(*line);
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "PD: 127.0.0.1:" + std::to_string(*ports));
  ASSERT_EQ(lines[1].rfind("SQL: 127.0.0.1:", 0), 0u) << lines[1];
  const int sql_port = std::stoi(lines[1].substr(15));
  auto r = Mariadb("CREATE DATABASE pg; CREATE TABLE pg.t (id INT PRIMARY KEY); "
                   "INSERT INTO pg.t VALUES (1), (2); SELECT COUNT(*) FROM pg.t",
                   {}, sql_port);
  EXPECT_TRUE(r.exit.success()) << r.err;
  EXPECT_EQ(r.out, "COUNT(*)\n2\n");
  ASSERT_TRUE((*pg)->Signal(SIGTERM).ok());
  auto exit = (*pg)->Wait(seconds(60));
  ASSERT_TRUE(exit.ok()) << exit.status().ToString();
  EXPECT_TRUE(exit->success()) << exit->ToString();
}

TEST_F(SqlTest, InformationSchemaAndSavepoints) {
  Ok("CREATE DATABASE isdb; CREATE TABLE isdb.t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
     "c VARCHAR(8) DEFAULT 'x')");
  EXPECT_EQ(Ok("SELECT engine, table_type FROM INFORMATION_SCHEMA.TABLES "
               "WHERE table_schema = DATABASE() AND table_name = 't'",
               {"isdb"}),
            "engine\ttable_type\nInnoDB\tBASE TABLE\n");
  EXPECT_EQ(Ok("select column_name, extra, generation_expression, data_type, column_type, "
               "column_default from information_schema.columns where table_schema=database() "
               "and table_name='t' order by ordinal_position",
               {"isdb"}),
            "column_name\textra\tgeneration_expression\tdata_type\tcolumn_type\tcolumn_default\n"
            "id\tauto_increment\t\tint\tint(11)\tNULL\n"
            "c\t\t\tvarchar\tvarchar(8)\tx\n");
  EXPECT_EQ(Ok("SELECT COUNT(*) FROM information_schema.triggers"), "COUNT(*)\n0\n");
  EXPECT_NE(Ok("SELECT schema_name FROM information_schema.schemata").find("isdb\n"),
            std::string::npos);
  Fails("SELECT * FROM information_schema.files", "ERROR 1109 (42S02)");
  Fails("INSERT INTO information_schema.tables (table_name) VALUES ('x')", "ERROR 1044");
  // Savepoints in a read-only transaction (mysqldump --single-transaction).
  Ok("START TRANSACTION; SAVEPOINT sp; SELECT * FROM isdb.t; ROLLBACK TO SAVEPOINT sp; "
     "RELEASE SAVEPOINT sp; COMMIT");
  Fails("BEGIN; ROLLBACK TO SAVEPOINT nope", "ERROR 1305");
  Fails("BEGIN; INSERT INTO isdb.t () VALUES (); SAVEPOINT sp", "ERROR 1235");
  Ok("DROP DATABASE isdb");
}

TEST_F(SqlTest, MysqldumpReloadsIntoAnotherDatabase) {
  if (!Exists(kMysqldump)) {
    if (std::getenv("CI")) FAIL() << "mysqldump not installed (scripts/deps.sh)";
    GTEST_SKIP() << "mysqldump not installed (scripts/deps.sh)";
  }
  Ok("CREATE DATABASE src; CREATE TABLE src.t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
     "k INT DEFAULT '0' NOT NULL, c CHAR(20), d DOUBLE, b BLOB, note TEXT, KEY kk (k), "
     "UNIQUE KEY uc (c))");
  Ok("INSERT INTO src.t (k, c, d, b, note) VALUES (1, 'it''s \\\\ x', 1.5, 0x00ff0a, 'line\\nbreak'), "
     "(2, NULL, NULL, NULL, NULL), (3, 'z', -2.25, 'abc', '')");
  const std::string dump = dir_.Sub("dump.sql");
  auto d = itest::RunCommand({"/bin/sh", "-c",
                              std::string(kMysqldump) + " -h127.0.0.1 -P" +
                                  std::to_string(server_->port) +
                                  " -uroot --single-transaction -y src > " + dump},
                             seconds(120), dir_.path());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_TRUE(d->exit.success()) << d->err;
  std::string text = itest::ReadFile(dump);
  EXPECT_NE(text.find("INSERT INTO `t` VALUES"), std::string::npos) << text;
  EXPECT_NE(text.find("AUTO_INCREMENT=4"), std::string::npos) << text;
  Ok("CREATE DATABASE dst");
  auto load = itest::RunCommand({"/bin/sh", "-c",
                                 std::string(kMariadb) + " -h127.0.0.1 -P" +
                                     std::to_string(server_->port) + " -uroot dst < " + dump},
                                seconds(120), dir_.path());
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  ASSERT_TRUE(load->exit.success()) << load->err;
  const std::string a = Ok("SELECT * FROM src.t ORDER BY id");
  EXPECT_EQ(a, Ok("SELECT * FROM dst.t ORDER BY id"));
  EXPECT_EQ(Ok("SELECT COUNT(*) FROM dst.t"), "COUNT(*)\n3\n");
  Ok("ADMIN CHECK TABLE dst.t");
  // The reloaded table keeps handing out ids after the dumped ones.
  EXPECT_EQ(Ok("INSERT INTO dst.t (k) VALUES (9); SELECT MAX(id) FROM dst.t"), "MAX(id)\n4\n");
  Ok("DROP DATABASE src; DROP DATABASE dst");
}

TEST_F(SqlTest, KillConnectionRollsBackItsTransaction) {
  Ok("CREATE DATABASE k; CREATE TABLE k.t (id INT PRIMARY KEY)");
  RawClient c(server_->port);
  c.Login();
  ASSERT_GT(c.connection_id(), 0u);
  c.SendPacket("\x03" "BEGIN", 0);
  ASSERT_EQ(static_cast<uint8_t>(c.Read()[0]), 0x00);
  c.SendPacket("\x03" "INSERT INTO k.t VALUES (1)", 0);
  ASSERT_EQ(static_cast<uint8_t>(c.Read()[0]), 0x00);
  Ok("KILL QUERY " + std::to_string(c.connection_id()));
  Ok("KILL TIDB CONNECTION " + std::to_string(c.connection_id()));
  c.Read();
  EXPECT_TRUE(c.eof());
  EXPECT_EQ(Ok("SELECT COUNT(*) FROM k.t"), "COUNT(*)\n0\n");
  Fails("KILL 999999", "ERROR 1094");
  Ok("DROP DATABASE k");
}

TEST_F(SqlTest, SysbenchPrepareRunCleanup) {
  if (!Exists(kSysbench)) {
    if (std::getenv("CI")) FAIL() << "sysbench not installed (scripts/deps.sh)";
    GTEST_SKIP() << "sysbench not installed (scripts/deps.sh)";
  }
  Ok("CREATE DATABASE sbtest");
  auto sysbench = [&](const std::string& test, const std::string& cmd,
                      std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kSysbench, test, "--mysql-host=127.0.0.1",
                                     "--mysql-port=" + std::to_string(server_->port),
                                     "--mysql-user=root", "--tables=2", "--table-size=500",
                                     "--threads=2", "--mysql-ignore-errors=9007,1062"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(cmd);
    auto r = itest::RunCommand(argv, seconds(300), dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return std::string();
    EXPECT_TRUE(r->exit.success()) << test << " " << cmd << ": " << r->exit.ToString()
                                   << "\nstdout: " << r->out << "\nstderr: " << r->err;
    return r->out;
  };
  sysbench("oltp_read_write", "prepare");
  EXPECT_EQ(Ok("SELECT COUNT(*), MIN(id), MAX(id) FROM sbtest.sbtest1"),
            "COUNT(*)\tMIN(id)\tMAX(id)\n500\t1\t500\n");
  std::string out = sysbench("oltp_read_write", "run", {"--time=5"});
  EXPECT_NE(out.find("transactions:"), std::string::npos) << out;
  sysbench("oltp_read_write", "run", {"--time=3", "--db-ps-mode=disable"});
  sysbench("oltp_point_select", "run", {"--time=3"});
  sysbench("oltp_insert", "run", {"--time=3"});
  EXPECT_NE(Ok("SELECT COUNT(*) > 500 FROM sbtest.sbtest1"), "COUNT(*) > 500\n0\n");
  // The secondary index k_1 (created after the load, so backfilled) agrees with the rows.
  EXPECT_NE(Ok("SHOW CREATE TABLE sbtest.sbtest1").find("KEY `k_1` (`k`)"), std::string::npos);
  Ok("ADMIN CHECK TABLE sbtest.sbtest1, sbtest.sbtest2");
  std::string sums = Ok("ADMIN CHECKSUM TABLE sbtest.sbtest1");
  EXPECT_EQ(sums.rfind("Db_name\tTable_name\tChecksum_crc64_xor\tTotal_kvs\tTotal_bytes\nsbtest\tsbtest1\t", 0), 0u) << sums;
  sysbench("oltp_read_write", "cleanup");
  EXPECT_EQ(Ok("SHOW TABLES FROM sbtest"), "");
  Ok("DROP DATABASE sbtest");
}

}  // namespace
}  // namespace brkv
