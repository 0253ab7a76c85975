#include "server/config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <toml.hpp>

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

// toml11 explains a syntax error over several lines: "[error] what", " --> file",
// " 3 | text", ... Keep the first line and add the line number.
std::string FirstLineWithLocation(const std::string& what) {
  std::istringstream in(what);
  std::string first;
  std::getline(in, first);
  const std::string tag = "[error] ";
  if (first.rfind(tag, 0) == 0) first = first.substr(tag.size());
  std::string line;
  while (std::getline(in, line)) {
    const size_t bar = line.find('|');
    if (bar == std::string::npos) continue;
    const std::string num = Trim(line.substr(0, bar));
    if (!num.empty() && std::all_of(num.begin(), num.end(),
                                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return first + " (line " + num + ")";
    }
  }
  return first;
}

// One config key: a setter from a TOML value. Setters throw toml::type_error on a type
// mismatch (caught at the adapter boundary below) or return a Status for bad formats.
using Setter = std::function<Status(const toml::value&)>;

Setter String(std::string* out) {
  return [out](const toml::value& v) {
    *out = toml::get<std::string>(v);
    return Status::OK();
  };
}
Setter Bool(bool* out) {
  return [out](const toml::value& v) {
    *out = toml::get<bool>(v);
    return Status::OK();
  };
}
Setter Int(int* out) {
  return [out](const toml::value& v) {
    *out = static_cast<int>(toml::get<int64_t>(v));
    return Status::OK();
  };
}
Setter Size(uint64_t* out) {
  return [out](const toml::value& v) -> Status {
    if (v.is_integer()) {
      if (v.as_integer() < 0) return Status::InvalidArgument("size must not be negative");
      *out = static_cast<uint64_t>(v.as_integer());
      return Status::OK();
    }
    ASSIGN_OR_RETURN(*out, ParseSize(toml::get<std::string>(v)));
    return Status::OK();
  };
}
Setter Duration(int64_t* out) {
  return [out](const toml::value& v) -> Status {
    if (v.is_integer()) {
      *out = v.as_integer();
      return Status::OK();
    }
    ASSIGN_OR_RETURN(*out, ParseDurationMs(toml::get<std::string>(v)));
    return Status::OK();
  };
}

std::map<std::string, Setter> Schema(ServerConfig* c) {
  return {
      {"addr", String(&c->addr)},
      {"advertise-addr", String(&c->advertise_addr)},
      {"pd", String(&c->pd)},
      {"data-dir", String(&c->data_dir)},
      {"log-level", String(&c->log_level)},
      {"log-file", String(&c->log_file)},
      {"server.grpc-concurrency", Int(&c->grpc_concurrency)},
      {"server.pd-connect-timeout", Duration(&c->pd_connect_timeout_ms)},
      {"server.store-heartbeat-interval", Duration(&c->store_heartbeat_interval_ms)},
      {"server.region-heartbeat-interval", Duration(&c->region_heartbeat_interval_ms)},
      {"server.graceful-shutdown-timeout", Duration(&c->graceful_shutdown_timeout_ms)},
      {"storage.sync-write", Bool(&c->sync_write)},
      {"storage.block-cache-size", Size(&c->block_cache_size)},
      {"coprocessor.region-split-size", Size(&c->region_split_size)},
      {"coprocessor.split-check-interval", Duration(&c->split_check_interval_ms)},
      {"gc.poll-interval", Duration(&c->gc_poll_interval_ms)},
      {"raftstore.raft-base-tick-interval", Duration(&c->raft_base_tick_interval_ms)},
      {"raftstore.raft-election-timeout-ticks", Int(&c->raft_election_timeout_ticks)},
      {"raftstore.raft-heartbeat-ticks", Int(&c->raft_heartbeat_ticks)},
      {"raftstore.max-peer-down-duration", Duration(&c->max_peer_down_duration_ms)},
  };
}

Status ApplyTable(const toml::value& table, const std::string& prefix,
                  const std::map<std::string, Setter>& schema, const std::string& source) {
  for (const auto& [key, value] : table.as_table()) {
    const std::string full = prefix.empty() ? key : prefix + "." + key;
    if (value.is_table()) {
      bool known_section = false;
      for (const auto& [k, s] : schema) known_section |= k.rfind(full + ".", 0) == 0;
      if (!known_section) {
        return Status::InvalidArgument(source + ": unknown config section [" + full + "]");
      }
      RETURN_IF_ERROR(ApplyTable(value, full, schema, source));
      continue;
    }
    auto it = schema.find(full);
    if (it == schema.end()) {
      return Status::InvalidArgument(source + ": unknown config key \"" + full + "\"");
    }
    Status s;
    try {
      s = it->second(value);
    } catch (const std::exception&) {
      return Status::InvalidArgument(source + ": config key \"" + full +
                                     "\" has the wrong type");
    }
    if (!s.ok()) {
      return Status::InvalidArgument(source + ": config key \"" + full + "\": " + s.message());
    }
  }
  return Status::OK();
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
  toml::value doc;
  try {
    std::istringstream in{std::string(text)};
    doc = toml::parse(in, source);
  } catch (const std::exception& e) {
    // toml11's message spans several lines; keep the first, which names the problem.
    return Status::InvalidArgument(source + ": malformed TOML: " + FirstLineWithLocation(e.what()));
  }
  ServerConfig updated = *config;
  auto schema = Schema(&updated);
  RETURN_IF_ERROR(ApplyTable(doc, "", schema, source));
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
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*flags.config, ec)) {
      return Status::IOError("cannot read config file " + *flags.config +
                             ": no such regular file");
    }
    std::ifstream in(*flags.config, std::ios::binary);
    if (!in) {
      return Status::IOError("cannot read config file " + *flags.config);
    }
    std::stringstream buf;
    buf << in.rdbuf();
    if (in.bad()) return Status::IOError("cannot read config file " + *flags.config);
    RETURN_IF_ERROR(ParseServerConfig(buf.str(), *flags.config, &config));
  }
  if (flags.addr) config.addr = *flags.addr;
  if (flags.advertise_addr) config.advertise_addr = *flags.advertise_addr;
  if (flags.pd) config.pd = *flags.pd;
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  if (flags.log_level) config.log_level = *flags.log_level;
  if (flags.log_file) config.log_file = *flags.log_file;
  RETURN_IF_ERROR(ValidateServerConfig(config));
  return config;
}

}  // namespace brkv::server
