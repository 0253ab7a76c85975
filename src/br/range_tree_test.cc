#include "br/range_tree.h"

#include <gtest/gtest.h>

namespace brkv::br {
namespace {

KeyRange R(std::string s, std::string e) { return KeyRange{std::move(s), std::move(e)}; }

TEST(RangeTreeTest, UntouchedTreeReportsEverythingIncomplete) {
  RangeTree tree;
  std::vector<KeyRange> want = {R("a", "c"), R("x", "")};
  auto gaps = tree.GetIncompleteRanges(want);
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_EQ(gaps[0], R("a", "c"));
  EXPECT_EQ(gaps[1], R("x", ""));
  EXPECT_FALSE(tree.Covers(want));
  // The whole key space wanted, nothing done: the whole key space is a gap.
  auto all = tree.GetIncompleteRanges({R("", "")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], R("", ""));
}

TEST(RangeTreeTest, NoRequestedRangesMeansNoGaps) {
  RangeTree tree;
  EXPECT_TRUE(tree.GetIncompleteRanges({}).empty());
  // Empty requested ranges carry no keys.
  EXPECT_TRUE(tree.GetIncompleteRanges({R("b", "b"), R("c", "a")}).empty());
}

TEST(RangeTreeTest, GapsBetweenFinishedRanges) {
  RangeTree tree;
  ASSERT_TRUE(tree.Insert(R("b", "d")).ok());
  ASSERT_TRUE(tree.Insert(R("f", "h")).ok());
  auto gaps = tree.GetIncompleteRanges({R("a", "z")});
  ASSERT_EQ(gaps.size(), 3u);
  EXPECT_EQ(gaps[0], R("a", "b"));
  EXPECT_EQ(gaps[1], R("d", "f"));
  EXPECT_EQ(gaps[2], R("h", "z"));
  // A requested range inside a finished one is complete.
  EXPECT_TRUE(tree.Covers({R("bb", "c")}));
  // Partly covered from the left.
  gaps = tree.GetIncompleteRanges({R("c", "e")});
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0], R("d", "e"));
}

TEST(RangeTreeTest, AdjacentRangesCoverWithoutGap) {
  RangeTree tree;
  ASSERT_TRUE(tree.Insert(R("a", "b")).ok());
  ASSERT_TRUE(tree.Insert(R("b", "c")).ok());  // touching is not overlapping
  ASSERT_TRUE(tree.Insert(R("c", "d")).ok());
  EXPECT_TRUE(tree.Covers({R("a", "d")}));
  EXPECT_EQ(tree.size(), 3u);
  auto gaps = tree.GetIncompleteRanges({R("a", "e")});
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0], R("d", "e"));
}

TEST(RangeTreeTest, EmptyEndIsInfinity) {
  RangeTree tree;
  ASSERT_TRUE(tree.Insert(R("m", "")).ok());
  EXPECT_TRUE(tree.Covers({R("m", ""), R("n", "zzz"), R("zzzz", "")}));
  auto gaps = tree.GetIncompleteRanges({R("", "")});
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0], R("", "m"));
  // Anything starting after m overlaps the infinite range.
  Status s = tree.Insert(R("zz", "zzz"));
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists) << s.ToString();
  // And an infinite range starting before overlaps too.
  EXPECT_EQ(tree.Insert(R("a", "")).code(), Status::Code::kAlreadyExists);
  ASSERT_TRUE(tree.Insert(R("a", "m")).ok());
  EXPECT_TRUE(tree.Covers({R("", "")}) == false);
  EXPECT_TRUE(tree.Covers({R("a", "")}));
}

TEST(RangeTreeTest, OverlapIsReportedAndTreeUnchanged) {
  RangeTree tree;
  ASSERT_TRUE(tree.Insert(R("b", "d")).ok());
  for (const auto& r : {R("a", "c"), R("c", "e"), R("b", "d"), R("bb", "bc"), R("a", "z")}) {
    Status s = tree.Insert(r);
    EXPECT_EQ(s.code(), Status::Code::kAlreadyExists) << RangeToString(r);
    EXPECT_NE(s.message().find("backed up twice"), std::string::npos) << s.message();
  }
  EXPECT_EQ(tree.size(), 1u);
  EXPECT_TRUE(tree.Insert(R("a", "b")).ok());
  EXPECT_TRUE(tree.Insert(R("d", "e")).ok());
}

TEST(RangeTreeTest, EmptyRangeRefused) {
  RangeTree tree;
  EXPECT_EQ(tree.Insert(R("b", "b")).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(tree.Insert(R("c", "b")).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(tree.empty());
}

TEST(RangeTreeTest, FindAndRemoveOverlapping) {
  RangeTree tree;
  backup::File f;
  f.set_name("1/2_write.sst");
  ASSERT_TRUE(tree.Insert(R("a", "c"), {f}).ok());
  ASSERT_TRUE(tree.Insert(R("c", "e")).ok());
  ASSERT_TRUE(tree.Insert(R("g", "i")).ok());
  auto found = tree.FindOverlapping(R("b", "d"));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->range, R("a", "c"));
  EXPECT_EQ(found[1]->range, R("c", "e"));
  EXPECT_TRUE(tree.FindOverlapping(R("e", "g")).empty());

  auto removed = tree.RemoveOverlapping(R("b", "d"));
  ASSERT_EQ(removed.size(), 2u);
  ASSERT_EQ(removed[0].files.size(), 1u);
  EXPECT_EQ(removed[0].files[0].name(), "1/2_write.sst");
  EXPECT_EQ(tree.size(), 1u);
  // The region was retried as one range after a split/merge.
  EXPECT_TRUE(tree.Insert(R("a", "e")).ok());
  EXPECT_TRUE(tree.Covers({R("a", "e"), R("g", "i")}));
}

TEST(RangeTreeTest, OverlappingRequestsYieldEachGapOnce) {
  RangeTree tree;
  ASSERT_TRUE(tree.Insert(R("c", "d")).ok());
  auto gaps = tree.GetIncompleteRanges({R("a", "e"), R("b", "f"), R("x", "y"), R("f", "g")});
  ASSERT_EQ(gaps.size(), 3u);
  EXPECT_EQ(gaps[0], R("a", "c"));
  EXPECT_EQ(gaps[1], R("d", "g"));
  EXPECT_EQ(gaps[2], R("x", "y"));
}

TEST(RangeTreeTest, ForEachInKeyOrder) {
  RangeTree tree;
  ASSERT_TRUE(tree.Insert(R("m", "n")).ok());
  ASSERT_TRUE(tree.Insert(R("", "b")).ok());
  ASSERT_TRUE(tree.Insert(R("x", "")).ok());
  std::vector<std::string> starts;
  tree.ForEach([&](const FinishedRange& fr) { starts.push_back(fr.range.start); });
  EXPECT_EQ(starts, (std::vector<std::string>{"", "m", "x"}));
}

TEST(RangeTreeTest, RangeHelpers) {
  EXPECT_TRUE(RangesOverlap(R("a", ""), R("z", "")));
  EXPECT_FALSE(RangesOverlap(R("a", "b"), R("b", "")));
  EXPECT_TRUE(RangesOverlap(R("", ""), R("q", "r")));
  EXPECT_FALSE(RangesOverlap(R("a", "a"), R("", "")));
  EXPECT_EQ(RangeToString(R("a", "")), "[61, +inf)");
}

}  // namespace
}  // namespace brkv::br
