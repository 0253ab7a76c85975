#include "pd/config.h"

#include <cctype>
#include <limits>
#include <utility>

#include "common/toml_schema.h"

namespace brkv::pd {

namespace {

// Binds every file key to its field of *c.
void Bind(TomlSchema* schema, PdConfig* c) {
  ScheduleOptions& s = c->server.schedule;
  schema->String("addr", &c->server.addr);
  schema->String("status-addr", &c->server.status_addr);
  schema->String("data-dir", &c->server.data_dir);
  schema->String("log-level", &c->log_level);
  schema->String("log-file", &c->log_file);
  schema->Uint32("replication.max-replicas", &s.replication.max_replicas, 9);
  schema->Duration("schedule.max-store-down-time", &s.replication.max_store_down_time_ms,
                   ParseGoDurationMs, IntegerDuration::kParsedAsText);
  schema->Uint32("schedule.leader-schedule-limit", &s.leader_schedule_limit, 1 << 20);
  schema->Uint32("schedule.region-schedule-limit", &s.region_schedule_limit, 1 << 20);
}

Status Validate(const PdConfig& c) {
  if (c.server.data_dir.empty()) {
    return Status::InvalidArgument("no data directory: pass --data-dir DIR or set data-dir");
  }
  if (c.server.addr.empty() || c.server.addr.rfind(':') == std::string::npos) {
    return Status::InvalidArgument("addr \"" + c.server.addr + "\" is not host:port");
  }
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok |= c.log_level == l;
  if (!level_ok) {
    return Status::InvalidArgument("log-level \"" + c.log_level +
                                   "\" is not one of trace, debug, info, warn, error");
  }
  if (c.server.store_down_ms <= 0) return Status::InvalidArgument("--store-down-ms must be > 0");
  if (c.server.gc_life_time_s < 0) {
    return Status::InvalidArgument("--gc-life-time-s must be >= 0");
  }
  return ValidateScheduleOptions(c.server.schedule);
}

}  // namespace

Result<int64_t> ParseGoDurationMs(std::string_view text) {
  const std::string t(text);
  if (t.empty()) return Status::InvalidArgument("empty duration");
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("bad duration \"" + t + "\": " + why +
                                   " (use e.g. 30m, 5s, 1h30m, 500ms)");
  };
  bool all_digits = true;
  for (char ch : t) all_digits &= std::isdigit(static_cast<unsigned char>(ch)) != 0;
  if (all_digits) {
    if (t.size() > 12) return bad("too large");
    return static_cast<int64_t>(std::stoll(t)) * 1000;
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < t.size()) {
    size_t start = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == start) return bad("expected a number at \"" + t.substr(start) + "\"");
    if (i - start > 12) return bad("too large");
    const int64_t n = std::stoll(t.substr(start, i - start));
    size_t u = i;
    while (i < t.size() && std::isalpha(static_cast<unsigned char>(t[i]))) ++i;
    const std::string unit = t.substr(u, i - u);
    int64_t mult = 0;
    if (unit == "ms") {
      mult = 1;
    } else if (unit == "s") {
      mult = 1000;
    } else if (unit == "m") {
      mult = 60 * 1000;
    } else if (unit == "h") {
      mult = 3600 * 1000;
    } else {
      return bad(unit.empty() ? "a number without a unit" : "unknown unit \"" + unit + "\"");
    }
    if (n > (std::numeric_limits<int64_t>::max() - total) / mult) return bad("too large");
    total += n * mult;
  }
  return total;
}

Status ParsePdConfig(std::string_view text, const std::string& source, PdConfig* config) {
  PdConfig updated = *config;
  TomlSchema schema;
  Bind(&schema, &updated);
  RETURN_IF_ERROR(schema.Apply(text, source));
  *config = std::move(updated);
  return Status::OK();
}

Result<PdConfig> BuildPdConfig(const PdFlags& flags) {
  PdConfig config;
  if (flags.config) {
    ASSIGN_OR_RETURN(std::string text, ReadConfigFile(*flags.config));
    RETURN_IF_ERROR(ParsePdConfig(text, *flags.config, &config));
  }
  if (flags.data_dir) config.server.data_dir = *flags.data_dir;
  if (flags.addr) config.server.addr = *flags.addr;
  if (flags.status_addr) config.server.status_addr = *flags.status_addr;
  if (flags.store_down_ms) config.server.store_down_ms = *flags.store_down_ms;
  if (flags.gc_life_time_s) config.server.gc_life_time_s = *flags.gc_life_time_s;
  if (flags.max_replicas) config.server.schedule.replication.max_replicas = *flags.max_replicas;
  if (flags.max_store_down_time) {
    auto ms = ParseGoDurationMs(*flags.max_store_down_time);
    if (!ms.ok()) return ms.status().WithContext("--max-store-down-time");
    config.server.schedule.replication.max_store_down_time_ms = *ms;
  }
  if (flags.log_level) config.log_level = *flags.log_level;
  if (flags.log_file) config.log_file = *flags.log_file;
  RETURN_IF_ERROR(Validate(config));
  return config;
}

}  // namespace brkv::pd
