#include "tools/playground.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "client/pd_client.h"
#include "tools/net_util.h"
#include "tools/store_health.h"
#include "tools/subprocess.h"

namespace brkv::tools {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kHost = "127.0.0.1";
constexpr auto kPollInterval = std::chrono::milliseconds(200);

struct Node {
  std::string name;  // "pd", "kv-0", ...
  std::string address;
  std::unique_ptr<Subprocess> proc;
};

std::string Addr(int port) { return std::string(kHost) + ":" + std::to_string(port); }

// Waits up to `timeout` for SIGINT/SIGTERM/SIGCHLD (blocked by RunPlayground). Returns the
// signal, or 0 on timeout.
int WaitSignal(const sigset_t& set, std::chrono::milliseconds timeout) {
  timespec ts{static_cast<time_t>(timeout.count() / 1000),
              static_cast<long>((timeout.count() % 1000) * 1000000)};
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig < 0 ? 0 : sig;
}

Status CheckExecutable(const std::string& path) {
  if (access(path.c_str(), X_OK) != 0) {
    return Status::NotFound("cannot find executable " + path +
                            " (build it, or point --bin-dir at the directory holding it)");
  }
  return Status::OK();
}

// Records the cluster shape on first start; on a re-run refuses shapes that would strand data
// (fewer nodes, different ports: stores are registered in PD under their addresses).
Status CheckOrWriteLayout(const fs::path& dir, const PlaygroundOptions& o) {
  fs::path meta = dir / "playground.json";
  std::error_code ec;
  if (fs::exists(meta, ec)) {
    std::ifstream in(meta);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("kv") || !j.contains("port_base") ||
        !j["kv"].is_number_integer() || !j["port_base"].is_number_integer()) {
      return Status::Corruption(meta.string() +
                                " is unreadable; remove it or use a new --data-dir");
    }
    int old_kv = j["kv"].get<int>();
    int old_port = j["port_base"].get<int>();
    if (old_port != o.port_base) {
      return Status::InvalidArgument(dir.string() + " holds a cluster started with --port-base " +
                                     std::to_string(old_port) + "; re-run with that port base");
    }
    if (o.kv_count < old_kv) {
      return Status::InvalidArgument(dir.string() + " holds a cluster of " +
                                     std::to_string(old_kv) + " kv nodes; re-run with --kv " +
                                     std::to_string(old_kv) + " or more");
    }
    if (o.kv_count == old_kv) return Status::OK();
  }
  nlohmann::json j = {{"kv", o.kv_count}, {"port_base", o.port_base}};
  fs::path tmp = dir / "playground.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
    if (!out) return Status::IOError("cannot write " + tmp.string());
  }
  fs::rename(tmp, meta, ec);
  if (ec) return Status::IOError("cannot write " + meta.string() + ": " + ec.message());
  return Status::OK();
}

class Playground {
 public:
  Playground(const PlaygroundOptions& o, std::FILE* out) : o_(o), out_(out) {}
  ~Playground() { StopAll(); }

