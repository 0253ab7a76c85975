#include "common/status.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace brkv {
namespace {

TEST(StatusTest, OkAndCodes) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "OK");
  Status c = Status::Corruption("bad block");
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.code(), Status::Code::kCorruption);
  EXPECT_EQ(c.ToString(), "Corruption: bad block");
  EXPECT_FALSE(c.retryable());
  EXPECT_TRUE(Status::Unavailable("x").retryable());
  EXPECT_TRUE(Status::RegionError("x").IsRegionError());
  EXPECT_TRUE(Status::KeyLocked("x").IsKeyLocked());
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::TimedOut("x").retryable());
}

TEST(StatusTest, ContextAndRetryable) {
  Status s = Status::IOError("disk").WithContext("write sst");
  EXPECT_EQ(s.message(), "write sst: disk");
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_TRUE(s.WithRetryable(true).retryable());
  EXPECT_TRUE(Status::OK().WithContext("ignored").ok());
  EXPECT_EQ(Status::OK().WithContext("ignored").message(), "");
}

TEST(StatusTest, CodeNamesAreDistinct) {
  EXPECT_STREQ(Status::CodeName(Status::Code::kOk), "OK");
  EXPECT_STREQ(Status::CodeName(Status::Code::kInternal), "Internal");
  EXPECT_STRNE(Status::CodeName(Status::Code::kBusy), Status::CodeName(Status::Code::kAborted));
}

Result<int> Half(int v) {
  if (v % 2 != 0) return Status::InvalidArgument("odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  ASSIGN_OR_RETURN(int h, Half(v));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int v) {
  RETURN_IF_ERROR(Half(v).status());
  return Status::OK();
}

TEST(ResultTest, ValueAndError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(Quarter(8).status().ok());
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_FALSE(CheckEven(5).ok());
  Result<std::unique_ptr<int>> p = std::make_unique<int>(5);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> owned = std::move(p).value();
  EXPECT_EQ(*owned, 5);
  Result<std::string> s = std::string("abc");
  EXPECT_EQ(s->size(), 3u);
}

}  // namespace
}  // namespace brkv
