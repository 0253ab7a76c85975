#include "catalog/column_spec.h"

#include <gtest/gtest.h>

namespace brkv::catalog {
namespace {

Result<TableInfo> Parse(std::string_view spec, int64_t id = 100) {
  return ParseColumnSpec("t", spec, [id] { return Result<int64_t>(id); });
}

TEST(ColumnSpec, Sysbench) {
  int calls = 0;
  auto t = ParseColumnSpec(
      "sbtest1",
      "id bigint primary key auto_increment, k int, c varchar(120), pad char(60), "
      "index k_1(k), unique index u(c)",
      [&calls] {
        ++calls;
        return Result<int64_t>(int64_t{110});
      });
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(t->id, 110);
  EXPECT_EQ(t->name.O, "sbtest1");
  EXPECT_TRUE(t->pk_is_handle);
  EXPECT_FALSE(t->is_common_handle);
  EXPECT_EQ(t->state, kStatePublic);
  EXPECT_EQ(t->max_col_id, 4);
  EXPECT_EQ(t->max_idx_id, 2);
  ASSERT_EQ(t->columns.size(), 4u);

  const ColumnInfo& id = t->columns[0];
  EXPECT_EQ(id.id, 1);
  EXPECT_EQ(id.offset, 0);
  EXPECT_EQ(id.type.tp, mysql::kTypeLonglong);
  EXPECT_EQ(id.type.flen, 20);
  EXPECT_EQ(id.type.flag,
            mysql::kNotNullFlag | mysql::kPriKeyFlag | mysql::kAutoIncrementFlag);  // 515
  EXPECT_EQ(id.type.charset, "binary");

  const ColumnInfo& k = t->columns[1];
  EXPECT_EQ(k.id, 2);
  EXPECT_EQ(k.type.tp, mysql::kTypeLong);
  EXPECT_EQ(k.type.flen, 11);
  EXPECT_EQ(k.type.flag, mysql::kMultipleKeyFlag);

  const ColumnInfo& c = t->columns[2];
  EXPECT_EQ(c.type.tp, mysql::kTypeVarchar);
  EXPECT_EQ(c.type.flen, 120);
  EXPECT_EQ(c.type.flag, mysql::kUniqueKeyFlag);
  EXPECT_EQ(c.type.charset, "utf8mb4");
  EXPECT_EQ(c.type.collate, "utf8mb4_bin");

  const ColumnInfo& pad = t->columns[3];
  EXPECT_EQ(pad.id, 4);
  EXPECT_EQ(pad.type.tp, mysql::kTypeString);
  EXPECT_EQ(pad.type.flen, 60);
  EXPECT_EQ(pad.type.flag, 0u);

  // The integer primary key is the handle: no index entry for it.
  ASSERT_EQ(t->indices.size(), 2u);
  const IndexInfo& k1 = t->indices[0];
  EXPECT_EQ(k1.id, 1);
  EXPECT_EQ(k1.name.O, "k_1");
  EXPECT_EQ(k1.table_name.O, "sbtest1");
  EXPECT_FALSE(k1.unique);
  EXPECT_FALSE(k1.primary);
  EXPECT_EQ(k1.state, kStatePublic);
  EXPECT_EQ(k1.index_type, kIndexTypeBtree);
  ASSERT_EQ(k1.columns.size(), 1u);
  EXPECT_EQ(k1.columns[0].name.O, "k");
  EXPECT_EQ(k1.columns[0].offset, 1);
  EXPECT_EQ(k1.columns[0].length, kUnspecifiedLength);
  const IndexInfo& u = t->indices[1];
  EXPECT_EQ(u.id, 2);
  EXPECT_TRUE(u.unique);
  EXPECT_EQ(u.columns[0].offset, 2);
}

TEST(ColumnSpec, ImplicitRowIdAndTypes) {
  auto t = Parse("a int not null, b double, c char, d blob, e text, `we ird``name` varchar(0)");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_FALSE(t->pk_is_handle);
  EXPECT_TRUE(t->indices.empty());
  EXPECT_EQ(t->PkHandleColumn(), nullptr);
  EXPECT_EQ(t->columns[0].type.flag, mysql::kNotNullFlag | mysql::kNoDefaultValueFlag);
  EXPECT_EQ(t->columns[1].type.tp, mysql::kTypeDouble);
  EXPECT_EQ(t->columns[1].type.flen, 22);
  EXPECT_EQ(t->columns[1].type.decimal, -1);
  EXPECT_EQ(t->columns[2].type.tp, mysql::kTypeString);
  EXPECT_EQ(t->columns[2].type.flen, 1);
  EXPECT_EQ(t->columns[3].type.tp, mysql::kTypeBlob);
  EXPECT_EQ(t->columns[3].type.charset, "binary");
  EXPECT_EQ(t->columns[3].type.flag, mysql::kBinaryFlag);
  EXPECT_EQ(t->columns[3].type.flen, 65535);
  EXPECT_EQ(t->columns[4].type.tp, mysql::kTypeBlob);
  EXPECT_EQ(t->columns[4].type.charset, "utf8mb4");
  EXPECT_EQ(t->columns[5].name.O, "we ird`name");
  EXPECT_EQ(t->columns[5].type.flen, 0);
}

TEST(ColumnSpec, KeywordsAreCaseInsensitive) {
  auto t = Parse("ID BIGINT(11) NOT NULL AUTO_INCREMENT, V VARCHAR(5) NULL, PRIMARY KEY (ID), "
                 "KEY (V), UNIQUE KEY uv (V)");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->pk_is_handle);
  EXPECT_EQ(t->columns[0].type.flen, 11);
  ASSERT_EQ(t->indices.size(), 2u);
  EXPECT_EQ(t->indices[0].name.O, "V");  // unnamed: named after its first column
  EXPECT_EQ(t->indices[1].name.O, "uv");
}

TEST(ColumnSpec, NonIntegerPrimaryKeyIsAnIndex) {
  auto t = Parse("name varchar(20) primary key, v int");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_FALSE(t->pk_is_handle);
  ASSERT_EQ(t->indices.size(), 1u);
  EXPECT_EQ(t->indices[0].name.O, "PRIMARY");
  EXPECT_TRUE(t->indices[0].primary);
  EXPECT_TRUE(t->indices[0].unique);
  EXPECT_EQ(t->columns[0].type.flag,
            mysql::kNotNullFlag | mysql::kPriKeyFlag | mysql::kNoDefaultValueFlag);

  auto c = Parse("a int, b int, primary key (a, b), index (a), index (a)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->pk_is_handle);
  ASSERT_EQ(c->indices.size(), 3u);
  EXPECT_EQ(c->indices[0].name.O, "PRIMARY");
  EXPECT_EQ(c->indices[0].columns.size(), 2u);
  EXPECT_EQ(c->indices[1].name.O, "a");
  EXPECT_EQ(c->indices[2].name.O, "a_2");
  EXPECT_TRUE(c->columns[1].IsPriKey());
}

TEST(ColumnSpec, ColumnLevelUniqueAndPrefixes) {
  auto t = Parse("a int unique, b varchar(30), c text, index p(b(10), c(5))");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->indices.size(), 2u);
  EXPECT_EQ(t->indices[0].name.O, "a");
  EXPECT_TRUE(t->indices[0].unique);
  EXPECT_EQ(t->indices[1].columns[0].length, 10);
  EXPECT_EQ(t->indices[1].columns[1].length, 5);
  EXPECT_EQ(t->columns[0].type.flag, mysql::kUniqueKeyFlag);
}

void ExpectInvalid(std::string_view spec, std::string_view needle) {
  bool called = false;
  auto t = ParseColumnSpec("t", spec, [&called] {
    called = true;
    return Result<int64_t>(int64_t{1});
  });
  ASSERT_FALSE(t.ok()) << spec;
  EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument) << spec;
  EXPECT_NE(t.status().message().find(needle), std::string::npos)
      << spec << " -> " << t.status().message();
  EXPECT_FALSE(called) << "the id allocator must not run for an invalid spec: " << spec;
}

