// LocalCluster: one pd-server and N kv-servers run as real processes on free 127.0.0.1 ports
// in a temporary directory, for end-to-end tests that need to kill and restart nodes.
//
//   ASSERT_OK_AND_ASSIGN(auto cluster, LocalCluster::Start({.kv_count = 3}));
//   cluster->KillKv(1);                       // SIGKILL, reaped
//   ASSERT_TRUE(cluster->RestartKv(1).ok());  // same port and data; waits until it serves
//
// Every wait polls PD with a deadline; nothing sleeps in place of synchronisation. The
// destructor always stops every process (SIGKILL) and removes the directory; if the running
// gtest test has failed it first prints the tail of every log.
// Thread-safety: not thread-safe; owned by one test.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/pd_client.h"
#include "common/status.h"
#include "harness/test_env.h"
#include "tools/subprocess.h"

namespace brkv::itest {

struct LocalClusterOptions {
  // Number of kv-servers. Default: 3.
  int kv_count = 3;
  // Contents of the kv-server TOML config (passed with --config when non-empty). Default: none.
  std::string kv_config_toml;
  // Extra pd-server flags (e.g. {"--store-down-ms", "3000"}). Default: none.
  std::vector<std::string> pd_extra_args;
  // Extra kv-server flags, given to every node (e.g. {"--log-level", "debug"}). Default: none.
  std::vector<std::string> kv_extra_args;
  // Extra environment entries "NAME=value" for every kv-server, on top of the test's own
  // environment (e.g. AWS_ACCESS_KEY_ID=..., BRKV_FAILPOINTS=...). Default: none.
  std::vector<std::string> kv_env;
  // Give PD and every kv-server an HTTP status port (--status-addr; see pd_status_address(),
  // kv_status_address()). Default: false.
  bool status_ports = false;
  // How long startup, and each restart, may take. Default: 60 s.
  int64_t ready_timeout_ms = 60000;
};

class LocalCluster {
 public:
  // Starts PD and every kv-server and waits until all stores serve. On failure everything
  // started is stopped and the error carries the tail of the failing server's log.
  static Result<std::unique_ptr<LocalCluster>> Start(const LocalClusterOptions& options);
  ~LocalCluster();

  const std::string& pd_address() const { return pd_address_; }
  std::string kv_address(int i) const { return kvs_.at(i).address; }
  // "127.0.0.1:port" of the status ports (options.status_ports), else "".
  const std::string& pd_status_address() const { return pd_node_.status_address; }
  std::string kv_status_address(int i) const { return kvs_.at(i).status_address; }
  const std::string& dir() const { return dir_.path(); }
  int kv_count() const { return static_cast<int>(kvs_.size()); }
  // The store id PD gave node i (known once it registered; NotFound before). Tombstones are
  // skipped: after a wiped node rejoined as a new store, that new store's id.
  Result<uint64_t> KvStoreId(int i);
  // A PD client owned by the cluster (connected during Start).
  client::PdClient* pd() { return pd_.get(); }

  // SIGKILL node i and reap it. OK if it was not running. Until RestartKv it counts as
  // deliberately down (WaitStoresUp does not wait for it nor fail on it).
  Status KillKv(int i);
  // SIGSTOP / SIGCONT node i (a node that hangs, then wakes up).
  Status PauseKv(int i);
  Status ResumeKv(int i);
  // SIGTERM node i, SIGKILL after `grace`.
  Status StopKv(int i, std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Starts node i again (same address, data and config) and waits until PD sees it serving
  // (a heartbeat newer than the restart).
  Status RestartKv(int i);
  // Waits until every running kv-server's store is up with a heartbeat at or after
  // since_unix_ms. Fails early, with the log tail, if a server exits.
  Status WaitStoresUp(int64_t since_unix_ms, std::chrono::milliseconds timeout);

  // Waits until every region has PD's target replica count (min(max-replicas, stores)) and a
  // leader, and every live store leads at least one region when there are enough regions (PD's
  // balance spreads them). For tests that expect work on every node.
  Status WaitReplicatedAndBalanced(std::chrono::milliseconds timeout);

  // Prints the tail of every log in the cluster directory.
  void DumpLogs(size_t lines = 40) const;

 private:
  struct Node {
    std::string name;
    std::string address;
    std::string status_address;
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::unique_ptr<tools::Subprocess> proc;
  };

  explicit LocalCluster(const LocalClusterOptions& options) : options_(options) {}
  Status StartNode(Node* node);
  Status CheckRunning(const Node& node) const;
  Status Launch();

  LocalClusterOptions options_;
  TempDir dir_{"brkv-cluster"};
  std::string pd_address_;
  Node pd_node_;
  std::vector<Node> kvs_;
  std::unique_ptr<client::PdClient> pd_;
};

}  // namespace brkv::itest
