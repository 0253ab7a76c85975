// br restore full | db | table | raw: flags → RestoreConfig → RunRestore → one summary line.
#include "br/summary_json.h"
#include "br/cli_restore.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>

#include "br/cli_common.h"
#include "br/restore_runner.h"
#include "common/codec.h"
#include "common/logging.h"

namespace brkv::br {

namespace {

// Everything `br restore <kind>` accepts; one instance per subcommand.
struct RestoreFlags {
  ClusterFlags cluster;
  StorageFlags storage;
  CrypterFlags crypter;
  LogFlags log;
  std::vector<std::string> filters;
  std::string db;
  std::string table;
  std::string start;
  std::string end;
  std::string key_format = "hex";
  std::string cf = "default";
  bool checksum = true;
  uint32_t concurrency = 16;
  uint64_t ratelimit = 0;
  uint32_t ddl_batch_size = 128;
  double retry_budget_s = 300;
  double progress_interval_s = 10;
  bool case_sensitive = false;
  bool resume = true;
  double checkpoint_interval_s = 5;
};

Result<RestoreConfig> ToConfig(RestoreKind kind, const RestoreFlags& f) {
  RestoreConfig c;
  c.pd = f.cluster.pd;
  c.pd_timeout_ms = static_cast<int64_t>(f.cluster.pd_timeout_s * 1000);
  c.check_requirements = f.cluster.check_requirements;
  c.storage_url = f.storage.storage;
  c.send_credentials = f.storage.send_credentials;
  c.scope.kind = kind;
  c.scope.db = f.db;
  c.scope.table = f.table;
  c.scope.filters = f.filters;
  c.scope.case_sensitive = f.case_sensitive;
  if (kind == RestoreKind::kRaw) {
    ASSIGN_OR_RETURN(c.raw_start, DecodeKeyFlag(f.start, f.key_format, "--start"));
    ASSIGN_OR_RETURN(c.raw_end, DecodeKeyFlag(f.end, f.key_format, "--end"));
    if (f.cf != "default") {
      return Status::InvalidArgument("--cf " + f.cf + ": raw KV lives in CF \"default\" only");
    }
  }
  ASSIGN_OR_RETURN(c.cipher, CipherFromFlags(f.crypter));
  c.checksum = f.checksum;
  c.concurrency = f.concurrency;
  c.ratelimit_mib = f.ratelimit;
  c.ddl_batch_size = f.ddl_batch_size;
  if (f.retry_budget_s <= 0) {
    return Status::InvalidArgument("--retry-budget must be a positive number of seconds");
  }
  c.retry_budget = SecondsFlag(f.retry_budget_s);
  c.progress_interval = SecondsFlag(f.progress_interval_s);
  c.resume = f.resume;
  if (f.checkpoint_interval_s < 0) {
    return Status::InvalidArgument("--checkpoint-interval must not be negative");
  }
  c.checkpoint_interval = SecondsFlag(f.checkpoint_interval_s);
  return c;
}

Status RunRestoreCommand(BrCli* cli, RestoreKind kind, const RestoreFlags& f) {
  // Everything checkable offline is checked before logging starts or anything is contacted.
  ASSIGN_OR_RETURN(RestoreConfig config, ToConfig(kind, f));
  RETURN_IF_ERROR(ValidateRestoreConfig(config));
  std::string log_path;
  RETURN_IF_ERROR(SetupLogging(f.log, &log_path));
  std::fprintf(cli->out(), "Detail BR log in %s\n", log_path.c_str());
  std::fflush(cli->out());
  // Progress goes to stdout with the summary: stderr stays for the one error line.
  config.progress_out = cli->out();
  config.progress_tty = ::isatty(::fileno(cli->out())) != 0;
  config.interrupt = cli->interrupt();
  // From here SIGINT/SIGTERM stop the job cleanly; a second one exits at once.
  if (config.interrupt != nullptr) InstallSignalHandlers(config.interrupt);
  auto result = RunRestore(config);
  if (!f.log.summary_json.empty()) {
    Status w = WriteRestoreSummaryJson(f.log.summary_json, RestoreTitle(kind, false), result);
    if (!w.ok()) LOG_WARN("{}", w.ToString());
    if (!w.ok() && result.ok()) return w;
  }
  if (!result.ok()) {
    LOG_ERROR("{} failed: {}", RestoreTitle(kind, false), result.status().ToString());
    return result.status();
  }
  std::fprintf(cli->out(), "%s\n", FormatRestoreSummary(*result).c_str());
  return Status::OK();
}

void AddCommonRestoreFlags(CLI::App* cmd, RestoreFlags* f, RestoreKind kind) {
  AddClusterFlags(cmd, &f->cluster);
  cmd->add_option("--summary-json", f->log.summary_json,
                  "also write the summary (or the failure) as JSON to this file");
  AddStorageFlags(cmd, &f->storage);
  AddCrypterFlags(cmd, &f->crypter);
  if (kind != RestoreKind::kRaw) {
    AddBoolFlag(cmd, "--checksum", &f->checksum,
                "after the data is in, compare each restored table's checksum (computed by the "
                "nodes) with the one recorded in the backup (default true)");
    cmd->add_option("--ddl-batch-size", f->ddl_batch_size, "tables created per catalog transaction")
        ->default_val(f->ddl_batch_size);
  }
  cmd->add_option("--concurrency", f->concurrency,
                  "file groups downloaded and ingested at once (1-1024)")
      ->default_val(f->concurrency);
  cmd->add_option("--ratelimit", f->ratelimit,
                  "download limit per storage node in MiB/s (0 = unlimited)")
      ->default_val(f->ratelimit);
  cmd->add_option("--retry-budget", f->retry_budget_s,
                  "seconds one file group may keep retrying a region (moved, split, node busy "
                  "or down) without progress before the restore fails")
      ->default_val(f->retry_budget_s);
  cmd->add_option("--progress-interval", f->progress_interval_s,
                  "seconds between progress lines when stdout is not a terminal")
      ->default_val(f->progress_interval_s);
  AddBoolFlag(cmd, "--resume", &f->resume,
              "continue this restore's progress saved in the target by an interrupted run of "
              "the same command (default true); false deletes it and starts afresh");
  cmd->add_option("--checkpoint-interval", f->checkpoint_interval_s,
                  "seconds between saves of the restore's progress in the target "
                  "(0 = after every file group)")
      ->default_val(f->checkpoint_interval_s);
  AddLogFlags(cmd, &f->log);
}

void AddFilterFlags(CLI::App* cmd, RestoreFlags* f) {
  cmd->add_option("-f,--filter", f->filters,
                  "table filter rule (repeatable), TiDB syntax: 'db.tbl', wildcards * ? [a-z], "
                  "'!db.*' excludes; later rules win")
      ->allow_extra_args(false);
  cmd->add_flag("--case-sensitive", f->case_sensitive,
                "match database and table names case-sensitively");
}

}  // namespace

void AddRestoreCommands(CLI::App* app, BrCli* cli) {
  CLI::App* restore = app->add_subcommand(
      "restore",
      "restore a backup (the cluster, a database, a table or a raw key range) into a "
      "cluster; tables get new ids, existing tables are never overwritten");
  restore->require_subcommand(1);

  struct Kind {
    const char* name;
    const char* help;
    RestoreKind kind;
  };
  static const Kind kKinds[] = {
      {"full", "restore every database and table of the backup (or those -f selects)",
       RestoreKind::kFull},
      {"db", "restore one database of the backup (--db)", RestoreKind::kDatabase},
      {"table", "restore one table of the backup (--db, --table)", RestoreKind::kTable},
      {"raw", "restore a raw-KV backup, or the part of it in [--start, --end)", RestoreKind::kRaw},
  };
  for (const Kind& k : kKinds) {
    CLI::App* cmd = restore->add_subcommand(k.name, k.help);
    auto flags = std::make_shared<RestoreFlags>();
    switch (k.kind) {
      case RestoreKind::kFull:
        AddFilterFlags(cmd, flags.get());
        break;
      case RestoreKind::kDatabase:
        cmd->add_option("--db", flags->db, "database to restore")->required();
        AddFilterFlags(cmd, flags.get());
        break;
      case RestoreKind::kTable:
        cmd->add_option("--db", flags->db, "database of the table")->required();
        cmd->add_option("--table", flags->table, "table to restore")->required();
        AddFilterFlags(cmd, flags.get());
        break;
      case RestoreKind::kRaw:
        cmd->add_option("--start", flags->start, "first key of the range (inclusive)")->required();
        cmd->add_option("--end", flags->end,
                        "end of the range (exclusive); empty = to the end of the raw key space")
            ->required();
        cmd->add_option("--format", flags->key_format,
                        "how --start/--end are written: hex, raw or escaped (\\xNN)")
            ->default_val(flags->key_format);
        cmd->add_option("--cf", flags->cf, "column family of the raw keys")->default_val(flags->cf);
        break;
    }
    AddCommonRestoreFlags(cmd, flags.get(), k.kind);
    const RestoreKind kind = k.kind;
    cmd->callback([cli, flags, kind] {
      cli->set_action([cli, flags, kind] { return RunRestoreCommand(cli, kind, *flags); });
    });
  }
}

}  // namespace brkv::br
