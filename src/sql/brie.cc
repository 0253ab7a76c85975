#include "sql/brie.h"

#include <cmath>
#include <ctime>
#include <optional>
#include <variant>

#include "br/parse_ts.h"
#include "common/logging.h"
#include "sst/compression.h"
#include "storage/storage_backend.h"

namespace brkv::sql {

namespace {

using Clock = std::chrono::system_clock;
using catalog::Datum;

// TiDB's table-filter rule for a literal name: `name` with backquotes doubled.
std::string QuotedRulePart(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  return out + "`";
}

ColumnDef VarcharColumn(const std::string& name, uint32_t length) {
  ColumnDef c;
  c.name = c.org_name = name;
  c.length = length;
  return c;
}

ColumnDef BigintColumn(const std::string& name) {
  ColumnDef c;
  c.name = c.org_name = name;
  c.type = 8;  // LONGLONG
  c.charset = kCollationBinary;
  c.length = 20;
  c.flags = 128;  // BINARY
  return c;
}

ColumnDef DatetimeColumn(const std::string& name) {
  ColumnDef c;
  c.name = c.org_name = name;
  c.type = 12;  // DATETIME
  c.charset = kCollationBinary;
  c.length = 19;
  c.flags = 128;
  return c;
}

// The scope both configs share: what the statement names. `filters` is set for several names.
struct Scope {
  enum class Kind { kAll, kDatabase, kTable, kFiltered } kind = Kind::kAll;
  std::string db;
  std::string table;
  std::vector<std::string> filters;
};

SqlResult<Scope> ScopeOf(const BrieStmt& s, const std::string& current_db) {
  Scope scope;
  if (s.all) return scope;
  if (!s.tables) {
    if (s.databases.size() == 1) {
      scope.kind = Scope::Kind::kDatabase;
      scope.db = s.databases.front();
      return scope;
    }
    scope.kind = Scope::Kind::kFiltered;
    for (const std::string& db : s.databases) scope.filters.push_back(QuotedRulePart(db) + ".*");
    return scope;
  }
  std::vector<TableName> names = s.table_names;
  for (TableName& t : names) {
    if (t.db.empty()) t.db = current_db;
    if (t.db.empty()) return SqlError(er::kNoDb, "No database selected");
  }
  if (names.size() == 1) {
    scope.kind = Scope::Kind::kTable;
    scope.db = names.front().db;
    scope.table = names.front().name;
    return scope;
  }
  scope.kind = Scope::Kind::kFiltered;
  for (const TableName& t : names) {
    scope.filters.push_back(QuotedRulePart(t.db) + "." + QuotedRulePart(t.name));
  }
  return scope;
}

// The statement's URL checked as the runners will read it, so the error names the URL rather
// than the CLI flag.
SqlError CheckUrl(const std::string& url, uint16_t code, const std::string& failed) {
  Result<storage::StorageBackend> b = storage::ParseBackend(url);
  if (!b.ok()) return SqlError(code, failed + "invalid URL '" + RedactedDestination(url) + "': " +
                                         b.status().message());
  if (std::holds_alternative<storage::MemStoreBackend>(*b)) {
    return SqlError(code, failed + "memstore:// lives inside one process and cannot be shared "
                                   "with the storage nodes; use local:// or an object store");
  }
  return SqlError::OK();
}

// SNAPSHOT / LAST_BACKUP text (a TSO or a datetime in UTC) as a TSO.
SqlResult<std::string> TsOption(const std::string& option, const std::string& text) {
  br::ParseTsOptions o;
  o.default_utc_offset_seconds = 0;  // the server's time zone, as NOW() shows it
  Result<uint64_t> ts = br::ParseTS(text, o);
  if (!ts.ok()) {
    return SqlError(er::kBackupFailed, "Backup failed: " + option + ": " + ts.status().message());
  }
  return std::to_string(*ts);
}

std::string PhaseState(BrieStmt::Kind kind, const std::string& title) {
  if (title == "Checksum") return "Checksum";
  return kind == BrieStmt::Kind::kBackup ? "Backup" : "Restore";
}

}  // namespace

std::string RedactedDestination(const std::string& url) { return url.substr(0, url.find('?')); }

std::string FormatBrieTime(Clock::time_point t) {
  if (t == Clock::time_point{}) return "0000-00-00 00:00:00";
  const std::time_t secs = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

SqlResult<br::BackupConfig> BackupConfigFor(const BrieStmt& s, const std::string& pd,
                                            const std::string& current_db) {
  br::BackupConfig c;
  c.pd = pd;
  c.storage_url = s.url;
  SQL_RETURN_IF_ERROR(CheckUrl(s.url, er::kBackupFailed, "Backup failed: "));
  SQL_ASSIGN_OR_RETURN(Scope scope, ScopeOf(s, current_db));
  switch (scope.kind) {
    case Scope::Kind::kAll: c.scope.kind = br::BackupKind::kFull; break;
    case Scope::Kind::kDatabase:
      c.scope.kind = br::BackupKind::kDatabase;
      c.scope.db = scope.db;
      break;
    case Scope::Kind::kTable:
      c.scope.kind = br::BackupKind::kTable;
      c.scope.db = scope.db;
      c.scope.table = scope.table;
      break;
    case Scope::Kind::kFiltered:
      c.scope.kind = br::BackupKind::kFull;
      c.scope.filters = scope.filters;
      break;
  }
  if (s.rate_limit_mib) c.ratelimit_mib = *s.rate_limit_mib;
  if (s.concurrency) c.concurrency = *s.concurrency;
  if (s.checksum) c.checksum = *s.checksum;
  if (s.send_credentials) c.send_credentials = *s.send_credentials;
  c.ts_options.default_utc_offset_seconds = 0;
  if (s.snapshot_ago_us) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               Clock::now().time_since_epoch())
                               .count();
    const int64_t at_ms = now_ms - *s.snapshot_ago_us / 1000;
    if (at_ms <= 0) {
      return SqlError(er::kBackupFailed, "Backup failed: SNAPSHOT is before 1970");
    }
    c.backup_ts = std::to_string(static_cast<uint64_t>(at_ms) << 18);
  } else if (s.snapshot) {
    SQL_ASSIGN_OR_RETURN(c.backup_ts, TsOption("SNAPSHOT", *s.snapshot));
  }
  if (s.last_backup) {
    SQL_ASSIGN_OR_RETURN(c.last_backup_ts, TsOption("LAST_BACKUP", *s.last_backup));
  }
  if (s.compression_type) {
    Result<sst::CompressionType> t = sst::ParseCompressionType(*s.compression_type);
    if (!t.ok()) {
      return SqlError(er::kBackupFailed, "Backup failed: COMPRESSION_TYPE: " + t.status().message());
    }
    c.compression = *t;
  }
  if (s.compression_level) c.compression_level = *s.compression_level;
  Status valid = br::ValidateBackupConfig(c);
  if (!valid.ok()) return SqlError(er::kBackupFailed, "Backup failed: " + valid.message());
  return c;
}

