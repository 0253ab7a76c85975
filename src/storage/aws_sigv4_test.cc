// SigV4 against the worked examples in AWS's S3 documentation ("Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk").
#include "storage/aws_sigv4.h"

#include <gtest/gtest.h>

namespace brkv::storage {
namespace {

const SigV4Credentials kCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              ""};
const char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigV4Request Base() {
  SigV4Request r;
  r.host = "examplebucket.s3.amazonaws.com";
  r.amz_date = "20130524T000000Z";
  r.region = "us-east-1";
  r.payload_sha256 = kEmptySha;
  return r;
}

TEST(AwsSigV4Test, GetObjectWithRange) {
  SigV4Request r = Base();
  r.path = "/test.txt";
  r.headers = {{"Range", "bytes=0-9"}};
  SigV4Result s = SignV4(r, kCreds);
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha);
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(AwsSigV4Test, PutObject) {
  SigV4Request r = Base();
  r.method = "PUT";
  r.path = "/test$file.text";
  r.payload_sha256 = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(r.payload_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  r.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  SigV4Result s = SignV4(r, kCreds);
  EXPECT_NE(s.canonical_request.find("\n/test%24file.text\n"), std::string::npos);
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(AwsSigV4Test, GetBucketLifecycle) {
  SigV4Request r = Base();
  r.path = "/";
  r.query = {{"lifecycle", ""}};
  SigV4Result s = SignV4(r, kCreds);
  EXPECT_NE(s.canonical_request.find("GET\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(AwsSigV4Test, ListObjectsQueryIsSorted) {
  SigV4Request r = Base();
  r.path = "/";
  r.query = {{"prefix", "J"}, {"max-keys", "2"}};
  SigV4Result s = SignV4(r, kCreds);
  EXPECT_NE(s.canonical_request.find("GET\n/\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(AwsSigV4Test, SessionTokenIsSignedAndSecretNeverSent) {
  SigV4Request r = Base();
  r.path = "/a";
  SigV4Credentials c = kCreds;
  c.session_token = "TOKEN+/=";
  SigV4Result s = SignV4(r, c);
  EXPECT_NE(s.authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                 "x-amz-security-token,"),
            std::string::npos);
  bool has_token = false;
  for (const auto& [k, v] : s.headers) {
    EXPECT_EQ(v.find(c.secret_key), std::string::npos) << k;
    if (k == "x-amz-security-token") has_token = v == c.session_token;
  }
  EXPECT_TRUE(has_token);
  // A different token gives a different signature.
  c.session_token = "OTHER";
  EXPECT_NE(SignV4(r, c).signature, s.signature);
}

TEST(AwsSigV4Test, UriEncode) {
  EXPECT_EQ(UriEncode("a b/c~d+e=f", true), "a%20b/c~d%2Be%3Df");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(CanonicalQueryString({{"b", "2"}, {"a", "x y"}, {"a", "1"}}), "a=1&a=x%20y&b=2");
}

}  // namespace
}  // namespace brkv::storage
