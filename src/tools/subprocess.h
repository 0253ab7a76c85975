// Subprocess: one child process started with fork/exec, for playground and the integration
// test harness.
//
// The child gets its own argv (no shell), stdout/stderr redirected to files (appended) or to a
// pipe the parent reads, all signals unblocked, and (by default) PR_SET_PDEATHSIG=SIGKILL so it
// dies with the thread that started it: a killed playground or test never leaves servers behind.
// Because the parent may be multithreaded (gRPC), the child does only async-signal-safe work
// between fork and exec; every string is prepared before fork.
//
// A Subprocess that is destroyed while its child still runs kills the child (SIGKILL) and reaps
// it. Stop() is the graceful path (SIGTERM, wait, SIGKILL after a grace period).
// Thread-safety: not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace brkv::tools {

struct SubprocessOptions {
  // argv[0] is the path of the executable (no PATH lookup). REQUIRES: non-empty.
  std::vector<std::string> argv;
  // Extra environment entries "NAME=value" added to the parent's environment.
  std::vector<std::string> extra_env;
  // File the child's stdout is appended to (created if missing). Empty: inherit the parent's.
  std::string stdout_path;
  // File the child's stderr is appended to. Empty: inherit; equal to stdout_path: shared.
  std::string stderr_path;
  // When true, the child's stdout is a pipe readable with ReadLine(); stdout_path is ignored.
  // Default: false.
  bool pipe_stdout = false;
  // Kill the child (SIGKILL) when the thread that started it exits. Default: true.
  bool die_with_parent = true;
};

// How a child ended, as decoded from waitpid's status.
struct ExitInfo {
  bool signaled = false;
  int code = 0;    // exit code when !signaled
  int signal = 0;  // terminating signal when signaled
  bool success() const { return !signaled && code == 0; }
  // "exit code 3" / "killed by signal 9 (Killed)".
  std::string ToString() const;
};

class Subprocess {
 public:
  // Forks and execs. Fails (IOError) when fork fails, a redirect file cannot be opened or exec
  // fails (the exec error is reported back through a close-on-exec pipe, so a missing binary is
  // an error here, not a child that exits 127 later).
  static Result<std::unique_ptr<Subprocess>> Start(const SubprocessOptions& options);

  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // True until the child has been reaped (by Poll, Wait or Stop).
  bool running();
  // Non-blocking: the exit info once the child has exited (reaping it), else nullopt.
  std::optional<ExitInfo> Poll();
  // Waits up to `timeout` for the child to exit. TimedOut if it is still running.
  Result<ExitInfo> Wait(std::chrono::milliseconds timeout);
  // Sends `sig` to the child. OK (and nothing sent) if it has already been reaped.
  Status Signal(int sig);
  // SIGTERM, waits up to `grace`, then SIGKILL and reaps. Returns how the child ended.
  ExitInfo Stop(std::chrono::milliseconds grace);
  // SIGKILL and reap.
  ExitInfo Kill();

  // Reads one line (without '\n') from the piped stdout, waiting until `deadline`.
  // NotFound at end of stream (the child closed stdout), TimedOut at the deadline.
  // REQUIRES: options.pipe_stdout.
  Result<std::string> ReadLine(std::chrono::steady_clock::time_point deadline);

 private:
  Subprocess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;  // -1 unless piped
  std::string read_buf_;
  std::optional<ExitInfo> exit_;
};

// Directory holding the running executable (from /proc/self/exe). Empty on failure.
std::string ExecutableDir();

}  // namespace brkv::tools
