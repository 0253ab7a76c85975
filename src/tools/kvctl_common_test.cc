#include "tools/kvctl_common.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "tools/net_util.h"

namespace brkv::tools {
namespace {

TEST(KvctlFormatTest, ParsesFormatNames) {
  EXPECT_EQ(*ParseKeyFormat("escaped"), KeyFormat::kEscaped);
  EXPECT_EQ(*ParseKeyFormat("hex"), KeyFormat::kHex);
  EXPECT_EQ(*ParseKeyFormat("raw"), KeyFormat::kRaw);
  EXPECT_FALSE(ParseKeyFormat("base64").ok());
}

TEST(KvctlFormatTest, RoundTripsBinaryBytes) {
  const std::string bytes("a\x00\xff\\\t z", 7);
  for (KeyFormat f : {KeyFormat::kEscaped, KeyFormat::kHex, KeyFormat::kRaw}) {
    auto back = DecodeArg(EncodeOut(bytes, f), f, "key");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_EQ(EncodeOut(bytes, KeyFormat::kHex), "6100ff5c09207a");
  EXPECT_EQ(EncodeOut(bytes, KeyFormat::kEscaped), "a\\x00\\xff\\\\\\x09 z");
}

TEST(KvctlFormatTest, MalformedInputNamesTheArgument) {
  auto r = DecodeArg("abc", KeyFormat::kHex, "split key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("split key"), std::string::npos);
  EXPECT_FALSE(DecodeArg("x\\q", KeyFormat::kEscaped, "key").ok());
  EXPECT_FALSE(DecodeArg("x\\x4", KeyFormat::kEscaped, "key").ok());
  EXPECT_TRUE(DecodeArg("x\\q", KeyFormat::kRaw, "key").ok());
}

TEST(KvctlFormatTest, ParsesUint64) {
  EXPECT_EQ(*ParseUint64("18446744073709551615", "ts"), 18446744073709551615ull);
  EXPECT_FALSE(ParseUint64("", "ts").ok());
  EXPECT_FALSE(ParseUint64("-1", "ts").ok());
  EXPECT_FALSE(ParseUint64("12x", "ts").ok());
  EXPECT_FALSE(ParseUint64("18446744073709551616", "ts").ok());
}

TEST(TablePrinterTest, PadsColumns) {
  TablePrinter t({"ID", "ADDRESS"});
  t.AddRow({"1", "127.0.0.1:1"});
  t.AddRow({"200", "x"});
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  t.Print(f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, len), "ID   ADDRESS\n1    127.0.0.1:1\n200  x\n");
  free(buf);
}

TEST(NetUtilTest, ParsesHostPort) {
  auto hp = ParseHostPort("127.0.0.1:2379");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 2379);
  EXPECT_TRUE(ParseHostPort("localhost:1").ok());
  EXPECT_TRUE(ParseHostPort("[::1]:2379").ok());
  for (const char* bad : {"", "127.0.0.1", ":2379", "host:", "host:0", "host:65536", "host:12a",
                          "http://h:1", "a b:1", "::1:2379", "[::1]2379"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
}

TEST(NetUtilTest, PicksFreePorts) {
  auto base = PickFreePortRange(4);
  ASSERT_TRUE(base.ok());
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(IsLocalPortFree(*base + i));
  EXPECT_FALSE(IsLocalPortFree(0));
  EXPECT_FALSE(IsLocalPortFree(70000));
}

}  // namespace
}  // namespace brkv::tools
