#include "storage/local_storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "common/failpoint.h"

namespace brkv::storage {

namespace {

namespace fs = std::filesystem;

Status ErrnoStatus(std::string_view uri, std::string_view op, std::string_view name, int err) {
  std::string msg = std::string(uri) + ": " + std::string(op) + " \"" + std::string(name) +
                    "\": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
  if (err == EINTR || err == EAGAIN) return Status::IOError(msg).WithRetryable(true);
  return Status::IOError(msg);
}

// fsync of a directory, so a rename or a new entry in it is durable.
int SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

std::string ParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class LocalWriter : public ExternalWriter {
 public:
  LocalWriter(std::string uri, std::string name, std::string target, std::string tmp, int fd,
              Clock::time_point deadline, bool sync)
      : uri_(std::move(uri)),
        name_(std::move(name)),
        target_(std::move(target)),
        tmp_(std::move(tmp)),
        fd_(fd),
        deadline_(deadline),
        sync_(sync) {}
  ~LocalWriter() override {
    if (!done_) (void)Abort();
  }

  Status Append(std::string_view data) override {
    if (done_ || failed_) return Status::Aborted(uri_ + ": writer of \"" + name_ + "\" is closed");
    if (Status s = CheckDeadline(deadline_, uri_ + ": write \"" + name_ + "\""); !s.ok()) {
      failed_ = true;
      return s;
    }
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        failed_ = true;
        return ErrnoStatus(uri_, "write", name_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      written_ += static_cast<uint64_t>(n);
    }
    return Status::OK();
  }

  Status Finish() override {
    if (done_ || failed_) return Status::Aborted(uri_ + ": writer of \"" + name_ + "\" is closed");
    Status s = FinishImpl();
    if (!s.ok()) {
      failed_ = true;
      (void)Abort();
    }
    return s;
  }

  Status Abort() override {
    if (done_) return Status::OK();
    done_ = true;
    Status s;
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (::unlink(tmp_.c_str()) != 0 && errno != ENOENT) {
      s = ErrnoStatus(uri_, "remove partial upload of", name_, errno);
    }
    return s;
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  Status FinishImpl() {
    RETURN_IF_ERROR(CheckDeadline(deadline_, uri_ + ": finish \"" + name_ + "\""));
    if (sync_ && ::fsync(fd_) != 0) return ErrnoStatus(uri_, "fsync", name_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return ErrnoStatus(uri_, "close", name_, errno);
    FAIL_POINT("storage.local.before-rename");
    if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
      return ErrnoStatus(uri_, "rename into place", name_, errno);
    }
    done_ = true;
    if (sync_) {
      if (int err = SyncDir(ParentDir(target_)); err != 0) {
        // The object is in place; only its durability across a power loss is in doubt.
        return ErrnoStatus(uri_, "fsync directory of", name_, err);
      }
    }
    return Status::OK();
  }

  const std::string uri_, name_, target_, tmp_;
  int fd_;
  const Clock::time_point deadline_;
  const bool sync_;
  uint64_t written_ = 0;
  bool done_ = false;
  bool failed_ = false;
};

class LocalReader : public ExternalReader {
 public:
  LocalReader(std::string uri, std::string name, int fd, uint64_t size, Clock::time_point deadline)
      : uri_(std::move(uri)), name_(std::move(name)), fd_(fd), size_(size), deadline_(deadline) {}
  ~LocalReader() override { ::close(fd_); }

  uint64_t size() const override { return size_; }

  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    out->clear();
    RETURN_IF_ERROR(CheckDeadline(deadline_, uri_ + ": read \"" + name_ + "\""));
    if (offset >= size_) return Status::OK();
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    out->resize(n);
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, out->data() + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        out->clear();
        return ErrnoStatus(uri_, "read", name_, errno);
      }
      if (r == 0) break;  // the file shrank under us
      got += static_cast<size_t>(r);
    }
    if (got < n) {
      out->clear();
      return Status::Corruption(uri_ + ": \"" + name_ + "\" was truncated while being read");
    }
    return Status::OK();
  }

 private:
  const std::string uri_, name_;
  const int fd_;
  const uint64_t size_;
  const Clock::time_point deadline_;
};

