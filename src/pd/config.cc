#include "pd/config.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <toml.hpp>

namespace brkv::pd {

namespace {

// toml11 explains a syntax error over several lines; the first names the problem.
std::string FirstLine(const std::string& what) {
  std::string first = what.substr(0, what.find('\n'));
  const std::string tag = "[error] ";
  if (first.rfind(tag, 0) == 0) first = first.substr(tag.size());
  return first;
}

// One config key: a setter from a TOML value. Setters throw on a type mismatch (caught at the
// adapter boundary in ApplyTable) or return a Status for a bad format or range.
using Setter = std::function<Status(const toml::value&)>;

Setter String(std::string* out) {
  return [out](const toml::value& v) {
    *out = toml::get<std::string>(v);
    return Status::OK();
  };
}

Setter Uint32(uint32_t* out, int64_t max) {
  return [out, max](const toml::value& v) -> Status {
    int64_t n = toml::get<int64_t>(v);
    if (n < 0 || n > max) {
      return Status::InvalidArgument("must be between 0 and " + std::to_string(max));
    }
    *out = static_cast<uint32_t>(n);
    return Status::OK();
  };
}

Setter Duration(int64_t* out) {
  return [out](const toml::value& v) -> Status {
    if (v.is_integer()) {
      ASSIGN_OR_RETURN(*out, ParseGoDurationMs(std::to_string(v.as_integer())));
      return Status::OK();
    }
    ASSIGN_OR_RETURN(*out, ParseGoDurationMs(toml::get<std::string>(v)));
    return Status::OK();
  };
}

std::map<std::string, Setter> Schema(PdConfig* c) {
  ScheduleOptions& s = c->server.schedule;
  return {
      {"addr", String(&c->server.addr)},
      {"data-dir", String(&c->server.data_dir)},
      {"log-level", String(&c->log_level)},
      {"log-file", String(&c->log_file)},
      {"replication.max-replicas", Uint32(&s.replication.max_replicas, 9)},
      {"schedule.max-store-down-time", Duration(&s.replication.max_store_down_time_ms)},
      {"schedule.leader-schedule-limit", Uint32(&s.leader_schedule_limit, 1 << 20)},
      {"schedule.region-schedule-limit", Uint32(&s.region_schedule_limit, 1 << 20)},
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
      return Status::InvalidArgument(source + ": config key \"" + full + "\" has the wrong type");
    }
    if (!s.ok()) {
      return Status::InvalidArgument(source + ": config key \"" + full + "\": " + s.message());
    }
  }
  return Status::OK();
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
  toml::value doc;
  try {
    std::istringstream in{std::string(text)};
    doc = toml::parse(in, source);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source + ": malformed TOML: " + FirstLine(e.what()));
  }
  PdConfig updated = *config;
  auto schema = Schema(&updated);
  RETURN_IF_ERROR(ApplyTable(doc, "", schema, source));
  *config = std::move(updated);
  return Status::OK();
}

Result<PdConfig> BuildPdConfig(const PdFlags& flags) {
  PdConfig config;
  if (flags.config) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*flags.config, ec)) {
      return Status::IOError("cannot read config file " + *flags.config + ": no such regular file");
    }
    std::ifstream in(*flags.config, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in || in.bad()) return Status::IOError("cannot read config file " + *flags.config);
    RETURN_IF_ERROR(ParsePdConfig(buf.str(), *flags.config, &config));
  }
  if (flags.data_dir) config.server.data_dir = *flags.data_dir;
  if (flags.addr) config.server.addr = *flags.addr;
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