SqlResult<br::RestoreConfig> RestoreConfigFor(const BrieStmt& s, const std::string& pd,
                                              const std::string& current_db) {
  br::RestoreConfig c;
  c.pd = pd;
  c.storage_url = s.url;
  SQL_RETURN_IF_ERROR(CheckUrl(s.url, er::kRestoreFailed, "Restore failed: "));
  SQL_ASSIGN_OR_RETURN(Scope scope, ScopeOf(s, current_db));
  switch (scope.kind) {
    case Scope::Kind::kAll: c.scope.kind = br::RestoreKind::kFull; break;
    case Scope::Kind::kDatabase:
      c.scope.kind = br::RestoreKind::kDatabase;
      c.scope.db = scope.db;
      break;
    case Scope::Kind::kTable:
      c.scope.kind = br::RestoreKind::kTable;
      c.scope.db = scope.db;
      c.scope.table = scope.table;
      break;
    case Scope::Kind::kFiltered:
      c.scope.kind = br::RestoreKind::kFull;
      c.scope.filters = scope.filters;
      break;
  }
  if (s.rate_limit_mib) c.ratelimit_mib = *s.rate_limit_mib;
  if (s.concurrency) c.concurrency = *s.concurrency;
  if (s.checksum) c.checksum = *s.checksum;
  if (s.send_credentials) c.send_credentials = *s.send_credentials;
  Status valid = br::ValidateRestoreConfig(c);
  if (!valid.ok()) return SqlError(er::kRestoreFailed, "Restore failed: " + valid.message());
  return c;
}

