#include "sst/crypter.h"

#include <random>
#include <set>

#include <gtest/gtest.h>

#include "common/codec.h"

namespace brkv::sst {
namespace {

std::string Hex(std::string_view h) { return codec::FromHex(h).value(); }

std::string Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// NIST SP 800-38A, F.5.1 / F.5.3 / F.5.5 (CTR-AESxxx.Encrypt), all four blocks.
struct Vector {
  EncryptionMethod method;
  const char* key;
  const char* ciphertext;
};
constexpr const char* kCounter = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
constexpr const char* kPlaintext =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
const Vector kVectors[] = {
    {EncryptionMethod::kAes128Ctr, "2b7e151628aed2a6abf7158809cf4f3c",
     "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
     "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"},
    {EncryptionMethod::kAes192Ctr, "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
     "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
     "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050"},
    {EncryptionMethod::kAes256Ctr,
     "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
     "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"},
};

TEST(CrypterTest, NistKnownAnswers) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(std::string(MethodName(v.method)));
    CipherInfo info{v.method, Hex(v.key)};
    auto ct = Encrypt(info, Hex(kCounter), Hex(kPlaintext));
    ASSERT_TRUE(ct.ok()) << ct.status().ToString();
    EXPECT_EQ(codec::ToHex(*ct), v.ciphertext);
    EXPECT_EQ(Decrypt(info, Hex(kCounter), *ct).value(), Hex(kPlaintext));
  }
}

TEST(CrypterTest, StreamingInAnyPiecesEqualsOneShot) {
  CipherInfo info{EncryptionMethod::kAes256Ctr, Random(32, 1)};
  std::string iv = NewIv().value();
  std::string data = Random(100000, 2);
  std::string whole = Encrypt(info, iv, data).value();
  EXPECT_EQ(whole.size(), data.size());
  EXPECT_NE(whole, data);

  auto c = Crypter::New(info, iv, Crypter::Mode::kEncrypt).value();
  std::string pieces;
  std::mt19937 rng(3);
  for (size_t off = 0; off < data.size();) {
    size_t n = std::min<size_t>(data.size() - off, rng() % 50);  // includes 0 and odd sizes
    ASSERT_TRUE(c->Update(std::string_view(data).substr(off, n), &pieces).ok());
    off += n;
  }
  EXPECT_EQ(pieces, whole);

  // In place, in 4 KiB pieces, decrypting.
  auto d = Crypter::New(info, iv, Crypter::Mode::kDecrypt).value();
  std::string buf = whole;
  for (size_t off = 0; off < buf.size(); off += 4096) {
    ASSERT_TRUE(d->UpdateInPlace(buf.data() + off, std::min<size_t>(4096, buf.size() - off)).ok());
  }
  EXPECT_EQ(buf, data);
}

TEST(CrypterTest, StartingAtAnOffsetMatchesTheStream) {
  CipherInfo info{EncryptionMethod::kAes128Ctr, Random(16, 4)};
  std::string iv = NewIv().value();
  std::string data = Random(5000, 5);
  std::string whole = Encrypt(info, iv, data).value();
  for (uint64_t offset : {0ull, 1ull, 15ull, 16ull, 17ull, 4095ull, 4999ull}) {
    auto c = Crypter::New(info, iv, Crypter::Mode::kDecrypt, offset).value();
    std::string out;
    ASSERT_TRUE(c->Update(std::string_view(whole).substr(offset), &out).ok());
    EXPECT_EQ(out, data.substr(offset)) << offset;
  }
}

