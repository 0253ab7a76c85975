// Shared Key signing against Microsoft's documented examples ("Authorize with Shared Key",
// Azure Storage REST reference): the canonicalized resource examples and the example string
// to sign for Set Container Metadata. Microsoft publishes no signature for a known key, so the
// expected signatures were computed independently with OpenSSL, with the (public) Azurite
// development key:
//   KEY=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==
//   HEX=$(echo -n "$KEY" | base64 -d | xxd -p | tr -d '\n')
//   printf '<string to sign>' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$HEX -binary | base64
// Azurite (azblob_storage_test) checks the same signer end to end.
#include "storage/azure_shared_key.h"

#include <gtest/gtest.h>

#include <string>

namespace brkv::storage {
namespace {

const char kKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

// The last lines of the string to sign: the canonicalized resource.
std::string Resource(const AzureSignRequest& r) {
  auto s = SignSharedKey(r, kKey);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  std::string sts = s->string_to_sign;
  // 12 standard lines, then no x-ms headers in these requests.
  size_t pos = 0;
  for (int i = 0; i < 12; ++i) pos = sts.find('\n', pos) + 1;
  return sts.substr(pos);
}

TEST(AzureSharedKeyTest, DocumentedCanonicalizedResources) {
  AzureSignRequest r;
  r.account = "myaccount";
  r.path = "/mycontainer";
  r.query = {{"restype", "container"}, {"comp", "metadata"}};
  EXPECT_EQ(Resource(r), "/myaccount/mycontainer\ncomp:metadata\nrestype:container");

  // Repeated parameters: values sorted and joined by commas; names lower-cased and sorted.
  r.query = {{"restype", "container"},
             {"comp", "list"},
             {"include", "snapshots"},
             {"include", "metadata"},
             {"include", "uncommittedblobs"}};
  EXPECT_EQ(Resource(r),
            "/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs\n"
            "restype:container");

  r.path = "/mycontainer/myblob";
  r.query = {};
  EXPECT_EQ(Resource(r), "/myaccount/mycontainer/myblob");
}

TEST(AzureSharedKeyTest, DocumentedStringToSignAndSignature) {
  // The documentation's example: Set Container Metadata against the emulator-style path
  // (the account appears twice), version 2009-09-19, with a timeout parameter.
  AzureSignRequest r;
  r.method = "GET";
  r.account = "myaccount";
  r.path = "/myaccount/mycontainer";
  r.query = {{"restype", "container"}, {"comp", "metadata"}, {"timeout", "20"}};
  r.headers = {{"x-ms-version", "2009-09-19"}, {"x-ms-date", "Sun, 11 Oct 2009 21:49:13 GMT"}};
  auto s = SignSharedKey(r, kKey);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->string_to_sign,
            "GET\n\n\n\n\n\n\n\n\n\n\n\n"
            "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2009-09-19\n"
            "/myaccount/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20");
  EXPECT_EQ(s->signature, "Su5rvibNeMxB7A4I87rOtEgCDtdICsL8v5H+yJs0W+M=");
  EXPECT_EQ(s->authorization, "SharedKey myaccount:Su5rvibNeMxB7A4I87rOtEgCDtdICsL8v5H+yJs0W+M=");
}

TEST(AzureSharedKeyTest, StandardHeadersAndXmsHeaders) {
  // Standard headers in their fixed slots whatever their case and order; x-ms-* headers
  // lower-cased, sorted, whitespace collapsed; other headers ignored.
  AzureSignRequest r;
  r.method = "PUT";
  r.account = "myaccount";
  r.path = "/mycontainer/dir/a%20b.sst";
  r.headers = {{"X-MS-Version", "2009-09-19"},
               {"Content-Type", "text/plain; charset=UTF-8"},
               {"x-ms-date", "Sun, 11 Oct 2009 21:49:13 GMT"},
               {"User-Agent", "ignored"},
               {"x-ms-blob-type", "  BlockBlob "},
               {"Content-Length", "11"}};
  auto s = SignSharedKey(r, kKey);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->string_to_sign,
            "PUT\n\n\n11\n\ntext/plain; charset=UTF-8\n\n\n\n\n\n\n"
            "x-ms-blob-type:BlockBlob\nx-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\n"
            "x-ms-version:2009-09-19\n/myaccount/mycontainer/dir/a%20b.sst");
  EXPECT_EQ(s->signature, "BsNG6iivutkbqJbVMa+AZb39V8UIRmxYH9dSx0Z+zA8=");

  // Content-Length 0 is signed as empty (versions 2015-02-21 and later).
  r.headers = {{"Content-Length", "0"}};
  auto z = SignSharedKey(r, kKey);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->string_to_sign.substr(0, 7), "PUT\n\n\n\n");
}

TEST(AzureSharedKeyTest, BadKeyIsInvalidArgumentWithoutTheKey) {
  AzureSignRequest r;
  r.account = "a";
  for (const char* bad : {"not base64!", "abc", ""}) {
    auto s = SignSharedKey(r, bad);
    EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument) << bad;
    if (*bad != '\0') {
      EXPECT_EQ(s.status().message().find(bad), std::string::npos);
    }
  }
}

TEST(AzureSharedKeyTest, Base64) {
  // RFC 4648 section 10 test vectors.
  const std::pair<const char*, const char*> kVectors[] = {{"", ""},
                                                          {"f", "Zg=="},
                                                          {"fo", "Zm8="},
                                                          {"foo", "Zm9v"},
                                                          {"foob", "Zm9vYg=="},
                                                          {"fooba", "Zm9vYmE="},
                                                          {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    std::string back;
    ASSERT_TRUE(Base64Decode(encoded, &back)) << encoded;
    EXPECT_EQ(back, plain);
  }
  std::string out;
  EXPECT_FALSE(Base64Decode("Zg=", &out));
  EXPECT_FALSE(Base64Decode("Zm 9v", &out));
  EXPECT_EQ(HttpDateNow().size(), 29u);  // "Sun, 06 Nov 1994 08:49:37 GMT"
}

}  // namespace
}  // namespace brkv::storage