TEST(ColumnSpec, Errors) {
  ExpectInvalid("", "empty");
  ExpectInvalid("   ", "empty");
  ExpectInvalid("a decimal(10,2)", "unsupported column type 'decimal' for column 'a'");
  ExpectInvalid("a datetime", "unsupported column type 'datetime'");
  ExpectInvalid("a frobnicate", "unknown column type 'frobnicate'");
  ExpectInvalid("a int unsigned", "unsigned is not supported");
  ExpectInvalid("a int default 5", "default is not supported");
  ExpectInvalid("a int, A bigint", "duplicate column name 'A'");
  ExpectInvalid("a int, index i(b)", "key column 'b' doesn't exist");
  ExpectInvalid("a int primary key, b int primary key", "multiple primary keys");
  ExpectInvalid("a int primary key, b int, primary key(b)", "multiple primary keys");
  ExpectInvalid("a int auto_increment primary key, b int auto_increment unique",
                "only one AUTO_INCREMENT");
  ExpectInvalid("a int auto_increment", "must be defined as a key");
  ExpectInvalid("a int, b int auto_increment, index (a, b)", "must be defined as a key");
  ExpectInvalid("a varchar(10) auto_increment primary key", "must be an integer");
  ExpectInvalid("a blob, index (a)", "without a key length");
  ExpectInvalid("a varchar(5), index (a(6))", "incorrect prefix length 6");
  ExpectInvalid("a int, index (a(2))", "incorrect prefix length 2");
  ExpectInvalid("a varchar", "needs a length");
  ExpectInvalid("a varchar(16384)", "too big");
  ExpectInvalid("a char(256)", "too big");
  ExpectInvalid("a int b int", "unexpected 'b'");
  ExpectInvalid("a int,", "expected a column name");
  ExpectInvalid("a int; drop", "unexpected character ';'");
  ExpectInvalid("`a int", "unterminated");
  ExpectInvalid("a int null primary key", "must be NOT NULL");
  ExpectInvalid("a int not null null", "both NULL and NOT NULL");
  ExpectInvalid("a int, index i(a), index i(a)", "duplicate key name 'i'");
  ExpectInvalid("a int, index primary(a)", "incorrect index name");
  ExpectInvalid("a int, index `primary`(a)", "incorrect index name");
  ExpectInvalid("a int, index i(a, a)", "duplicate column 'a'");
  ExpectInvalid("a int, index i(a desc)", "ASC/DESC");
  ExpectInvalid("a int, index i(a) using btree", "index options");
  ExpectInvalid("a int, foreign key (a) references x(a)", "not supported");
  ExpectInvalid("a blob(10)", "not supported");
  ExpectInvalid("a int(0)", "display width");
  ExpectInvalid("``  int", "invalid name");
}

TEST(ColumnSpec, BadTableNameAndAllocatorError) {
  auto empty = ParseColumnSpec("", "a int", [] { return Result<int64_t>(int64_t{1}); });
  EXPECT_EQ(empty.status().code(), Status::Code::kInvalidArgument);
  auto fail = ParseColumnSpec("t", "a int",
                              [] { return Result<int64_t>(Status::Unavailable("pd down")); });
  EXPECT_EQ(fail.status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(fail.status().retryable());
}

}  // namespace
}  // namespace brkv::catalog