  Status Run() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGHUP);
    sigaddset(&signals_, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);

    RETURN_IF_ERROR(Prepare());
    RETURN_IF_ERROR(StartServers());
    Status s = WaitReady();
    if (!s.ok()) return s;
    if (o_.sql_port >= 0) RETURN_IF_ERROR(StartSqlServer());
    std::fprintf(out_, "READY\n");
    std::fflush(out_);
    return Serve();
  }

 private:
  Status Prepare() {
    if (o_.kv_count < 1) return Status::InvalidArgument("--kv must be at least 1");
    if (o_.data_dir.empty()) return Status::InvalidArgument("--data-dir is required");
    if (o_.port_base < 1 || o_.port_base + o_.kv_count > 65535) {
      return Status::InvalidArgument("--port-base " + std::to_string(o_.port_base) +
                                     " leaves no room for " + std::to_string(o_.kv_count) +
                                     " nodes below port 65536");
    }
    std::string bin_dir = o_.bin_dir.empty() ? ExecutableDir() : o_.bin_dir;
    pd_bin_ = (fs::path(bin_dir) / "pd-server").string();
    kv_bin_ = (fs::path(bin_dir) / "kv-server").string();
    RETURN_IF_ERROR(CheckExecutable(pd_bin_));
    RETURN_IF_ERROR(CheckExecutable(kv_bin_));
    if (o_.sql_port >= 0) {
      sql_bin_ = (fs::path(bin_dir) / "sql-server").string();
      RETURN_IF_ERROR(CheckExecutable(sql_bin_));
      if (o_.sql_port > 65535) return Status::InvalidArgument("--sql-port must be below 65536");
      if (o_.sql_port > 0 && !IsLocalPortFree(o_.sql_port)) {
        return Status::Unavailable("port " + Addr(o_.sql_port) + " is in use; choose another " +
                                   "--sql-port (0 picks a free one)");
      }
    }
    if (!o_.kv_config.empty()) {
      std::error_code ec;
      kv_config_ = fs::absolute(o_.kv_config, ec).string();
      if (ec || !fs::is_regular_file(kv_config_, ec)) {
        return Status::NotFound("--kv-config " + o_.kv_config + " is not a readable file");
      }
    }
    std::error_code ec;
    dir_ = fs::absolute(o_.data_dir, ec);
    fs::create_directories(dir_ / "pd", ec);
    for (int i = 0; !ec && i < o_.kv_count; ++i) {
      fs::create_directories(dir_ / ("kv-" + std::to_string(i)), ec);
    }
    if (ec) return Status::IOError("cannot create " + dir_.string() + ": " + ec.message());
    RETURN_IF_ERROR(CheckOrWriteLayout(dir_, o_));
    for (int i = 0; i <= o_.kv_count; ++i) {
      int port = o_.port_base + i;
      if (!IsLocalPortFree(port)) {
        return Status::Unavailable("port " + Addr(port) + " is in use (another playground?); " +
                                   "stop it or choose another --port-base");
      }
    }
    return Status::OK();
  }

  Status StartNode(Node* node, std::vector<std::string> argv) {
    SubprocessOptions so;
    so.argv = std::move(argv);
    so.stdout_path = (dir_ / (node->name + ".stderr.log")).string();
    so.stderr_path = so.stdout_path;
    auto p = Subprocess::Start(so);
    if (!p.ok()) return p.status().WithContext("starting " + node->name);
    node->proc = std::move(p).value();
    return Status::OK();
  }

  Status StartServers() {
    launch_unix_ms_ = UnixMillisNow();
    pd_.name = "pd";
    pd_.address = Addr(o_.port_base);
    RETURN_IF_ERROR(StartNode(&pd_, {pd_bin_, "--data-dir", (dir_ / "pd").string(), "--addr",
                                     pd_.address, "--log-file", (dir_ / "pd.log").string()}));
    kvs_.resize(o_.kv_count);
    for (int i = 0; i < o_.kv_count; ++i) {
      Node& kv = kvs_[i];
      kv.name = "kv-" + std::to_string(i);
      kv.address = Addr(o_.port_base + 1 + i);
      std::vector<std::string> argv = {kv_bin_,
                                       "--pd",
                                       pd_.address,
                                       "--addr",
                                       kv.address,
                                       "--data-dir",
                                       (dir_ / kv.name).string(),
                                       "--log-file",
                                       (dir_ / (kv.name + ".log")).string()};
      if (!kv_config_.empty()) {
        argv.push_back("--config");
        argv.push_back(kv_config_);
      }
      RETURN_IF_ERROR(StartNode(&kv, std::move(argv)));
    }
    return Status::OK();
  }

  // Starts the sql-server and waits for its "listening on HOST:PORT" line, then prints
  // "SQL: HOST:PORT".
  Status StartSqlServer() {
    sql_.name = "sql";
    SubprocessOptions so;
    so.argv = {sql_bin_, "--pd", pd_.address, "--addr", Addr(o_.sql_port), "--log-file",
               (dir_ / "sql.log").string()};
    so.pipe_stdout = true;
    so.stderr_path = (dir_ / "sql.stderr.log").string();
    auto p = Subprocess::Start(so);
    if (!p.ok()) return p.status().WithContext("starting sql-server");
    sql_.proc = std::move(p).value();
    auto line = sql_.proc->ReadLine(Clock::now() + std::chrono::milliseconds(o_.ready_timeout_ms));
    const std::string prefix = "sql-server listening on ";
    if (!line.ok() || line->rfind(prefix, 0) != 0) {
      return Status::Aborted("sql-server did not start; see " +
                             (dir_ / "sql.stderr.log").string() + " and " +
                             (dir_ / "sql.log").string());
    }
    sql_.address = line->substr(prefix.size());
    std::fprintf(out_, "SQL: %s\n", sql_.address.c_str());
    std::fflush(out_);
    return Status::OK();
  }

  // Error naming the first server that has exited, or OK.
  Status CheckChildren() {
    for (Node* n : AllNodes()) {
      if (auto e = n->proc->Poll()) {
        return Status::Aborted(n->name + " (" + n->address + ") exited during startup with " +
                               e->ToString() + "; see " +
                               (dir_ / (n->name + ".stderr.log")).string() + " and " +
                               (dir_ / (n->name + ".log")).string());
      }
    }
    return Status::OK();
  }

  static Result<bool> FullyReplicated(client::PdClient* pd, std::string* waiting_for) {
    ASSIGN_OR_RETURN(client::ReplicationConfig cfg, pd->GetReplicationConfig());
    ASSIGN_OR_RETURN(std::vector<client::RegionInfo> regions, pd->ScanRegions("", "", 0));
    if (regions.empty()) {
      *waiting_for = "the first region";
      return false;
    }
    for (const auto& r : regions) {
      uint32_t voters = 0;
      for (const auto& p : r.region.peers()) voters += p.role() != metapb::Learner;
      if (voters < cfg.target_replicas || r.leader.id() == 0) {
        *waiting_for = "region " + std::to_string(r.region.id()) + " to have " +
                       std::to_string(cfg.target_replicas) + " replicas and a leader (has " +
                       std::to_string(voters) + ")";
        return false;
      }
    }
    return true;
  }

  Status WaitReady() {
    auto deadline = Clock::now() + std::chrono::milliseconds(o_.ready_timeout_ms);
    std::unique_ptr<client::PdClient> pd;
    std::string waiting_for = "PD at " + pd_.address;
    bool pd_printed = false;
    while (true) {
      RETURN_IF_ERROR(CheckChildren());
      if (!pd) {
        client::PdClientOptions po;
        po.address = pd_.address;
        po.rpc_timeout_ms = 1000;
        po.retry_budget_ms = 500;
        auto c = client::PdClient::Connect(po);
        if (c.ok()) pd = std::move(c).value();
      }
      if (pd && !pd_printed) {
        std::fprintf(out_, "PD: %s\n", pd_.address.c_str());
        std::fflush(out_);
        pd_printed = true;
        waiting_for = "stores to register";
      }
      if (pd) {
        std::vector<std::string> addresses;
        for (const auto& kv : kvs_) addresses.push_back(kv.address);
        auto up = StoresUp(pd.get(), addresses, launch_unix_ms_, &waiting_for);
        // Writes are only as safe as the replica count: READY waits until every region has
        // min(max-replicas, stores) voters and a leader.
        if (up.ok() && *up) {
          auto replicated = FullyReplicated(pd.get(), &waiting_for);
          if (replicated.ok() && *replicated) return Status::OK();
          if (!replicated.ok()) waiting_for = "PD (" + replicated.status().ToString() + ")";
        }
        if (!up.ok()) waiting_for = "PD (" + up.status().ToString() + ")";
      }
      if (Clock::now() >= deadline) {
        return Status::TimedOut("cluster not ready after " +
                                std::to_string(o_.ready_timeout_ms / 1000) + " s: waiting for " +
                                waiting_for + "; logs in " + dir_.string());
      }
      int sig = WaitSignal(signals_, kPollInterval);
      if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
        return Status::Aborted("interrupted before the cluster was ready");
      }
    }
  }

  Status Serve() {
    std::set<std::string> reported;
    while (true) {
      int sig = WaitSignal(signals_, std::chrono::milliseconds(1000));
      if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
        StopAll();
        return Status::OK();
      }
      if (auto e = pd_.proc->Poll()) {
        StopAll();
        return Status::Aborted("pd-server exited with " + e->ToString() + "; see " +
                               (dir_ / "pd.stderr.log").string());
      }
      if (sql_.proc && !reported.count(sql_.name)) {
        if (auto e = sql_.proc->Poll()) {
          reported.insert(sql_.name);
          std::fprintf(stderr, "playground: sql-server (%s) exited with %s; see %s\n",
                       sql_.address.c_str(), e->ToString().c_str(),
                       (dir_ / "sql.stderr.log").string().c_str());
        }
      }
      for (auto& kv : kvs_) {
        if (auto e = kv.proc->Poll(); e && !reported.count(kv.name)) {
          reported.insert(kv.name);
          std::fprintf(stderr, "playground: %s (%s) exited with %s; see %s\n", kv.name.c_str(),
                       kv.address.c_str(), e->ToString().c_str(),
                       (dir_ / (kv.name + ".stderr.log")).string().c_str());
        }
      }
    }
  }

  // The sql-server, then kv-servers (they report to PD while stopping), then PD; SIGKILL
  // after the grace period.
  void StopAll() {
    auto grace = std::chrono::milliseconds(o_.stop_timeout_ms);
    if (sql_.proc) sql_.proc->Stop(grace);
    for (auto& kv : kvs_) {
      if (kv.proc) (void)kv.proc->Signal(SIGTERM);
    }
    auto deadline = Clock::now() + grace;
    for (auto& kv : kvs_) {
      if (!kv.proc) continue;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (!kv.proc->Wait(std::max(left, std::chrono::milliseconds(0))).ok()) kv.proc->Kill();
    }
    if (pd_.proc) pd_.proc->Stop(grace);
  }

  std::vector<Node*> AllNodes() {
    std::vector<Node*> v;
    if (pd_.proc) v.push_back(&pd_);
    if (sql_.proc) v.push_back(&sql_);
    for (auto& kv : kvs_) {
      if (kv.proc) v.push_back(&kv);
    }
    return v;
  }

  PlaygroundOptions o_;
  std::FILE* out_;
  sigset_t signals_;
  fs::path dir_;
  std::string pd_bin_, kv_bin_, sql_bin_, kv_config_;
  int64_t launch_unix_ms_ = 0;
  Node pd_;
  Node sql_;
  std::vector<Node> kvs_;
};

}  // namespace

Status RunPlayground(const PlaygroundOptions& options, std::FILE* out) {
  Playground p(options, out);
  return p.Run();
}

}  // namespace brkv::tools
