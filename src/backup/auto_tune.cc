#include "backup/auto_tune.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/logging.h"
#include "common/metrics.h"

namespace brkv::backup {

namespace {

// utime + stime (fields 14 and 15) of a /proc stat file, in seconds; -1 when unreadable (a
// freshly started process may well have used 0 ticks, so 0 is a valid answer).
double StatCpuSeconds(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  if (!std::getline(f, line)) return -1;
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return -1;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  bool complete = false;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) {
      stime = std::strtod(field.c_str(), nullptr);
      complete = true;
      break;
    }
  }
  if (!complete) return -1;
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (utime + stime) / ticks;
}

// Busy CPU seconds of the whole machine from /proc/stat's first line
// ("cpu user nice system idle iowait irq softirq steal ..."); -1 when unreadable.
double MachineBusySeconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  double v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (!(f >> cpu) || cpu != "cpu") return -1;
  for (double& x : v) {
    if (!(f >> x)) return -1;
  }
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  // user + nice + system + irq + softirq + steal (idle and iowait are not busy)
  return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / ticks;
}

class ProcCpuSampler : public CpuSampler {
 public:
  Result<CpuTimes> Sample(const std::vector<pid_t>& tids) override {
    CpuTimes t;
    t.machine_busy_s = MachineBusySeconds();
    if (t.machine_busy_s < 0) return Status::IOError("cannot read /proc/stat");
    t.process_s = StatCpuSeconds("/proc/self/stat");
    if (t.process_s < 0) return Status::IOError("cannot read /proc/self/stat");
    for (pid_t tid : tids) {
      // A thread that has exited has no stat file any more: it counts as 0.
      t.tracked_s += std::max(0.0, StatCpuSeconds("/proc/self/task/" + std::to_string(tid) + "/stat"));
    }
    return t;
  }
};

metrics::Gauge& SoftLimitGauge() {
  static auto& g = metrics::Default()
                       .Gauge("tikv_backup_softlimit",
                              "Soft limit applied to the backup thread pool (auto-tune)", {})
                       .With({});
  return g;
}

metrics::Gauge& ShareGauge() {
  static auto& g = metrics::Default()
                       .Gauge("tikv_backup_auto_tune_cpu_share",
                              "Share of the time a lone backup scan may run (auto-tune)", {})
                       .With({});
  return g;
}

}  // namespace

std::unique_ptr<CpuSampler> NewProcCpuSampler() { return std::make_unique<ProcCpuSampler>(); }

TuneDecision DecideBackupLimits(double foreground_cores, const AutoTuneOptions& o) {
  const double free = o.cores - o.remain_cores - std::max(0.0, foreground_cores);
  TuneDecision d;
  const uint32_t max = std::max<uint32_t>(1, o.max_threads);
  if (free >= 1) {
    d.threads = std::min<uint32_t>(max, static_cast<uint32_t>(std::floor(free)));
    d.share = 1;
  } else {
    d.threads = 1;
    d.share = std::clamp(free, o.min_share, 1.0);
  }
  return d;
}

BackupAutoTuner::BackupAutoTuner(AutoTuneOptions options, std::unique_ptr<CpuSampler> sampler)
    : options_([&] {
        AutoTuneOptions o = options;
        if (o.cores <= 0) o.cores = std::max(1u, std::thread::hardware_concurrency());
        if (o.remain_cores < 0) o.remain_cores = o.cores * 0.2;
        return o;
      }()),
      sampler_(std::move(sampler)),
      threads_(std::max<uint32_t>(1, options.max_threads)) {}

BackupAutoTuner::~BackupAutoTuner() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackupAutoTuner::StartThread() {
  thread_ = std::thread([this] { Run(); });
}

void BackupAutoTuner::RegisterWorker(pid_t tid) {
  std::lock_guard<std::mutex> l(mu_);
  workers_.insert(tid);
}

void BackupAutoTuner::UnregisterWorker(pid_t tid) {
  std::lock_guard<std::mutex> l(mu_);
  workers_.erase(tid);
}

void BackupAutoTuner::Step(double elapsed_s) {
  std::unique_lock<std::mutex> l(mu_);
  if (workers_.empty()) {
    // Idle: the next backup starts at full size and is measured afresh.
    have_prev_ = false;
    foreground_ = -1;
    threads_ = std::max<uint32_t>(1, options_.max_threads);
    share_ = 1;
    return;
  }
  std::vector<pid_t> tids(workers_.begin(), workers_.end());
  l.unlock();
  auto cur = sampler_->Sample(tids);
  l.lock();
  if (!cur.ok()) {
    LOG_DEBUG("backup auto-tune: {}", cur.status().ToString());
    return;
  }
  if (have_prev_ && elapsed_s > 0) {
    // A worker that exited between samples takes its CPU time with it: never negative.
    const double busy = options_.machine_wide ? cur->machine_busy_s - prev_.machine_busy_s
                                              : cur->process_s - prev_.process_s;
    const double backup = std::max(0.0, cur->tracked_s - prev_.tracked_s);
    const double sample = std::max(0.0, std::max(0.0, busy) - backup) / elapsed_s;
    const double w = std::clamp(options_.smoothing, 0.01, 1.0);
    foreground_ = foreground_ < 0 ? sample : w * sample + (1 - w) * foreground_;
    const double foreground = foreground_;
    const TuneDecision d = DecideBackupLimits(foreground, options_);
    if (d.threads != threads_.load() || std::fabs(d.share - share_.load()) >= 0.1) {
      LOG_INFO("backup auto-tune: the foreground ({}) uses {:.2f} of {:.0f} cores: {} scan(s), "
               "{:.0f}% of the time",
               options_.machine_wide ? "the machine but this node's backup" : "this process",
               foreground, options_.cores, d.threads, d.share * 100);
    }
    threads_ = d.threads;
    share_ = d.share;
    SoftLimitGauge().Set(d.threads);
    ShareGauge().Set(d.share);
  }
  prev_ = *cur;
  have_prev_ = true;
}

void BackupAutoTuner::Run() {
  auto last = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, options_.interval, [this] { return stop_; });
    if (stop_) return;
    l.unlock();
    const auto now = std::chrono::steady_clock::now();
    Step(std::chrono::duration<double>(now - last).count());
    last = now;
    l.lock();
  }
}

void DutyCycle::Pace() {
  const auto now = std::chrono::steady_clock::now();
  const double share = tuner_ != nullptr ? tuner_->share() : 1.0;
  if (share >= 1) {
    last_ = now;
    return;
  }
  const double work = std::chrono::duration<double>(now - last_).count();
  const double pause = std::min(0.2, work * (1 - share) / share);
  std::this_thread::sleep_for(std::chrono::duration<double>(pause));
  last_ = std::chrono::steady_clock::now();
}

}  // namespace brkv::backup
