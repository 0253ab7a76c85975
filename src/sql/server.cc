#include "sql/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <list>
#include <mutex>
#include <sstream>
#include <thread>

#include <toml.hpp>

#include "client/cluster.h"
#include "common/logging.h"
#include "sql/brie.h"
#include "sql/connection.h"
#include "sql/protocol.h"

namespace brkv::sql {

namespace {

Result<std::pair<std::string, int>> SplitHostPort(const std::string& addr) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("'" + addr + "' is not host:port");
  std::string host = addr.substr(0, colon);
  int port = 0;
  try {
    size_t used = 0;
    port = std::stoi(addr.substr(colon + 1), &used);
    if (used != addr.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("");
  } catch (...) {
    return Status::InvalidArgument("'" + addr + "' has no valid port");
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  return std::make_pair(host, port);
}

}  // namespace

Status LoadSqlServerConfig(const std::string& path, SqlServerOptions* options) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  toml::value doc;
  try {
    std::istringstream text(ss.str());
    doc = toml::parse(text, path);
  } catch (const std::exception& e) {
    std::string m = e.what();
    return Status::InvalidArgument(path + ": malformed TOML: " + m.substr(0, m.find('\n')));
  }
  if (!doc.is_table()) return Status::InvalidArgument(path + ": not a TOML table");
  try {
    for (const auto& [key, value] : doc.as_table()) {
      if (key == "addr") {
        options->listen_address = toml::get<std::string>(value);
      } else if (key == "pd") {
        options->pd_address = toml::get<std::string>(value);
      } else if (key == "max-allowed-packet") {
        options->conn.max_packet_bytes = static_cast<size_t>(toml::get<int64_t>(value));
      } else if (key == "max-connections") {
        options->max_connections = static_cast<int>(toml::get<int64_t>(value));
      } else if (key == "users") {
        options->users.clear();
        for (const auto& [user, pw] : value.as_table()) {
          options->users[user] = toml::get<std::string>(pw);
        }
      } else {
        return Status::InvalidArgument(path + ": unknown key '" + key + "'");
      }
    }
  } catch (const std::exception& e) {
    std::string m = e.what();
    return Status::InvalidArgument(path + ": " + m.substr(0, m.find('\n')));
  }
  return Status::OK();
}

struct SqlServer::Impl {
  SqlServerOptions options;
  std::unique_ptr<client::Cluster> cluster;
  std::unique_ptr<BrieQueue> brie;
  std::unique_ptr<Executor> executor;
  SystemVariables globals;
  std::atomic<uint64_t> questions{0};
  int64_t start_unix_s = 0;
  int listen_fd = -1;
  std::string host;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::thread acceptor;

  struct Live {
    std::unique_ptr<Connection> conn;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex mu;
  std::list<Live> live;  // guarded by mu
  uint32_t next_id = 1;

  void Reap(bool all) {
    std::list<Live> finished;
    {
      std::lock_guard<std::mutex> l(mu);
      for (auto it = live.begin(); it != live.end();) {
        if (all) it->conn->Shutdown();
        if (all || it->done.load()) {
          auto next = std::next(it);
          finished.splice(finished.end(), live, it);
          it = next;
        } else {
          ++it;
        }
      }
    }
    for (Live& l : finished) l.thread.join();
  }

  // KILL: a connection is shut down (its thread rolls back its transaction and exits); its
  // BACKUP / RESTORE job, if it runs one, is cancelled (KILL QUERY does only that: other
  // statements cannot be interrupted yet).
  bool Kill(uint32_t id, bool query_only) {
    {
      std::lock_guard<std::mutex> l(mu);
      auto it = std::find_if(live.begin(), live.end(), [id](const Live& c) {
        return c.conn->id() == id && !c.done.load();
      });
      if (it == live.end()) return false;
      if (!query_only) it->conn->Shutdown();
    }
    brie->Cancel(id, query_only ? "KILL QUERY" : "KILL CONNECTION");
    return true;
  }

  void AcceptLoop() {
    while (!stopping.load()) {
      pollfd p{listen_fd, POLLIN, 0};
      int n = ::poll(&p, 1, 200);
      Reap(false);
      if (n <= 0) continue;
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::lock_guard<std::mutex> l(mu);
      if (static_cast<int>(live.size()) >= options.max_connections) {
        PacketConn c(fd, options.conn);  // closes fd
        c.Write(BuildErr(SqlError(1040, "08004", "Too many connections")));
        (void)c.Flush();
        continue;
      }
      ConnectionContext ctx{executor.get(), &globals, &options.users, &questions, start_unix_s};
      live.emplace_back();
      Live& entry = live.back();
      entry.conn = std::make_unique<Connection>(fd, next_id++, options.conn, ctx);
      entry.thread = std::thread([&entry] {
        entry.conn->Serve();
        entry.done.store(true);
      });
    }
  }
};

SqlServer::SqlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqlServer::~SqlServer() { Stop(); }

Result<std::unique_ptr<SqlServer>> SqlServer::Start(const SqlServerOptions& options) {
  if (options.pd_address.empty()) return Status::InvalidArgument("no PD address");
  ASSIGN_OR_RETURN(auto hp, SplitHostPort(options.listen_address));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->start_unix_s = static_cast<int64_t>(std::time(nullptr));
  ASSIGN_OR_RETURN(impl->cluster, client::Cluster::Connect({.pd_address = options.pd_address}));
  Impl* self = impl.get();
  impl->brie = std::make_unique<BrieQueue>(BrieQueueOptions{.pd_address = options.pd_address});
  impl->executor = std::make_unique<Executor>(
      impl->cluster.get(),
      [self](uint32_t id, bool query_only) { return self->Kill(id, query_only); },
      impl->brie.get());

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(hp.second));
  if (::inet_pton(AF_INET, hp.first.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return Status::InvalidArgument("listen host '" + hp.first + "' is not an IPv4 address");
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 128) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return Status::IOError("cannot listen on " + options.listen_address + ": " + err);
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl->listen_fd = fd;
  impl->host = hp.first;
  impl->port = ntohs(addr.sin_port);
  Impl* raw = impl.get();
  impl->acceptor = std::thread([raw] { raw->AcceptLoop(); });
  return std::unique_ptr<SqlServer>(new SqlServer(std::move(impl)));
}

int SqlServer::port() const { return impl_->port; }
std::string SqlServer::address() const { return impl_->host + ":" + std::to_string(impl_->port); }

void SqlServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  ::close(impl_->listen_fd);
  // A connection running BACKUP / RESTORE is inside the runner: stop it cleanly first.
  impl_->brie->CancelAll();
  impl_->Reap(/*all=*/true);
}

int RunSqlServer(const SqlServerOptions& options) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = SqlServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "sql-server: error: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("sql-server listening on %s\n", (*server)->address().c_str());
  std::fflush(stdout);
  LOG_INFO("sql-server listening on {} (PD {})", (*server)->address(), options.pd_address);
  int sig = 0;
  sigwait(&set, &sig);
  LOG_INFO("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Stop();
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace brkv::sql
