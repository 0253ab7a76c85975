#include "br/meta_io.h"

#include "common/sha256.h"

namespace brkv::br {
storage::CallOptions MetaCallOptions(const MetaIoOptions& options) {
  if (options.call_timeout.count() > 0) return storage::CallOptions::WithTimeout(options.call_timeout);
  return storage::CallOptions{};
}

Status WriteObjectWithRetry(storage::ExternalStorage* storage, std::string_view name,
                            std::string_view data, const MetaIoOptions& options) {
  Backoffer bo(options.retry);
  while (true) {
    Status s = storage->WriteFile(name, data, MetaCallOptions(options));
    if (s.ok() || !s.retryable()) return s.WithContext("write " + std::string(name));
    RETURN_IF_ERROR(bo.Backoff(s).WithContext("write " + std::string(name)));
  }
}

Result<std::string> ReadObjectWithRetry(storage::ExternalStorage* storage, std::string_view name,
                                        const MetaIoOptions& options) {
  Backoffer bo(options.retry);
  while (true) {
    Result<std::string> r = storage->ReadFile(name, MetaCallOptions(options));
    if (r.ok()) return r;
    if (!r.status().retryable()) return r.status();
    RETURN_IF_ERROR(bo.Backoff(r.status()).WithContext("read " + std::string(name)));
  }
}

Result<std::string> SealRoot(const sst::CipherInfo& cipher, std::string_view plaintext) {
  if (!cipher.encrypted()) return std::string(plaintext);
  ASSIGN_OR_RETURN(std::string iv, sst::NewIv());
  ASSIGN_OR_RETURN(std::string ct, sst::Encrypt(cipher, iv, plaintext));
  return iv + ct;
}

Result<std::string> OpenRoot(const sst::CipherInfo& cipher, std::string_view stored) {
  if (!cipher.encrypted()) return std::string(stored);
  if (stored.size() < sst::kIvSize) {
    return Status::InvalidArgument(
        "cannot decrypt backupmeta: the object is " + std::to_string(stored.size()) +
        " bytes, too short for an encrypted backupmeta (is the backup encrypted?)");
  }
  return sst::Decrypt(cipher, stored.substr(0, sst::kIvSize), stored.substr(sst::kIvSize));
}

Result<std::string> SealLeaf(const sst::CipherInfo& cipher, std::string_view name,
                             std::string_view plaintext, backup::File* pointer) {
  pointer->Clear();
  pointer->set_name(std::string(name));
  pointer->set_sha256(Sha256(plaintext));
  pointer->set_size(plaintext.size());
  if (!cipher.encrypted()) return std::string(plaintext);
  ASSIGN_OR_RETURN(std::string iv, sst::NewIv());
  ASSIGN_OR_RETURN(std::string ct, sst::Encrypt(cipher, iv, plaintext));
  pointer->set_cipher_iv(iv);
  return ct;
}

Result<std::string> OpenLeaf(const sst::CipherInfo& cipher, const backup::File& pointer,
                             std::string_view stored) {
  const std::string& name = pointer.name();
  const bool leaf_encrypted = !pointer.cipher_iv().empty();
  if (leaf_encrypted && !cipher.encrypted()) {
    return Status::InvalidArgument("backupmeta leaf " + name +
                                   " is encrypted: pass --crypter.method and --crypter.key");
  }
  const std::string hint = leaf_encrypted ? " (the object is corrupted, or --crypter.key is wrong)"
                                          : " (the object is corrupted)";
  if (pointer.size() != 0 && stored.size() != pointer.size()) {
    return Status::Corruption("backupmeta leaf " + name + " has " +
                              std::to_string(stored.size()) + " bytes, backupmeta says " +
                              std::to_string(pointer.size()) + hint);
  }
  std::string plain;
  if (leaf_encrypted) {
    ASSIGN_OR_RETURN(plain, sst::Decrypt(cipher, pointer.cipher_iv(), stored));
  } else {
    plain = std::string(stored);
  }
  if (pointer.sha256().empty()) {
    return Status::Corruption("backupmeta leaf " + name + " has no sha256 in its pointer");
  }
  if (Sha256(plain) != pointer.sha256()) {
    return Status::Corruption("backupmeta leaf " + name + " fails its sha256 check" + hint);
  }
  return plain;
}

}  // namespace brkv::br
