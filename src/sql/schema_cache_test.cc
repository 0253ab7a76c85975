#include "sql/schema_cache.h"

#include <gtest/gtest.h>

namespace brkv::sql {
namespace {

TEST(SchemaCacheTest, EntriesLiveForOneVersion) {
  SchemaCache c;
  catalog::DBInfo db = catalog::MakeDBInfo(3, "Shop");
  c.PutDatabase(5, db);
  ASSERT_TRUE(c.FindDatabase(5, "shop").has_value());
  EXPECT_EQ(c.FindDatabase(5, "shop")->id, 3);
  // An older reader bypasses the cache and does not disturb it.
  EXPECT_FALSE(c.FindDatabase(4, "shop").has_value());
  c.PutDatabase(4, catalog::MakeDBInfo(9, "old"));
  EXPECT_FALSE(c.FindDatabase(5, "old").has_value());
  EXPECT_TRUE(c.FindDatabase(5, "shop").has_value());

  catalog::TableInfo t;
  t.id = 7;
  t.name = catalog::CIStr::From("Items");
  c.PutTable(5, 3, t);
  EXPECT_EQ(c.FindTable(5, 3, "items")->id, 7);
  EXPECT_FALSE(c.FindTable(5, 4, "items").has_value());
  // A newer version empties everything.
  EXPECT_FALSE(c.FindTable(6, 3, "items").has_value());
  EXPECT_FALSE(c.FindDatabase(6, "shop").has_value());
  EXPECT_FALSE(c.FindDatabase(5, "shop").has_value());
}

}  // namespace
}  // namespace brkv::sql
