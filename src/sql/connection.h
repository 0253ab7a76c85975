// Connection: one client connection from the handshake to COM_QUIT: authentication
// (mysql_native_password, with an auth switch when the client asks for another plugin), then a
// loop of commands — COM_QUERY (several ';'-separated statements answered with MORE_RESULTS),
// COM_INIT_DB, COM_PING, COM_FIELD_LIST, COM_STATISTICS, COM_QUIT, and prepared statements
// (COM_STMT_PREPARE / EXECUTE / CLOSE / RESET with binary result sets) for SELECT, INSERT,
// UPDATE, DELETE, BEGIN/COMMIT/ROLLBACK and SET; other statements are refused at prepare with
// 1295, which makes clients such as sysbench run them as text queries.
// A malformed or oversized packet ends this connection only; its open transaction is rolled
// back (locks it left behind are resolved by the cluster's lock resolver).
// Thread-safety: Serve runs on one thread; Shutdown may be called from another.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "sql/binary_protocol.h"
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
  uint32_t id() const { return id_; }
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
  bool SendResult(const ExecResult& r, uint16_t extra_status, bool binary = false);
  bool HandlePrepare(std::string_view sql);
  bool HandleExecute(std::string_view body);

  struct Prepared {
    std::string sql;
    size_t num_params = 0;
    std::vector<ParamType> types;  // from the last bind
  };

  PacketConn conn_;
  uint32_t id_;
  ConnectionContext ctx_;
  std::unique_ptr<Session> session_;
  std::map<uint32_t, Prepared> prepared_;
  uint32_t next_stmt_id_ = 1;
};

}  // namespace brkv::sql
