#include "common/sha256.h"

#include <openssl/evp.h>

#include <cassert>

namespace brkv {

struct Sha256Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

std::string Sha256(std::string_view data) {
  Sha256Hasher h;
  h.Update(data);
  return h.Finish();
}

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  // Allocation or init failure in OpenSSL is only possible when out of memory.
  [[maybe_unused]] int ok = EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
  assert(impl_->ctx != nullptr && ok == 1);
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(impl_->ctx, data.data(), data.size());
}

std::string Sha256Hasher::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace brkv
