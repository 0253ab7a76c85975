#include "storage/http_text.h"

#include <gtest/gtest.h>

namespace brkv::storage {
namespace {

TEST(HttpTextTest, AsciiLowerTouchesOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("X-Amz-Date"), "x-amz-date");
  EXPECT_EQ(AsciiLower("S3://B\xC3\x89"), "s3://b\xC3\x89");
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(HttpTextTest, CanonicalHeaderValueTrimsAndCollapses) {
  EXPECT_EQ(CanonicalHeaderValue("  a   b\t\tc  "), "a b c");
  EXPECT_EQ(CanonicalHeaderValue("one\r\n two"), "one two");
  EXPECT_EQ(CanonicalHeaderValue("plain"), "plain");
  EXPECT_EQ(CanonicalHeaderValue(" \t "), "");
}

}  // namespace
}  // namespace brkv::storage
