#include "br/table_filter.h"

#include <gtest/gtest.h>

namespace brkv::br {
namespace {

TableFilter MustParse(std::vector<std::string> rules, bool case_sensitive = false) {
  auto f = TableFilter::Parse(rules, TableFilter::Options{case_sensitive});
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return std::move(f).value();
}

TEST(TableFilterTest, ExactAndWildcards) {
  auto f = MustParse({"db1.tbl1", "db2.*", "d?3.t*x"});
  EXPECT_TRUE(f.MatchTable("db1", "tbl1"));
  EXPECT_FALSE(f.MatchTable("db1", "tbl2"));
  EXPECT_TRUE(f.MatchTable("db2", "anything"));
  EXPECT_TRUE(f.MatchTable("db3", "tx"));
  EXPECT_TRUE(f.MatchTable("dx3", "t_abc_x"));
  EXPECT_FALSE(f.MatchTable("dbb3", "tx"));  // ? is exactly one character
  EXPECT_FALSE(f.MatchTable("db3", "txy"));  // anchored at both ends
  EXPECT_FALSE(f.MatchTable("other", "tbl1"));
}

TEST(TableFilterTest, StarMatchesEmptyAndEverything) {
  auto f = MustParse({"*.*"});
  EXPECT_TRUE(f.MatchTable("a", "b"));
  EXPECT_TRUE(f.MatchTable("", ""));
  auto g = MustParse({"db*.*_bak"});
  EXPECT_TRUE(g.MatchTable("db", "_bak"));
  EXPECT_TRUE(g.MatchTable("db42", "orders_bak"));
  EXPECT_FALSE(g.MatchTable("db42", "orders_bak2"));
}

TEST(TableFilterTest, LaterRulesWin) {
  auto f = MustParse({"*.*", "!mysql.*", "!db.secret*"});
  EXPECT_TRUE(f.MatchTable("db", "t"));
  EXPECT_FALSE(f.MatchTable("mysql", "user"));
  EXPECT_FALSE(f.MatchTable("db", "secret_1"));
  // Reversed order: the positive rule comes last and re-includes everything.
  auto g = MustParse({"!mysql.*", "*.*"});
  EXPECT_TRUE(g.MatchTable("mysql", "user"));
  // Re-include one table after excluding its database.
  auto h = MustParse({"*.*", "!db.*", "db.keep"});
  EXPECT_TRUE(h.MatchTable("db", "keep"));
  EXPECT_FALSE(h.MatchTable("db", "other"));
  EXPECT_TRUE(h.MatchTable("x", "y"));
}

TEST(TableFilterTest, NoMatchingRuleExcludes) {
  auto only_negative = MustParse({"!mysql.*"});
  EXPECT_FALSE(only_negative.MatchTable("db", "t"));
  auto none = MustParse({});
  EXPECT_FALSE(none.MatchTable("db", "t"));
  EXPECT_FALSE(none.MatchSchema("db"));
}

TEST(TableFilterTest, CaseInsensitiveByDefault) {
  auto f = MustParse({"Db1.TBL*"});
  EXPECT_TRUE(f.MatchTable("db1", "tbl_x"));
  EXPECT_TRUE(f.MatchTable("DB1", "Tbl"));
  auto cs = MustParse({"Db1.TBL*"}, /*case_sensitive=*/true);
  EXPECT_FALSE(cs.MatchTable("db1", "tbl_x"));
  EXPECT_TRUE(cs.MatchTable("Db1", "TBL_x"));
  auto cls = MustParse({"db.[a-c]x"});
  EXPECT_TRUE(cls.MatchTable("DB", "BX"));
}

TEST(TableFilterTest, CharacterClasses) {
  auto f = MustParse({"db.t[0-9]", "db.u[!0-9]", "db.v[abc-]"});
  EXPECT_TRUE(f.MatchTable("db", "t7"));
  EXPECT_FALSE(f.MatchTable("db", "tx"));
  EXPECT_TRUE(f.MatchTable("db", "ux"));
  EXPECT_FALSE(f.MatchTable("db", "u7"));
  EXPECT_TRUE(f.MatchTable("db", "v-"));
  EXPECT_TRUE(f.MatchTable("db", "vb"));
  EXPECT_FALSE(f.MatchTable("db", "vd"));
}

TEST(TableFilterTest, QuotingEscapesAndRegex) {
  auto f = MustParse({"`db.x`.`t``q`", "\"we*rd\".t", "a\\.b.c\\*", "/^log_\\d+$/.*"});
  EXPECT_TRUE(f.MatchTable("db.x", "t`q"));
  EXPECT_TRUE(f.MatchTable("we*rd", "t"));
  EXPECT_FALSE(f.MatchTable("weird", "t"));  // quoted: the * is literal
  EXPECT_TRUE(f.MatchTable("a.b", "c*"));
  EXPECT_FALSE(f.MatchTable("a.b", "cx"));
  EXPECT_TRUE(f.MatchTable("log_2024", "x"));
  EXPECT_FALSE(f.MatchTable("log_x", "x"));
}

TEST(TableFilterTest, CommentsAndBlankRulesIgnored) {
  auto f = MustParse({"  # a comment", "", "  db.t  "});
  EXPECT_TRUE(f.MatchTable("db", "t"));
}

TEST(TableFilterTest, MalformedRules) {
  for (std::string bad : {"db", "db.", ".t", "db.t.x", "db t.x", "db.t\\", "db.\\a", "db.[",
                          "db.[]", "/unclosed.t", "`unclosed.t", "db.t x", "@rules.txt",
                          "/(/.t"}) {
    auto f = TableFilter::Parse({bad});
    EXPECT_FALSE(f.ok()) << bad;
    if (!f.ok()) {
      EXPECT_EQ(f.status().code(), Status::Code::kInvalidArgument) << bad;
      EXPECT_NE(f.status().message().find(bad), std::string::npos) << f.status().message();
    }
  }
}

TEST(TableFilterTest, MatchSchema) {
  auto f = MustParse({"*.*", "!mysql.*", "!db.secret"});
  EXPECT_TRUE(f.MatchSchema("db"));      // only one table of db is excluded
  EXPECT_FALSE(f.MatchSchema("mysql"));  // the whole database is excluded
  auto g = MustParse({"db.t1"});
  EXPECT_TRUE(g.MatchSchema("DB"));
  EXPECT_FALSE(g.MatchSchema("other"));
}

TEST(TableFilterTest, DbAndTableScopes) {
  auto dbs = TableFilter::Schemas({"Sales", "hr"});
  EXPECT_TRUE(dbs.MatchTable("sales", "orders"));
  EXPECT_TRUE(dbs.MatchTable("HR", "people"));
  EXPECT_FALSE(dbs.MatchTable("sales2", "orders"));
  EXPECT_TRUE(dbs.MatchSchema("sales"));
  // Scope names are literal: wildcard characters are not special.
  auto star = TableFilter::Schemas({"s*"});
  EXPECT_FALSE(star.MatchTable("sales", "t"));
  EXPECT_TRUE(star.MatchTable("s*", "t"));

  auto tbl = TableFilter::Tables("sales", {"orders"});
  EXPECT_TRUE(tbl.MatchTable("SALES", "Orders"));
  EXPECT_FALSE(tbl.MatchTable("sales", "orders2"));
  EXPECT_TRUE(tbl.MatchSchema("sales"));
  EXPECT_FALSE(tbl.MatchSchema("hr"));

  auto all = TableFilter::All();
  EXPECT_TRUE(all.MatchTable("x", "y"));
  EXPECT_EQ(all.Describe(), "*.*");
}

TEST(TableFilterTest, EmptyResultDetection) {
  auto f = MustParse({"nosuchdb.*"});
  Status s = CheckFilterMatchedSomething(f, "backup", 0, 0);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("nosuchdb.*"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("backup"), std::string::npos);
  EXPECT_TRUE(CheckFilterMatchedSomething(f, "backup", 1, 0).ok());  // an empty database
  EXPECT_TRUE(CheckFilterMatchedSomething(f, "restore", 0, 3).ok());
}

}  // namespace
}  // namespace brkv::br
