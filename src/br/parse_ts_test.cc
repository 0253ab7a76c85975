#include "br/parse_ts.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace brkv::br {
namespace {

constexpr uint64_t kNov21_10amUtc = 470615379148800000ull;  // 2026-11-21 10:00:00 UTC << 18
constexpr uint64_t kNov21_2amUtc = 470607829401600000ull;   // 2026-11-21 02:00:00 UTC << 18

uint64_t MustParse(std::string_view s, ParseTsOptions o = {}) {
  auto r = ParseTS(s, o);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.ok() ? r.value() : 0;
}

TEST(ParseTsTest, DecimalTsoIsReturnedAsIs) {
  EXPECT_EQ(MustParse("459177124841914369"), 459177124841914369ull);
  EXPECT_EQ(MustParse("0"), 0u);
  EXPECT_EQ(MustParse("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseTS("18446744073709551616").ok());
}

TEST(ParseTsTest, DatetimeWithZone) {
  EXPECT_EQ(MustParse("2026-11-21T10:00:00Z"), kNov21_10amUtc);
  EXPECT_EQ(MustParse("2026-11-21T10:00:00+08:00"), kNov21_2amUtc);
  EXPECT_EQ(MustParse("2026-11-21 10:00:00 +0800"), kNov21_2amUtc);
  EXPECT_EQ(MustParse("2026-11-21 18:00:00+08"), kNov21_10amUtc);
  EXPECT_EQ(MustParse("2026-11-21T05:00:00-05:00"), kNov21_10amUtc);
  // formats.md 4.4 vector: physical 1751621741123 ms.
  EXPECT_EQ(MustParse("2025-07-04 09:35:41.123Z"), 459177129704947712ull);
  EXPECT_EQ(MustParse("2025-07-04 09:35:41.123999Z"), 459177129704947712ull);
}

TEST(ParseTsTest, DatetimeWithoutZoneUsesDefaultOffset) {
  ParseTsOptions utc8;
  utc8.default_utc_offset_seconds = 8 * 3600;
  EXPECT_EQ(MustParse("2026-11-21 10:00:00", utc8), kNov21_2amUtc);
  ParseTsOptions utc;
  utc.default_utc_offset_seconds = 0;
  EXPECT_EQ(MustParse("2026-11-21 10:00:00", utc), kNov21_10amUtc);
  EXPECT_EQ(MustParse("2026-11-21", utc), 470605941964800000ull);  // midnight UTC
  // An explicit zone wins over the default.
  EXPECT_EQ(MustParse("2026-11-21 10:00:00Z", utc8), kNov21_10amUtc);
}

TEST(ParseTsTest, DatetimeWithoutZoneUsesLocalTime) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  uint64_t ts = MustParse("2026-11-21 10:00:00");
  if (old) setenv("TZ", saved.c_str(), 1); else unsetenv("TZ");
  tzset();
  EXPECT_EQ(ts, kNov21_2amUtc);
}

TEST(ParseTsTest, LeapDay) {
  ParseTsOptions utc;
  utc.default_utc_offset_seconds = 0;
  EXPECT_EQ(MustParse("2024-02-29", utc), 448047297331200000ull);
  EXPECT_FALSE(ParseTS("2023-02-29", utc).ok());
}

TEST(ParseTsTest, MalformedIsInvalidArgument) {
  for (std::string bad :
       {"", "abc", "-1", "12a", "2026-13-01 00:00:00", "2026-11-31", "2026-11-21 24:00:00",
        "2026-11-21 10:60:00", "2026-11-21 10:00:61", "2026/11/21 10:00:00", "2026-11-21 10:00",
        "2026-11-21T10:00:00+25:00", "2026-11-21T10:00:00 UTC", "2026-11-21 10:00:00.",
        "1969-12-31 23:59:59Z", " 2026-11-21", "2026-1-21", "99999-01-01"}) {
    auto r = ParseTS(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed as " << (r.ok() ? r.value() : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
      EXPECT_NE(r.status().message().find("'" + bad + "'"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace brkv::br
