// ImportDir: names, claims, work directories, startup cleanup, the TTL sweep and Clear.
#include "import/import_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace brkv::import {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ImportDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    root_ = fs::path(tmp ? tmp : "/tmp") /
            ("brkv-import-dir-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void Touch(const std::string& name, std::chrono::seconds age = 0s) {
    fs::path p = root_ / "import" / name;
    std::ofstream(p) << "x";
    fs::last_write_time(p, fs::file_time_type::clock::now() - age);
  }
  fs::path root_;
};

std::string Uuid() {
  return std::string("\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
}

TEST_F(ImportDirTest, StagedNames) {
  EXPECT_EQ(*ImportDir::StagedName(Uuid(), "write"),
            "01234567-89ab-cdef-0123-456789abcdef_write.sst");
  EXPECT_FALSE(ImportDir::StagedName("short", "write").ok());
  EXPECT_FALSE(ImportDir::StagedName(Uuid(), "lock").ok());
  EXPECT_FALSE(ImportDir::StagedName(Uuid(), "../x").ok());
}

TEST_F(ImportDirTest, OpenCreatesAndEmpties) {
  fs::create_directories(root_ / "import" / ".work-9-9");
  Touch("old_write.sst");
  size_t removed = 0;
  auto dir = ImportDir::Open((root_ / "import").string(), &removed);
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(removed, 2u);
  EXPECT_TRUE((*dir)->List().empty());
  // A file where the directory should be.
  std::ofstream(root_ / "file") << "x";
  EXPECT_EQ(ImportDir::Open((root_ / "file").string()).status().code(), Status::Code::kIOError);
}

TEST_F(ImportDirTest, ClaimsAreExclusiveAndSkippedBySweep) {
  auto dir = std::move(ImportDir::Open((root_ / "import").string())).value();
  const std::string name = *ImportDir::StagedName(Uuid(), "default");
  {
    auto c = dir->ClaimStaged(Uuid(), "default");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->path(), (root_ / "import" / name).string());
    EXPECT_EQ(dir->ClaimStaged(Uuid(), "default").status().code(), Status::Code::kBusy);
    EXPECT_TRUE(dir->ClaimStaged(Uuid(), "write").ok());  // another CF is another file
    Touch(name, 3600s);
    EXPECT_EQ(dir->Sweep(1s), 0u);
  }
  EXPECT_EQ(dir->Sweep(1h + 1s), 0u);  // younger than the age asked for
  EXPECT_EQ(dir->Sweep(1s), 1u);
  EXPECT_TRUE(dir->List().empty());
  EXPECT_TRUE(dir->ClaimStaged(Uuid(), "default").ok());  // released
}

TEST_F(ImportDirTest, WorkDirsLiveWithTheirGuard) {
  auto dir = std::move(ImportDir::Open((root_ / "import").string())).value();
  std::string path;
  {
    auto w = dir->NewWorkDir();
    ASSERT_TRUE(w.ok());
    path = w->path();
    std::ofstream(fs::path(path) / "download") << "partial";
    EXPECT_EQ(dir->Sweep(0s), 0u);  // in use
    EXPECT_TRUE(fs::exists(path));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(dir->List().empty());
  // Debris of any kind is swept once old.
  Touch("stray.tmp", 20s);
  EXPECT_EQ(dir->Sweep(10s), 1u);
}

TEST_F(ImportDirTest, ClearRemovesUnclaimedFilesOfThePrefixAtAnyAge) {
  auto dir = std::move(ImportDir::Open((root_ / "import").string())).value();
  // Two files of one job (uuids starting 01234567), one of another job.
  const std::string other_uuid =
      std::string("\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67", 16);
  const std::string mine_default = *ImportDir::StagedName(Uuid(), "default");
  const std::string mine_write = *ImportDir::StagedName(Uuid(), "write");
  const std::string other = *ImportDir::StagedName(other_uuid, "write");
  Touch(mine_default);
  Touch(mine_write);
  Touch(other);
  auto work = dir->NewWorkDir();
  ASSERT_TRUE(work.ok());
  {
    // A download of one of the job's files is in flight: that file stays.
    auto c = dir->ClaimStaged(Uuid(), "write");
    ASSERT_TRUE(c.ok());
    auto n = dir->Clear("01234567");
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, 1u);
    EXPECT_FALSE(fs::exists(root_ / "import" / mine_default));
    EXPECT_TRUE(fs::exists(root_ / "import" / mine_write));
  }
  // Released: the next clear takes it (upper-case digits and the uuid's '-' match too).
  EXPECT_EQ(*dir->Clear("01234567-89AB"), 1u);
  EXPECT_EQ(*dir->Clear("01234567"), 0u);
  EXPECT_TRUE(fs::exists(root_ / "import" / other));
  EXPECT_TRUE(fs::exists(work->path()));  // work directories never match a hex prefix
  EXPECT_EQ(dir->List().size(), 2u);
}

TEST_F(ImportDirTest, ClearRefusesPrefixesThatAreNotUuidText) {
  auto dir = std::move(ImportDir::Open((root_ / "import").string())).value();
  Touch(*ImportDir::StagedName(Uuid(), "write"));
  for (const char* bad : {"", "../", "/", ".work-", "0123*", "0123 ", "g", "01234567_write"}) {
    auto n = dir->Clear(bad);
    EXPECT_EQ(n.status().code(), Status::Code::kInvalidArgument) << "prefix \"" << bad << "\"";
  }
  EXPECT_EQ(dir->List().size(), 1u);
  EXPECT_TRUE(ImportDir::ValidateClearPrefix("0a1b2c3d").ok());
  EXPECT_TRUE(ImportDir::ValidateClearPrefix("0A1B-").ok());
}

}  // namespace
}  // namespace brkv::import
