// Range planning: raw lower bounds of arbitrary region keys, and pieces of ranges × regions.
#include "backup/backup_range.h"

#include <random>

#include <gtest/gtest.h>

#include "backup/backup_test_util.h"
#include "common/codec.h"
#include "kv/keys.h"

namespace brkv::backup {
namespace {

using testing::MakeRegion;

std::string Enc(std::string_view raw) { return keys::TxnRegionKey(raw); }

TEST(RawKeyLowerBoundTest, DecodesValidEncodings) {
  for (std::string raw : {std::string(), std::string("a"), std::string("12345678"),
                          std::string("123456789"), std::string("t\x80\0\0\0\0\0\0\x01_r", 11),
                          std::string(17, '\0'), std::string(8, '\xff')}) {
    EXPECT_EQ(RawKeyLowerBound(Enc(raw)), raw) << codec::Escape(raw);
  }
}

TEST(RawKeyLowerBoundTest, NonEncodings) {
  EXPECT_EQ(RawKeyLowerBound(""), "");
  // A prefix of an encoding: the shortest raw key whose encoding extends it.
  EXPECT_EQ(RawKeyLowerBound("ab"), "ab");
  EXPECT_EQ(RawKeyLowerBound(std::string("ab\0", 3)), "ab");
  // Raw-KV region keys inside a transactional range.
  EXPECT_EQ(RawKeyLowerBound("rkey"), "rkey");
  // A final group with a marker too small for its length: the next longer tail.
  std::string b = std::string("abc\0\0\0\0\0", 8) + "\xfe";  // marker says 7 real bytes
  EXPECT_EQ(RawKeyLowerBound(b), std::string("abc\0\0\0\0", 7));
}

// The defining property: raw >= RawKeyLowerBound(b)  iff  EncodeBytes(raw) >= b.
TEST(RawKeyLowerBoundTest, PropertyOverRandomKeys) {
  std::mt19937 rng(12345);
  const char bytes[] = {'\0', '\x01', 'a', 'b', '\xf7', '\xf8', '\xfa', '\xfe', '\xff'};
  auto random_string = [&](size_t max_len, size_t alphabet) {
    std::string s(rng() % (max_len + 1), '\0');
    for (char& c : s) c = bytes[rng() % alphabet];
    return s;
  };
  for (int i = 0; i < 3000; ++i) {
    // Half of the bounds are (perturbed) encodings, half arbitrary bytes.
    std::string b = i % 2 == 0 ? random_string(28, 9) : Enc(random_string(20, 4));
    if (i % 4 == 0 && !b.empty()) b.resize(rng() % b.size());
    if (i % 6 == 0 && !b.empty()) b[rng() % b.size()] = bytes[rng() % 9];
    const std::string r = RawKeyLowerBound(b);
    ASSERT_GE(Enc(r), b) << codec::Escape(b);
    std::vector<std::string> probes;
    for (int j = 0; j < 40; ++j) probes.push_back(random_string(20, 4));
    // Probes just around r.
    probes.push_back(r);
    if (!r.empty()) {
      probes.push_back(r.substr(0, r.size() - 1));
      std::string dec = r;
      if (dec.back() != '\0') {
        --dec.back();
        probes.push_back(dec);
        probes.push_back(dec + "\xff\xff");
      }
    }
    probes.push_back(r + std::string(1, '\0'));
    for (const std::string& x : probes) {
      ASSERT_EQ(x >= r, Enc(x) >= b)
          << "b=" << codec::Escape(b) << " r=" << codec::Escape(r) << " x=" << codec::Escape(x);
    }
  }
}

TEST(PlanPiecesTest, TxnRangeOverRegions) {
  // Regions split at encoded keys "b", "d"; the range [a, c) touches the first two.
  std::vector<metapb::Region> regions = {MakeRegion(1, "", Enc("b")),
                                         MakeRegion(2, Enc("b"), Enc("d")),
                                         MakeRegion(3, Enc("d"), "")};
  auto pieces = PlanPieces({{"a", "c"}}, regions, /*is_raw_kv=*/false);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].region.id(), 1u);
  EXPECT_EQ(pieces[0].region_start, Enc("a"));
  EXPECT_EQ(pieces[0].region_end, Enc("b"));
  EXPECT_EQ(pieces[0].raw_start, "a");
  EXPECT_EQ(pieces[0].raw_end, "b");
  EXPECT_EQ(pieces[1].region.id(), 2u);
  EXPECT_EQ(pieces[1].raw_start, "b");
  EXPECT_EQ(pieces[1].raw_end, "c");
  EXPECT_EQ(pieces[1].region_end, Enc("c"));

  // Unbounded range: every region, with the unbounded ends kept empty.
  pieces = PlanPieces({{"", ""}}, regions, false);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].raw_start, "");
  EXPECT_EQ(pieces[0].region_start, "");
  EXPECT_EQ(pieces[2].raw_start, "d");
  EXPECT_EQ(pieces[2].raw_end, "");
  EXPECT_EQ(pieces[2].region_end, "");

  // Several ranges keep their order; empty and inverted ranges plan nothing.
  pieces = PlanPieces({{"e", "f"}, {"a", "a"}, {"c", "b"}, {"a", "b"}}, regions, false);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].region.id(), 3u);
  EXPECT_EQ(pieces[1].region.id(), 1u);
}

TEST(PlanPiecesTest, RegionBoundaryInRawSpaceInsideTxnRange) {
  // A region boundary "rk" (raw-KV space) inside a transactional range: the raw bounds of the
  // two pieces meet at the first raw key encoding at or after "rk".
  std::vector<metapb::Region> regions = {MakeRegion(1, "", "rk"), MakeRegion(2, "rk", "")};
  auto pieces = PlanPieces({{"", ""}}, regions, false);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].raw_end, "rk");
  EXPECT_EQ(pieces[1].raw_start, "rk");
  EXPECT_GE(Enc(pieces[1].raw_start), std::string("rk"));
}

TEST(PlanPiecesTest, RawRanges) {
  std::vector<metapb::Region> regions = {MakeRegion(1, "", "rm"), MakeRegion(2, "rm", "t"),
                                         MakeRegion(3, "t", "")};
  auto pieces = PlanPieces({{"", ""}}, regions, /*is_raw_kv=*/true);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].region_start, "r");
  EXPECT_EQ(pieces[0].region_end, "rm");
  EXPECT_EQ(pieces[0].raw_start, "");
  EXPECT_EQ(pieces[0].raw_end, "m");
  EXPECT_EQ(pieces[1].region_start, "rm");
  EXPECT_EQ(pieces[1].region_end, "s");
  EXPECT_EQ(pieces[1].raw_start, "m");
  EXPECT_EQ(pieces[1].raw_end, "");

  pieces = PlanPieces({{"a", "c"}}, regions, true);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].raw_start, "a");
  EXPECT_EQ(pieces[0].raw_end, "c");
}

}  // namespace
}  // namespace brkv::backup
