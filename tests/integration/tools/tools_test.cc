// End-to-end checks of the command-line tools: kvctl error handling, kvctl raw/txn round trips
// against a playground cluster, and playground's lifecycle (PD:/READY, clean exit on SIGTERM
// with no servers left behind, restart on the same directory keeping the data).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "harness/playground_process.h"
#include "harness/test_env.h"
#include "tools/net_util.h"

namespace brkv {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ToolsTest : public ::testing::Test {
 protected:
  itest::CommandResult Kvctl(const std::vector<std::string>& args,
                             milliseconds timeout = seconds(60)) {
    std::vector<std::string> argv = {itest::BinPath("kvctl")};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = itest::RunCommand(argv, timeout, dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : itest::CommandResult{};
  }

  // Exactly one non-empty line on stderr, starting with "kvctl: error:", non-zero exit.
  static void ExpectOneErrorLine(const itest::CommandResult& r) {
    EXPECT_FALSE(r.exit.success()) << "stdout: " << r.out;
    EXPECT_FALSE(r.exit.signaled) << r.exit.ToString();
    auto lines = itest::Lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << "stderr: " << r.err;
    EXPECT_EQ(lines[0].rfind("kvctl: error:", 0), 0u) << lines[0];
  }

  itest::TempDir dir_{"brkv-tools"};
};

TEST_F(ToolsTest, KvctlAgainstDeadPdFailsFastWithOneLine) {
  auto port = tools::PickFreePortRange(1);
  ASSERT_TRUE(port.ok());
  std::string dead = "127.0.0.1:" + std::to_string(*port);
  for (const auto& cmd :
       std::vector<std::vector<std::string>>{{"--pd", dead, "--timeout", "2", "stores"},
                                             {"--pd", dead, "--timeout", "2", "tso"},
                                             {"--pd", dead, "--timeout", "2", "raw", "get", "k"}}) {
    auto r = Kvctl(cmd);
    ExpectOneErrorLine(r);
    EXPECT_LT(r.elapsed, seconds(10)) << "kvctl took too long against a dead PD";
    EXPECT_NE(r.err.find(dead), std::string::npos) << "error should name the address: " << r.err;
  }
}

TEST_F(ToolsTest, KvctlUsageErrorsAreOneLine) {
  // All rejected before any connection is tried (the default PD address is not running, so a
  // command that did connect would take the whole --timeout).
  for (const auto& cmd :
       std::vector<std::vector<std::string>>{{"--bogus-flag", "stores"},
                                             {"stores", "--bogus-flag"},
                                             {"--pd", "no-port-here", "stores"},
                                             {"--pd", "127.0.0.1:99999", "stores"},
                                             {"--format", "base64", "tso"},
                                             {"--format", "hex", "raw", "get", "xyz"},
                                             {"raw", "get", "bad\\q"},
                                             {"raw", "get"},
                                             {"raw", "scan", "--start", "b", "--end", "a"},
                                             {"txn", "get", "k", "--ts", "notanumber"},
                                             {"split"},
                                             {"gc", "--safepoint", "-5"}}) {
    auto r = Kvctl(cmd);
    ExpectOneErrorLine(r);
    EXPECT_LT(r.elapsed, seconds(5)) << "usage errors must not wait for the network";
  }
  auto help = Kvctl({"raw", "scan", "--help"});
  EXPECT_TRUE(help.exit.success());
  EXPECT_NE(help.out.find("--limit"), std::string::npos) << help.out;
}

TEST_F(ToolsTest, PlaygroundServesKvctlStopsCleanlyAndRestartsWithData) {
  itest::PlaygroundProcessOptions po;
  po.kv_count = 2;
  po.data_dir = dir_.Sub("cluster");
  auto pg = itest::PlaygroundProcess::Start(po);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  const std::string pd = (*pg)->pd_address();
  EXPECT_EQ(pd, "127.0.0.1:" + std::to_string((*pg)->port_base()));
  ASSERT_EQ((*pg)->lines().size(), 2u);
  EXPECT_EQ((*pg)->lines()[0], "PD: " + pd);
  EXPECT_EQ((*pg)->lines()[1], "READY");

  // stores: a header, two stores, both up, and the under-replication summary.
  auto stores = Kvctl({"--pd", pd, "stores"});
  ASSERT_TRUE(stores.exit.success()) << stores.err;
  auto store_lines = itest::Lines(stores.out);
  ASSERT_EQ(store_lines.size(), 4u) << stores.out;
  EXPECT_NE(store_lines[3].find("regions under-replicated (target "), std::string::npos);
  for (size_t i = 1; i + 1 < store_lines.size(); ++i) {
    EXPECT_NE(store_lines[i].find(" up "), std::string::npos) << store_lines[i];
  }
  auto tso = Kvctl({"--pd", pd, "tso"});
  ASSERT_TRUE(tso.exit.success()) << tso.err;
  EXPECT_GT(std::stoull(tso.out), 0u);
  auto regions = Kvctl({"--pd", pd, "regions"});
  ASSERT_TRUE(regions.exit.success()) << regions.err;
  EXPECT_GE(itest::Lines(regions.out).size(), 2u) << regions.out;

  // raw put / get / scan / delete, with binary bytes in escaped and hex form.
  ASSERT_TRUE(Kvctl({"--pd", pd, "raw", "put", "alpha", "one"}).exit.success());
  ASSERT_TRUE(Kvctl({"--pd", pd, "raw", "put", "beta\\x00\\xff", "two\\ttab"}).exit.success());
  ASSERT_TRUE(
      Kvctl({"--pd", pd, "--format", "hex", "raw", "put", "67616d6d61", "00ff"}).exit.success());
  auto get = Kvctl({"--pd", pd, "raw", "get", "alpha"});
  ASSERT_TRUE(get.exit.success()) << get.err;
  EXPECT_EQ(get.out, "one\n");
  // --format applies to the key argument too (and may follow the subcommand).
  ExpectOneErrorLine(Kvctl({"--pd", pd, "raw", "get", "beta\\x00\\xff", "--format", "hex"}));
  auto get_hex = Kvctl({"--pd", pd, "raw", "get", "6265746100ff", "--format", "hex"});
  ASSERT_TRUE(get_hex.exit.success()) << get_hex.err;
  EXPECT_EQ(get_hex.out, "74776f09746162\n");
  auto scan = Kvctl({"--pd", pd, "raw", "scan"});
  ASSERT_TRUE(scan.exit.success()) << scan.err;
  EXPECT_EQ(scan.out, "alpha\tone\nbeta\\x00\\xff\ttwo\\x09tab\ngamma\t\\x00\\xff\n");
  auto scan_lim = Kvctl({"--pd", pd, "raw", "scan", "--start", "b", "--limit", "1"});
  ASSERT_TRUE(scan_lim.exit.success()) << scan_lim.err;
  EXPECT_EQ(scan_lim.out, "beta\\x00\\xff\ttwo\\x09tab\n");
  ASSERT_TRUE(Kvctl({"--pd", pd, "raw", "delete", "alpha"}).exit.success());
  auto gone = Kvctl({"--pd", pd, "raw", "get", "alpha"});
  ExpectOneErrorLine(gone);

  // txn put / get at two timestamps.
  auto put1 = Kvctl({"--pd", pd, "txn", "put", "tk", "first"});
  ASSERT_TRUE(put1.exit.success()) << put1.err;
  auto put2 = Kvctl({"--pd", pd, "txn", "put", "tk", "second"});
  ASSERT_TRUE(put2.exit.success()) << put2.err;
  auto old = Kvctl({"--pd", pd, "txn", "get", "tk", "--ts", itest::Lines(put1.out).at(0)});
  ASSERT_TRUE(old.exit.success()) << old.err;
  EXPECT_EQ(old.out, "first\n");
  auto cur = Kvctl({"--pd", pd, "txn", "get", "tk"});
  ASSERT_TRUE(cur.exit.success()) << cur.err;
  EXPECT_EQ(cur.out, "second\n");

  auto tscan = Kvctl({"--pd", pd, "txn", "scan", "--start", "t", "--end", "u"});
  ASSERT_TRUE(tscan.exit.success()) << tscan.err;
  EXPECT_EQ(tscan.out, "tk\tsecond\n");

  // Admin helpers: split at two transactional keys, scatter the new (empty) region [u, w),
  // advance the GC safe point.
  auto split = Kvctl({"--pd", pd, "split", "u", "w"});
  ASSERT_TRUE(split.exit.success()) << split.err;
  auto after = Kvctl({"--pd", pd, "regions", "--decode"});
  ASSERT_TRUE(after.exit.success()) << after.err;
  EXPECT_NE(after.out.find(" u "), std::string::npos) << after.out;
  EXPECT_NE(after.out.find(" w "), std::string::npos) << after.out;
  auto one = Kvctl({"--pd", pd, "regions", "--key", "v"});
  ASSERT_TRUE(one.exit.success()) << one.err;
  auto one_lines = itest::Lines(one.out);
  ASSERT_EQ(one_lines.size(), 3u) << one.out;  // header, the region, the summary
  std::string region_id = one_lines[1].substr(0, one_lines[1].find(' '));
  // Right after the split PD may still be replicating the new region: scatter waits for that
  // (printing what it waits for) and then scatters, in one run.
  auto scatter = Kvctl({"--pd", pd, "scatter", region_id});
  EXPECT_TRUE(scatter.exit.success()) << scatter.err << scatter.out;
  EXPECT_EQ(scatter.err, "");
  EXPECT_NE(scatter.out.find("scattered 1 of 1 regions\n"), std::string::npos) << scatter.out;
  auto safepoint = itest::Lines(put1.out).at(0);
  auto gc = Kvctl({"--pd", pd, "gc", "--safepoint", safepoint});
  ASSERT_TRUE(gc.exit.success()) << gc.err;
  EXPECT_EQ(gc.out, safepoint + "\n");
  auto gc_show = Kvctl({"--pd", pd, "gc"});
  ASSERT_TRUE(gc_show.exit.success()) << gc_show.err;
  EXPECT_EQ(gc_show.out, safepoint + "\n");
  // The newest version stays readable above the safe point.
  auto kept = Kvctl({"--pd", pd, "txn", "get", "tk"});
  ASSERT_TRUE(kept.exit.success()) << kept.err;
  EXPECT_EQ(kept.out, "second\n");

  // SIGTERM: exit 0, and every server the playground started is gone.
  std::vector<pid_t> children = itest::ChildPids((*pg)->pid());
  EXPECT_EQ(children.size(), 3u) << "expected pd-server and 2 kv-servers";
  auto exit = (*pg)->Terminate(seconds(60));
  ASSERT_TRUE(exit.ok()) << exit.status().ToString();
  EXPECT_TRUE(exit->success()) << exit->ToString() << "; stderr: " << (*pg)->StderrText();
  for (pid_t c : children) EXPECT_FALSE(itest::ProcessAlive(c)) << "server " << c << " survived";

  // Re-run on the same directory: same cluster, same data.
  po.port_base = (*pg)->port_base();
  pg = itest::PlaygroundProcess::Start(po);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  auto again = Kvctl({"--pd", pd, "raw", "get", "67616d6d61", "--format", "hex"});
  ASSERT_TRUE(again.exit.success()) << again.err;
  EXPECT_EQ(again.out, "00ff\n");
  auto txn_again = Kvctl({"--pd", pd, "txn", "get", "tk"});
  ASSERT_TRUE(txn_again.exit.success()) << txn_again.err;
  EXPECT_EQ(txn_again.out, "second\n");
  auto exit2 = (*pg)->Terminate(seconds(60));
  ASSERT_TRUE(exit2.ok()) << exit2.status().ToString();
  EXPECT_TRUE(exit2->success()) << exit2->ToString();
}

TEST_F(ToolsTest, PlaygroundStartupFailuresAreOneLineAndLeaveNothingRunning) {
  // A bin dir without the servers: one error line, non-zero exit, no hang.
  auto r = itest::RunCommand({itest::BinPath("playground"), "--kv", "1", "--data-dir",
                              dir_.Sub("p1"), "--bin-dir", dir_.path()},
                             seconds(30), dir_.path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->exit.success());
  EXPECT_EQ(itest::Lines(r->err).size(), 1u) << r->err;
  EXPECT_NE(r->err.find("pd-server"), std::string::npos) << r->err;

  // A port that is already taken: refused up front with one line naming it.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int busy = ntohs(addr.sin_port);
  auto r2 = itest::RunCommand({itest::BinPath("playground"), "--kv", "1", "--data-dir",
                               dir_.Sub("p2"), "--port-base", std::to_string(busy)},
                              seconds(30), dir_.path());
  close(fd);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_FALSE(r2->exit.success());
  EXPECT_EQ(itest::Lines(r2->err).size(), 1u) << r2->err;
  EXPECT_NE(r2->err.find(std::to_string(busy)), std::string::npos) << r2->err;

  // A kv-server that exits during startup (its config is rejected): one line naming the node,
  // non-zero exit, and PD stopped again (its port is free).
  ASSERT_TRUE(itest::WriteFile(dir_.Sub("bad.toml"), "no-such-setting = 1\n").ok());
  auto base = tools::PickFreePortRange(2);
  ASSERT_TRUE(base.ok());
  auto r3 =
      itest::RunCommand({itest::BinPath("playground"), "--kv", "1", "--data-dir", dir_.Sub("p3"),
                         "--port-base", std::to_string(*base), "--kv-config", dir_.Sub("bad.toml")},
                        seconds(60), dir_.path());
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  EXPECT_FALSE(r3->exit.success());
  EXPECT_EQ(itest::Lines(r3->err).size(), 1u) << r3->err;
  EXPECT_NE(r3->err.find("kv-0"), std::string::npos) << r3->err;
  EXPECT_TRUE(tools::IsLocalPortFree(*base)) << "pd-server still holds its port";
}

}  // namespace
}  // namespace brkv
