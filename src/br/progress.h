// Progress reporting and the success summary of br commands.
//
// Progress counts one unit (lessons.md 25): for backup, key RANGES fully backed up out of the
// ranges planned, never regions or files, so 100% means every range is done. On a terminal a
// bar with percentage and ETA is redrawn in place (at most every 100 ms, and once a second by
// a ticker so the ETA keeps moving); otherwise a plain line is written every `interval` and a
// final line at the end, so logs and CI output stay readable.
//
// Thread-safety: Progress is thread-safe (Update may be called from any thread). The Format*
// functions are pure.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace brkv::br {

// Go-style duration as BR prints it: "850ms", "12.345s", "1m2.3s", "2h3m4s".
std::string FormatDuration(std::chrono::milliseconds d);

// "Full Backup <=========>-----------> 45.00% ETA 12s" (`width` characters of bar). The ETA
// is "?" until something is done; "0s" at 100%.
std::string FormatProgressBar(const std::string& title, uint64_t done, uint64_t total,
                              std::chrono::milliseconds elapsed, int width = 40);
// "Full Backup progress: 12/40 ranges (30.00%), elapsed 3.2s, ETA 7.5s"
std::string FormatProgressLine(const std::string& title, uint64_t done, uint64_t total,
                               std::chrono::milliseconds elapsed, const std::string& unit);

// Told about a phase's progress: its title ("Full Backup", "Checksum", ...), the units done
// and the units planned. Embedders (sql-server's SHOW BACKUPS) use it instead of the
// printed lines. Called with the Progress's lock held: it must be quick and must not call
// back into that Progress.
using ProgressCallback =
    std::function<void(const std::string& title, uint64_t done, uint64_t total)>;

struct ProgressOptions {
  // "Full Backup", "Checksum", ...
  std::string title;
  // What is counted, plural ("ranges").
  std::string unit = "ranges";
  uint64_t total = 0;
  // Draw a bar (a terminal) or write plain lines. Default: plain.
  bool tty = false;
  // Plain mode: one line per interval. Default: 10 s.
  std::chrono::milliseconds interval{10000};
  // Where to write (stdout by default: stderr is kept for the error line). Not owned;
  // null writes nothing.
  std::FILE* out = stdout;
  // Called when the phase starts (done = 0), whenever `done` grows, and once at Finish.
  // Default: none.
  ProgressCallback on_update;
};

class Progress {
 public:
  explicit Progress(ProgressOptions options);
  ~Progress();  // Finish()es
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Sets the number of units done (monotonic: a smaller value is ignored).
  void Update(uint64_t done);
  // Stops the ticker and writes the final state (a full bar / a final line). Idempotent.
  void Finish();

  uint64_t done() const;

 private:
  void DrawLocked(bool final);
  void Tick();

  const ProgressOptions options_;
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t done_ = 0;                                  // GUARDED_BY(mu_)
  bool finished_ = false;                              // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point last_draw_{};  // GUARDED_BY(mu_)
  std::thread ticker_;
};

// What a finished backup reports.
struct BackupSummary {
  // "Full Backup", "Database Backup", "Table Backup", "Raw Backup", "Incremental Backup", ...
  std::string title;
  uint64_t ranges = 0;
  uint64_t files = 0;
  uint64_t total_kvs = 0;
  uint64_t total_bytes = 0;  // Σ(len(key) + len(value)) of the KVs backed up
  uint64_t data_size = 0;    // bytes stored (compressed SSTs)
  uint64_t backup_ts = 0;
  uint64_t last_backup_ts = 0;
  std::chrono::milliseconds take{0};
};

// "Full Backup success summary: total ranges=12, total kvs=10000, total bytes=2340000,
//  backup-ts=459…, total-take=3.2s, average-speed=0.73MB/s, backup-data-size(after-compressed)=
//  …, total files=24" (one line; MB = 10^6 bytes; the speed is total bytes / total-take).
std::string FormatBackupSummary(const BackupSummary& s);

}  // namespace brkv::br
