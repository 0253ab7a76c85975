#include "sql/protocol.h"

#include <gtest/gtest.h>

#include "sql/wire.h"

namespace brkv::sql {
namespace {

TEST(ProtocolTest, HandshakeLayout) {
  const std::string scramble = MakeScramble();
  ASSERT_EQ(scramble.size(), 20u);
  EXPECT_EQ(scramble.find('\0'), std::string::npos);
  std::string h = BuildHandshake("8.0.11-TiDB-v0.1.0", 42, scramble, cap::kServerDefault);
  PacketReader r(h);
  EXPECT_EQ(r.Int1(), 0x0A);
  EXPECT_EQ(r.NulStr(), "8.0.11-TiDB-v0.1.0");
  EXPECT_EQ(r.Int4(), 42u);
  EXPECT_EQ(r.Bytes(8), scramble.substr(0, 8));
  EXPECT_EQ(r.Int1(), 0);
  uint32_t caps = r.Int2();
  EXPECT_EQ(r.Int1(), kCollationUtf8mb4Bin);
  EXPECT_EQ(r.Int2(), status_flag::kAutocommit);
  caps |= static_cast<uint32_t>(r.Int2()) << 16;
  EXPECT_EQ(caps, cap::kServerDefault);
  EXPECT_TRUE(caps & cap::kLongPassword);  // libmariadb reads MariaDB caps without it
  EXPECT_EQ(r.Int1(), 21);                 // 20-byte scramble + NUL
  r.Skip(10);
  EXPECT_EQ(r.Bytes(12), scramble.substr(8));
  EXPECT_EQ(r.Int1(), 0);
  EXPECT_EQ(r.NulStr(), "mysql_native_password");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.AtEnd());
}

std::string Response(uint32_t flags, const std::string& user, const std::string& auth,
                     const std::string& db, bool attrs) {
  PacketWriter w;
  w.Int4(flags);
  w.Int4(1 << 24);
  w.Int1(45);
  w.Zeros(23);
  w.NulStr(user);
  w.LenencStr(auth);
  if (flags & cap::kConnectWithDb) w.NulStr(db);
  w.NulStr("mysql_native_password");
  if (attrs) {
    PacketWriter a;
    a.LenencStr("_client_name");
    a.LenencStr("libmariadb");
    w.LenencStr(a.data());
  }
  return w.Take();
}

TEST(ProtocolTest, ParsesHandshakeResponse) {
  const uint32_t flags = cap::kServerDefault | 0x800000 /* SESSION_TRACK, not offered */;
  Result<HandshakeResponse> r =
      ParseHandshakeResponse(Response(flags, "root", std::string(20, 'x'), "sbtest", true),
                             cap::kServerDefault);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user, "root");
  EXPECT_EQ(r->auth_response, std::string(20, 'x'));
  EXPECT_EQ(r->database, "sbtest");
  EXPECT_EQ(r->plugin, "mysql_native_password");
  EXPECT_EQ(r->collation, 45);

  // Without CONNECT_WITH_DB the db field is absent.
  Result<HandshakeResponse> nodb = ParseHandshakeResponse(
      Response(flags & ~cap::kConnectWithDb, "u", "", "", false), cap::kServerDefault);
  ASSERT_TRUE(nodb.ok());
  EXPECT_EQ(nodb->database, "");
  EXPECT_EQ(nodb->auth_response, "");
}

TEST(ProtocolTest, RejectsMalformedResponses) {
  EXPECT_FALSE(ParseHandshakeResponse("", cap::kServerDefault).ok());
  EXPECT_FALSE(ParseHandshakeResponse(std::string("\x00\x00\x00\x00", 4), cap::kServerDefault).ok());
  std::string good = Response(cap::kServerDefault, "root", "", "db", true);
  EXPECT_FALSE(ParseHandshakeResponse(good.substr(0, 40), cap::kServerDefault).ok());
  std::string bad_attrs = Response(cap::kServerDefault, "root", "", "db", false) + "\x20zz";
  EXPECT_FALSE(ParseHandshakeResponse(bad_attrs, cap::kServerDefault).ok());
}

TEST(ProtocolTest, NativePassword) {
  const std::string scramble = "abcdefghij0123456789";
  const std::string stored = NativePasswordHash("secret");
  EXPECT_EQ(stored.size(), 20u);
  EXPECT_TRUE(VerifyNativePassword(NativePasswordToken("secret", scramble), scramble, stored));
  EXPECT_FALSE(VerifyNativePassword(NativePasswordToken("wrong", scramble), scramble, stored));
  EXPECT_FALSE(VerifyNativePassword("", scramble, stored));
  // Empty password: only an empty token.
  EXPECT_TRUE(VerifyNativePassword("", scramble, NativePasswordHash("")));
  EXPECT_FALSE(VerifyNativePassword(NativePasswordToken("x", scramble), scramble, ""));
}

TEST(ProtocolTest, OkErrEof) {
  EXPECT_EQ(BuildOk(1, 300, 2, 0), std::string("\x00\x01\xFC\x2C\x01\x02\x00\x00\x00", 9));
  // info is length-encoded (libmariadb reads it with net_field_length).
  EXPECT_EQ(BuildOk(0, 0, 0, 0, "ab"), std::string("\x00\x00\x00\x00\x00\x00\x00\x02" "ab", 10));
  EXPECT_EQ(BuildErr(SqlError(1146, "Table 'a.b' doesn't exist")),
            std::string("\xFF\x7A\x04#42S02Table 'a.b' doesn't exist"));
  EXPECT_EQ(BuildEof(0x0003), std::string("\xFE\x00\x00\x03\x00", 5));
}

TEST(ProtocolTest, ColumnDefinitionAndRows) {
  ColumnDef c;
  c.schema = "db";
  c.table = "t";
  c.org_table = "t";
  c.name = "id";
  c.org_name = "id";
  c.charset = 63;
  c.length = 11;
  c.type = 3;
  c.flags = 3;
  std::string d = BuildColumnDef(c);
  PacketReader r(d);
  EXPECT_EQ(r.LenencStr(), "def");
  EXPECT_EQ(r.LenencStr(), "db");
  EXPECT_EQ(r.LenencStr(), "t");
  EXPECT_EQ(r.LenencStr(), "t");
  EXPECT_EQ(r.LenencStr(), "id");
  EXPECT_EQ(r.LenencStr(), "id");
  EXPECT_EQ(r.LenencInt(), 0x0Cu);
  EXPECT_EQ(r.Int2(), 63);
  EXPECT_EQ(r.Int4(), 11u);
  EXPECT_EQ(r.Int1(), 3);
  EXPECT_EQ(r.Int2(), 3);
  EXPECT_EQ(r.Int1(), 0);
  EXPECT_EQ(r.Int2(), 0);
  EXPECT_TRUE(r.AtEnd());
  EXPECT_EQ(BuildColumnDef(c, true), d + "\xFB");

  EXPECT_EQ(BuildTextRow({std::string("1"), std::nullopt, std::string("")}),
            std::string("\x01" "1\xFB\x00", 4));
}

}  // namespace
}  // namespace brkv::sql
