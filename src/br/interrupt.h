// Interrupt: turns SIGINT / SIGTERM into a cooperative stop of a running backup or restore.
//
// The first signal marks the interrupt as requested and runs every subscribed callback (on a
// watcher thread, never inside the signal handler): the backup cancels its streams, stops
// scheduling work and saves its checkpoint. A second SIGINT/SIGTERM exits the process at once
// (exit status 128 + signal) after writing one line to stderr.
//
// Tests use a standalone Interrupt and Trigger() it; only InstallSignalHandlers binds one to the
// process's signals. A program that runs jobs for others (sql-server's BACKUP / RESTORE) gives
// each job its own Interrupt and Cancel()s it with a reason ("KILL QUERY").
// Thread-safety: thread-safe. Callbacks run with the subscription lock held: after
// Unsubscribe returns, the callback never runs again (it must not call Subscribe/Unsubscribe).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace brkv::br {

class Interrupt {
 public:
  Interrupt() = default;
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;

  // Marks the interrupt as requested by `signo` and runs the callbacks (the first call only).
  void Trigger(int signo);
  // Marks the interrupt as requested by `reason` instead of a signal (signo() is kCancelled,
  // SignalName() is the reason) and runs the callbacks (if nothing requested it before).
  void Cancel(std::string reason);
  bool requested() const { return signo_.load() != 0; }
  // The signal that requested it (0 = none, kCancelled = Cancel).
  int signo() const { return signo_.load(); }
  // "SIGINT", "SIGTERM", "signal N", or Cancel's reason: what the runners' "interrupted by …"
  // messages name.
  std::string SignalName() const;

  static constexpr int kCancelled = -1;

  // Runs `fn` when interrupted (at once, on this thread, if already interrupted). Returns an id
  // for Unsubscribe.
  uint64_t Subscribe(std::function<void()> fn);
  void Unsubscribe(uint64_t id);

 private:
  std::atomic<int> signo_{0};
  // Separate from mu_: callbacks (run under mu_) call SignalName().
  mutable std::mutex reason_mu_;
  std::string reason_;  // GUARDED_BY(reason_mu_)
  std::mutex mu_;
  uint64_t next_id_ = 1;                                 // GUARDED_BY(mu_)
  std::map<uint64_t, std::function<void()>> callbacks_;  // GUARDED_BY(mu_)
};

// Installs SIGINT and SIGTERM handlers that Trigger `interrupt` (which must live until the
// process exits) and exit at once on the second signal. Call once per process, when a job
// that can stop cleanly (backup, restore) starts; other commands keep the default handling.
void InstallSignalHandlers(Interrupt* interrupt);

// RAII subscription.
class ScopedInterruptHook {
 public:
  ScopedInterruptHook(Interrupt* interrupt, std::function<void()> fn)
      : interrupt_(interrupt),
        id_(interrupt != nullptr ? interrupt->Subscribe(std::move(fn)) : 0) {}
  ~ScopedInterruptHook() {
    if (interrupt_ != nullptr) interrupt_->Unsubscribe(id_);
  }
  ScopedInterruptHook(const ScopedInterruptHook&) = delete;
  ScopedInterruptHook& operator=(const ScopedInterruptHook&) = delete;

 private:
  Interrupt* const interrupt_;
  const uint64_t id_;
};

}  // namespace brkv::br
