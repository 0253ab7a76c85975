// Test environment for integration tests: where the binaries are, scratch directories, and
// running a command to completion with a deadline.
// Thread-safety: functions are thread-safe; TempDir is owned by one test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/status.h"
#include "tools/subprocess.h"

namespace brkv::itest {

// The build's bin directory (compile definition BRKV_BIN_DIR; the environment variable of the
// same name overrides it).
std::string BinDir();
// BinDir() + "/" + name.
std::string BinPath(const std::string& name);

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction,
// also when the test failed; set BRKV_KEEP_TEST_DIR=1 to keep it for debugging.
class TempDir {
 public:
  // Aborts the test process if the directory cannot be created (nothing else can work then).
  explicit TempDir(const std::string& prefix = "brkv-itest");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `text` to `path`, replacing it.
Status WriteFile(const std::string& path, const std::string& text);
// The whole file, or "" if it cannot be read.
std::string ReadFile(const std::string& path);
// Splits text into lines (without '\n'; a trailing newline does not make an empty line).
std::vector<std::string> Lines(const std::string& text);
// Prints the last `n` lines of every *.log file in `dir` to `out`, for failure diagnosis.
void DumpLogTails(const std::string& dir, size_t n, std::FILE* out = stderr);

struct CommandResult {
  tools::ExitInfo exit;
  std::string out;  // stdout
  std::string err;  // stderr
  std::chrono::milliseconds elapsed{0};
};

// Runs argv (argv[0] a path) to completion with stdout/stderr captured in files under
// `scratch_dir`. If it is still running at `timeout` it is killed and TimedOut is returned.
Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout, const std::string& scratch_dir);

// The pids whose parent is `parent` (from /proc).
std::vector<pid_t> ChildPids(pid_t parent);
// True when `pid` exists and is not a zombie.
bool ProcessAlive(pid_t pid);

}  // namespace brkv::itest
