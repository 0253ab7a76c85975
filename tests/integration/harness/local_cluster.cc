#include "harness/local_cluster.h"

#include <csignal>
#include <set>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "tools/net_util.h"
#include "tools/store_health.h"

namespace brkv::itest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(100);

std::string LogTail(const std::string& path, size_t n) {
  auto lines = Lines(ReadFile(path));
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    out += " | " + lines[i];
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<LocalCluster>> LocalCluster::Start(const LocalClusterOptions& options) {
  std::unique_ptr<LocalCluster> c(new LocalCluster(options));
  Status s = c->Launch();
  if (!s.ok()) {
    c->DumpLogs();
    return s;
  }
  return c;
}

Status LocalCluster::Launch() {
  if (options_.kv_count < 1) return Status::InvalidArgument("kv_count must be >= 1");
  ASSIGN_OR_RETURN(int base, tools::PickFreePortRange(options_.kv_count + 1));
  auto addr = [](int port) { return "127.0.0.1:" + std::to_string(port); };
  std::string config_path;
  if (!options_.kv_config_toml.empty()) {
    config_path = dir_.Sub("kv.toml");
    RETURN_IF_ERROR(WriteFile(config_path, options_.kv_config_toml));
  }
  pd_address_ = addr(base);
  pd_node_.name = "pd";
  pd_node_.address = pd_address_;
  pd_node_.argv = {BinPath("pd-server"), "--data-dir", dir_.Sub("pd"),    "--addr",
                   pd_address_,          "--log-file", dir_.Sub("pd.log")};
  for (const auto& a : options_.pd_extra_args) pd_node_.argv.push_back(a);
  int status_base = 0;
  if (options_.status_ports) {
    ASSIGN_OR_RETURN(status_base, tools::PickFreePortRange(options_.kv_count + 1));
    pd_node_.status_address = addr(status_base);
    pd_node_.argv.push_back("--status-addr");
    pd_node_.argv.push_back(pd_node_.status_address);
  }
  kvs_.resize(options_.kv_count);
  for (int i = 0; i < options_.kv_count; ++i) {
    Node& kv = kvs_[i];
    kv.name = "kv-" + std::to_string(i);
    kv.address = addr(base + 1 + i);
    kv.argv = {BinPath("kv-server"),
               "--pd",
               pd_address_,
               "--addr",
               kv.address,
               "--data-dir",
               dir_.Sub(kv.name),
               "--log-file",
               dir_.Sub(kv.name + ".log")};
    if (!config_path.empty()) {
      kv.argv.push_back("--config");
      kv.argv.push_back(config_path);
    }
    for (const auto& a : options_.kv_extra_args) kv.argv.push_back(a);
    if (options_.status_ports) {
      kv.status_address = addr(status_base + 1 + i);
      kv.argv.push_back("--status-addr");
      kv.argv.push_back(kv.status_address);
    }
    kv.env = options_.kv_env;
  }

  int64_t since = tools::UnixMillisNow();
  RETURN_IF_ERROR(StartNode(&pd_node_));
  client::PdClientOptions po;
  po.address = pd_address_;
  po.rpc_timeout_ms = 2000;
  po.retry_budget_ms = 500;
  auto deadline = Clock::now() + std::chrono::milliseconds(options_.ready_timeout_ms);
  while (!pd_) {
    RETURN_IF_ERROR(CheckRunning(pd_node_));
    auto c = client::PdClient::Connect(po);
    if (c.ok()) {
      pd_ = std::move(c).value();
      break;
    }
    if (Clock::now() >= deadline) return c.status().WithContext("PD did not come up");
    std::this_thread::sleep_for(kPoll);
  }
  for (auto& kv : kvs_) RETURN_IF_ERROR(StartNode(&kv));
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return WaitStoresUp(since, std::max(left, std::chrono::milliseconds(1)));
}

LocalCluster::~LocalCluster() {
  if (::testing::Test::HasFailure()) DumpLogs();
  pd_.reset();
  for (auto& kv : kvs_) {
    if (kv.proc) kv.proc->Kill();
  }
  if (pd_node_.proc) pd_node_.proc->Kill();
}

Status LocalCluster::StartNode(Node* node) {
  tools::SubprocessOptions so;
  so.argv = node->argv;
  so.extra_env = node->env;
  so.stdout_path = dir_.Sub(node->name + ".stderr.log");
  so.stderr_path = so.stdout_path;
  auto p = tools::Subprocess::Start(so);
  if (!p.ok()) return p.status().WithContext("starting " + node->name);
  node->proc = std::move(p).value();
  return Status::OK();
}

Status LocalCluster::CheckRunning(const Node& node) const {
  if (!node.proc) return Status::Aborted(node.name + " is not running");
  if (auto e = node.proc->Poll()) {
    return Status::Aborted(node.name + " (" + node.address + ") exited with " + e->ToString() +
                           "; stderr:" + LogTail(dir_.Sub(node.name + ".stderr.log"), 5) +
                           "; log:" + LogTail(dir_.Sub(node.name + ".log"), 5));
  }
  return Status::OK();
}

Status LocalCluster::WaitStoresUp(int64_t since_unix_ms, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::vector<std::string> addresses;
  for (const auto& kv : kvs_) {
    if (kv.proc && kv.proc->running()) addresses.push_back(kv.address);
  }
  std::string waiting_for = "PD";
  while (true) {
    RETURN_IF_ERROR(CheckRunning(pd_node_));
    for (const auto& kv : kvs_) {
      if (kv.proc) RETURN_IF_ERROR(CheckRunning(kv));
    }
    auto up = tools::StoresUp(pd_.get(), addresses, since_unix_ms, &waiting_for);
    if (up.ok() && *up) return Status::OK();
    if (!up.ok()) waiting_for = "PD: " + up.status().ToString();
    if (Clock::now() >= deadline) {
      return Status::TimedOut("cluster not up after " + std::to_string(timeout.count()) +
                              " ms; waiting for " + waiting_for);
    }
    std::this_thread::sleep_for(kPoll);
  }
}

Result<uint64_t> LocalCluster::KvStoreId(int i) {
  ASSIGN_OR_RETURN(auto stores, pd_->GetAllStores());
  for (const auto& s : stores) {
    // A tombstone may have held the address before (a node that rejoined as a new store).
    if (s.store().address() == kvs_.at(i).address && s.store().state() != metapb::Tombstone) {
      return s.store().id();
    }
  }
  return Status::NotFound("no store registered for " + kvs_.at(i).address);
}

Status LocalCluster::KillKv(int i) {
  Node& kv = kvs_.at(i);
  if (kv.proc) kv.proc->Kill();
  kv.proc.reset();  // deliberately down: waits for the others do not fail on it
  return Status::OK();
}

Status LocalCluster::WaitReplicatedAndBalanced(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string why = "PD did not answer";
  while (std::chrono::steady_clock::now() < deadline) {
    auto cfg = pd_->GetReplicationConfig();
    auto regions = pd_->ScanRegions("", "", 0);
    auto stores = pd_->GetAllStores();
    if (cfg.ok() && regions.ok() && stores.ok()) {
      std::set<uint64_t> up, leading;
      for (const auto& s : *stores) {
        if (s.store().state() == metapb::Up && !s.is_down()) up.insert(s.store().id());
      }
      why.clear();
      for (const auto& r : *regions) {
        uint32_t voters = 0;
        for (const auto& p : r.region.peers()) voters += p.role() != metapb::Learner;
        if (voters != cfg->target_replicas || r.leader.id() == 0) {
          why = "region " + std::to_string(r.region.id()) + " has " + std::to_string(voters) +
                " of " + std::to_string(cfg->target_replicas) + " replicas";
          break;
        }
        leading.insert(r.leader.store_id());
      }
      if (why.empty() && regions->size() >= up.size()) {
        for (uint64_t id : up) {
          if (!leading.count(id)) why = "store " + std::to_string(id) + " leads no region";
        }
      }
      if (why.empty()) return Status::OK();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // PD's operators take turns
  }
  return Status::TimedOut("cluster not replicated and balanced in time: " + why);
}

Status LocalCluster::PauseKv(int i) {
  Node& kv = kvs_.at(i);
  if (!kv.proc) return Status::Aborted(kv.name + " is not running");
  return kv.proc->Signal(SIGSTOP);
}

Status LocalCluster::ResumeKv(int i) {
  Node& kv = kvs_.at(i);
  if (!kv.proc) return Status::Aborted(kv.name + " is not running");
  return kv.proc->Signal(SIGCONT);
}

Status LocalCluster::StopKv(int i, std::chrono::milliseconds grace) {
  Node& kv = kvs_.at(i);
  if (!kv.proc) return Status::OK();
  auto e = kv.proc->Stop(grace);
  if (!e.success()) {
    return Status::Aborted(kv.name + " did not stop cleanly: " + e.ToString());
  }
  return Status::OK();
}

Status LocalCluster::RestartKv(int i) {
  Node& kv = kvs_.at(i);
  if (kv.proc && kv.proc->running()) {
    return Status::InvalidArgument(kv.name + " is still running; kill or stop it first");
  }
  int64_t since = tools::UnixMillisNow();
  RETURN_IF_ERROR(StartNode(&kv));
  return WaitStoresUp(since, std::chrono::milliseconds(options_.ready_timeout_ms));
}

void LocalCluster::DumpLogs(size_t lines) const { DumpLogTails(dir_.path(), lines); }

}  // namespace brkv::itest
