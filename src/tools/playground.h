// Playground: a local cluster of one pd-server and N kv-servers for demos and tests.
//
// Layout of the data directory (stable, so that re-running on the same directory restarts the
// same cluster with its data):
//   DIR/playground.json   {"kv": N, "port_base": P}; a re-run must not shrink N or move ports
//   DIR/pd/               pd-server --data-dir
//   DIR/kv-<i>/           kv-server --data-dir of node i (0-based)
//   DIR/pd.log, DIR/kv-<i>.log                 the servers' --log-file
//   DIR/pd.stderr.log, DIR/kv-<i>.stderr.log   their stdout and stderr (crash messages)
// Addresses: PD on 127.0.0.1:P, node i on 127.0.0.1:P+1+i.
//
// Binaries pd-server, kv-server (and sql-server) are taken from options.bin_dir (default: the directory of
// the running executable).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "common/status.h"

namespace brkv::tools {

struct PlaygroundOptions {
  // Number of kv-servers. REQUIRES: >= 1.
  int kv_count = 1;
  // Data directory (created if missing). REQUIRES: non-empty.
  std::string data_dir;
  // PD port; node i listens on port_base + 1 + i. Default: 2379.
  int port_base = 2379;
  // Passed to every kv-server as --config. Default: none.
  std::string kv_config;
  // Where pd-server and kv-server are. Default (empty): next to the running executable.
  std::string bin_dir;
  // How long the cluster may take to come up (PD answering, every store registered and up).
  // Default: 60 s.
  int64_t ready_timeout_ms = 60000;
  // Grace period between SIGTERM and SIGKILL when stopping a server. Default: 10 s.
  int64_t stop_timeout_ms = 10000;
  // Port of a sql-server (MySQL protocol) started once the stores are up: -1 = none, 0 = any
  // free port. Its log is DIR/sql.log. Default: -1.
  int sql_port = -1;
};

// Starts the cluster, prints "PD: 127.0.0.1:P", then "SQL: 127.0.0.1:Q" when a sql-server was
// asked for, and then "READY" on `out` (flushed), and runs
// until SIGINT, SIGTERM or SIGHUP, then stops the kv-servers and PD (SIGTERM, SIGKILL after
// the grace period) and returns OK.
//
// Returns an error (after stopping whatever it started) when the options are invalid, a binary
// or port is unavailable, a server exits during startup, the cluster is not ready in time, or
// PD exits while the cluster runs. A kv-server that exits after READY is reported on stderr and
// the playground keeps running (tests kill nodes on purpose).
//
// REQUIRES: called from the main thread before any other thread is started: it blocks
// SIGINT/SIGTERM/SIGHUP/SIGCHLD for the whole process and waits for them synchronously, and
// children are tied to the calling thread's lifetime with PR_SET_PDEATHSIG.
Status RunPlayground(const PlaygroundOptions& options, std::FILE* out = stdout);

}  // namespace brkv::tools
