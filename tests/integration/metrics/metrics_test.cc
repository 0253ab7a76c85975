// The status ports of real pd-server and kv-server processes: /metrics is scraped before,
// during and after a backup and a restore; every scrape is valid Prometheus text (checked with
// Prometheus' own parser, `promtool check metrics`), counters never go backwards, and the
// backup, import, Raft, request-latency and PD cluster metrics move with the work done.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness/local_cluster.h"
#include "harness/test_env.h"

namespace brkv::itest {
namespace {

using namespace std::chrono_literals;

// GET path from "127.0.0.1:port" over HTTP/1.0; the body, or "" when the request failed.
std::string HttpGet(const std::string& address, const std::string& path) {
  const size_t colon = address.rfind(':');
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[16384];
      for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  if (out.rfind("HTTP/1.1 200", 0) != 0) return "";
  const size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

// Sum of the samples of `name` (exactly that series name) whose label text contains every
// string of `has`.
double Sum(const std::string& text, const std::string& name,
           const std::vector<std::string>& has = {}) {
  double sum = 0;
  for (const std::string& line : Lines(text)) {
    if (line.empty() || line[0] == '#' || line.rfind(name, 0) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    const size_t space = line.rfind(' ');
    const std::string labels = line.substr(name.size(), space - name.size());
    bool match = true;
    for (const auto& h : has) match &= labels.find(h) != std::string::npos;
    if (match) sum += std::stod(line.substr(space + 1));
  }
  return sum;
}

// TiKV's own names that Prometheus' naming lint objects to (kept for compatibility with
// TiKV's dashboards); any other lint complaint fails the test.
const std::set<std::string> kLegacyNames = {
    "tikv_backup_error_counter", "tikv_import_error_counter", "tikv_import_download_duration",
    "tikv_import_ingest_duration", "tikv_import_download_bytes", "tikv_import_ingest_bytes",
    "tikv_raftstore_region_count"};

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalClusterOptions o;
    o.kv_count = 3;
    o.status_ports = true;
    auto c = LocalCluster::Start(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cluster_ = std::move(c).value();
  }

  CommandResult Run(std::vector<std::string> argv) {
    auto r = RunCommand(argv, 300s, cluster_->dir());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }

  // Every endpoint's text, kv-servers first, PD last.
  std::vector<std::string> ScrapeAll() {
    std::vector<std::string> out;
    for (int i = 0; i < cluster_->kv_count(); ++i) {
      out.push_back(HttpGet(cluster_->kv_status_address(i), "/metrics"));
    }
    out.push_back(HttpGet(cluster_->pd_status_address(), "/metrics"));
    return out;
  }

  double SumKv(const std::vector<std::string>& scrape, const std::string& name,
               const std::vector<std::string>& has = {}) {
    double s = 0;
    for (size_t i = 0; i + 1 < scrape.size(); ++i) s += Sum(scrape[i], name, has);
    return s;
  }

  // promtool's parser accepts the text; its lint names only TiKV's legacy names.
  void ExpectValidExposition(const std::string& text, const std::string& what) {
    ASSERT_FALSE(text.empty()) << what << ": empty scrape";
    const std::string file = cluster_->dir() + "/scrape.prom";
    ASSERT_TRUE(WriteFile(file, text).ok());
    auto r = Run({"/bin/sh", "-c", "promtool check metrics < '" + file + "'"});
    const int code = r.exit.signaled ? -1 : r.exit.code;
    ASSERT_TRUE(code == 0 || code == 3) << what << ": promtool cannot parse it:\n" << r.err << r.out;
    for (const std::string& line : Lines(r.out + r.err)) {
      if (line.empty()) continue;
      const std::string name = line.substr(0, line.find(' '));
      EXPECT_TRUE(kLegacyNames.count(name)) << what << ": " << line;
    }
  }

  std::unique_ptr<LocalCluster> cluster_;
};

TEST_F(MetricsTest, CountersMoveWithBackupAndRestoreAndEveryScrapeParses) {
  const std::string pd = cluster_->pd_address();
  auto load = Run({BinPath("kvctl"), "--pd", pd, "load", "sysbench", "--db", "sb", "--tables",
                   "2", "--rows", "2000"});
  ASSERT_TRUE(load.exit.success()) << load.err;

  auto before = ScrapeAll();
  for (size_t i = 0; i < before.size(); ++i) ExpectValidExposition(before[i], "scrape " + std::to_string(i));
  // Writes went through Raft and the gRPC layer on the nodes; PD counts its stores and regions.
  EXPECT_GT(SumKv(before, "tikv_raftstore_proposal_total", {"type=\"normal\""}), 0);
  EXPECT_GT(SumKv(before, "tikv_storage_engine_async_request_duration_seconds_count",
                  {"type=\"write\""}),
            0);
  EXPECT_GT(SumKv(before, "tikv_grpc_msg_duration_seconds_count", {"type=\"kv_prewrite\""}), 0);
  EXPECT_EQ(Sum(before.back(), "pd_cluster_status", {"type=\"store_up_count\""}), 3);
  const double regions = Sum(before.back(), "pd_cluster_status", {"type=\"region_count\""});
  EXPECT_GE(regions, 1);
  EXPECT_GT(Sum(before.back(), "grpc_server_handling_seconds_count", {"grpc_method=\"GetRegion\""}),
            0);

  // Scrapes taken while the backup runs parse too, and no counter ever goes down.
  std::atomic<bool> done{false};
  std::vector<std::string> during;
  std::thread scraper([&] {
    while (!done.load()) {
      during.push_back(HttpGet(cluster_->kv_status_address(0), "/metrics"));
      std::this_thread::sleep_for(50ms);  // a scrape interval, not synchronisation
    }
  });
  const std::string backup_dir = cluster_->dir() + "/backup";
  const std::string backup_json = cluster_->dir() + "/backup-summary.json";
  auto backup = Run({BinPath("br"), "backup", "full", "--pd", pd, "-s", "local://" + backup_dir,
                     "--log-file", cluster_->dir() + "/backup.log", "--summary-json",
                     backup_json});
  done = true;
  scraper.join();
  ASSERT_TRUE(backup.exit.success()) << backup.err;
  // The summary for automation: the same numbers as the summary line.
  const std::string bj = ReadFile(backup_json);
  EXPECT_NE(bj.find("\"command\": \"Full Backup\""), std::string::npos) << bj;
  EXPECT_NE(bj.find("\"status\": \"success\""), std::string::npos) << bj;
  EXPECT_NE(bj.find("\"total_kvs\": 8000"), std::string::npos) << bj;
  EXPECT_NE(backup.out.find("total kvs=8000"), std::string::npos) << backup.out;
  ASSERT_FALSE(during.empty());
  double last = -1;
  for (const auto& s : during) {
    ASSERT_FALSE(s.empty());
    const double v = Sum(s, "tikv_raftstore_proposal_total");
    EXPECT_GE(v, last);
    last = v;
  }
  ExpectValidExposition(during.back(), "scrape during the backup");

  auto after = ScrapeAll();
  // Every led region was backed up by its leader: files were written and requests timed.
  EXPECT_GT(SumKv(after, "tikv_backup_range_size_bytes_count", {"cf=\"write\""}),
            SumKv(before, "tikv_backup_range_size_bytes_count", {"cf=\"write\""}));
  EXPECT_GT(SumKv(after, "tikv_backup_range_size_bytes_sum"), 0);
  EXPECT_GE(SumKv(after, "tikv_backup_request_duration_seconds_count"), 1);
  EXPECT_EQ(SumKv(after, "tikv_raftstore_region_count", {"type=\"leader\""}),
            Sum(after.back(), "pd_cluster_status", {"type=\"region_count\""}));

  // A restore into the same cluster (the database dropped first) downloads and ingests.
  auto drop = Run({BinPath("kvctl"), "--pd", pd, "drop", "sb"});
  ASSERT_TRUE(drop.exit.success()) << drop.err;
  const std::string restore_json = cluster_->dir() + "/restore-summary.json";
  auto restore = Run({BinPath("br"), "restore", "full", "--pd", pd, "-s", "local://" + backup_dir,
                      "--log-file", cluster_->dir() + "/restore.log", "--summary-json",
                      restore_json});
  ASSERT_TRUE(restore.exit.success()) << restore.err;
  const std::string rj = ReadFile(restore_json);
  EXPECT_NE(rj.find("\"status\": \"success\""), std::string::npos) << rj;
  EXPECT_NE(rj.find("\"checksum_verified\": true"), std::string::npos) << rj;
  EXPECT_NE(rj.find("\"total_kvs\": 8000"), std::string::npos) << rj;
  // A failed job writes its failure, replacing the old file.
  auto again = Run({BinPath("br"), "restore", "full", "--pd", pd, "-s", "local://" + backup_dir,
                    "--log-file", cluster_->dir() + "/restore2.log", "--summary-json",
                    restore_json});
  EXPECT_FALSE(again.exit.success());
  const std::string fj = ReadFile(restore_json);
  EXPECT_NE(fj.find("\"status\": \"failed\""), std::string::npos) << fj;
  EXPECT_NE(fj.find("table already exists"), std::string::npos) << fj;
  auto restored = ScrapeAll();
  for (size_t i = 0; i < restored.size(); ++i) {
    ExpectValidExposition(restored[i], "scrape after the restore " + std::to_string(i));
  }
  // Every replica's store downloaded: three downloads per ingest.
  const double downloads = SumKv(restored, "tikv_import_download_duration_count");
  const double ingests = SumKv(restored, "tikv_import_ingest_duration_count");
  EXPECT_GT(ingests, 0);
  EXPECT_GE(downloads, 3 * ingests);
  EXPECT_GT(SumKv(restored, "tikv_import_ingest_bytes_sum"), 0);
  EXPECT_GT(SumKv(restored, "tikv_import_download_bytes_sum"), 0);
  // The status endpoint answers too.
  EXPECT_EQ(HttpGet(cluster_->kv_status_address(0), "/status"), "{\"status\":\"ok\"}\n");
}

}  // namespace
}  // namespace brkv::itest
