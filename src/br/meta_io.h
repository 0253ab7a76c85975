// Storage I/O and sealing shared by MetaWriter and MetaReader: retried whole-object reads and
// writes, and the encryption framing of metadata objects (formats.md 5.3):
//   root `backupmeta`: protobuf, or (when encrypted) 16-byte IV + AES-CTR ciphertext;
//   leaves: AES-CTR ciphertext with the IV kept in the pointer File.cipher_iv; the pointer's
//           sha256 and size are those of the PLAINTEXT protobuf.
// Thread-safety: pure functions over a thread-safe ExternalStorage.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/backoff.h"
#include "common/status.h"
#include "proto/brpb.pb.h"
#include "sst/crypter.h"
#include "storage/external_storage.h"

namespace brkv::br {

struct MetaIoOptions {
  // Retry policy for retryable storage errors (Unavailable, TimedOut, ...). Default: 30 s
  // budget. Every attempt rewrites or re-reads the whole object, so retries are idempotent.
  BackoffOptions retry{};
  // Time limit of one storage call. Default: 0 = the storage's own default_timeout.
  std::chrono::milliseconds call_timeout{0};
};

// The per-call options (deadline) of one storage call under `options`.
storage::CallOptions MetaCallOptions(const MetaIoOptions& options);

// Runs `op` (returning Status) until it succeeds, fails for good (not retryable), or
// options.retry's budget is spent; returns the last status.
template <typename Op>
Status RetryMetaOp(const MetaIoOptions& options, Op&& op) {
  Backoffer bo(options.retry);
  while (true) {
    Status s = op();
    if (s.ok() || !s.retryable()) return s;
    RETURN_IF_ERROR(bo.Backoff(s));
  }
}

// Writes `data` as object `name`, retrying retryable failures within options.retry.
Status WriteObjectWithRetry(storage::ExternalStorage* storage, std::string_view name,
                            std::string_view data, const MetaIoOptions& options);
// Reads object `name`, retrying retryable failures. NotFound is returned at once.
Result<std::string> ReadObjectWithRetry(storage::ExternalStorage* storage, std::string_view name,
                                        const MetaIoOptions& options);

// The bytes to store for a root `backupmeta` holding `plaintext`.
Result<std::string> SealRoot(const sst::CipherInfo& cipher, std::string_view plaintext);
// Inverse of SealRoot. InvalidArgument when the object is too short to hold an IV.
Result<std::string> OpenRoot(const sst::CipherInfo& cipher, std::string_view stored);

// Encrypts a leaf (fresh random IV) and returns the bytes to store; fills *pointer's name,
// sha256 (of plaintext), size (plaintext length) and cipher_iv (empty when plaintext).
Result<std::string> SealLeaf(const sst::CipherInfo& cipher, std::string_view name,
                             std::string_view plaintext, backup::File* pointer);
// Decrypts a stored leaf with the pointer's IV and verifies the pointer's size and sha256.
// Corruption naming the leaf on a size or sha256 mismatch (the message adds "or wrong
// --crypter.key" when the leaf is encrypted); InvalidArgument when the leaf is encrypted but no
// cipher is configured.
Result<std::string> OpenLeaf(const sst::CipherInfo& cipher, const backup::File& pointer,
                             std::string_view stored);

}  // namespace brkv::br
