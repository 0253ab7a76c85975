// StatusServer: the HTTP status port of pd-server and kv-server (TiKV's and PD's
// `--status-addr`), serving
//   GET /metrics  the registries' metrics in Prometheus' text format (version 0.0.4)
//   GET /status   {"status":"ok"} while the process serves
// and 404 / 405 for anything else. HTTP itself is libmicrohttpd's; connections time out after
// 10 s of silence so a stuck scraper never holds a thread.
// Thread-safety: Start/destruction on one thread; requests are served on the server's thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "common/status.h"

namespace brkv::status {

struct StatusServerOptions {
  // "host:port" to listen on (an IPv4 address; port 0 picks a free one).
  std::string addr;
  // Rendered one after the other for /metrics; each must outlive the server. Default: the
  // process-wide registry only.
  std::vector<const metrics::Registry*> registries;
};

class StatusServer {
 public:
  // Listens and serves. InvalidArgument for a malformed address; IOError when it cannot
  // listen (address in use).
  static Result<std::unique_ptr<StatusServer>> Start(const StatusServerOptions& options);
  ~StatusServer();  // stops serving; in-flight requests finish first

  int port() const { return port_; }
  // "host:port" actually listened on.
  std::string address() const { return host_ + ":" + std::to_string(port_); }

 private:
  StatusServer() = default;
  struct Daemon;
  std::unique_ptr<Daemon> daemon_;
  std::vector<const metrics::Registry*> registries_;
  std::string host_;
  int port_ = 0;
  friend struct Handler;
};

}  // namespace brkv::status
