#include "backup/auto_tune.h"

#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace brkv::backup {
namespace {

TEST(AutoTuneTest, DecisionFollowsTheCoresTheForegroundLeaves) {
  AutoTuneOptions o;
  o.cores = 8;
  o.remain_cores = 1.6;  // 20%
  o.max_threads = 4;
  // Idle node: as many scans as allowed.
  EXPECT_EQ(DecideBackupLimits(0, o).threads, 4u);
  EXPECT_EQ(DecideBackupLimits(0, o).share, 1.0);
  // 8 - 1.6 - 4.0 = 2.4 cores free: two scans.
  EXPECT_EQ(DecideBackupLimits(4.0, o).threads, 2u);
  // Nearly saturated: one scan, running 40% of the time.
  auto d = DecideBackupLimits(6.0, o);
  EXPECT_EQ(d.threads, 1u);
  EXPECT_NEAR(d.share, 0.4, 1e-9);
  // Saturated: never below the floor, so the backup still ends.
  d = DecideBackupLimits(16.0, o);
  EXPECT_EQ(d.threads, 1u);
  EXPECT_EQ(d.share, 0.1);
}

TEST(AutoTuneTest, TwoCoreNodeLeavesTheForegroundItsShare) {
  AutoTuneOptions o;
  o.cores = 2;
  o.remain_cores = 0.4;
  o.max_threads = 1;
  EXPECT_EQ(DecideBackupLimits(0.2, o).share, 1.0);
  EXPECT_NEAR(DecideBackupLimits(1.0, o).share, 0.6, 1e-9);
}

class FakeSampler : public CpuSampler {
 public:
  explicit FakeSampler(CpuTimes* t) : t_(t) {}
  Result<CpuTimes> Sample(const std::vector<pid_t>& tids) override {
    last_tids = tids;
    return *t_;
  }
  std::vector<pid_t> last_tids;

 private:
  CpuTimes* t_;
};

TEST(AutoTuneTest, TunerCountsOnlyTheProcessCpuNotUsedByBackupWorkers) {
  CpuTimes now;
  auto sampler = std::make_unique<FakeSampler>(&now);
  FakeSampler* fake = sampler.get();
  AutoTuneOptions o;
  o.cores = 4;
  o.remain_cores = 0.8;
  o.max_threads = 3;
  o.machine_wide = false;
  o.smoothing = 1;
  BackupAutoTuner t(o, std::move(sampler));
  EXPECT_EQ(t.threads(), 3u);

  t.RegisterWorker(101);
  t.Step(5);  // first sample: nothing to compare with yet
  EXPECT_EQ(fake->last_tids, std::vector<pid_t>{101});
  // In 5 s the process used 12.5 CPU-seconds, 10 of them in the backup worker: the foreground
  // used 0.5 cores, 2.7 are free -> 2 scans.
  now.process_s += 12.5;
  now.tracked_s += 10;
  t.Step(5);
  EXPECT_EQ(t.threads(), 2u);
  EXPECT_EQ(t.share(), 1.0);
  // Then the foreground takes 3 cores: 0.2 free -> one scan at 20%.
  now.process_s += 15 + 1;
  now.tracked_s += 1;
  t.Step(5);
  EXPECT_EQ(t.threads(), 1u);
  EXPECT_NEAR(t.share(), 0.2, 1e-9);
  // No backup running: back to the maximum for the next one.
  t.UnregisterWorker(101);
  t.Step(5);
  EXPECT_EQ(t.threads(), 3u);
  EXPECT_EQ(t.share(), 1.0);
}

TEST(AutoTuneTest, MachineWideCountsEveryOtherProcessAsForeground) {
  CpuTimes now;
  AutoTuneOptions o;
  o.cores = 2;
  o.remain_cores = 0.4;
  o.max_threads = 2;
  o.smoothing = 1;
  BackupAutoTuner t(o, std::make_unique<FakeSampler>(&now));
  t.RegisterWorker(7);
  t.Step(1);
  // This process is idle but for its backup (0.5 cores); other processes keep 1.2 cores busy.
  now.process_s += 0.5;
  now.tracked_s += 0.5;
  now.machine_busy_s += 1.7;
  t.Step(1);
  EXPECT_EQ(t.threads(), 1u);
  EXPECT_NEAR(t.share(), 0.4, 1e-9);  // 2 - 0.4 - 1.2
}

TEST(AutoTuneTest, NodesSharingAMachineSettleOnTheirShare) {
  // Three nodes on a 2-core machine, each backing up with one scan, beside a foreground using
  // 0.6 cores. Every node sees the others' backup as foreground; smoothing makes them settle at
  // a third of the 1.0 core left (2 - 0.4 kept free - 0.6) instead of taking turns.
  constexpr int kNodes = 3;
  std::vector<CpuTimes> times(kNodes);
  std::vector<std::unique_ptr<BackupAutoTuner>> tuners;
  AutoTuneOptions o;
  o.cores = 2;
  o.remain_cores = 0.4;
  o.max_threads = 1;
  for (int i = 0; i < kNodes; ++i) {
    tuners.push_back(std::make_unique<BackupAutoTuner>(o, std::make_unique<FakeSampler>(&times[i])));
    tuners.back()->RegisterWorker(100 + i);
  }
  double busy = 0;
  for (int step = 0; step < 40; ++step) {
    double backup = 0;
    for (auto& t : tuners) backup += t->share();
    busy += 0.6 + backup;
    for (int i = 0; i < kNodes; ++i) {
      times[i].machine_busy_s = busy;
      times[i].tracked_s += tuners[i]->share();
    }
    for (auto& t : tuners) t->Step(1);
  }
  double backup = 0;
  for (auto& t : tuners) {
    EXPECT_NEAR(t->share(), 1.0 / 3, 0.03);
    backup += t->share();
  }
  EXPECT_LE(0.6 + backup, 2 - 0.4 + 0.05);  // the kept-free part stays free
}

TEST(AutoTuneTest, ProcSamplerSeesThisThreadsCpu) {
  auto s = NewProcCpuSampler();
  const pid_t me = static_cast<pid_t>(::syscall(SYS_gettid));
  auto a = s->Sample({me});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  // Burn 0.3 s of this thread's own CPU time (however busy the machine is), then sample again.
  auto thread_cpu = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
  };
  volatile uint64_t x = 0;
  const double until = thread_cpu() + 0.3;
  while (thread_cpu() < until) x = x + 1;
  auto b = s->Sample({me});
  ASSERT_TRUE(b.ok());
  // /proc counts in clock ticks (10 ms): allow a few of them.
  EXPECT_GE(b->tracked_s - a->tracked_s, 0.25);
  EXPECT_GE(b->process_s - a->process_s, b->tracked_s - a->tracked_s - 0.05);
  EXPECT_GE(b->machine_busy_s - a->machine_busy_s, b->tracked_s - a->tracked_s - 0.05);
}

}  // namespace
}  // namespace brkv::backup