TEST(CrypterTest, CounterIsOneBigEndian128BitInteger) {
  EXPECT_EQ(codec::ToHex(IvAtBlock(Hex("000000000000000000000000000000ff"), 1)),
            "00000000000000000000000000000100");
  EXPECT_EQ(codec::ToHex(IvAtBlock(Hex("0000000000000000ffffffffffffffff"), 1)),
            "00000000000000010000000000000000");
  EXPECT_EQ(codec::ToHex(IvAtBlock(Hex("ffffffffffffffffffffffffffffffff"), 2)),
            "00000000000000000000000000000001");
  EXPECT_EQ(codec::ToHex(IvAtBlock(Hex("00000000000000000000000000000001"), 0xffffffffffffffffull)),
            "00000000000000010000000000000000");

  // The keystream crosses the 64-bit boundary of the counter the same way OpenSSL does:
  // block 1 of a stream from IV ..ff..ff equals block 0 of a stream from IV+1.
  CipherInfo info{EncryptionMethod::kAes128Ctr, Random(16, 6)};
  std::string iv = Hex("0123456789abcdefffffffffffffffff");
  std::string zeros(32, '\0');
  std::string ks = Encrypt(info, iv, zeros).value();
  std::string next = Encrypt(info, IvAtBlock(iv, 1), std::string(16, '\0')).value();
  EXPECT_EQ(ks.substr(16), next);
}

TEST(CrypterTest, KeyAndIvChecks) {
  auto check = [](EncryptionMethod m, size_t key_len) {
    return ValidateCipher(CipherInfo{m, std::string(key_len, 'k')});
  };
  EXPECT_TRUE(check(EncryptionMethod::kAes128Ctr, 16).ok());
  EXPECT_TRUE(check(EncryptionMethod::kAes192Ctr, 24).ok());
  EXPECT_TRUE(check(EncryptionMethod::kAes256Ctr, 32).ok());
  Status s = check(EncryptionMethod::kAes256Ctr, 16);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "aes256-ctr needs a 32-byte key, got 16 bytes");
  EXPECT_FALSE(check(EncryptionMethod::kAes128Ctr, 0).ok());
  EXPECT_FALSE(check(EncryptionMethod::kAes192Ctr, 32).ok());
  EXPECT_TRUE(check(EncryptionMethod::kPlaintext, 0).ok());
  EXPECT_EQ(check(EncryptionMethod::kSm4Ctr, 16).code(), Status::Code::kNotSupported);
  EXPECT_EQ(check(EncryptionMethod::kUnknown, 0).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(check(static_cast<EncryptionMethod>(42), 16).code(), Status::Code::kInvalidArgument);

  CipherInfo info{EncryptionMethod::kAes128Ctr, std::string(16, 'k')};
  EXPECT_EQ(Crypter::New(info, "short", Crypter::Mode::kEncrypt).status().code(),
            Status::Code::kInvalidArgument);
  // Plaintext is the identity and ignores the IV.
  CipherInfo plain;
  EXPECT_FALSE(plain.encrypted());
  EXPECT_EQ(Encrypt(plain, "", "hello").value(), "hello");
}

TEST(CrypterTest, MethodNames) {
  EXPECT_EQ(ParseEncryptionMethod("aes128-ctr").value(), EncryptionMethod::kAes128Ctr);
  EXPECT_EQ(ParseEncryptionMethod("AES192-CTR").value(), EncryptionMethod::kAes192Ctr);
  EXPECT_EQ(ParseEncryptionMethod("aes256_ctr").value(), EncryptionMethod::kAes256Ctr);
  EXPECT_EQ(ParseEncryptionMethod("plaintext").value(), EncryptionMethod::kPlaintext);
  EXPECT_FALSE(ParseEncryptionMethod("sm4-ctr").ok());
  EXPECT_FALSE(ParseEncryptionMethod("aes-ctr").ok());
  EXPECT_EQ(static_cast<int>(EncryptionMethod::kPlaintext), 1);
  EXPECT_EQ(static_cast<int>(EncryptionMethod::kAes128Ctr), 2);
  EXPECT_EQ(static_cast<int>(EncryptionMethod::kAes192Ctr), 3);
  EXPECT_EQ(static_cast<int>(EncryptionMethod::kAes256Ctr), 4);
}

TEST(CrypterTest, NewIvIsRandom) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string iv = NewIv().value();
    EXPECT_EQ(iv.size(), kIvSize);
    seen.insert(iv);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace brkv::sst
