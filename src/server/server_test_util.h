// Test helpers for the region/server tests: a temporary directory and an Engine opened in it
// (reopenable, to test persistence). Test-only (included by *_test.cc).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "server/engine.h"

namespace brkv::server::testing {

// A fresh directory under $TMPDIR (or /tmp), removed on destruction.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr ? tmp : "/tmp") + "/brkv_server_test_XXXXXX";
    char* d = mkdtemp(tmpl.data());
    if (d != nullptr) path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    OpenEngine();
  }
  void OpenEngine() {
    EngineOptions opts;
    opts.path = dir_.path() + "/db";
    opts.block_cache_bytes = 8ull << 20;
    opts.sync_writes = false;
    auto e = Engine::Open(opts);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace brkv::server::testing