struct BrieQueue::Job {
  uint64_t id = 0;
  BrieJobView view;  // GUARDED_BY(BrieQueue::mu_)
  bool finished = false;  // GUARDED_BY(BrieQueue::mu_)
  br::Interrupt interrupt;
};

BrieQueue::BrieQueue(BrieQueueOptions options) : options_(std::move(options)) {}

BrieQueue::~BrieQueue() { CancelAll(); }

void BrieQueue::PurgeLocked() {
  const auto now = Clock::now();
  jobs_.remove_if([&](const std::shared_ptr<Job>& j) {
    return j->finished && now - j->view.finish_time > options_.keep_finished;
  });
}

std::vector<BrieJobView> BrieQueue::List(BrieStmt::Kind kind) {
  std::lock_guard<std::mutex> l(mu_);
  PurgeLocked();
  std::vector<BrieJobView> out;
  for (const auto& j : jobs_) {
    if (j->view.kind == kind) out.push_back(j->view);
  }
  return out;
}

bool BrieQueue::Cancel(uint32_t connection_id, const std::string& reason) {
  std::vector<std::shared_ptr<Job>> hit;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& j : jobs_) {
      if (!j->finished && j->view.connection_id == connection_id) hit.push_back(j);
    }
  }
  // Outside mu_: the interrupt's callbacks cancel the runner's streams, whose threads may be
  // reporting progress (which takes mu_) at that moment.
  for (const auto& j : hit) j->interrupt.Cancel(reason);
  {
    std::lock_guard<std::mutex> l(mu_);  // a waiter checks requested() under mu_
  }
  cv_.notify_all();
  return !hit.empty();
}

void BrieQueue::CancelAll() {
  std::vector<std::shared_ptr<Job>> all;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped_ = true;
    for (const auto& j : jobs_) {
      if (!j->finished) all.push_back(j);
    }
  }
  for (const auto& j : all) j->interrupt.Cancel("the server stopping");
  {
    std::lock_guard<std::mutex> l(mu_);
  }
  cv_.notify_all();
}

