#include "table/csv.h"

#include <gtest/gtest.h>

namespace brkv::table {
namespace {

std::vector<CsvRecord> ReadAll(std::string_view in) {
  CsvReader r(in);
  std::vector<CsvRecord> out;
  CsvRecord rec;
  while (true) {
    auto more = r.Next(&rec);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    out.push_back(rec);
  }
  return out;
}

TEST(CsvTest, PlainFieldsAndLines) {
  auto recs = ReadAll("1,a,b\n2,c,d\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_EQ(recs[1].fields, (std::vector<CsvField>{"2", "c", "d"}));
}

TEST(CsvTest, NoFinalNewlineAndCrLf) {
  auto recs = ReadAll("1,a\r\n2,b");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields, (std::vector<CsvField>{"1", "a"}));
  EXPECT_EQ(recs[1].fields, (std::vector<CsvField>{"2", "b"}));
}

TEST(CsvTest, NullEmptyAndQuotedNull) {
  auto recs = ReadAll("\\N,,\"\\N\",\"\"\n");
  ASSERT_EQ(recs.size(), 1u);
  ASSERT_EQ(recs[0].fields.size(), 4u);
  EXPECT_FALSE(recs[0].fields[0].has_value());
  EXPECT_EQ(recs[0].fields[1], CsvField(""));
  EXPECT_EQ(recs[0].fields[2], CsvField("\\N"));
  EXPECT_EQ(recs[0].fields[3], CsvField(""));
}

TEST(CsvTest, QuotedSeparatorsQuotesAndNewlines) {
  auto recs = ReadAll("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n3,x,y\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields, (std::vector<CsvField>{"a,b", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(recs[1].line, 3);  // the quoted newline counts
}

TEST(CsvTest, TrailingEmptyField) {
  auto recs = ReadAll("1,\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].fields, (std::vector<CsvField>{"1", ""}));
}

TEST(CsvTest, MalformedNamesTheLine) {
  {
    CsvReader r("1,a\n2,\"open\n3,c\n");
    CsvRecord rec;
    ASSERT_TRUE(*r.Next(&rec));
    auto s = r.Next(&rec);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.status().message().find("line 2"), std::string::npos) << s.status().ToString();
  }
  {
    CsvReader r("1,a\n2,b\n3,\"x\"y\n");
    CsvRecord rec;
    ASSERT_TRUE(*r.Next(&rec));
    ASSERT_TRUE(*r.Next(&rec));
    auto s = r.Next(&rec);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.status().message().find("line 3"), std::string::npos) << s.status().ToString();
  }
  {
    CsvReader r("a\"b\n");
    CsvRecord rec;
    EXPECT_FALSE(r.Next(&rec).ok());
  }
}

TEST(CsvTest, WriterQuotesOnlyWhatNeedsIt) {
  std::string out;
  AppendCsvRecord(&out, {CsvField("plain"), std::nullopt, CsvField("\\N"), CsvField("a,b"),
                         CsvField("q\"q"), CsvField("l\nl"), CsvField("")});
  EXPECT_EQ(out, "plain,\\N,\"\\N\",\"a,b\",\"q\"\"q\",\"l\nl\",\n");
}

TEST(CsvTest, RoundTrip) {
  std::vector<std::vector<CsvField>> rows = {
      {CsvField("1"), CsvField(""), std::nullopt},
      {CsvField("\\N"), CsvField("x\r\ny"), CsvField(std::string("nul\0byte", 8))},
      {CsvField(",,"), CsvField("\"\""), CsvField(" spaces ")},
  };
  std::string text;
  for (const auto& r : rows) AppendCsvRecord(&text, r);
  auto recs = ReadAll(text);
  ASSERT_EQ(recs.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(recs[i].fields, rows[i]) << i;
}

}  // namespace
}  // namespace brkv::table
