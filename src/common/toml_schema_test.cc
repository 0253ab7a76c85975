#include "common/toml_schema.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace brkv {
namespace {

// Test parsers: "<n>x" is n*10; anything else is refused with a reason.
Result<int64_t> TenTimes(std::string_view s) {
  if (s.size() < 2 || s.back() != 'x') return Status::InvalidArgument("want <n>x");
  return static_cast<int64_t>(std::stoll(std::string(s.substr(0, s.size() - 1)))) * 10;
}
Result<int64_t> Seconds(std::string_view s) {
  return static_cast<int64_t>(std::stoll(std::string(s))) * 1000;
}
Result<uint64_t> Kib(std::string_view s) {
  if (s.size() < 2 || s.substr(s.size() - 1) != "k") return Status::InvalidArgument("want <n>k");
  return std::stoull(std::string(s.substr(0, s.size() - 1))) * 1024;
}

struct Fields {
  std::string name = "default";
  bool flag = true;
  int count = 1;
  uint32_t limit = 3;
  uint64_t size = 0;
  int64_t ms = 0;
  int64_t text_ms = 0;
};

void Bind(TomlSchema* s, Fields* f) {
  s->String("name", &f->name);
  s->Bool("a.flag", &f->flag);
  s->Int("a.count", &f->count);
  s->Uint32("a.b.limit", &f->limit, 9);
  s->Size("size", &f->size, Kib);
  s->Duration("t.ms", &f->ms, TenTimes, IntegerDuration::kMilliseconds);
  s->Duration("t.text-ms", &f->text_ms, Seconds, IntegerDuration::kParsedAsText);
}

TEST(TomlSchemaTest, SetsEveryKindOfFieldInNestedSections) {
  Fields f;
  TomlSchema s;
  Bind(&s, &f);
  Status st = s.Apply(
      "name = \"pd-1\"\n"
      "size = \"4k\"\n"
      "[a]\n"
      "flag = false\n"
      "count = -7\n"
      "[a.b]\n"
      "limit = 9\n"
      "[t]\n"
      "ms = \"5x\"\n"
      "text-ms = 90\n",
      "f.toml");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(f.name, "pd-1");
  EXPECT_FALSE(f.flag);
  EXPECT_EQ(f.count, -7);
  EXPECT_EQ(f.limit, 9u);
  EXPECT_EQ(f.size, 4096u);
  EXPECT_EQ(f.ms, 50);
  EXPECT_EQ(f.text_ms, 90000);  // the integer went through the parser as "90"

  ASSERT_TRUE(s.Apply("size = 123\n[t]\nms = 1500\n", "f.toml").ok());
  EXPECT_EQ(f.size, 123u);  // integers are bytes
  EXPECT_EQ(f.ms, 1500);    // and milliseconds, without the parser
}

TEST(TomlSchemaTest, EmptyDocumentChangesNothing) {
  Fields f;
  TomlSchema s;
  Bind(&s, &f);
  ASSERT_TRUE(s.Apply("", "f.toml").ok());
  EXPECT_EQ(f.name, "default");
  EXPECT_EQ(f.limit, 3u);
}

// Every error is one line naming the source and the key.
TEST(TomlSchemaTest, ErrorsAreOneLineNamingSourceAndKey) {
  Fields f;
  TomlSchema s;
  Bind(&s, &f);
  auto msg = [&](const std::string& text) {
    Status st = s.Apply(text, "f.toml");
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << text;
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
    EXPECT_EQ(st.message().rfind("f.toml: ", 0), 0u) << st.message();
    return st.message();
  };
  EXPECT_EQ(msg("nme = \"x\"\n"), "f.toml: unknown config key \"nme\"");
  EXPECT_EQ(msg("[a]\nflg = true\n"), "f.toml: unknown config key \"a.flg\"");
  EXPECT_EQ(msg("[z]\nflag = true\n"), "f.toml: unknown config section [z]");
  // "a.b" is a section (a.b.limit lives there); "a.bb" is not, though it shares a prefix.
  EXPECT_EQ(msg("[a.bb]\nlimit = 1\n"), "f.toml: unknown config section [a.bb]");
  EXPECT_EQ(msg("name = 5\n"), "f.toml: config key \"name\" has the wrong type");
  EXPECT_EQ(msg("[a]\nflag = \"yes\"\n"), "f.toml: config key \"a.flag\" has the wrong type");
  EXPECT_EQ(msg("[a.b]\nlimit = 10\n"),
            "f.toml: config key \"a.b.limit\": must be between 0 and 9");
  EXPECT_EQ(msg("[a.b]\nlimit = -1\n"),
            "f.toml: config key \"a.b.limit\": must be between 0 and 9");
  EXPECT_EQ(msg("size = -1\n"), "f.toml: config key \"size\": size must not be negative");
  EXPECT_EQ(msg("size = \"4m\"\n"), "f.toml: config key \"size\": want <n>k");
  EXPECT_EQ(msg("[t]\nms = \"5s\"\n"), "f.toml: config key \"t.ms\": want <n>x");
  EXPECT_EQ(msg("[t]\nms = true\n"), "f.toml: config key \"t.ms\" has the wrong type");
  const std::string bad = msg("name = \"ok\"\n\nsize = \n");
  EXPECT_EQ(bad.rfind("f.toml: malformed TOML: ", 0), 0u) << bad;
  EXPECT_NE(bad.find("(line 3)"), std::string::npos) << bad;
}

TEST(TomlSchemaTest, ReadConfigFile) {
  char dir_template[] = "/tmp/toml-schema-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/c.toml";
  {
    std::ofstream out(path, std::ios::binary);
    out << "name = \"x\"\n";
  }
  auto text = ReadConfigFile(path);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "name = \"x\"\n");

  auto missing = ReadConfigFile(dir + "/nope.toml");
  EXPECT_EQ(missing.status().code(), Status::Code::kIOError);
  EXPECT_EQ(missing.status().message(),
            "cannot read config file " + dir + "/nope.toml: no such regular file");
  EXPECT_EQ(ReadConfigFile(dir).status().code(), Status::Code::kIOError);  // a directory

  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace brkv
