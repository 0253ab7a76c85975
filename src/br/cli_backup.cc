// br backup full | db | table | raw: flags → BackupConfig → RunBackup → one summary line.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>

#include "br/summary_json.h"
#include "br/backup_runner.h"
#include "br/cli_common.h"
#include "common/codec.h"
#include "common/logging.h"

namespace brkv::br {

namespace {

// Everything `br backup <kind>` accepts; one instance per subcommand.
struct BackupFlags {
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
  std::string backup_ts;
  std::string last_backup_ts;
  std::string compression = "zstd";
  int compression_level = 0;
  uint64_t ratelimit = 0;
  uint32_t concurrency = 4;
  bool checksum = true;
  int64_t gcttl = 300;
  int64_t gcttl_resume = 3600;
  double checkpoint_interval_s = 30;
  double backup_timeout_s = 300;
  double idle_timeout_s = 300;
  double progress_interval_s = 10;
  bool case_sensitive = false;
};

Result<BackupConfig> ToConfig(BackupKind kind, const BackupFlags& f) {
  BackupConfig c;
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
  if (kind == BackupKind::kRaw) {
    ASSIGN_OR_RETURN(c.raw_start, DecodeKeyFlag(f.start, f.key_format, "--start"));
    ASSIGN_OR_RETURN(c.raw_end, DecodeKeyFlag(f.end, f.key_format, "--end"));
    c.raw_cf = f.cf;
  }
  c.backup_ts = f.backup_ts;
  c.last_backup_ts = f.last_backup_ts;
  auto compression = sst::ParseCompressionType(f.compression);
  if (!compression.ok()) return compression.status().WithContext("--compression");
  c.compression = *compression;
  c.compression_level = f.compression_level;
  ASSIGN_OR_RETURN(c.cipher, CipherFromFlags(f.crypter));
  c.ratelimit_mib = f.ratelimit;
  c.concurrency = f.concurrency;
  c.checksum = f.checksum;
  c.gcttl_seconds = f.gcttl;
  c.resume_gcttl_seconds = f.gcttl_resume;
  c.checkpoint_interval = SecondsFlag(f.checkpoint_interval_s);
  c.backup_timeout = SecondsFlag(f.backup_timeout_s);
  c.stream_idle_timeout = SecondsFlag(f.idle_timeout_s);
  c.progress_interval = SecondsFlag(f.progress_interval_s);
  return c;
}

Status RunBackupCommand(BrCli* cli, BackupKind kind, const BackupFlags& f) {
  // Everything checkable offline is checked before logging starts or anything is contacted.
  ASSIGN_OR_RETURN(BackupConfig config, ToConfig(kind, f));
  RETURN_IF_ERROR(ValidateBackupConfig(config));
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
  auto result = RunBackup(config);
  if (!f.log.summary_json.empty()) {
    Result<BackupSummary> summary =
        result.ok() ? Result<BackupSummary>(result->summary) : Result<BackupSummary>(result.status());
    Status w = WriteBackupSummaryJson(f.log.summary_json,
                                      BackupTitle(kind, !f.last_backup_ts.empty()), summary);
    if (!w.ok()) LOG_WARN("{}", w.ToString());
    if (!w.ok() && result.ok()) return w;
  }
  if (!result.ok()) {
    LOG_ERROR("{} failed: {}", BackupTitle(kind, !f.last_backup_ts.empty()),
              result.status().ToString());
    return result.status();
  }
  std::fprintf(cli->out(), "%s\n", FormatBackupSummary(result->summary).c_str());
  return Status::OK();
}

void AddCommonBackupFlags(CLI::App* cmd, BackupFlags* f, BackupKind kind) {
  AddClusterFlags(cmd, &f->cluster);
  cmd->add_option("--summary-json", f->log.summary_json,
                  "also write the summary (or the failure) as JSON to this file");
  AddStorageFlags(cmd, &f->storage);
  cmd->add_option("--backupts", f->backup_ts,
                  "snapshot to back up: a TSO (e.g. 459177124841914369) or a datetime "
                  "('2026-11-21 10:00:00[+08:00]'); default: a fresh TSO (now); never in the "
                  "future");
  if (kind != BackupKind::kRaw) {
    cmd->add_option("--lastbackupts", f->last_backup_ts,
                    "incremental backup: the backup ts of the previous backup; only changes in "
                    "(lastbackupts, backupts] are backed up, deletes included");
  }
  cmd->add_option("--compression", f->compression, "SST compression: lz4, snappy or zstd")
      ->default_val(f->compression);
  cmd->add_option("--compression-level", f->compression_level,
                  "compression level (0 = the node's default: zstd level 1)")
      ->default_val(f->compression_level);
  AddCrypterFlags(cmd, &f->crypter);
  cmd->add_option("--ratelimit", f->ratelimit,
                  "scan and upload limit per storage node in MiB/s (0 = unlimited)")
      ->default_val(f->ratelimit);
  cmd->add_option("--concurrency", f->concurrency,
                  "ranges each storage node backs up at once (1-256)")
      ->default_val(f->concurrency);
  if (kind != BackupKind::kRaw) {
    AddBoolFlag(cmd, "--checksum", &f->checksum,
                "compare each table's backed-up checksum with the cluster's table checksum at "
                "the backup ts");
  }
  cmd->add_option("--gcttl", f->gcttl,
                  "TTL in seconds of the service safe point that keeps GC away from the backup "
                  "ts while the backup runs")
      ->default_val(f->gcttl);
  cmd->add_option("--gcttl-resume", f->gcttl_resume,
                  "seconds the service safe point is kept after a backup stopped with its "
                  "progress saved (failure, Ctrl-C), so that rerunning the same command can "
                  "resume it; a resume after that fails (0 = remove it at once)")
      ->default_val(f->gcttl_resume);
  cmd->add_option("--checkpoint-interval", f->checkpoint_interval_s,
                  "seconds between saves of the finished ranges to checkpoints/ in the storage "
                  "(0 = after every range)")
      ->default_val(f->checkpoint_interval_s);
  cmd->add_option("--backup-timeout", f->backup_timeout_s,
                  "seconds the fine-grained phase may retry ranges that failed (region moved, "
                  "node down) before the backup fails")
      ->default_val(f->backup_timeout_s);
  cmd->add_option("--stream-idle-timeout", f->idle_timeout_s,
                  "seconds without any response after which a node's backup stream is "
                  "cancelled and its ranges retried")
      ->default_val(f->idle_timeout_s);
  cmd->add_option("--progress-interval", f->progress_interval_s,
                  "seconds between progress lines when stdout is not a terminal")
      ->default_val(f->progress_interval_s);
  AddLogFlags(cmd, &f->log);
}

void AddFilterFlags(CLI::App* cmd, BackupFlags* f) {
  cmd->add_option("-f,--filter", f->filters,
                  "table filter rule (repeatable), TiDB syntax: 'db.tbl', wildcards * ? [a-z], "
                  "'!db.*' excludes; later rules win")
      ->allow_extra_args(false);
  cmd->add_flag("--case-sensitive", f->case_sensitive,
                "match database and table names case-sensitively");
}

}  // namespace

void AddBackupCommands(CLI::App* app, BrCli* cli) {
  CLI::App* backup =
      app->add_subcommand("backup",
                          "back up the cluster, a database, a table or a raw key range to external "
                          "storage");
  backup->require_subcommand(1);

  struct Kind {
    const char* name;
    const char* help;
    BackupKind kind;
  };
  static const Kind kKinds[] = {
      {"full", "back up every database and table (or those -f selects)", BackupKind::kFull},
      {"db", "back up one database (--db)", BackupKind::kDatabase},
      {"table", "back up one table (--db, --table)", BackupKind::kTable},
      {"raw", "back up a raw-KV key range (--start, --end)", BackupKind::kRaw},
  };
  for (const Kind& k : kKinds) {
    CLI::App* cmd = backup->add_subcommand(k.name, k.help);
    auto flags = std::make_shared<BackupFlags>();
    switch (k.kind) {
      case BackupKind::kFull:
        AddFilterFlags(cmd, flags.get());
        break;
      case BackupKind::kDatabase:
        cmd->add_option("--db", flags->db, "database to back up")->required();
        AddFilterFlags(cmd, flags.get());
        break;
      case BackupKind::kTable:
        cmd->add_option("--db", flags->db, "database of the table")->required();
        cmd->add_option("--table", flags->table, "table to back up")->required();
        AddFilterFlags(cmd, flags.get());
        break;
      case BackupKind::kRaw:
        cmd->add_option("--start", flags->start, "first key of the range (inclusive)")->required();
        cmd->add_option("--end", flags->end,
                        "end of the range (exclusive); empty = to the end of the raw key space")
            ->required();
        cmd->add_option("--format", flags->key_format,
                        "how --start/--end are written: hex, "
                        "raw or escaped (\\xNN)")
            ->default_val(flags->key_format);
        cmd->add_option("--cf", flags->cf, "column family of the raw keys")->default_val(flags->cf);
        break;
    }
    AddCommonBackupFlags(cmd, flags.get(), k.kind);
    const BackupKind kind = k.kind;
    cmd->callback([cli, flags, kind] {
      cli->set_action([cli, flags, kind] { return RunBackupCommand(cli, kind, *flags); });
    });
  }
}

}  // namespace brkv::br
