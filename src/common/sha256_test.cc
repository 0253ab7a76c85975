#include "common/sha256.h"

#include <string>

#include <gtest/gtest.h>

#include "common/codec.h"

namespace brkv {
namespace {

TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(codec::ToHex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(codec::ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(codec::ToHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256("abc").size(), 32u);
}

TEST(Sha256Test, StreamingMatchesOneShot) {
  Sha256Hasher h;
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.Update(chunk);
  EXPECT_EQ(codec::ToHex(h.Finish()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

  std::string data = "The quick brown fox jumps over the lazy dog";
  Sha256Hasher s;
  for (char c : data) s.Update(std::string_view(&c, 1));
  EXPECT_EQ(s.Finish(), Sha256(data));
}

TEST(Sha256Test, EmptyStream) {
  Sha256Hasher h;
  h.Update("");
  EXPECT_EQ(h.Finish(), Sha256(""));
}

}  // namespace
}  // namespace brkv
