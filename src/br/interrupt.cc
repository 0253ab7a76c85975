#include "br/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/logging.h"

namespace brkv::br {

namespace {

// Written by the handler, read by the watcher thread.
int g_pipe[2] = {-1, -1};
std::atomic<int> g_signals{0};

void OnSignal(int signo) {
  const int n = g_signals.fetch_add(1) + 1;
  if (n >= 2) {
    static const char kMsg[] = "\nbr: second interrupt: exiting at once\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    ::_exit(128 + signo);
  }
  const unsigned char b = static_cast<unsigned char>(signo);
  (void)!::write(g_pipe[1], &b, 1);
}

}  // namespace

void Interrupt::Trigger(int signo) {
  int expected = 0;
  if (!signo_.compare_exchange_strong(expected, signo)) return;
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, fn] : callbacks_) fn();
}

void Interrupt::Cancel(std::string reason) {
  {
    std::lock_guard<std::mutex> l(reason_mu_);
    if (requested()) return;
    reason_ = std::move(reason);
  }
  Trigger(kCancelled);
}

std::string Interrupt::SignalName() const {
  switch (signo_.load()) {
    case kCancelled: {
      std::lock_guard<std::mutex> l(reason_mu_);
      return reason_;
    }
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "signal " + std::to_string(signo_.load());
  }
}

uint64_t Interrupt::Subscribe(std::function<void()> fn) {
  std::lock_guard<std::mutex> l(mu_);
  const uint64_t id = next_id_++;
  if (requested()) {
    fn();
  }
  callbacks_.emplace(id, std::move(fn));
  return id;
}

void Interrupt::Unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  callbacks_.erase(id);
}

void InstallSignalHandlers(Interrupt* interrupt) {
  if (::pipe(g_pipe) != 0) {
    LOG_WARN("cannot create the signal pipe: {}; SIGINT/SIGTERM end br at once",
             std::strerror(errno));
    return;
  }
  std::thread([interrupt] {
    unsigned char b = 0;
    while (true) {
      const ssize_t n = ::read(g_pipe[0], &b, 1);
      if (n == 1) {
        LOG_WARN("received signal {}: stopping; progress is saved for a resume", int{b});
        interrupt->Trigger(b);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return;
    }
  }).detach();
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace brkv::br
