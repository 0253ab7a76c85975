// playground: start a local cluster (1 pd-server + N kv-servers) and run it until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "tools/playground.h"

int main(int argc, char** argv) {
  brkv::tools::PlaygroundOptions o;
  double ready_timeout_s = 60;
  double stop_timeout_s = 10;
  CLI::App app{
      "Starts a local cluster: pd-server on 127.0.0.1:P and N kv-servers, node i on "
      "127.0.0.1:P+1+i. Prints \"PD: 127.0.0.1:P\" and then \"READY\" once every store is up "
      "and every region has its full replica count (min(max-replicas, stores)), runs until "
      "SIGINT/SIGTERM, then stops the servers. Re-running on the same --data-dir restarts the "
      "same cluster with its data.",
      "playground"};
  app.add_option("--kv", o.kv_count, "number of kv-servers")->required()->check(CLI::Range(1, 64));
  app.add_option("--data-dir", o.data_dir,
                 "cluster directory: DIR/pd, DIR/kv-<i>, logs in DIR/*.log")
      ->required();
  app.add_option("--port-base", o.port_base, "PD port P; node i uses P+1+i")
      ->default_val(2379)
      ->check(CLI::Range(1, 65535));
  app.add_option("--kv-config", o.kv_config, "kv-server config file, passed as --config");
  app.add_option("--bin-dir", o.bin_dir,
                 "directory holding pd-server and kv-server (default: next to playground)");
  app.add_option("--sql-port", o.sql_port,
                 "also start a sql-server (MySQL protocol) on this port and print "
                 "\"SQL: 127.0.0.1:Q\" before READY; 0 = any free port, -1 = none")
      ->default_val(-1)
      ->check(CLI::Range(-1, 65535));
  app.add_option("--ready-timeout", ready_timeout_s, "seconds to wait for the cluster to be up")
      ->default_val(60)
      ->check(CLI::PositiveNumber);
  app.add_option("--stop-timeout", stop_timeout_s,
                 "seconds between SIGTERM and SIGKILL when stopping a server")
      ->default_val(10)
      ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "playground: error: %s (see --help)\n", e.what());
    return 2;
  }
  o.ready_timeout_ms = static_cast<int64_t>(ready_timeout_s * 1000);
  o.stop_timeout_ms = static_cast<int64_t>(stop_timeout_s * 1000);
  brkv::Status s = brkv::tools::RunPlayground(o);
  if (!s.ok()) {
    std::fprintf(stderr, "playground: error: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
