#include "storage/local_storage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/failpoint.h"

namespace brkv::storage {
namespace {

namespace fs = std::filesystem;

class LocalStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    root_ = fs::path(tmp ? tmp : "/tmp") /
            ("brkv-local-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    storage_ = NewLocalStorage(root_.string());
  }
  void TearDown() override {
    failpoint::DisableAll();
    fs::remove_all(root_);
  }

  // Every regular file under the root, partial files included.
  std::vector<std::string> FilesOnDisk() {
    std::vector<std::string> out;
    if (!fs::exists(root_)) return out;
    for (auto& e : fs::recursive_directory_iterator(root_)) {
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root_).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path root_;
  std::unique_ptr<ExternalStorage> storage_;
};

TEST_F(LocalStorageTest, NothingIsCreatedUntilTheFirstWrite) {
  EXPECT_FALSE(fs::exists(root_));
  EXPECT_FALSE(storage_->FileExists("x").value());
  EXPECT_TRUE(storage_->WalkDir("", [](std::string_view, uint64_t) { return Status::OK(); }).ok());
  EXPECT_FALSE(fs::exists(root_));
  ASSERT_TRUE(storage_->WriteFile("x", "1").ok());
  EXPECT_TRUE(fs::is_regular_file(root_ / "x"));
}

TEST_F(LocalStorageTest, ObjectsAreFilesUnderTheRoot) {
  ASSERT_TRUE(storage_->WriteFile("1/a_write.sst", "data").ok());
  EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"1/a_write.sst"});
  struct stat st;
  ASSERT_EQ(::stat((root_ / "1/a_write.sst").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(storage_->Uri(), "local://" + root_.string());
  EXPECT_EQ(std::get<LocalBackend>(storage_->backend()).path, root_.string());
}

TEST_F(LocalStorageTest, PartialFilesAreHiddenAndRemoved) {
  auto w = storage_->Create("dir/obj");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("partial").ok());
  auto on_disk = FilesOnDisk();
  ASSERT_EQ(on_disk.size(), 1u);
  EXPECT_NE(on_disk[0].find(kLocalPartialMarker), std::string::npos) << on_disk[0];
  int listed = 0;
  ASSERT_TRUE(storage_
                  ->WalkDir("",
                            [&](std::string_view, uint64_t) {
                              ++listed;
                              return Status::OK();
                            })
                  .ok());
  EXPECT_EQ(listed, 0);
  ASSERT_TRUE((*w)->Abort().ok());
  EXPECT_TRUE(FilesOnDisk().empty());
}

TEST_F(LocalStorageTest, FailedRenameLeavesOldObjectAndNoPartialFile) {
  ASSERT_TRUE(storage_->WriteFile("obj", "old").ok());
  {
    failpoint::ScopedFailPoint fp("storage.local.before-rename", "return(disk gone)");
    Status s = storage_->WriteFile("obj", "new");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("disk gone"), std::string::npos);
  }
  EXPECT_EQ(storage_->ReadFile("obj").value(), "old");
  EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"obj"});
}

TEST_F(LocalStorageTest, StrayPartialFileFromACrashIsIgnored) {
  fs::create_directories(root_ / "d");
  std::string stray = "d/.obj" + std::string(kLocalPartialMarker) + "abc123";
  { std::ofstream(root_ / stray) << "torn"; }
  ASSERT_TRUE(storage_->WriteFile("d/obj", "whole").ok());
  std::vector<std::string> listed;
  ASSERT_TRUE(storage_
                  ->WalkDir("d/",
                            [&](std::string_view n, uint64_t) {
                              listed.emplace_back(n);
                              return Status::OK();
                            })
                  .ok());
  EXPECT_EQ(listed, std::vector<std::string>{"d/obj"});
}

TEST_F(LocalStorageTest, RelativeRootIsMadeAbsolute) {
  auto cwd = fs::current_path();
  fs::create_directories(root_);
  fs::current_path(root_);
  auto s = NewLocalStorage("rel/sub");
  fs::current_path(cwd);
  ASSERT_TRUE(s->WriteFile("x", "1").ok());
  EXPECT_TRUE(fs::is_regular_file(root_ / "rel/sub/x"));
  EXPECT_EQ(s->Uri(), "local://" + (root_ / "rel/sub").string());
}

TEST_F(LocalStorageTest, ObjectNameCollidingWithADirectory) {
  ASSERT_TRUE(storage_->WriteFile("a/b", "1").ok());
  // "a" is a directory, not an object.
  EXPECT_TRUE(storage_->DeleteFile("a").ok());
  EXPECT_TRUE(storage_->ReadFile("a").status().IsNotFound());
  EXPECT_FALSE(storage_->WriteFile("a", "x").ok());
  EXPECT_FALSE(storage_->WriteFile("a/b/c", "x").ok());
  EXPECT_EQ(storage_->ReadFile("a/b").value(), "1");
  EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"a/b"});
}

}  // namespace
}  // namespace brkv::storage
