#include "server/config.h"

#include <cctype>
#include <cstdint>
#include <utility>

#include "common/toml_schema.h"

namespace brkv::server {

namespace {

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Splits "96MiB" into (96, "mib"). InvalidArgument when there is no leading number.
Status SplitNumberUnit(std::string_view s, uint64_t* number, std::string* unit) {
  const std::string t = Trim(s);
  size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (i == 0) return Status::InvalidArgument("\"" + t + "\" does not start with a number");
  if (i > 18) return Status::InvalidArgument("\"" + t + "\" is too large");
  *number = std::stoull(t.substr(0, i));
  unit->clear();
  for (char c : Trim(t.substr(i))) unit->push_back(static_cast<char>(std::tolower(c)));
  return Status::OK();
}

// Binds every file key to its field of *c.
void Bind(TomlSchema* schema, ServerConfig* c) {
  constexpr auto kMs = IntegerDuration::kMilliseconds;
  schema->String("addr", &c->addr);
  schema->String("advertise-addr", &c->advertise_addr);
  schema->String("status-addr", &c->status_addr);
  schema->String("pd", &c->pd);
  schema->String("data-dir", &c->data_dir);
  schema->String("log-level", &c->log_level);
  schema->String("log-file", &c->log_file);
  schema->Int("server.grpc-concurrency", &c->grpc_concurrency);
  schema->Duration("server.pd-connect-timeout", &c->pd_connect_timeout_ms, ParseDurationMs, kMs);
  schema->Duration("server.store-heartbeat-interval", &c->store_heartbeat_interval_ms,
                   ParseDurationMs, kMs);
  schema->Duration("server.region-heartbeat-interval", &c->region_heartbeat_interval_ms,
                   ParseDurationMs, kMs);
  schema->Duration("server.graceful-shutdown-timeout", &c->graceful_shutdown_timeout_ms,
                   ParseDurationMs, kMs);
  schema->Bool("storage.sync-write", &c->sync_write);
  schema->Size("storage.block-cache-size", &c->block_cache_size, ParseSize);
  schema->Size("coprocessor.region-split-size", &c->region_split_size, ParseSize);
  schema->Duration("coprocessor.split-check-interval", &c->split_check_interval_ms,
                   ParseDurationMs, kMs);
  schema->Duration("gc.poll-interval", &c->gc_poll_interval_ms, ParseDurationMs, kMs);
  schema->Duration("raftstore.raft-base-tick-interval", &c->raft_base_tick_interval_ms,
                   ParseDurationMs, kMs);
  schema->Int("raftstore.raft-election-timeout-ticks", &c->raft_election_timeout_ticks);
  schema->Int("raftstore.raft-heartbeat-ticks", &c->raft_heartbeat_ticks);
  schema->Duration("raftstore.max-peer-down-duration", &c->max_peer_down_duration_ms,
                   ParseDurationMs, kMs);
  schema->Bool("backup.enable-auto-tune", &c->backup_enable_auto_tune);
  schema->Duration("backup.auto-tune-refresh-interval", &c->backup_auto_tune_refresh_interval_ms,
                   ParseDurationMs, kMs);
  schema->Int("backup.auto-tune-remain-threads", &c->backup_auto_tune_remain_threads);
  schema->String("backup.auto-tune-scope", &c->backup_auto_tune_scope);
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view s) {
  uint64_t n = 0;
  std::string unit;
  RETURN_IF_ERROR(SplitNumberUnit(s, &n, &unit));
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") {
    mult = 1;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    mult = 1ull << 10;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    mult = 1ull << 20;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    mult = 1ull << 30;
  } else if (unit == "t" || unit == "tb" || unit == "tib") {
    mult = 1ull << 40;
  } else {
    return Status::InvalidArgument("unknown size unit in \"" + std::string(s) +
                                   "\" (use B, KiB, MiB, GiB)");
  }
  if (n > UINT64_MAX / mult) return Status::InvalidArgument("size too large");
  return n * mult;
}

Result<int64_t> ParseDurationMs(std::string_view s) {
  uint64_t n = 0;
  std::string unit;
  RETURN_IF_ERROR(SplitNumberUnit(s, &n, &unit));
  int64_t mult = 0;
  if (unit.empty() || unit == "ms") {
    mult = 1;
  } else if (unit == "s") {
    mult = 1000;
  } else if (unit == "m") {
    mult = 60 * 1000;
  } else if (unit == "h") {
    mult = 3600 * 1000;
  } else {
    return Status::InvalidArgument("unknown duration unit in \"" + std::string(s) +
                                   "\" (use ms, s, m, h)");
  }
  return static_cast<int64_t>(n) * mult;
}

Status ParseServerConfig(std::string_view text, const std::string& source,
                         ServerConfig* config) {
  ServerConfig updated = *config;
  TomlSchema schema;
  Bind(&schema, &updated);
  RETURN_IF_ERROR(schema.Apply(text, source));
  *config = std::move(updated);
  return Status::OK();
}

Status ValidateServerConfig(const ServerConfig& c) {
  if (c.data_dir.empty()) {
    return Status::InvalidArgument("no data directory: pass --data-dir DIR or set data-dir");
  }
  if (c.addr.empty() || c.addr.rfind(':') == std::string::npos) {
    return Status::InvalidArgument("addr \"" + c.addr + "\" is not host:port");
  }
  if (!c.advertise_addr.empty() && c.advertise_addr.rfind(':') == std::string::npos) {
    return Status::InvalidArgument("advertise-addr \"" + c.advertise_addr +
                                   "\" is not host:port");
  }
  if (!c.status_addr.empty() && c.status_addr.rfind(':') == std::string::npos) {
    return Status::InvalidArgument("status-addr \"" + c.status_addr + "\" is not host:port");
  }
  if (c.backup_auto_tune_refresh_interval_ms <= 0) {
    return Status::InvalidArgument("backup.auto-tune-refresh-interval must be positive");
  }
  if (c.backup_auto_tune_scope != "machine" && c.backup_auto_tune_scope != "process") {
    return Status::InvalidArgument("backup.auto-tune-scope \"" + c.backup_auto_tune_scope +
                                   "\" must be \"machine\" or \"process\"");
  }
  if (c.pd.empty()) return Status::InvalidArgument("no PD address: pass --pd HOST:PORT");
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error") {
    return Status::InvalidArgument("log-level \"" + c.log_level +
                                   "\" is not one of debug, info, warn, error");
  }
  if (c.grpc_concurrency < 1 || c.grpc_concurrency > 1024) {
    return Status::InvalidArgument("server.grpc-concurrency must be in [1, 1024]");
  }
  if (c.region_split_size < 1024) {
    return Status::InvalidArgument("coprocessor.region-split-size must be at least 1KiB");
  }
  for (auto [name, v] : {std::pair<const char*, int64_t>{"server.store-heartbeat-interval",
                                                         c.store_heartbeat_interval_ms},
                         {"server.region-heartbeat-interval", c.region_heartbeat_interval_ms},
                         {"coprocessor.split-check-interval", c.split_check_interval_ms},
                         {"gc.poll-interval", c.gc_poll_interval_ms},
                         {"raftstore.raft-base-tick-interval", c.raft_base_tick_interval_ms},
                         {"raftstore.max-peer-down-duration", c.max_peer_down_duration_ms}}) {
    if (v <= 0) return Status::InvalidArgument(std::string(name) + " must be positive");
  }
  if (c.raft_heartbeat_ticks < 1 || c.raft_election_timeout_ticks <= c.raft_heartbeat_ticks) {
    return Status::InvalidArgument(
        "raftstore.raft-election-timeout-ticks must be greater than raftstore.raft-heartbeat-ticks "
        "(and both positive)");
  }
  if (c.pd_connect_timeout_ms < 0 || c.graceful_shutdown_timeout_ms < 0) {
    return Status::InvalidArgument("timeouts must not be negative");
  }
  return Status::OK();
}

Result<ServerConfig> BuildServerConfig(const ServerFlags& flags) {
  ServerConfig config;
  if (flags.config) {
    ASSIGN_OR_RETURN(std::string text, ReadConfigFile(*flags.config));
    RETURN_IF_ERROR(ParseServerConfig(text, *flags.config, &config));
  }
  if (flags.addr) config.addr = *flags.addr;
  if (flags.advertise_addr) config.advertise_addr = *flags.advertise_addr;
  if (flags.status_addr) config.status_addr = *flags.status_addr;
  if (flags.pd) config.pd = *flags.pd;
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  if (flags.log_level) config.log_level = *flags.log_level;
  if (flags.log_file) config.log_file = *flags.log_file;
  RETURN_IF_ERROR(ValidateServerConfig(config));
  return config;
}

}  // namespace brkv::server
