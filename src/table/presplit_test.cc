#include "table/presplit.h"

#include <gtest/gtest.h>

#include "catalog/tablecodec.h"

namespace brkv::table {
namespace {

TEST(PresplitTest, HandleKeysAreEvenAndInsideTheRecordRange) {
  auto keys = HandleSplitKeys(110, 1, 50000, 6);
  ASSERT_EQ(keys.size(), 5u);
  const auto r = catalog::TableRecordRange(110);
  int64_t prev = 0;
  for (const auto& k : keys) {
    EXPECT_GE(k, r.start);
    EXPECT_LT(k, r.end);
    auto d = catalog::DecodeRecordKey(k);
    ASSERT_TRUE(d.ok());
    EXPECT_GT(d->handle, prev);
    prev = d->handle;
  }
  EXPECT_EQ(catalog::DecodeRecordKey(keys[0])->handle, 1 + 50000 / 6);
}

TEST(PresplitTest, FewPiecesOrTinyRangesGiveNoKeys) {
  EXPECT_TRUE(HandleSplitKeys(1, 1, 100, 1).empty());
  EXPECT_TRUE(HandleSplitKeys(1, 1, 1, 5).empty());
  EXPECT_EQ(HandleSplitKeys(1, 1, 3, 10).size(), 2u);  // no duplicates
}

TEST(PresplitTest, IndexKeysAreInsideTheIndexRange) {
  auto keys = IntIndexSplitKeys(110, 1, 1, 1000, 4);
  ASSERT_EQ(keys.size(), 3u);
  const auto r = catalog::IndexRange(110, 1);
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_GE(keys[i], r.start);
    EXPECT_LT(keys[i], r.end);
    if (i > 0) {
      EXPECT_LT(keys[i - 1], keys[i]);
    }
  }
  // An entry with that value sorts at or after the split key.
  std::string entry =
      catalog::IndexKey(110, 1, std::vector<catalog::Datum>{catalog::Datum::Int(251)}, false, 7);
  EXPECT_LE(keys[0], entry);
}

}  // namespace
}  // namespace brkv::table
