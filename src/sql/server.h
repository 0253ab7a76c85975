// SqlServer: the MySQL-protocol front end. It listens on one TCP address, runs each client
// connection on its own thread (handshake, authentication, then commands; see connection.h)
// and executes statements against the cluster through one shared client::Cluster.
//
//   ASSIGN_OR_RETURN(auto server, SqlServer::Start({.pd_address = pd, .listen_address =
//                                                   "127.0.0.1:0"}));
//   int port = server->port();
//   server->Stop();
//
// Users and passwords come from SqlServerOptions::users (default: root with an empty
// password); passwords are checked with mysql_native_password. BACKUP / RESTORE statements run
// the br library in this process, one job at a time (brie.h).
// Thread-safety: Start/Stop from one thread; the server's threads are internal.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "sql/packet_conn.h"

namespace brkv::sql {

struct SqlServerOptions {
  // "host:port" of pd-server. Required.
  std::string pd_address;
  // Where to listen, "host:port"; port 0 picks a free port. Default: 127.0.0.1:4000.
  std::string listen_address = "127.0.0.1:4000";
  // user -> password. Default: root with an empty password.
  std::map<std::string, std::string> users = {{"root", ""}};
  // Socket deadlines and the largest accepted packet.
  PacketConnOptions conn;
  // Connections beyond this many are refused with error 1040. Default: 512.
  int max_connections = 512;
};

// Reads a TOML config file into `options` (keys: addr, pd, max-allowed-packet,
// max-connections, [users] name = "password"). Flags given on the command line are applied
// by the caller afterwards. InvalidArgument for unknown keys or wrong types.
Status LoadSqlServerConfig(const std::string& path, SqlServerOptions* options);

class SqlServer {
 public:
  // Connects to the cluster (PD) and starts listening. Unavailable when PD does not answer,
  // IOError when the address cannot be bound.
  static Result<std::unique_ptr<SqlServer>> Start(const SqlServerOptions& options);
  ~SqlServer();
  SqlServer(const SqlServer&) = delete;
  SqlServer& operator=(const SqlServer&) = delete;

  int port() const;
  std::string address() const;
  // Stops accepting, closes every connection (open transactions are rolled back) and joins
  // the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit SqlServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Runs a server until SIGINT/SIGTERM; prints "sql-server listening on HOST:PORT" once it
// accepts connections. Returns the process exit code.
int RunSqlServer(const SqlServerOptions& options);

}  // namespace brkv::sql