SqlResult<ExecResult> BrieQueue::Run(const BrieStmt& s, Session* session) {
  const bool backup = s.kind == BrieStmt::Kind::kBackup;
  const uint16_t failed_code = backup ? er::kBackupFailed : er::kRestoreFailed;
  const std::string failed = backup ? "Backup failed: " : "Restore failed: ";
  std::optional<br::BackupConfig> backup_config;
  std::optional<br::RestoreConfig> restore_config;
  if (backup) {
    SQL_ASSIGN_OR_RETURN(backup_config,
                         BackupConfigFor(s, options_.pd_address, session->current_db()));
  } else {
    SQL_ASSIGN_OR_RETURN(restore_config,
                         RestoreConfigFor(s, options_.pd_address, session->current_db()));
  }

  auto job = std::make_shared<Job>();
  {
    std::unique_lock<std::mutex> l(mu_);
    if (stopped_) return SqlError(er::kQueryInterrupted, "Query execution was interrupted");
    PurgeLocked();
    job->id = next_id_++;
    job->view.kind = s.kind;
    job->view.destination = RedactedDestination(s.url);
    job->view.state = "Wait";
    job->view.queue_time = Clock::now();
    job->view.connection_id = session->connection_id();
    jobs_.push_back(job);
    waiting_.push_back(job->id);
    cv_.wait(l, [&] {
      return job->interrupt.requested() || (!running_ && waiting_.front() == job->id);
    });
    if (job->interrupt.requested()) {
      std::erase(waiting_, job->id);
      job->finished = true;
      job->view.state += " Canceled";
      job->view.finish_time = Clock::now();
      job->view.message = "canceled by " + job->interrupt.SignalName() + " while waiting";
      l.unlock();
      cv_.notify_all();  // the next waiter may be first now
      return SqlError(er::kQueryInterrupted,
                      "Query execution was interrupted (" + job->view.message + ")");
    }
    waiting_.pop_front();
    running_ = true;
    job->view.state = PhaseState(s.kind, "");
    job->view.execution_time = Clock::now();
  }
  LOG_INFO("connection {}: {} {} started", session->connection_id(), backup ? "BACKUP" : "RESTORE",
           job->view.destination);

  Job* raw = job.get();
  br::ProgressCallback on_progress = [this, raw, kind = s.kind](const std::string& title,
                                                                uint64_t done, uint64_t total) {
    std::lock_guard<std::mutex> l(mu_);
    raw->view.state = PhaseState(kind, title);
    const double percent = total == 0 ? 100.0 : 100.0 * static_cast<double>(done) / total;
    raw->view.progress = std::round(percent * 100) / 100;  // two decimals, as br prints it
  };
  Status status;
  ExecResult res;
  res.has_result_set = true;
  const std::string destination = job->view.destination;
  if (backup) {
    backup_config->interrupt = &job->interrupt;
    backup_config->progress_out = nullptr;
    backup_config->on_progress = on_progress;
    Result<br::BackupResult> r = br::RunBackup(*backup_config);
    status = r.status();
    if (r.ok()) {
      res.columns = {VarcharColumn("Destination", 255), BigintColumn("Size"),
                     BigintColumn("BackupTS"), DatetimeColumn("Queue Time"),
                     DatetimeColumn("Execution Time")};
      res.rows.push_back({Datum::Bytes(destination),
                          Datum::Int(static_cast<int64_t>(r->summary.data_size)),
                          Datum::Int(static_cast<int64_t>(r->backup_ts))});
    }
  } else {
    restore_config->interrupt = &job->interrupt;
    restore_config->progress_out = nullptr;
    restore_config->on_progress = on_progress;
    Result<br::RestoreSummary> r = br::RunRestore(*restore_config);
    status = r.status();
    if (r.ok()) {
      res.columns = {VarcharColumn("Destination", 255), BigintColumn("Size"),
                     BigintColumn("BackupTS"),           BigintColumn("Cluster TS"),
                     DatetimeColumn("Queue Time"),       DatetimeColumn("Execution Time")};
      res.rows.push_back({Datum::Bytes(destination),
                          Datum::Int(static_cast<int64_t>(r->data_size)),
                          Datum::Int(static_cast<int64_t>(r->backup_ts)),
                          Datum::Int(static_cast<int64_t>(r->restore_ts))});
    }
  }

  bool interrupted = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    running_ = false;
    job->finished = true;
    job->view.finish_time = Clock::now();
    if (status.ok()) {
      job->view.state = "Finished";
      job->view.progress = 100;
      res.rows.front().push_back(Datum::Bytes(FormatBrieTime(job->view.queue_time)));
      res.rows.front().push_back(Datum::Bytes(FormatBrieTime(job->view.execution_time)));
    } else {
      interrupted = job->interrupt.requested();
      // TiDB appends " Canceled" to the phase a killed job was in.
      job->view.state = interrupted ? job->view.state + " Canceled" : "Failed";
      job->view.message = status.message();
    }
  }
  cv_.notify_all();
  if (status.ok()) {
    LOG_INFO("connection {}: {} {} finished", session->connection_id(),
             backup ? "BACKUP" : "RESTORE", destination);
    return res;
  }
  LOG_WARN("connection {}: {} {} failed: {}", session->connection_id(),
           backup ? "BACKUP" : "RESTORE", destination, status.ToString());
  if (interrupted) {
    return SqlError(er::kQueryInterrupted,
                    "Query execution was interrupted (" + status.message() + ")");
  }
  return SqlError(failed_code, failed + status.message());
}

}  // namespace brkv::sql
