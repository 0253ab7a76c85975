#include "sst/staging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace brkv::sst {

std::string NewStagingPath(std::string_view dir, std::string_view tag, std::string_view suffix) {
  static std::atomic<uint64_t> seq{0};
  std::string out(dir);
  if (out.empty() || out.back() != '/') out.push_back('/');
  out += tag;
  out += '-';
  out += std::to_string(::getpid());
  out += '-';
  out += std::to_string(seq.fetch_add(1));
  out += suffix;
  return out;
}

Status CheckTempDir(std::string_view dir) {
  if (dir.empty()) return Status::InvalidArgument("no temp directory given for staged SST files");
  struct stat st;
  std::string d(dir);
  if (::stat(d.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("temp directory \"" + d + "\" does not exist");
  }
  return Status::OK();
}

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(context) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(msg);
  if (s.IsNotSupported()) return Status::NotSupported(msg);
  if (s.IsIOError()) return Status::IOError(msg);
  return Status::Internal(msg);
}

ScopedFile& ScopedFile::operator=(ScopedFile&& o) noexcept {
  if (this != &o) {
    Remove();
    path_ = std::move(o.path_);
    o.path_.clear();
  }
  return *this;
}

void ScopedFile::Remove() {
  if (path_.empty()) return;
  ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace brkv::sst
