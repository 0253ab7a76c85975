#include "harness/test_env.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace brkv::itest {
namespace {

namespace fs = std::filesystem;

#ifndef BRKV_BIN_DIR
#define BRKV_BIN_DIR ""
#endif

}  // namespace

std::string BinDir() {
  const char* env = std::getenv("BRKV_BIN_DIR");
  if (env && *env) return env;
  return BRKV_BIN_DIR;
}

std::string BinPath(const std::string& name) { return BinDir() + "/" + name; }

TempDir::TempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = buf.data();
}

TempDir::~TempDir() {
  const char* keep = std::getenv("BRKV_KEEP_TEST_DIR");
  if (keep && *keep && std::string(keep) != "0") {
    std::fprintf(stderr, "[harness] keeping %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
  out.close();
  if (!out) return Status::IOError("cannot write " + path);
  return Status::OK();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) lines.push_back(std::move(cur));
  return lines;
}

void DumpLogTails(const std::string& dir, size_t n, std::FILE* out) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".log") continue;
    // RocksDB's write-ahead logs (000004.log) are binary, not something a person reads.
    const std::string stem = it->path().stem().string();
    if (!stem.empty() && stem.find_first_not_of("0123456789") == std::string::npos) continue;
    std::ifstream in(it->path());
    std::deque<std::string> tail;
    std::string line;
    while (std::getline(in, line)) {
      tail.push_back(std::move(line));
      if (tail.size() > n) tail.pop_front();
    }
    std::fprintf(out, "----- last %zu lines of %s -----\n", tail.size(),
                 it->path().string().c_str());
    for (const auto& l : tail) std::fprintf(out, "%s\n", l.c_str());
  }
  std::fflush(out);
}

Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout,
                                 const std::string& scratch_dir) {
  static std::atomic<int> seq{0};
  std::string base =
      scratch_dir + "/cmd-" + std::to_string(getpid()) + "-" + std::to_string(seq.fetch_add(1));
  tools::SubprocessOptions so;
  so.argv = argv;
  so.stdout_path = base + ".stdout";
  so.stderr_path = base + ".stderr";
  auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(auto proc, tools::Subprocess::Start(so));
  auto exit = proc->Wait(timeout);
  CommandResult r;
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (!exit.ok()) {
    proc->Kill();
    return Status::TimedOut(argv[0] + " did not finish within " + std::to_string(timeout.count()) +
                            " ms; stderr so far: " + ReadFile(so.stderr_path));
  }
  r.exit = *exit;
  r.out = ReadFile(so.stdout_path);
  r.err = ReadFile(so.stderr_path);
  std::error_code ec;
  fs::remove(so.stdout_path, ec);
  fs::remove(so.stderr_path, ec);
  return r;
}

std::vector<pid_t> ChildPids(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadFile(e.path().string() + "/stat");
    // pid (comm) state ppid ...; comm may contain spaces or parentheses.
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  return stat[close + 2] != 'Z' && stat[close + 2] != 'X';
}

}  // namespace brkv::itest
