// kv-server: the storage node. Parses flags, builds the config, runs server::KvServer until
// SIGINT/SIGTERM, then shuts down gracefully (exit 0). Any startup problem is one line on
// stderr and exit status 1 (2 for bad command-line usage).
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <grpc/support/log.h>

#include "backup/backup_service.h"
#include "backup/node_storage.h"
#include "common/logging.h"
#include "import/import_service.h"
#include "server/config.h"
#include "server/kv_server.h"

namespace {

// gRPC's own log lines (e.g. a failed bind) would duplicate our error line: keep them at debug.
void GrpcLogToDebug(gpr_log_func_args* args) {
  LOG_DEBUG("grpc: {}:{}: {}", args->file, args->line, args->message);
}

int Fail(const std::string& msg, int code = 1) {
  std::cerr << "kv-server: error: " << msg << std::endl;
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using brkv::server::ServerFlags;
  CLI::App app{"kv-server: the storage node of the brkv cluster"};
  std::string config, addr, advertise_addr, status_addr, pd, data_dir, log_level, log_file;
  auto* o_config = app.add_option("--config", config, "TOML config file");
  auto* o_addr =
      app.add_option("--addr", addr, "listen address host:port (default 127.0.0.1:20160)");
  auto* o_adv = app.add_option("--advertise-addr", advertise_addr,
                               "address registered with PD (default: --addr)");
  auto* o_status = app.add_option(
      "--status-addr", status_addr,
      "HTTP status address host:port serving Prometheus metrics at /metrics (default: none)");
  auto* o_pd = app.add_option("--pd", pd, "PD address host:port (default 127.0.0.1:2379)");
  auto* o_dir = app.add_option("--data-dir", data_dir, "data directory");
  auto* o_level = app.add_option("--log-level", log_level, "debug|info|warn|error");
  auto* o_file = app.add_option("--log-file", log_file, "log file (default: stderr)");
  // Object-store deadlines of the node's own storage calls (lessons.md 7, 9): how long a node
  // keeps retrying an unreachable or failing store before it reports the failure to br.
  std::string backup_storage_timeout = "5m", import_download_timeout = "10m";
  app.add_option("--backup-storage-timeout", backup_storage_timeout,
                 "deadline of each object-store call of a backup upload, retries included "
                 "(e.g. 30s, 5m)")
      ->default_val(backup_storage_timeout);
  app.add_option("--import-download-timeout", import_download_timeout,
                 "longest one restore download (all its object-store calls, retries included) "
                 "may take (e.g. 30s, 10m)")
      ->default_val(import_download_timeout);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    return Fail(std::string(e.what()) + " (see --help)", 2);
  }

  auto backup_timeout = brkv::server::ParseDurationMs(backup_storage_timeout);
  if (!backup_timeout.ok() || *backup_timeout <= 0) {
    return Fail("--backup-storage-timeout " + backup_storage_timeout +
                    ": not a positive duration (e.g. 30s, 5m)",
                2);
  }
  auto download_timeout = brkv::server::ParseDurationMs(import_download_timeout);
  if (!download_timeout.ok() || *download_timeout <= 0) {
    return Fail("--import-download-timeout " + import_download_timeout +
                    ": not a positive duration (e.g. 30s, 10m)",
                2);
  }

  ServerFlags flags;
  if (o_config->count() > 0) flags.config = config;
  if (o_addr->count() > 0) flags.addr = addr;
  if (o_adv->count() > 0) flags.advertise_addr = advertise_addr;
  if (o_status->count() > 0) flags.status_addr = status_addr;
  if (o_pd->count() > 0) flags.pd = pd;
  if (o_dir->count() > 0) flags.data_dir = data_dir;
  if (o_level->count() > 0) flags.log_level = log_level;
  if (o_file->count() > 0) flags.log_file = log_file;

  auto cfg = brkv::server::BuildServerConfig(flags);
  if (!cfg.ok()) return Fail(cfg.status().message());
  if (!brkv::InitLogging(cfg->log_level, cfg->log_file)) {
    return Fail("cannot open log file " + cfg->log_file);
  }

  gpr_set_log_function(GrpcLogToDebug);

  // Termination signals stay blocked in every thread (all inherit this mask) and are taken
  // synchronously by one signal thread (below).
  static sigset_t kSignals;
  sigemptyset(&kSignals);
  sigaddset(&kSignals, SIGINT);
  sigaddset(&kSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &kSignals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // A signal while the node is still starting (e.g. waiting for PD) ends the process at once:
  // nothing acknowledged is pending then, and every engine write so far was synced.
  // Static: the detached signal thread may outlive main's frame.
  static std::mutex mu;
  static std::condition_variable cv;
  static bool started = false;
  static int received = 0;
  std::thread([] {
    int sig = 0;
    sigwait(&kSignals, &sig);
    std::lock_guard<std::mutex> l(mu);
    received = sig;
    if (!started) {
      std::cerr << "kv-server: stopped by signal " << sig << " before startup finished"
                << std::endl;
      std::_Exit(0);
    }
    cv.notify_all();
  }).detach();

  // Both services open the storage a request names through OpenNodeStorage: a backend that
  // br sent without credentials (--send-credentials-to-tikv=false) needs them in this
  // process's environment, else the request fails with one clear "access denied" line.
  brkv::backup::BackupEndpointOptions backup_options;
  backup_options.storage_timeout = std::chrono::milliseconds(*backup_timeout);
  backup_options.auto_tune = cfg->backup_enable_auto_tune;
  backup_options.auto_tune_interval =
      std::chrono::milliseconds(cfg->backup_auto_tune_refresh_interval_ms);
  backup_options.auto_tune_remain_cores = cfg->backup_auto_tune_remain_threads;
  backup_options.auto_tune_machine_wide = cfg->backup_auto_tune_scope == "machine";
  backup_options.storage_factory = brkv::backup::NodeBackupStorageFactory(
      {.default_timeout = backup_options.storage_timeout, .sync = backup_options.storage_sync});
  brkv::import::SstImporterOptions import_options;
  import_options.download_timeout = std::chrono::milliseconds(*download_timeout);
  import_options.storage_factory = brkv::backup::OpenNodeStorage;
  brkv::server::KvServerOptions server_options;
  server_options.sst_locator = brkv::import::StagedSstLocator(cfg->data_dir + "/import");
  server_options.extra_services.push_back(brkv::backup::BackupServiceFactory(backup_options));
  server_options.extra_services.push_back(brkv::import::ImportServiceFactory(import_options));
  auto server = brkv::server::KvServer::Start(*cfg, server_options);
  if (!server.ok()) {
    // With logs on stderr the error line below is enough; a log file gets it too.
    if (!cfg->log_file.empty()) LOG_ERROR("startup failed: {}", server.status().ToString());
    return Fail(server.status().message());
  }

  std::unique_lock<std::mutex> l(mu);
  started = true;
  cv.wait(l, [] { return received != 0; });
  l.unlock();
  LOG_INFO("received signal {}, shutting down", received);
  (*server)->Shutdown();
  return 0;
}
