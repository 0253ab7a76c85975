#include "common/logging.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace brkv {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("brkv_logging_test_" + std::to_string(::getpid()) + ".log"))
                .string();
    std::remove(path_.c_str());
  }
  void TearDown() override {
    InitLogging("info");  // back to stderr, releasing the file
    std::remove(path_.c_str());
  }
  std::string path_;
};

TEST_F(LoggingTest, WritesToFileAndFiltersByLevel) {
  ASSERT_TRUE(InitLogging("info", path_));
  LOG_DEBUG("hidden debug line {}", 1);
  LOG_INFO("visible info line {}", 42);
  LOG_WARN("visible warn line");
  spdlog::default_logger()->flush();
  std::string text = ReadFile(path_);
  EXPECT_NE(text.find("visible info line 42"), std::string::npos) << text;
  EXPECT_NE(text.find("visible warn line"), std::string::npos);
  EXPECT_NE(text.find("logging_test.cc"), std::string::npos);  // source location
  EXPECT_EQ(text.find("hidden debug line"), std::string::npos);
}

TEST_F(LoggingTest, DebugLevelEnablesDebug) {
  ASSERT_TRUE(InitLogging("debug", path_));
  LOG_DEBUG("debug line {}", 7);
  spdlog::default_logger()->flush();
  EXPECT_NE(ReadFile(path_).find("debug line 7"), std::string::npos);
}

TEST_F(LoggingTest, ErrorLevelHidesInfo) {
  ASSERT_TRUE(InitLogging("error", path_));
  LOG_INFO("info line");
  LOG_ERROR("error line");
  spdlog::default_logger()->flush();
  std::string text = ReadFile(path_);
  EXPECT_EQ(text.find("info line"), std::string::npos);
  EXPECT_NE(text.find("error line"), std::string::npos);
}

TEST_F(LoggingTest, BadInputsReturnFalse) {
  EXPECT_FALSE(InitLogging("loud"));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
  // A path below a regular file can never be opened (missing directories would be created).
  { std::ofstream(path_) << "plain file"; }
  EXPECT_FALSE(InitLogging("info", path_ + "/x.log"));
  LOG_INFO("still logging to stderr");  // must not crash
  EXPECT_TRUE(InitLogging("warn"));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
}

TEST_F(LoggingTest, ReinitializeToSameFile) {
  ASSERT_TRUE(InitLogging("info", path_));
  ASSERT_TRUE(InitLogging("info", path_));
  LOG_INFO("after reinit");
  spdlog::default_logger()->flush();
  EXPECT_NE(ReadFile(path_).find("after reinit"), std::string::npos);
}

}  // namespace
}  // namespace brkv
