#include "tools/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace brkv::tools {
namespace {

using Clock = std::chrono::steady_clock;

// What the child reports through the error pipe when it cannot exec.
struct ChildError {
  int stage;  // 1 = open stdout, 2 = open stderr, 3 = exec
  int err;
};

ExitInfo DecodeWaitStatus(int status) {
  ExitInfo info;
  if (WIFSIGNALED(status)) {
    info.signaled = true;
    info.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    info.code = WEXITSTATUS(status);
  }
  return info;
}

// Child side, between fork and exec: async-signal-safe calls only.
[[noreturn]] void ChildExec(const SubprocessOptions& o, pid_t parent, int err_fd, int pipe_w,
                            char* const* argv, char* const* envp) {
  auto fail = [&](int stage) {
    ChildError e{stage, errno};
    ssize_t n = write(err_fd, &e, sizeof(e));
    (void)n;
    _exit(127);
  };
  if (o.die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The parent may have died before prctl took effect.
    if (getppid() != parent) _exit(127);
  }
  setpgid(0, 0);  // own group: a terminal's Ctrl-C reaches only the parent, which orders shutdown
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP}) sigaction(sig, &dfl, nullptr);

  if (o.pipe_stdout) {
    if (dup2(pipe_w, STDOUT_FILENO) < 0) fail(1);
  } else if (!o.stdout_path.empty()) {
    int fd = open(o.stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) fail(1);
  }
  if (!o.stderr_path.empty()) {
    if (!o.pipe_stdout && o.stderr_path == o.stdout_path) {
      if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0) fail(2);
    } else {
      int fd = open(o.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) fail(2);
    }
  }
  // Do not leak the parent's descriptors (sockets, other children's pipes) into the child.
#ifdef SYS_close_range
  syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
#endif
  execve(argv[0], argv, envp);
  fail(3);
}

}  // namespace

std::string ExitInfo::ToString() const {
  if (signaled) {
    const char* name = strsignal(signal);
    return "killed by signal " + std::to_string(signal) + " (" + (name ? name : "?") + ")";
  }
  return "exit code " + std::to_string(code);
}

Result<std::unique_ptr<Subprocess>> Subprocess::Start(const SubprocessOptions& options) {
  if (options.argv.empty()) return Status::InvalidArgument("subprocess: empty argv");
  // Everything the child needs is built here, before fork.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) env_strings.emplace_back(*e);
  for (const auto& e : options.extra_env) env_strings.push_back(e);
  std::vector<char*> argv, envp;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Status::IOError(std::string("subprocess: pipe: ") + strerror(errno));
  }
  int out_pipe[2] = {-1, -1};
  if (options.pipe_stdout && pipe2(out_pipe, O_CLOEXEC) != 0) {
    int e = errno;
    close(err_pipe[0]);
    close(err_pipe[1]);
    return Status::IOError(std::string("subprocess: pipe: ") + strerror(e));
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {err_pipe[0], err_pipe[1], out_pipe[0], out_pipe[1]}) {
      if (fd >= 0) close(fd);
    }
    return Status::IOError(std::string("subprocess: fork: ") + strerror(e));
  }
  if (pid == 0) {
    ChildExec(options, parent, err_pipe[1], out_pipe[1], argv.data(), envp.data());
  }
  close(err_pipe[1]);
  if (out_pipe[1] >= 0) close(out_pipe[1]);

  ChildError child_error{};
  ssize_t n;
  do {
    n = read(err_pipe[0], &child_error, sizeof(child_error));
  } while (n < 0 && errno == EINTR);
  close(err_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof(child_error))) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (out_pipe[0] >= 0) close(out_pipe[0]);
    const char* what = child_error.stage == 1   ? "cannot redirect stdout"
                       : child_error.stage == 2 ? "cannot redirect stderr"
                                                : "cannot execute";
    return Status::IOError(std::string("subprocess: ") + what + " " + options.argv[0] + ": " +
                           strerror(child_error.err));
  }
  return std::unique_ptr<Subprocess>(new Subprocess(pid, out_pipe[0]));
}

Subprocess::~Subprocess() {
  if (!exit_) Kill();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

bool Subprocess::running() { return !Poll().has_value(); }

std::optional<ExitInfo> Subprocess::Poll() {
  if (exit_) return exit_;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exit_ = DecodeWaitStatus(status);
  } else if (r < 0) {
    // ECHILD: someone else reaped it (should not happen); treat it as gone.
    exit_ = ExitInfo{};
  }
  return exit_;
}

Result<ExitInfo> Subprocess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto step = std::chrono::milliseconds(1);
  while (true) {
    if (auto e = Poll()) return *e;
    if (Clock::now() >= deadline) {
      return Status::TimedOut("process " + std::to_string(pid_) + " still running");
    }
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, std::chrono::milliseconds(20));
  }
}

Status Subprocess::Signal(int sig) {
  if (Poll()) return Status::OK();
  if (kill(pid_, sig) != 0 && errno != ESRCH) {
    return Status::IOError(std::string("kill: ") + strerror(errno));
  }
  return Status::OK();
}

ExitInfo Subprocess::Stop(std::chrono::milliseconds grace) {
  if (auto e = Poll()) return *e;
  (void)Signal(SIGTERM);
  auto r = Wait(grace);
  if (r.ok()) return *r;
  return Kill();
}

ExitInfo Subprocess::Kill() {
  if (auto e = Poll()) return *e;
  kill(pid_, SIGKILL);
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  exit_ = r == pid_ ? DecodeWaitStatus(status) : ExitInfo{true, 0, SIGKILL};
  return *exit_;
}

Result<std::string> Subprocess::ReadLine(Clock::time_point deadline) {
  if (stdout_fd_ < 0) return Status::InvalidArgument("subprocess: stdout is not piped");
  while (true) {
    auto nl = read_buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = read_buf_.substr(0, nl);
      read_buf_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Status::TimedOut("no complete line before the deadline");
    pollfd p{stdout_fd_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) return Status::IOError(std::string("poll: ") + strerror(errno));
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = read(stdout_fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::IOError(std::string("read: ") + strerror(errno));
    }
    if (n == 0) {
      if (!read_buf_.empty()) {
        std::string line;
        line.swap(read_buf_);
        return line;
      }
      return Status::NotFound("end of output");
    }
    read_buf_.append(buf, static_cast<size_t>(n));
  }
}

std::string ExecutableDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

}  // namespace brkv::tools
