// Crypter: the backup crypter — AES-CTR over a byte stream (formats.md 5.5).
//
// The 16-byte IV is the initial counter block, incremented as one big-endian 128-bit integer
// per 16-byte block (OpenSSL aes-*-ctr, Go cipher.NewCTR). No padding and no MAC: ciphertext
// length equals plaintext length, and integrity comes from the sha256 kept in backupmeta.
// Encryption and decryption are the same keystream XOR; the two names exist for readability.
// Method values are encryptionpb.EncryptionMethod's.
// Thread-safety: a Crypter is used by one thread at a time; the free functions are pure
// (NewIv is thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::sst {

enum class EncryptionMethod : int {
  kUnknown = 0,
  kPlaintext = 1,
  kAes128Ctr = 2,
  kAes192Ctr = 3,
  kAes256Ctr = 4,
  kSm4Ctr = 5,  // listed for completeness; not supported (BR's crypter does not accept it)
};

inline constexpr size_t kIvSize = 16;

// brpb.CipherInfo: the method and the raw key bytes (not hex). Never log `key`.
struct CipherInfo {
  EncryptionMethod method = EncryptionMethod::kPlaintext;
  std::string key{};

  // True for the AES-CTR methods (the payload is transformed).
  bool encrypted() const;
};

// Key length in bytes of an AES method (16/24/32); 0 for plaintext/unknown.
size_t KeyLength(EncryptionMethod method);
// "plaintext", "aes128-ctr", "aes192-ctr", "aes256-ctr", "sm4-ctr", "unknown".
std::string_view MethodName(EncryptionMethod method);
// Parses BR's --crypter.method spelling (case-insensitive; "aes128-ctr" etc., also
// "aes128_ctr"). InvalidArgument for anything else, listing the accepted values.
Result<EncryptionMethod> ParseEncryptionMethod(std::string_view name);
// OK if `info` can be used: plaintext (key ignored), or an AES-CTR method with a key of its
// length. InvalidArgument otherwise ("aes256-ctr needs a 32-byte key, got 16 bytes"); the key
// itself is never in the message. NotSupported for SM4; InvalidArgument for kUnknown.
Status ValidateCipher(const CipherInfo& info);

// 16 random bytes from the OpenSSL CSPRNG. Internal error if the generator fails.
Result<std::string> NewIv();
// The counter block for byte offset `offset` of a stream that started at `iv`:
// iv + offset / 16 as a big-endian 128-bit integer (wrapping).
// REQUIRES: iv.size() == kIvSize.
std::string IvAtBlock(std::string_view iv, uint64_t block_index);

// Streaming AES-CTR (or identity for plaintext).
class Crypter {
 public:
  enum class Mode { kEncrypt, kDecrypt };

  // Starts a stream at `offset` bytes into a stream that began with `iv` (0 = the start), so a
  // ranged read of an encrypted object can be decrypted without reading what precedes it.
  // InvalidArgument for a bad method/key (see ValidateCipher) or an IV that is not 16 bytes
  // (plaintext accepts any IV).
  static Result<std::unique_ptr<Crypter>> New(const CipherInfo& info, std::string_view iv,
                                              Mode mode, uint64_t offset = 0);
  ~Crypter();
  Crypter(const Crypter&) = delete;
  Crypter& operator=(const Crypter&) = delete;

  // Transforms `in` and appends the result (same length) to *out. Calls may split the stream
  // anywhere: the output is the same as one call over the concatenation.
  Status Update(std::string_view in, std::string* out);
  // In place: data[0..n) is replaced by its transform.
  Status UpdateInPlace(char* data, size_t n);

  EncryptionMethod method() const { return method_; }

 private:
  Crypter() = default;
  struct Impl;
  EncryptionMethod method_ = EncryptionMethod::kPlaintext;
  std::unique_ptr<Impl> impl_;  // null for plaintext
};

// One-shot helpers (backupmeta, metafile leaves, checkpoints).
Result<std::string> Encrypt(const CipherInfo& info, std::string_view iv, std::string_view data);
Result<std::string> Decrypt(const CipherInfo& info, std::string_view iv, std::string_view data);

}  // namespace brkv::sst
