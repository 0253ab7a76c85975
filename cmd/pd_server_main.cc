// pd-server: the placement driver. Parses flags (and an optional TOML config) and runs
// brkv::pd::RunPdServer.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "common/logging.h"
#include "pd/config.h"
#include "pd/pd_server.h"

namespace {

// "N" with N an integer >= min; CLI11's range checks print unreadable limits.
CLI::Validator IntAtLeast(int64_t min) {
  return CLI::Validator(
      [min](std::string& v) -> std::string {
        try {
          size_t used = 0;
          long long n = std::stoll(v, &used);
          if (used == v.size() && n >= min) return "";
        } catch (...) {
        }
        return "must be an integer >= " + std::to_string(min) + ", got '" + v + "'";
      },
      "INT>=" + std::to_string(min));
}

}  // namespace

int main(int argc, char** argv) {
  const brkv::pd::PdConfig defaults;
  std::string config, data_dir, addr = defaults.server.addr, max_store_down_time = "30m";
  std::string log_file, log_level = defaults.log_level;
  int64_t store_down_ms = defaults.server.store_down_ms;
  int64_t gc_life_time_s = defaults.server.gc_life_time_s;
  uint32_t max_replicas = defaults.server.schedule.replication.max_replicas;

  CLI::App app{"pd-server: placement driver (cluster id, TSO, stores, regions, replication, GC "
               "safe points)"};
  auto* o_config = app.add_option("--config", config, "TOML config file (see docs/cluster.md)");
  auto* o_data_dir = app.add_option("--data-dir", data_dir, "Directory for PD's metadata");
  auto* o_addr = app.add_option("--addr", addr, "Listen address host:port")->capture_default_str();
  std::string status_addr;
  auto* o_status = app.add_option(
      "--status-addr", status_addr,
      "HTTP status address host:port serving Prometheus metrics at /metrics (default: none)");
  auto* o_down = app.add_option("--store-down-ms", store_down_ms,
                                "A store without a heartbeat for this long is reported down")
                     ->capture_default_str()
                     ->check(IntAtLeast(1));
  auto* o_gc = app.add_option("--gc-life-time-s", gc_life_time_s,
                              "When > 0, advance the GC safe point to now minus this many "
                              "seconds (held back by service safe points); 0 = off")
                   ->capture_default_str()
                   ->check(IntAtLeast(0));
  auto* o_replicas =
      app.add_option("--max-replicas", max_replicas,
                     "Replicas per region ([replication] max-replicas; 1..9)")
          ->capture_default_str()
          ->check(IntAtLeast(1));
  auto* o_store_down_time =
      app.add_option("--max-store-down-time", max_store_down_time,
                     "A store down this long has its replicas replaced on other stores "
                     "([schedule] max-store-down-time; e.g. 30m, 5s, 1h30m)")
          ->capture_default_str();
  auto* o_log_file = app.add_option("--log-file", log_file, "Log to this file instead of stderr");
  auto* o_log_level = app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
                          ->capture_default_str()
                          ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "pd-server: error: %s (see --help)\n", e.what());
    return 2;
  }

  brkv::pd::PdFlags flags;
  if (o_config->count() > 0) flags.config = config;
  if (o_data_dir->count() > 0) flags.data_dir = data_dir;
  if (o_addr->count() > 0) flags.addr = addr;
  if (o_status->count() > 0) flags.status_addr = status_addr;
  if (o_down->count() > 0) flags.store_down_ms = store_down_ms;
  if (o_gc->count() > 0) flags.gc_life_time_s = gc_life_time_s;
  if (o_replicas->count() > 0) flags.max_replicas = max_replicas;
  if (o_store_down_time->count() > 0) flags.max_store_down_time = max_store_down_time;
  if (o_log_file->count() > 0) flags.log_file = log_file;
  if (o_log_level->count() > 0) flags.log_level = log_level;
  auto cfg = brkv::pd::BuildPdConfig(flags);
  if (!cfg.ok()) {
    std::fprintf(stderr, "pd-server: error: %s\n", cfg.status().ToString().c_str());
    return 2;
  }
  if (!brkv::InitLogging(cfg->log_level, cfg->log_file)) {
    std::fprintf(stderr, "pd-server: error: cannot open log file %s\n", cfg->log_file.c_str());
    return 2;
  }
  return brkv::pd::RunPdServer(cfg->server);
}
