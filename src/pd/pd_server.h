// PdServer: a running placement driver — storage, TSO, ids, cluster tables, safe points,
// split/scatter, the replication coordinator and the gRPC service — plus a background ticker
// for automatic GC, operator timeouts, store tombstones and liveness logging. The library
// behind the pd-server binary; tests start it in-process.
//
// Thread-safety: Start/Shutdown from one thread; everything else is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "pd/clock.h"
#include "pd/coordinator.h"

namespace brkv::pd {

struct PdServerOptions {
  // Directory of PD's metadata (RocksDB in <data_dir>/pd-meta). Required.
  std::string data_dir;
  // Listen address "host:port"; port 0 picks a free port (see PdServer::port()).
  // Default: 127.0.0.1:2379.
  std::string addr = "127.0.0.1:2379";
  // HTTP status address "host:port" serving Prometheus metrics at /metrics (PD serves them on
  // its client URL; here gRPC has the port to itself). Empty: none. Default: empty.
  std::string status_addr;
  // A store without a heartbeat for this long is reported down (it gets no new replicas or
  // leaders). Default: 10000 ms.
  int64_t store_down_ms = 10000;
  // Replication and scheduling: max-replicas (default 3), max-store-down-time (default 30 min;
  // only then are a down store's replicas replaced), balance limits, operator timeouts.
  ScheduleOptions schedule;
  // When > 0, PD advances the GC safe point to (now - gc_life_time_s) every gc_tick_ms,
  // held back by service safe points. Default: 0 (off).
  int64_t gc_life_time_s = 0;
  // Period of the background ticker. Default: 3000 ms.
  int64_t gc_tick_ms = 3000;
  // Deadline of each RPC PD sends to a kv-server. Default: 10000 ms.
  int64_t store_rpc_timeout_ms = 10000;
  // Time source; nullptr = the system clock. Must outlive the server.
  Clock* clock = nullptr;
};

class PdServer {
 public:
  // Opens the data dir and starts serving. InvalidArgument for bad options; IOError when the
  // data dir is unusable or locked by another pd-server; Unavailable when the address cannot be
  // bound.
  static Result<std::unique_ptr<PdServer>> Start(const PdServerOptions& options);
  ~PdServer();

  // Stops accepting calls (in-flight calls get a short grace period), stops the ticker and
  // flushes storage. Idempotent.
  void Shutdown();

  // The bound port and "host:port" address.
  int port() const;
  std::string address() const;
  uint64_t cluster_id() const;

 private:
  struct Impl;
  explicit PdServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Runs a pd-server until SIGINT or SIGTERM, then shuts down gracefully. Returns the process exit
// code: 0 after a clean shutdown; non-zero (after printing one error line to stderr) when the
// server cannot start. REQUIRES: called from the main thread before other threads exist.
int RunPdServer(const PdServerOptions& options);

}  // namespace brkv::pd