class LocalStorage : public ExternalStorage {
 public:
  LocalStorage(std::string root, const StorageOptions& options)
      : root_(std::move(root)), options_(options) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    std::error_code ec;
    fs::path abs = fs::absolute(root_, ec);
    if (!ec) root_ = abs.lexically_normal().string();
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    backend_ = LocalBackend{root_};
    uri_ = FormatBackendUrl(backend_);
  }

  Status WriteFile(std::string_view name, std::string_view data,
                   const CallOptions& options) override {
    ASSIGN_OR_RETURN(std::unique_ptr<ExternalWriter> w, Create(name, options));
    Status s = w->Append(data);
    if (s.ok()) s = w->Finish();
    if (!s.ok()) (void)w->Abort();
    return s;
  }

  Result<std::unique_ptr<ExternalWriter>> Create(std::string_view name,
                                                 const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    RETURN_IF_ERROR(CheckDeadline(deadline, uri_ + ": create \"" + std::string(name) + "\""));
    std::string target = Path(name);
    std::string dir = ParentDir(target);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return ErrnoStatus(uri_, "create directory for", name, ec.value());
    std::string base = target.substr(target.rfind('/') + 1);
    std::string tmpl = dir + "/." + base + std::string(kLocalPartialMarker) + "XXXXXX";
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(uri_, "create", name, errno);
    ::fchmod(fd, 0644);
    return std::unique_ptr<ExternalWriter>(std::make_unique<LocalWriter>(
        uri_, std::string(name), std::move(target), std::move(tmpl), fd, deadline, options_.sync));
  }

  Result<std::string> ReadFile(std::string_view name, const CallOptions& options) override {
    ASSIGN_OR_RETURN(std::unique_ptr<ExternalReader> r, Open(name, options));
    std::string out;
    RETURN_IF_ERROR(r->ReadAt(0, static_cast<size_t>(r->size()), &out));
    return out;
  }

  Result<std::unique_ptr<ExternalReader>> Open(std::string_view name,
                                               const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    RETURN_IF_ERROR(CheckDeadline(deadline, uri_ + ": open \"" + std::string(name) + "\""));
    std::string path = Path(name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(uri_, "open", name, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus(uri_, "stat", name, err);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::NotFound(uri_ + ": open \"" + std::string(name) + "\": not a file");
    }
    return std::unique_ptr<ExternalReader>(std::make_unique<LocalReader>(
        uri_, std::string(name), fd, static_cast<uint64_t>(st.st_size), deadline));
  }

  Result<bool> FileExists(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    RETURN_IF_ERROR(CheckDeadline(EffectiveDeadline(options, options_),
                                  uri_ + ": stat \"" + std::string(name) + "\""));
    struct stat st;
    if (::stat(Path(name).c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return false;
      return ErrnoStatus(uri_, "stat", name, errno);
    }
    return S_ISREG(st.st_mode);
  }

  Status DeleteFile(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    RETURN_IF_ERROR(CheckDeadline(EffectiveDeadline(options, options_),
                                  uri_ + ": delete \"" + std::string(name) + "\""));
    FAIL_POINT("storage.local.delete");
    if (::unlink(Path(name).c_str()) != 0) {
      // A directory is not an object, so there is no such object to delete.
      if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return Status::OK();
      return ErrnoStatus(uri_, "delete", name, errno);
    }
    return Status::OK();
  }

  Status WalkDir(std::string_view prefix, const WalkFn& fn, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    std::string what = uri_ + ": list \"" + std::string(prefix) + "\"";
    RETURN_IF_ERROR(CheckDeadline(deadline, what));
    // Start at the deepest directory the prefix names; the rest is a string filter.
    size_t slash = prefix.rfind('/');
    std::string start = slash == std::string_view::npos
                            ? root_
                            : root_ + "/" + std::string(prefix.substr(0, slash));
    std::error_code ec;
    if (!fs::is_directory(start, ec)) return Status::OK();
    // Collect then sort, so the order is by full name like an object store's listing (a
    // per-directory walk would put "a/b" before "a.c").
    std::vector<std::pair<std::string, uint64_t>> found;
    fs::recursive_directory_iterator it(start, ec), end;
    if (ec) return ErrnoStatus(uri_, "list", prefix, ec.value());
    size_t visited = 0;
    for (; it != end; it.increment(ec)) {
      if (ec) return ErrnoStatus(uri_, "list", prefix, ec.value());
      if (++visited % 1024 == 0) RETURN_IF_ERROR(CheckDeadline(deadline, what));
      const fs::directory_entry& e = *it;
      std::error_code fec;
      if (!e.is_regular_file(fec)) continue;
      std::string filename = e.path().filename().string();
      if (filename.find(kLocalPartialMarker) != std::string::npos) continue;
      std::string full = e.path().string();
      if (full.size() <= root_.size() + 1) continue;
      std::string rel = full.substr(root_ == "/" ? 1 : root_.size() + 1);
      if (rel.compare(0, prefix.size(), prefix) != 0) continue;
      uint64_t size = e.file_size(fec);
      if (fec) continue;  // vanished while listing
      found.emplace_back(std::move(rel), size);
    }
    std::sort(found.begin(), found.end());
    for (const auto& [name, size] : found) RETURN_IF_ERROR(fn(name, size));
    return Status::OK();
  }

  std::string Uri() const override { return uri_; }
  const StorageBackend& backend() const override { return backend_; }

 private:
  std::string Path(std::string_view name) const {
    return root_ == "/" ? "/" + std::string(name) : root_ + "/" + std::string(name);
  }

  std::string root_;
  const StorageOptions options_;
  StorageBackend backend_;
  std::string uri_;
};

}  // namespace

std::unique_ptr<ExternalStorage> NewLocalStorage(const std::string& root,
                                                 const StorageOptions& options) {
  return std::make_unique<LocalStorage>(root, options);
}

}  // namespace brkv::storage
