// pd-server configuration: a TOML file (--config) overlaid by command-line flags. Key names
// follow TiDB PD's where PD has the setting.
//
// File keys (all optional; unknown keys and sections are errors):
//   addr = "127.0.0.1:2379"          listen address (PD: client-urls)
//   data-dir = "/path"               PD's metadata directory (required here or by --data-dir)
//   log-level = "info"               trace | debug | info | warn | error
//   log-file = ""                    empty: stderr
//   [replication]
//   max-replicas = 3                 replicas per region (1..9)
//   [schedule]
//   max-store-down-time = "30m"      a store down this long has its replicas replaced
//   leader-schedule-limit = 4        leader-balance operators at once (0: leader balance off)
//   region-schedule-limit = 4        region-balance operators at once (0: region balance off)
// Durations are Go-style strings, as PD writes them: a sequence of <integer><unit> with unit
// ms, s, m or h ("30m", "5s", "1h30m", "500ms"); a bare integer means seconds.
// A store is "down" (no new replicas, shown as down) after --store-down-ms without a heartbeat;
// its replicas are only replaced after max-store-down-time.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "pd/pd_server.h"

namespace brkv::pd {

struct PdConfig {
  PdServerOptions server;
  std::string log_level = "info";
  std::string log_file;
};

// Command-line values; a set field overrides the file.
struct PdFlags {
  std::optional<std::string> config;
  std::optional<std::string> data_dir;
  std::optional<std::string> addr;
  std::optional<std::string> status_addr;
  std::optional<int64_t> store_down_ms;
  std::optional<int64_t> gc_life_time_s;
  std::optional<uint32_t> max_replicas;
  std::optional<std::string> max_store_down_time;
  std::optional<std::string> log_level;
  std::optional<std::string> log_file;
};

// "30m" -> 1800000, "1h30m", "5s", "500ms"; a bare integer is seconds. InvalidArgument for an
// empty string, a missing or unknown unit, or an overflow.
Result<int64_t> ParseGoDurationMs(std::string_view text);

// Applies the TOML document `text` on top of *config. InvalidArgument naming `source` and the
// offending key on a syntax error, an unknown key or section, or a value of the wrong type or
// format.
Status ParsePdConfig(std::string_view text, const std::string& source, PdConfig* config);

// Defaults, then the file named by flags.config (if any), then the flags; then validated.
// InvalidArgument / IOError with one clear line on any problem.
Result<PdConfig> BuildPdConfig(const PdFlags& flags);

}  // namespace brkv::pd
