// AzblobStorage against azurite (Microsoft's Azure Blob emulator, npm, installed by
// scripts/deps.sh into tests/storage_servers/node_modules), which checks Shared Key
// signatures. The server runs on 127.0.0.1 with a temporary directory; every test skips (with
// the reason) only when node or azurite is missing.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/external_storage.h"
#include "storage/storage_test_util.h"
#include "storage_servers/object_server.h"

namespace brkv::storage {
namespace {

namespace fs = std::filesystem;
using testing::ObjectServerKind;
using testing::ObjectServerProcess;

const char kContainer[] = "brkv-test";

class AzblobStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing = ObjectServerProcess::Missing(ObjectServerKind::kAzurite);
    if (!missing.empty()) GTEST_SKIP() << missing;
    dir_ = MakeTempDir("brkv-azurite");
    server_ = std::make_unique<ObjectServerProcess>(ObjectServerKind::kAzurite, dir_.string());
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    st = server_->CreateBucket(kContainer);
    ASSERT_TRUE(st.ok()) << st.ToString() << server_->Log();
  }

  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  fs::path dir_;
  std::unique_ptr<ObjectServerProcess> server_;
};

TEST_F(AzblobStorageTest, ServerRestartsOnTheSamePortAndKeepsContainers) {
  uint16_t port = server_->port();
  EXPECT_NE(port, 0);
  server_->Kill();
  EXPECT_FALSE(server_->running());
  ASSERT_TRUE(server_->Start().ok()) << server_->Log();
  EXPECT_EQ(server_->port(), port);
  EXPECT_TRUE(server_->CreateBucket(kContainer).ok());
  server_->Stop();
  EXPECT_FALSE(server_->running());
}

}  // namespace
}  // namespace brkv::storage
