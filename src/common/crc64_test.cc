#include "common/crc64.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace brkv {
namespace {

TEST(Crc64Test, CheckValues) {
  // CRC-64/XZ standard check value, and the crc64fast README vector (formats.md 5.4).
  EXPECT_EQ(Crc64("123456789"), 0x995DC9BBDF1939FAULL);
  EXPECT_EQ(Crc64("hello world!"), 0x8483C0FA32607D61ULL);
  EXPECT_EQ(Crc64(""), 0u);
}

TEST(Crc64Test, UpdateContinuesRunningCrc) {
  EXPECT_EQ(Crc64Update(Crc64("12345"), "6789"), 0x995DC9BBDF1939FAULL);
  EXPECT_EQ(Crc64Update(0, "hello world!"), Crc64("hello world!"));
  std::mt19937_64 rng(1);
  std::string data(5000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  uint64_t whole = Crc64(data);
  for (size_t split : {0, 1, 7, 8, 63, 64, 65, 1000, 4999, 5000}) {
    std::string_view v = data;
    EXPECT_EQ(Crc64Update(Crc64(v.substr(0, split)), v.substr(split)), whole) << split;
  }
  // Many small updates equal one big one.
  uint64_t crc = 0;
  for (size_t i = 0; i < data.size(); i += 13) {
    crc = Crc64Update(crc, std::string_view(data).substr(i, 13));
  }
  EXPECT_EQ(crc, whole);
}

TEST(Crc64Test, DetectsSingleBitFlips) {
  std::string data = "the quick brown fox jumps over the lazy dog";
  uint64_t base = Crc64(data);
  for (size_t i = 0; i < data.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string d = data;
      d[i] = static_cast<char>(d[i] ^ (1 << bit));
      EXPECT_NE(Crc64(d), base);
    }
  }
}

}  // namespace
}  // namespace brkv
