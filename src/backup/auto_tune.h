// BackupAutoTuner: sizes a node's backup work by the CPU its foreground leaves idle (TiKV's
// backup.enable-auto-tune, which shrinks the backup thread pool when the node is busy).
//
// Every `interval` it samples the CPU time of the registered backup worker threads and either
// the whole machine's busy CPU time (/proc/stat; the default) or only this process's
// (/proc/self/stat). The foreground's use is the difference, in cores, smoothed over samples
// (an exponential average) so that nodes sharing a machine settle instead of taking turns:
//   free = cores - remain_cores - foreground_cores
// and the backup may run
//   threads = clamp(floor(free), 1, max_threads) scans at once, and
//   share   = clamp(free, min_share, 1) of the time when free < 1 (a lone scan that pauses to
//             leave the rest of a core to the foreground: on a 2-core node one scan is already
//             half the machine).
// Machine-wide, everything the machine runs but this node's own backup work is foreground:
// other nodes on the same machine (their backup work too), br, other programs. That is what a
// node sharing its machine must leave alone; on a machine of its own it equals the process's
// use plus the operating system's. While no worker is registered the tuner only waits, and the
// limits go back to their maximum.
// Thread-safety: thread-safe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/status.h"

namespace brkv::backup {

// Cumulative CPU seconds: of the whole process, of the given threads, and busy time of the
// whole machine (all cores; user, nice, system, irq, softirq and steal time).
struct CpuTimes {
  double process_s = 0;
  double tracked_s = 0;
  double machine_busy_s = 0;
};

// The seam tests replace.
class CpuSampler {
 public:
  virtual ~CpuSampler() = default;
  // Threads that exited are counted as 0 from then on.
  virtual Result<CpuTimes> Sample(const std::vector<pid_t>& tids) = 0;
};

// /proc/self/stat and /proc/self/task/<tid>/stat (utime + stime), /proc/stat's "cpu" line.
std::unique_ptr<CpuSampler> NewProcCpuSampler();

struct AutoTuneOptions {
  // Cores of the machine. Default: std::thread::hardware_concurrency().
  double cores = 0;
  // Cores kept free of backup work on top of the foreground's (TiKV's
  // auto-tune-remain-threads). Default: 20% of the cores.
  double remain_cores = -1;
  // Most scans at once (the endpoint's max_scan_concurrency).
  uint32_t max_threads = 1;
  // The smallest share of time a lone scan gets, so a backup always progresses. Default: 0.1.
  double min_share = 0.1;
  // Sampling period. Default: 1 s (TiKV: auto-tune-refresh-interval; a backup of a node's
  // share of a GiB takes seconds, so a slower tuner acts after the harm is done).
  std::chrono::milliseconds interval{1000};
  // The foreground is the machine's busy time (true) or this process's (false), minus this
  // node's backup workers. Default: the machine.
  bool machine_wide = true;
  // Weight of the newest sample in the foreground's average (1: no smoothing). Default: 0.5.
  double smoothing = 0.5;
};

struct TuneDecision {
  uint32_t threads = 1;
  double share = 1;
};

// The formula above, for a foreground using `foreground_cores`.
TuneDecision DecideBackupLimits(double foreground_cores, const AutoTuneOptions& o);

class BackupAutoTuner {
 public:
  BackupAutoTuner(AutoTuneOptions options, std::unique_ptr<CpuSampler> sampler);
  ~BackupAutoTuner();  // stops the sampling thread

  // Backup worker threads (their CPU is not the foreground's).
  void RegisterWorker(pid_t tid);
  void UnregisterWorker(pid_t tid);

  uint32_t threads() const { return threads_.load(std::memory_order_relaxed); }
  double share() const { return share_.load(std::memory_order_relaxed); }

  // One sampling step `elapsed` after the previous one (the thread calls it every interval;
  // tests call it directly with a fake sampler and no thread: see StartThread).
  void Step(double elapsed_s);
  // Starts the sampling thread (the constructor does not).
  void StartThread();

 private:
  void Run();

  const AutoTuneOptions options_;
  const std::unique_ptr<CpuSampler> sampler_;
  std::atomic<uint32_t> threads_;
  std::atomic<double> share_{1};

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<pid_t> workers_;       // GUARDED_BY(mu_)
  bool have_prev_ = false;        // GUARDED_BY(mu_)
  CpuTimes prev_;                 // GUARDED_BY(mu_)
  double foreground_ = -1;        // smoothed, in cores; < 0: no sample yet (GUARDED_BY(mu_))
  bool stop_ = false;             // GUARDED_BY(mu_)
  std::thread thread_;
};

// Paces a loop to `share` of the wall time: Pace() after each chunk of work sleeps
// work * (1 - share) / share (at most 200 ms at a time). share >= 1: never sleeps.
class DutyCycle {
 public:
  explicit DutyCycle(const BackupAutoTuner* tuner)
      : tuner_(tuner), last_(std::chrono::steady_clock::now()) {}
  void Pace();

 private:
  const BackupAutoTuner* tuner_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace brkv::backup
