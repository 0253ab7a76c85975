// pd-server: the placement driver. Parses flags and runs brkv::pd::RunPdServer.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "common/logging.h"
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
  brkv::pd::PdServerOptions options;
  std::string log_file;
  std::string log_level = "info";

  CLI::App app{"pd-server: placement driver (cluster id, TSO, stores, regions, GC safe points)"};
  app.add_option("--data-dir", options.data_dir, "Directory for PD's metadata")->required();
  app.add_option("--addr", options.addr, "Listen address host:port")->capture_default_str();
  app.add_option("--store-down-ms", options.store_down_ms,
                 "A store without a heartbeat for this long is reported down")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--gc-life-time-s", options.gc_life_time_s,
                 "When > 0, advance the GC safe point to now minus this many seconds "
                 "(held back by service safe points); 0 = off")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--log-file", log_file, "Log to this file instead of stderr");
  app.add_option("--log-level", log_level, "debug, info, warn or error")
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
  if (!brkv::InitLogging(log_level, log_file)) {
    std::fprintf(stderr, "pd-server: error: cannot open log file %s\n", log_file.c_str());
    return 2;
  }
  return brkv::pd::RunPdServer(options);
}
