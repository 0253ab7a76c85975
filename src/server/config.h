// kv-server configuration: a TOML file (--config) overlaid by command-line flags.
//
// File keys (all optional; unknown keys are errors):
//   addr = "127.0.0.1:20160"          listen address
//   advertise-addr = ""               address registered with PD (default: addr)
//   pd = "127.0.0.1:2379"             PD address
//   data-dir = "/path"                RocksDB directory (required here or by --data-dir)
//   log-level = "info"                debug | info | warn | error
//   log-file = ""                     empty: stderr
//   [server]
//   grpc-concurrency = 8              gRPC worker threads (bounded pool)
//   pd-connect-timeout = "60s"        how long startup keeps trying to reach PD
//   store-heartbeat-interval = "1s"
//   region-heartbeat-interval = "5s"
//   graceful-shutdown-timeout = "10s" in-flight requests get this long on SIGTERM
//   [storage]
//   sync-write = true                 fsync the WAL on every write (durability across kill -9)
//   block-cache-size = "64MiB"
//   [coprocessor]
//   region-split-size = "96MiB"       split regions at this size (bytes or "64KiB"/"96MiB"/…)
//   split-check-interval = "1s"
//   [gc]
//   poll-interval = "3s"              how often to look for a new GC safe point
//   [raftstore]
//   raft-base-tick-interval = "200ms" Raft's clock tick
//   raft-election-timeout-ticks = 10  a follower that hears no leader this long campaigns
//   raft-heartbeat-ticks = 2          leader heartbeat period
//   max-peer-down-duration = "10m"    a replica silent this long is reported down to PD
// Sizes: an integer (bytes) or a string with unit B, KB/KiB, MB/MiB, GB/GiB (powers of 1024).
// Durations: an integer (milliseconds) or a string with unit ms, s, m, h.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::server {

struct ServerConfig {
  std::string addr = "127.0.0.1:20160";
  std::string advertise_addr;
  // HTTP status port (Prometheus /metrics, /status), TiKV's status-addr. Empty: none.
  std::string status_addr;
  std::string pd = "127.0.0.1:2379";
  std::string data_dir;
  std::string log_level = "info";
  std::string log_file;

  int grpc_concurrency = 8;
  int64_t pd_connect_timeout_ms = 60000;
  int64_t store_heartbeat_interval_ms = 1000;
  int64_t region_heartbeat_interval_ms = 5000;
  int64_t graceful_shutdown_timeout_ms = 10000;

  bool sync_write = true;
  uint64_t block_cache_size = 64ull << 20;

  uint64_t region_split_size = 96ull << 20;
  int64_t split_check_interval_ms = 1000;

  int64_t gc_poll_interval_ms = 3000;

  int64_t raft_base_tick_interval_ms = 200;
  int raft_election_timeout_ticks = 10;
  int raft_heartbeat_ticks = 2;
  int64_t max_peer_down_duration_ms = 10 * 60 * 1000;

  // [backup] auto-tune (backup/auto_tune.h): on; sampled every 1 s; remain-threads < 0 keeps
  // 20% of the cores free of backup work; the foreground is everything the machine runs but
  // this node's backup ("machine") or this process only ("process").
  bool backup_enable_auto_tune = true;
  int64_t backup_auto_tune_refresh_interval_ms = 1000;
  int backup_auto_tune_remain_threads = -1;
  std::string backup_auto_tune_scope = "machine";
};

// Command-line values; a set field overrides the file.
struct ServerFlags {
  std::optional<std::string> config;
  std::optional<std::string> addr;
  std::optional<std::string> advertise_addr;
  std::optional<std::string> status_addr;
  std::optional<std::string> pd;
  std::optional<std::string> data_dir;
  std::optional<std::string> log_level;
  std::optional<std::string> log_file;
};

// Applies the TOML document `text` on top of *config. InvalidArgument naming `source` and the
// offending key on a syntax error, an unknown key or a value of the wrong type/format.
Status ParseServerConfig(std::string_view text, const std::string& source, ServerConfig* config);

// Defaults, then the file named by flags.config (if any), then the flags; then validated.
// InvalidArgument / IOError with one clear line on any problem (unreadable file, bad value,
// missing data directory).
Result<ServerConfig> BuildServerConfig(const ServerFlags& flags);

// Checks required fields and ranges.
Status ValidateServerConfig(const ServerConfig& config);

// "64MiB" → 67108864 etc. (see the header comment).
Result<uint64_t> ParseSize(std::string_view s);
// "1s" → 1000 etc.
Result<int64_t> ParseDurationMs(std::string_view s);

}  // namespace brkv::server
