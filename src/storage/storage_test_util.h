// Helpers shared by the storage tests (header only, so nothing test-only is compiled into
// brkv_storage). Not for production code.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace brkv::storage {

// A fresh empty directory under $TMPDIR (or /tmp); the caller removes it.
inline std::filesystem::path MakeTempDir(const std::string& stem) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + stem + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return {};
  return buf.data();
}

// `n` pseudo-random bytes, the same for the same seed.
inline std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Runs the shared conformance suite (storage_conformance_test.cc, linked into this binary)
// against `url` in a child process of this binary, which reads BRKV_STORAGE_TEST_URLS when it
// starts. Returns "" when every conformance test ran and passed; otherwise the child's output
// (a failure, a crash, or a skipped test, e.g. a backend that answered NotSupported).
// `scratch_dir` holds the captured output while the child runs.
inline std::string RunConformanceSuite(const std::string& url, const std::string& scratch_dir) {
  std::string out = scratch_dir + "/conformance-output.txt";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("BRKV_STORAGE_TEST_URLS", url.c_str(), 1);
    FILE* f = std::freopen(out.c_str(), "w", stdout);
    (void)f;
    ::dup2(STDOUT_FILENO, STDERR_FILENO);
    ::execl("/proc/self/exe", "storage_conformance",
            "--gtest_filter=Backends/StorageConformanceTest.*/env0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  std::error_code ec;
  std::filesystem::remove(out, ec);
  std::string text = ss.str();
  bool passed = WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
                text.find("[  PASSED  ]") != std::string::npos &&
                text.find("[  SKIPPED ]") == std::string::npos &&
                text.find("[  PASSED  ] 0 tests") == std::string::npos;
  return passed ? "" : (text.empty() ? "conformance child produced no output" : text);
}

}  // namespace brkv::storage
