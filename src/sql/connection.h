// Connection: one client connection from the handshake to COM_QUIT: authentication
// (mysql_native_password, with an auth switch when the client asks for another plugin), then a
// loop of commands — COM_QUERY (several ';'-separated statements answered with MORE_RESULTS),
// COM_INIT_DB, COM_PING, COM_FIELD_LIST, COM_STATISTICS, COM_QUIT; prepared-statement commands
// are answered with 1295 so clients fall back to text queries.
// A malformed or oversized packet ends this connection only; its open transaction is rolled
// back (locks it left behind are resolved by the cluster's lock resolver).
// Thread-safety: Serve runs on one thread; Shutdown may be called from another.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "sql/executor.h"
#include "sql/packet_conn.h"
#include "sql/session.h"

namespace brkv::sql {

struct ConnectionContext {
  Executor* executor = nullptr;
  SystemVariables* globals = nullptr;
  const std::map<std::string, std::string>* users = nullptr;  // user -> password
  std::atomic<uint64_t>* questions = nullptr;
  int64_t start_unix_s = 0;
};

class Connection {
 public:
  Connection(int fd, uint32_t id, const PacketConnOptions& options, ConnectionContext ctx);
  // Runs the connection to its end; the socket is closed when the Connection is destroyed.
  void Serve();
  // Makes a blocked Serve return soon.
  void Shutdown() { conn_.Shutdown(); }

 private:
  bool Handshake();
  // false: close the connection.
  bool Dispatch(const std::string& packet);
  bool HandleQuery(std::string_view query);
  bool HandleFieldList(std::string_view payload);
  bool SendError(const SqlError& e);
  bool SendOk(uint64_t affected = 0, uint64_t last_id = 0, uint16_t extra_status = 0,
              std::string_view info = {});
  bool SendResult(const ExecResult& r, uint16_t extra_status);

  PacketConn conn_;
  uint32_t id_;
  ConnectionContext ctx_;
  std::unique_ptr<Session> session_;
};

}  // namespace brkv::sql
