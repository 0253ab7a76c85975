#include "sst/crypter.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <climits>

namespace brkv::sst {

namespace {

const EVP_CIPHER* EvpCipher(EncryptionMethod m) {
  switch (m) {
    case EncryptionMethod::kAes128Ctr:
      return EVP_aes_128_ctr();
    case EncryptionMethod::kAes192Ctr:
      return EVP_aes_192_ctr();
    case EncryptionMethod::kAes256Ctr:
      return EVP_aes_256_ctr();
    default:
      return nullptr;
  }
}

}  // namespace

bool CipherInfo::encrypted() const { return KeyLength(method) != 0; }

size_t KeyLength(EncryptionMethod method) {
  switch (method) {
    case EncryptionMethod::kAes128Ctr:
      return 16;
    case EncryptionMethod::kAes192Ctr:
      return 24;
    case EncryptionMethod::kAes256Ctr:
      return 32;
    default:
      return 0;
  }
}

std::string_view MethodName(EncryptionMethod method) {
  switch (method) {
    case EncryptionMethod::kPlaintext:
      return "plaintext";
    case EncryptionMethod::kAes128Ctr:
      return "aes128-ctr";
    case EncryptionMethod::kAes192Ctr:
      return "aes192-ctr";
    case EncryptionMethod::kAes256Ctr:
      return "aes256-ctr";
    case EncryptionMethod::kSm4Ctr:
      return "sm4-ctr";
    default:
      return "unknown";
  }
}

Result<EncryptionMethod> ParseEncryptionMethod(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(c)));
  for (EncryptionMethod m : {EncryptionMethod::kPlaintext, EncryptionMethod::kAes128Ctr,
                             EncryptionMethod::kAes192Ctr, EncryptionMethod::kAes256Ctr}) {
    if (n == MethodName(m)) return m;
  }
  return Status::InvalidArgument("unknown crypter method \"" + std::string(name) +
                                 "\" (use plaintext, aes128-ctr, aes192-ctr or aes256-ctr)");
}

Status ValidateCipher(const CipherInfo& info) {
  switch (info.method) {
    case EncryptionMethod::kPlaintext:
      return Status::OK();
    case EncryptionMethod::kUnknown:
      return Status::InvalidArgument("crypter method is unknown (0); use plaintext or aes*-ctr");
    case EncryptionMethod::kSm4Ctr:
      return Status::NotSupported("crypter method sm4-ctr is not supported for backups");
    default:
      break;
  }
  size_t want = KeyLength(info.method);
  if (want == 0) {
    return Status::InvalidArgument("unknown crypter method value " +
                                   std::to_string(static_cast<int>(info.method)));
  }
  if (info.key.size() != want) {
    return Status::InvalidArgument(std::string(MethodName(info.method)) + " needs a " +
                                   std::to_string(want) + "-byte key, got " +
                                   std::to_string(info.key.size()) + " bytes");
  }
  return Status::OK();
}

Result<std::string> NewIv() {
  std::string iv(kIvSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(iv.data()), static_cast<int>(kIvSize)) != 1) {
    return Status::Internal("the random generator failed to produce an IV");
  }
  return iv;
}

std::string IvAtBlock(std::string_view iv, uint64_t block_index) {
  std::string out(iv);
  uint64_t carry = block_index;
  for (int i = static_cast<int>(kIvSize) - 1; i >= 0 && carry != 0; --i) {
    uint64_t sum = static_cast<uint8_t>(out[i]) + (carry & 0xff);
    out[i] = static_cast<char>(sum & 0xff);
    carry = (carry >> 8) + (sum >> 8);
  }
  return out;
}

struct Crypter::Impl {
  EVP_CIPHER_CTX* ctx = nullptr;
  ~Impl() {
    if (ctx != nullptr) EVP_CIPHER_CTX_free(ctx);
  }
};

Result<std::unique_ptr<Crypter>> Crypter::New(const CipherInfo& info, std::string_view iv,
                                              Mode mode, uint64_t offset) {
  RETURN_IF_ERROR(ValidateCipher(info));
  std::unique_ptr<Crypter> c(new Crypter());
  c->method_ = info.method;
  if (!info.encrypted()) return c;
  if (iv.size() != kIvSize) {
    return Status::InvalidArgument("cipher IV must be 16 bytes, got " + std::to_string(iv.size()));
  }
  c->impl_ = std::make_unique<Impl>();
  c->impl_->ctx = EVP_CIPHER_CTX_new();
  if (c->impl_->ctx == nullptr) return Status::Internal("EVP_CIPHER_CTX_new failed");
  std::string start = IvAtBlock(iv, offset / kIvSize);
  // CTR is symmetric; the encrypt direction is used for both modes.
  (void)mode;
  if (EVP_EncryptInit_ex(c->impl_->ctx, EvpCipher(info.method), nullptr,
                         reinterpret_cast<const unsigned char*>(info.key.data()),
                         reinterpret_cast<const unsigned char*>(start.data())) != 1) {
    return Status::Internal("EVP_EncryptInit_ex failed");
  }
  if (size_t skip = offset % kIvSize; skip != 0) {
    char scratch[kIvSize] = {};
    RETURN_IF_ERROR(c->UpdateInPlace(scratch, skip));
  }
  return c;
}

Crypter::~Crypter() = default;

Status Crypter::UpdateInPlace(char* data, size_t n) {
  if (!impl_) return Status::OK();
  auto* p = reinterpret_cast<unsigned char*>(data);
  while (n > 0) {
    int chunk = static_cast<int>(std::min<size_t>(n, INT_MAX / 2));
    int out_len = 0;
    if (EVP_EncryptUpdate(impl_->ctx, p, &out_len, p, chunk) != 1 || out_len != chunk) {
      return Status::Internal("AES-CTR update failed");
    }
    p += chunk;
    n -= static_cast<size_t>(chunk);
  }
  return Status::OK();
}

Status Crypter::Update(std::string_view in, std::string* out) {
  size_t old = out->size();
  out->append(in);
  return UpdateInPlace(out->data() + old, in.size());
}

Result<std::string> Encrypt(const CipherInfo& info, std::string_view iv, std::string_view data) {
  ASSIGN_OR_RETURN(std::unique_ptr<Crypter> c, Crypter::New(info, iv, Crypter::Mode::kEncrypt));
  std::string out;
  RETURN_IF_ERROR(c->Update(data, &out));
  return out;
}

Result<std::string> Decrypt(const CipherInfo& info, std::string_view iv, std::string_view data) {
  ASSIGN_OR_RETURN(std::unique_ptr<Crypter> c, Crypter::New(info, iv, Crypter::Mode::kDecrypt));
  std::string out;
  RETURN_IF_ERROR(c->Update(data, &out));
  return out;
}

}  // namespace brkv::sst
