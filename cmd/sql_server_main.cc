// sql-server: the MySQL-protocol SQL front end. Parses flags and runs brkv::sql::RunSqlServer.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "common/logging.h"
#include "sql/server.h"

int main(int argc, char** argv) {
  brkv::sql::SqlServerOptions options;
  std::string pd;
  std::string addr;
  std::string config;
  std::string log_file;
  std::string log_level = "info";

  CLI::App app{"sql-server: MySQL-protocol SQL front end over a brkv cluster"};
  app.add_option("--pd", pd, "PD address host:port")->required();
  app.add_option("--addr", addr, "Listen address host:port (port 0 picks a free port); "
                                 "default 127.0.0.1:4000");
  app.add_option("--config", config,
                 "TOML file: addr, pd, max-allowed-packet, max-connections, "
                 "[users] name = \"password\"");
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
    std::fprintf(stderr, "sql-server: error: %s (see --help)\n", e.what());
    return 2;
  }
  if (!config.empty()) {
    brkv::Status s = brkv::sql::LoadSqlServerConfig(config, &options);
    if (!s.ok()) {
      std::fprintf(stderr, "sql-server: error: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  options.pd_address = pd;
  if (!addr.empty()) options.listen_address = addr;
  if (!brkv::InitLogging(log_level, log_file)) {
    std::fprintf(stderr, "sql-server: error: cannot open log file %s\n", log_file.c_str());
    return 2;
  }
  return brkv::sql::RunSqlServer(options);
}
