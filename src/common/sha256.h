// SHA-256 (OpenSSL EVP), one-shot and streaming.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace brkv {

// Returns the 32 raw digest bytes.
std::string Sha256(std::string_view data);

// Streaming hasher. Not thread-safe.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  // Returns the 32 raw digest bytes; the hasher must not be used afterwards.
  std::string Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brkv
