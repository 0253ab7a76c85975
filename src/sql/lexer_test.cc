#include "sql/lexer.h"

#include <gtest/gtest.h>

namespace brkv::sql {
namespace {

std::vector<Token> MustLex(std::string_view q) {
  SqlResult<std::vector<Token>> r = Lex(q);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? *r : std::vector<Token>{};
}

TEST(LexerTest, StringsAndEscapes) {
  auto t = MustLex(R"('it''s' "a\"b" 'x\ny\\z' _utf8mb4'u' N'n' 'a\%b')");
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[0].text, "it's");
  EXPECT_EQ(t[1].text, "a\"b");
  EXPECT_EQ(t[2].text, "x\ny\\z");
  EXPECT_EQ(t[3].text, "u");
  EXPECT_EQ(t[4].text, "n");
  EXPECT_EQ(t[5].text, "a\\%b");  // kept for LIKE
  EXPECT_EQ(t[6].kind, TokenKind::kEnd);
}

TEST(LexerTest, NumbersHexVariablesAndIdents) {
  auto t = MustLex("12 1.5 2e3 0x4142 X'43' ? @u @@session.Autocommit @@version `we``ird` abc1");
  EXPECT_EQ(t[0].kind, TokenKind::kInt);
  EXPECT_EQ(t[1].kind, TokenKind::kFloat);
  EXPECT_EQ(t[2].kind, TokenKind::kFloat);
  EXPECT_EQ(t[3].kind, TokenKind::kHex);
  EXPECT_EQ(t[3].text, "AB");
  EXPECT_EQ(t[4].text, "C");
  EXPECT_EQ(t[5].kind, TokenKind::kParam);
  EXPECT_EQ(t[6].kind, TokenKind::kUserVar);
  EXPECT_EQ(t[7].kind, TokenKind::kSysVar);
  EXPECT_EQ(t[7].text, "autocommit");
  EXPECT_EQ(t[7].scope, "session");
  EXPECT_EQ(t[8].scope, "");
  EXPECT_EQ(t[9].kind, TokenKind::kQuotedIdent);
  EXPECT_EQ(t[9].text, "we`ird");
  EXPECT_EQ(t[10].kind, TokenKind::kWord);
}

TEST(LexerTest, Comments) {
  auto t = MustLex("a # x\n b -- y\n c /* z */ d --e");
  // "--e" without a space is two minus signs and a word.
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[3].text, "d");
  EXPECT_EQ(t[4].text, "-");
}

TEST(LexerTest, ExecutableComments) {
  auto t = MustLex("/*!40101 SET x=1 */ /*!99999 hidden */ /*M!100100 maria */ /*+ hint */ "
                   "/*T![clustered_index] CLUSTERED */ /*! plain */");
  std::vector<std::string> words;
  for (const Token& k : t) {
    if (k.kind != TokenKind::kEnd) words.push_back(k.text);
  }
  EXPECT_EQ(words, (std::vector<std::string>{"SET", "x", "=", "1", "CLUSTERED", "plain"}));
}

TEST(LexerTest, ErrorsNamePosition) {
  SqlResult<std::vector<Token>> r = Lex("select 'abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), er::kParse);
  EXPECT_NE(r.error().message().find("line 1 column 7"), std::string::npos) << r.error().message();
  EXPECT_FALSE(Lex("select /* never closed").ok());
  EXPECT_FALSE(Lex("select `x").ok());
}

}  // namespace
}  // namespace brkv::sql
