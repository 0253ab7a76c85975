#include "storage/external_storage.h"

#include "storage/azblob_storage.h"
#include "storage/gcs_storage.h"
#include "storage/local_storage.h"
#include "storage/mem_storage.h"
#include "storage/noop_storage.h"
#include "storage/s3_storage.h"

namespace brkv::storage {

namespace {

Status BadName(std::string_view kind, std::string_view name, std::string_view why) {
  std::string shown;
  for (char c : name) shown.push_back(c == '\0' ? '?' : c);
  return Status::InvalidArgument(std::string(kind) + " \"" + shown + "\": " + std::string(why));
}

// Checks the '/'-separated components of name[0..n); `allow_trailing_slash` lets the last
// component be empty (prefixes such as "1/").
Status CheckComponents(std::string_view kind, std::string_view name, bool allow_trailing_slash) {
  if (name.find('\0') != std::string_view::npos) return BadName(kind, name, "contains a NUL byte");
  if (name.front() == '/') return BadName(kind, name, "must be relative (no leading '/')");
  size_t begin = 0;
  while (true) {
    size_t end = name.find('/', begin);
    std::string_view comp =
        name.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
    bool last = end == std::string_view::npos;
    if (comp.empty() && !(last && allow_trailing_slash)) {
      return BadName(kind, name, "has an empty path component");
    }
    if (comp == "." || comp == "..") {
      return BadName(kind, name, "has a \".\" or \"..\" component");
    }
    if (last) break;
    begin = end + 1;
  }
  return Status::OK();
}

}  // namespace

Status ValidateObjectName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("empty object name");
  return CheckComponents("object name", name, /*allow_trailing_slash=*/false);
}

Status ValidateObjectPrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::OK();
  // A prefix may end in the middle of a component ("backupmeta.") or at a '/'. A partial last
  // component such as "." or ".." would still name a parent, so it is refused too.
  return CheckComponents("object prefix", prefix, /*allow_trailing_slash=*/true);
}

Clock::time_point EffectiveDeadline(const CallOptions& options, const StorageOptions& storage) {
  if (options.deadline != Clock::time_point::max()) return options.deadline;
  if (storage.default_timeout.count() > 0) return Clock::now() + storage.default_timeout;
  return Clock::time_point::max();
}

Status CheckDeadline(Clock::time_point deadline, std::string_view what) {
  if (deadline != Clock::time_point::max() && Clock::now() >= deadline) {
    return Status::TimedOut("deadline exceeded: " + std::string(what));
  }
  return Status::OK();
}

Result<std::unique_ptr<ExternalStorage>> CreateStorage(const StorageBackend& backend,
                                                       const StorageOptions& options) {
  if (const auto* l = std::get_if<LocalBackend>(&backend)) {
    if (l->path.empty()) return Status::InvalidArgument("local storage with an empty path");
    return NewLocalStorage(l->path, options);
  }
  if (std::holds_alternative<NoopBackend>(backend)) return NewNoopStorage(options);
  if (const auto* m = std::get_if<MemStoreBackend>(&backend)) {
    return NewMemStorage(m->name, m->prefix, options);
  }
  if (const auto* s3 = std::get_if<S3Backend>(&backend)) return NewS3Storage(*s3, options);
  if (const auto* az = std::get_if<AzureBlobBackend>(&backend)) {
    return NewAzblobStorage(*az, options);
  }
  if (const auto* gcs = std::get_if<GcsBackend>(&backend)) return NewGcsStorage(*gcs, options);
  return Status::NotSupported(std::string(BackendScheme(backend)) + " backend not built yet (" +
                              FormatBackendUrl(backend) + ")");
}

Result<std::unique_ptr<ExternalStorage>> CreateStorageFromUrl(
    std::string_view url, const StorageOptions& options, const BackendOptions& backend_options) {
  ASSIGN_OR_RETURN(StorageBackend backend, ParseBackend(url, backend_options));
  return CreateStorage(backend, options);
}

}  // namespace brkv::storage
