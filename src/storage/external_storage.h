// ExternalStorage: the object store a backup is written to and restored from.
//
// One interface, many backends (local directory, noop, in-memory; S3, Azure Blob and GCS fit
// the same shape). The model is an object store, not a file system:
//   - Objects are named by relative paths such as "backupmeta" or "1/2_5_ab..._write.sst".
//     A name is non-empty, uses '/' between non-empty components, has no "." or ".."
//     component, no leading or trailing '/', and no NUL byte; anything else is
//     InvalidArgument. Names are relative to the storage root (bucket + prefix, or directory).
//   - Writes are atomic: a reader sees the whole new object or nothing (or the previous
//     object of that name). Writing a name that exists replaces it.
//   - A streaming writer (Create) publishes nothing until Finish succeeds; Abort, or
//     destroying an unfinished writer, leaves nothing behind. This is the multipart-upload
//     shape that cloud backends need for 100+ MiB SSTs.
//   - Reads are ranged (Open → ReadAt), so a reader never needs the whole object in memory.
//
// Deadlines: every call takes a CallOptions whose deadline bounds the whole call (for a
// writer/reader: every call made on it). A call that cannot finish by the deadline returns
// TimedOut (retryable). With no deadline the storage's StorageOptions::default_timeout applies
// to each call.
//
// Errors: NotFound for a missing object (message names it); InvalidArgument for a bad name;
// IOError / Unavailable / TimedOut for backend failures (Unavailable and TimedOut are
// retryable; backends mark other transient failures retryable too). Error messages name the
// object and the storage's redacted Uri(), never a secret.
//
// Thread-safety: an ExternalStorage is thread-safe. An ExternalWriter or ExternalReader is
// used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/storage_backend.h"

namespace brkv::storage {

using Clock = std::chrono::steady_clock;

// Per-call options.
struct CallOptions {
  // Absolute deadline for the call. Default: none (StorageOptions::default_timeout applies).
  Clock::time_point deadline = Clock::time_point::max();

  // Convenience: a deadline `timeout` from now.
  static CallOptions WithTimeout(std::chrono::milliseconds timeout) {
    CallOptions o;
    o.deadline = Clock::now() + timeout;
    return o;
  }
};

// Options for building a storage from a backend.
struct StorageOptions {
  // Time limit applied to each call that has no explicit deadline. Zero = no limit.
  // Default: 0 (local files); cloud backends should be given one (lessons.md 9).
  std::chrono::milliseconds default_timeout{0};
  // Local backend: fsync the file and its directory before a write is reported done.
  // Default: true. Tests may turn it off for speed; never turn it off in production.
  bool sync = true;
};

// Streaming upload of one object. Obtained from ExternalStorage::Create.
class ExternalWriter {
 public:
  // Destroying a writer that was neither finished nor aborted aborts it.
  virtual ~ExternalWriter() = default;

  // Appends bytes. Nothing is visible to readers before Finish.
  // On error the writer is unusable; call Abort (or destroy it).
  virtual Status Append(std::string_view data) = 0;
  // Publishes the object atomically under its name. On error nothing new is visible under the
  // name (a previous object of that name, if any, is unchanged) and the writer is unusable.
  // REQUIRES: Finish/Abort not yet called.
  virtual Status Finish() = 0;
  // Discards everything appended; nothing is published. Idempotent; OK after a failed
  // Append/Finish. Best effort: returns the cleanup error, if any, for logging.
  virtual Status Abort() = 0;
  // Bytes appended so far.
  virtual uint64_t bytes_written() const = 0;
};

// Ranged reads of one object, as it was when Open succeeded (backends that cannot pin a
// version may return Corruption if the object changes under the reader).
class ExternalReader {
 public:
  virtual ~ExternalReader() = default;

  // The object's size in bytes.
  virtual uint64_t size() const = 0;
  // Reads up to `n` bytes starting at `offset` into *out (replacing its contents). Fewer than
  // `n` bytes only at the end of the object; offset >= size() gives an empty result.
  virtual Status ReadAt(uint64_t offset, size_t n, std::string* out) = 0;
};

class ExternalStorage {
 public:
  virtual ~ExternalStorage() = default;

  // Writes the whole object atomically (replacing an existing one).
  virtual Status WriteFile(std::string_view name, std::string_view data,
                           const CallOptions& options = {}) = 0;
  // Starts a streaming upload of `name`. The deadline bounds every call on the writer.
  virtual Result<std::unique_ptr<ExternalWriter>> Create(std::string_view name,
                                                         const CallOptions& options = {}) = 0;
  // Reads the whole object. NotFound if it does not exist.
  virtual Result<std::string> ReadFile(std::string_view name, const CallOptions& options = {}) = 0;
  // Opens the object for ranged reads. NotFound if it does not exist.
  virtual Result<std::unique_ptr<ExternalReader>> Open(std::string_view name,
                                                       const CallOptions& options = {}) = 0;
  // Whether the object exists (false is not an error).
  virtual Result<bool> FileExists(std::string_view name, const CallOptions& options = {}) = 0;
  // Deletes the object. Deleting a missing object is OK (object-store semantics).
  virtual Status DeleteFile(std::string_view name, const CallOptions& options = {}) = 0;

  // Calls fn(name, size) for every object whose name starts with `prefix` (a plain string
  // prefix, as in S3 ListObjects: "1/" lists store 1's files, "backupmeta." the meta leaves;
  // "" lists everything), in increasing byte order of name. Objects being written (not yet
  // finished) are never listed. A non-OK return from fn stops the walk and is returned.
  using WalkFn = std::function<Status(std::string_view name, uint64_t size)>;
  virtual Status WalkDir(std::string_view prefix, const WalkFn& fn,
                         const CallOptions& options = {}) = 0;

  // The storage's URL with secrets redacted (for logs and error messages).
  virtual std::string Uri() const = 0;
  // The backend this storage was built from (credentials included: do not log it; use Uri()).
  virtual const StorageBackend& backend() const = 0;
};

// Builds the storage for `backend`. Local, noop, memstore, S3, Azure Blob and GCS (XML API
// with HMAC keys) are available; HDFS returns NotSupported("hdfs backend not built yet").
// The local backend does not touch the disk here: its directory is created by the first write.
Result<std::unique_ptr<ExternalStorage>> CreateStorage(const StorageBackend& backend,
                                                       const StorageOptions& options = {});
// ParseBackend + CreateStorage.
Result<std::unique_ptr<ExternalStorage>> CreateStorageFromUrl(
    std::string_view url, const StorageOptions& options = {},
    const BackendOptions& backend_options = {});

// InvalidArgument unless `name` is a valid object name (see the top of this file).
Status ValidateObjectName(std::string_view name);
// InvalidArgument unless `prefix` is a valid WalkDir prefix: empty, or a name prefix with no
// "." / ".." component, no empty component except possibly a trailing '/', no leading '/'.
Status ValidateObjectPrefix(std::string_view prefix);

// The effective deadline of a call: options.deadline, else now + default_timeout, else none.
Clock::time_point EffectiveDeadline(const CallOptions& options, const StorageOptions& storage);
// TimedOut naming `what` when `deadline` has passed, else OK.
Status CheckDeadline(Clock::time_point deadline, std::string_view what);

}  // namespace brkv::storage
