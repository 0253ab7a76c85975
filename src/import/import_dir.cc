#include "import/import_dir.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "common/logging.h"
#include "kv/keys.h"

namespace brkv::import {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kWorkPrefix = ".work-";

}  // namespace

// ---- Claim / WorkDir ----

ImportDir::Claim::Claim(Claim&& o) noexcept
    : dir_(o.dir_), name_(std::move(o.name_)), path_(std::move(o.path_)) {
  o.dir_ = nullptr;
}

ImportDir::Claim::~Claim() {
  if (dir_ != nullptr) dir_->Release(name_);
}

void ImportDir::Claim::RemoveFile() const {
  std::error_code ec;
  fs::remove(path_, ec);
  if (ec) LOG_WARN("cannot remove staged SST {}: {}", path_, ec.message());
}

ImportDir::WorkDir::WorkDir(WorkDir&& o) noexcept
    : dir_(o.dir_), name_(std::move(o.name_)), path_(std::move(o.path_)) {
  o.dir_ = nullptr;
}

ImportDir::WorkDir::~WorkDir() {
  if (dir_ == nullptr) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) LOG_WARN("cannot remove import work directory {}: {}", path_, ec.message());
  dir_->Release(name_);
}

// ---- ImportDir ----

Result<std::unique_ptr<ImportDir>> ImportDir::Open(const std::string& path, size_t* removed) {
  if (path.empty()) return Status::InvalidArgument("import directory: empty path");
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Status::IOError("cannot create import directory " + path + ": " + ec.message());
  if (!fs::is_directory(path, ec)) {
    return Status::IOError("import directory " + path + " is not a directory");
  }
  size_t n = 0;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    if (rm) {
      return Status::IOError("cannot clean import directory entry " + it->path().string() + ": " +
                             rm.message());
    }
    ++n;
  }
  if (ec) return Status::IOError("cannot list import directory " + path + ": " + ec.message());
  if (n > 0) LOG_INFO("removed {} leftover entries from import directory {}", n, path);
  if (removed != nullptr) *removed = n;
  return std::unique_ptr<ImportDir>(new ImportDir(path));
}

ImportDir::~ImportDir() = default;

std::string ImportDir::UuidText(std::string_view uuid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const auto b = static_cast<unsigned char>(uuid[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

Result<std::string> ImportDir::StagedName(std::string_view uuid, std::string_view cf) {
  if (uuid.size() != 16) {
    return Status::InvalidArgument("SST uuid must have 16 bytes, got " +
                                   std::to_string(uuid.size()));
  }
  if (cf != keys::kCfDefault && cf != keys::kCfWrite) {
    return Status::InvalidArgument("cannot stage an SST for column family \"" + std::string(cf) +
                                   "\" (only default and write)");
  }
  return UuidText(uuid) + "_" + std::string(cf) + ".sst";
}

Result<ImportDir::Claim> ImportDir::ClaimStaged(std::string_view uuid, std::string_view cf) {
  ASSIGN_OR_RETURN(std::string name, StagedName(uuid, cf));
  std::lock_guard<std::mutex> l(mu_);
  if (!in_use_.insert(name).second) {
    return Status::Busy("staged SST " + name + " is in use by another import request");
  }
  std::string path = path_ + "/" + name;
  return Claim(this, std::move(name), std::move(path));
}

Result<ImportDir::WorkDir> ImportDir::NewWorkDir() {
  std::string name;
  {
    std::lock_guard<std::mutex> l(mu_);
    name =
        std::string(kWorkPrefix) + std::to_string(::getpid()) + "-" + std::to_string(++next_work_);
    in_use_.insert(name);
  }
  WorkDir wd(this, name, path_ + "/" + name);
  std::error_code ec;
  fs::remove_all(wd.path(), ec);  // a leftover of a crashed process with the same pid
  if (!fs::create_directory(wd.path(), ec) || ec) {
    return Status::IOError("cannot create import work directory " + wd.path() + ": " +
                           (ec ? ec.message() : std::string("already exists")));
  }
  return wd;
}

void ImportDir::Release(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  in_use_.erase(name);
}

size_t ImportDir::Sweep(std::chrono::milliseconds age) {
  const auto now = fs::file_time_type::clock::now();
  size_t removed = 0;
  std::lock_guard<std::mutex> l(mu_);  // claims wait until the sweep is done
  std::error_code ec;
  for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (in_use_.count(name) != 0) continue;
    std::error_code tec;
    const auto mtime = fs::last_write_time(it->path(), tec);
    if (tec) continue;  // vanished meanwhile
    if (now - mtime < age) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    if (rm) {
      LOG_WARN("cannot remove stale import entry {}: {}", it->path().string(), rm.message());
      continue;
    }
    LOG_INFO("removed stale import entry {} (not ingested within {} ms)", name, age.count());
    ++removed;
  }
  if (ec) LOG_WARN("cannot list import directory {}: {}", path_, ec.message());
  return removed;
}

Status ImportDir::ValidateClearPrefix(std::string_view prefix) {
  if (prefix.empty()) {
    return Status::InvalidArgument("clear prefix is empty: it would match every staged file");
  }
  for (char ch : prefix) {
    if (!std::isxdigit(static_cast<unsigned char>(ch)) && ch != '-') {
      // The prefix is untrusted input: show only its length, not bytes that could be anything.
      return Status::InvalidArgument("clear prefix of " + std::to_string(prefix.size()) +
                                     " bytes holds a character other than hex digits and '-'");
    }
  }
  return Status::OK();
}

Result<size_t> ImportDir::Clear(std::string_view prefix) {
  RETURN_IF_ERROR(ValidateClearPrefix(prefix));
  std::string lower(prefix);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  size_t removed = 0;
  std::lock_guard<std::mutex> l(mu_);  // claims wait until the clear is done
  std::error_code ec;
  for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, lower.size(), lower) != 0) continue;
    if (in_use_.count(name) != 0) continue;
    std::error_code rm;
    if (!fs::remove(it->path(), rm) || rm) {
      if (rm) LOG_WARN("cannot clear staged SST {}: {}", it->path().string(), rm.message());
      continue;
    }
    ++removed;
  }
  if (ec) LOG_WARN("cannot list import directory {}: {}", path_, ec.message());
  return removed;
}

std::vector<std::string> ImportDir::List() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace brkv::import
