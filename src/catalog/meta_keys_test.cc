#include "catalog/meta_keys.h"

#include <gtest/gtest.h>

#include "catalog/test_util.h"

namespace brkv::catalog::meta {
namespace {

using catalog::testing::HexOf;
using catalog::testing::X;

// formats.md 3.6 vectors.
TEST(MetaKeys, FormatsVectors) {
  EXPECT_EQ(HexOf(DatabaseKey(2)),
            X("6D 44 42 73 00 00 00 00 00 FA 00 00 00 00 00 00 00 68 44 42 3A 32 00 00 00 00 FB"));
  EXPECT_EQ(HexOf(HashFieldKey("DBs", "DB:2")), HexOf(DatabaseKey(2)));
  EXPECT_EQ(HexOf(TableKey(2, 110)),
            X("6D 44 42 3A 32 00 00 00 00 FB 00 00 00 00 00 00 00 68 54 61 62 6C 65 3A 31 31 FF"
              "30 00 00 00 00 00 00 00 F8"));
  EXPECT_EQ(HexOf(NextGlobalIDKey()),
            X("6D 4E 65 78 74 47 6C 6F 62 FF 61 6C 49 44 00 00 00 00 FB 00 00 00 00 00 00 00 73"));
  EXPECT_EQ(HexOf(StringKey("NextGlobalID")), HexOf(NextGlobalIDKey()));
}

TEST(MetaKeys, Names) {
  EXPECT_EQ(DBField(2), "DB:2");
  EXPECT_EQ(TableField(110), "Table:110");
  EXPECT_EQ(AutoTableIDField(110), "TID:110");
  EXPECT_EQ(AutoIncIDField(110), "IID:110");
  EXPECT_EQ(SchemaVersionKey(), StringKey("SchemaVersionKey"));
  EXPECT_EQ(AutoTableIDKey(2, 110), HashFieldKey("DB:2", "TID:110"));
  EXPECT_EQ(AutoIncIDKey(2, 110), HashFieldKey("DB:2", "IID:110"));
  EXPECT_EQ(kMaxGlobalID, 281474976709655);

  EXPECT_EQ(ParseIDField("Table", "Table:110"), 110);
  EXPECT_EQ(ParseIDField("DB", "DB:2"), 2);
  EXPECT_EQ(ParseIDField("Table", "TID:110"), std::nullopt);
  EXPECT_EQ(ParseIDField("Table", "Table:"), std::nullopt);
  EXPECT_EQ(ParseIDField("Table", "Table:1x"), std::nullopt);
  EXPECT_EQ(ParseIDField("Table", "Table110"), std::nullopt);
}

TEST(MetaKeys, HashRangesAndDecode) {
  KeyRange dbs = DatabasesRange();
  for (int64_t id : {int64_t{1}, int64_t{2}, int64_t{1000}, int64_t{1} << 40}) {
    const std::string k = DatabaseKey(id);
    EXPECT_LE(dbs.start, k);
    EXPECT_LT(k, dbs.end);
    auto field = DecodeHashField("DBs", k);
    ASSERT_TRUE(field.ok()) << field.status().ToString();
    EXPECT_EQ(*field, DBField(id));
  }
  // Fields of hash DB:2 (tables, allocators) are outside the DBs hash and vice versa.
  KeyRange db2 = DatabaseHashRange(2);
  EXPECT_TRUE(TableKey(2, 110) >= db2.start && TableKey(2, 110) < db2.end);
  EXPECT_TRUE(AutoTableIDKey(2, 110) >= db2.start && AutoTableIDKey(2, 110) < db2.end);
  EXPECT_FALSE(TableKey(2, 110) >= dbs.start && TableKey(2, 110) < dbs.end);
  EXPECT_FALSE(TableKey(20, 110) >= db2.start && TableKey(20, 110) < db2.end);
  EXPECT_FALSE(DatabaseKey(2) >= db2.start && DatabaseKey(2) < db2.end);

  EXPECT_EQ(*DecodeHashField("DB:2", TableKey(2, 110)), "Table:110");
  EXPECT_EQ(DecodeHashField("DB:3", TableKey(2, 110)).status().code(),
            Status::Code::kCorruption);
  EXPECT_FALSE(DecodeHashField("DB:2", TableKey(2, 110) + "x").ok());
  EXPECT_FALSE(DecodeHashField("DB:2", HashDataPrefix("DB:2")).ok());
}

TEST(MetaKeys, Integers) {
  EXPECT_EQ(FormatInt(30001), "30001");
  EXPECT_EQ(*ParseInt("30001"), 30001);
  EXPECT_EQ(*ParseInt("-7"), -7);
  EXPECT_EQ(*ParseInt("9223372036854775807"), INT64_MAX);
  for (const char* bad : {"", " 1", "1 ", "+1", "1a", "9223372036854775808", "0x10"}) {
    EXPECT_EQ(ParseInt(bad).status().code(), Status::Code::kCorruption) << bad;
  }
}

}  // namespace
}  // namespace brkv::catalog::meta
