#include "raftstore/snap_files.h"

#include <fcntl.h>
#include <rocksdb/sst_file_writer.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "raftstore/snapshot.h"

namespace brkv::raftstore {

namespace {

std::string KeyName(const SnapKey& k) {
  return std::to_string(k.region_id) + "_" + std::to_string(k.term) + "_" +
         std::to_string(k.index);
}

// A name no other writer of the same file uses at the same time.
std::string TempPath(const std::string& final_path) {
  static std::atomic<uint64_t> seq{0};
  return final_path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(seq++);
}

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

Status SyncAndRename(const std::string& from, const std::string& to) {
  int fd = ::open(from.c_str(), O_RDONLY);
  if (fd < 0) return Errno("cannot open", from);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot sync", from);
  if (::rename(from.c_str(), to.c_str()) != 0) return Errno("cannot rename", from);
  return Status::OK();
}

}  // namespace

std::string SnapFilePath(const std::string& dir, bool generated, const SnapKey& key,
                         std::string_view cf) {
  return dir + "/" + (generated ? "gen_" : "rev_") + KeyName(key) + "_" + std::string(cf) +
         ".sst";
}

Status FileSizeAndCrc32(const std::string& path, uint64_t* size, uint32_t* crc) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    return errno == ENOENT ? Status::NotFound("no file " + path) : Errno("cannot open", path);
  }
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  uLong c = ::crc32(0L, Z_NULL, 0);
  uint64_t n = 0;
  while (true) {
    ssize_t r = ::read(fd, buf.get(), 1 << 20);
    if (r < 0) {
      if (errno == EINTR) continue;
      Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (r == 0) break;
    c = ::crc32(c, reinterpret_cast<const Bytef*>(buf.get()), static_cast<uInt>(r));
    n += static_cast<uint64_t>(r);
  }
  ::close(fd);
  *size = n;
  *crc = static_cast<uint32_t>(c);
  return Status::OK();
}

Result<raft_serverpb::SnapshotMeta> BuildSnapshotFiles(const Engines& e,
                                                       const rocksdb::Snapshot* snapshot,
                                                       const metapb::Region& region,
                                                       const SnapKey& key, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create snapshot directory " + dir + ": " + ec.message());
  raft_serverpb::SnapshotMeta meta;
  std::vector<std::string> written;
  auto fail = [&](Status s) {
    for (const auto& p : written) std::remove(p.c_str());
    return s;
  };
  auto [lo, hi] = DataRange(region);
  for (std::string_view cf_name : kSnapshotCfs) {
    rocksdb::ColumnFamilyHandle* cf = e.DataCf(cf_name);
    auto* f = meta.add_cf_files();
    f->set_cf(std::string(cf_name));
    const std::string path = SnapFilePath(dir, true, key, cf_name);
    const std::string tmp = TempPath(path);
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    ro.fill_cache = false;
    rocksdb::Slice ub(hi);
    ro.iterate_upper_bound = &ub;
    std::unique_ptr<rocksdb::Iterator> it(e.db->NewIterator(ro, cf));
    it->Seek(lo);
    if (!it->Valid()) {
      if (!it->status().ok()) {
        return fail(Status::IOError("snapshot scan of " + std::string(cf_name) + ": " +
                                    it->status().ToString()));
      }
      continue;  // no keys: no file
    }
    // No column family recorded in the file: the receiver ingests it into its CF of that name,
    // whatever id its engine gave it.
    rocksdb::SstFileWriter w(rocksdb::EnvOptions(), e.db->GetOptions(cf));
    auto s = w.Open(tmp);
    for (; s.ok() && it->Valid(); it->Next()) s = w.Put(it->key(), it->value());
    if (s.ok()) s = it->status();
    if (s.ok()) s = w.Finish();
    if (!s.ok()) {
      std::remove(tmp.c_str());
      return fail(Status::IOError("cannot write snapshot file " + path + ": " + s.ToString()));
    }
    Status st = SyncAndRename(tmp, path);
    if (!st.ok()) {
      std::remove(tmp.c_str());
      return fail(st);
    }
    written.push_back(path);
    uint64_t size = 0;
    uint32_t crc = 0;
    st = FileSizeAndCrc32(path, &size, &crc);
    if (!st.ok()) return fail(st);
    f->set_size(size);
    f->set_checksum(crc);
  }
  return meta;
}

std::vector<std::string> SnapshotFilePaths(const std::string& dir, bool generated,
                                           const SnapKey& key,
                                           const raft_serverpb::SnapshotMeta& meta) {
  std::vector<std::string> out;
  for (const auto& f : meta.cf_files()) {
    out.push_back(f.size() == 0 ? std::string() : SnapFilePath(dir, generated, key, f.cf()));
  }
  return out;
}

SnapshotReceiver::SnapshotReceiver(std::string dir, const SnapKey& key,
                                   raft_serverpb::SnapshotMeta meta)
    : dir_(std::move(dir)), key_(key), meta_(std::move(meta)) {}

SnapshotReceiver::~SnapshotReceiver() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_path_.empty()) std::remove(tmp_path_.c_str());
  if (!finished_) {
    for (const auto& p : done_) std::remove(p.c_str());
  }
}

Status SnapshotReceiver::OpenNext() {
  // Files without bytes are complete as they are.
  while (++file_ < meta_.cf_files_size() && meta_.cf_files(file_).size() == 0) {
  }
  if (file_ >= meta_.cf_files_size()) {
    return Status::InvalidArgument("snapshot of region " + std::to_string(key_.region_id) +
                                   ": more bytes than its files hold");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  const auto& f = meta_.cf_files(file_);
  if (f.cf().empty() || f.cf().find('/') != std::string::npos || f.cf().find("..") != std::string::npos) {
    return Status::InvalidArgument("snapshot of region " + std::to_string(key_.region_id) +
                                   ": bad CF name in its meta");
  }
  tmp_path_ = TempPath(SnapFilePath(dir_, false, key_, f.cf()));
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd_ < 0) return Errno("cannot create", tmp_path_);
  file_written_ = 0;
  crc_ = static_cast<uint32_t>(::crc32(0L, Z_NULL, 0));
  return Status::OK();
}

Status SnapshotReceiver::CloseCurrent() {
  const auto& f = meta_.cf_files(file_);
  const std::string path = SnapFilePath(dir_, false, key_, f.cf());
  int rc = ::fsync(fd_);
  ::close(fd_);
  fd_ = -1;
  if (rc != 0) return Errno("cannot sync", tmp_path_);
  if (crc_ != f.checksum()) {
    std::remove(tmp_path_.c_str());
    return Status::Corruption("snapshot file " + path + ": checksum " + std::to_string(crc_) +
                              " differs from the sender's " + std::to_string(f.checksum()));
  }
  if (::rename(tmp_path_.c_str(), path.c_str()) != 0) return Errno("cannot rename", tmp_path_);
  done_.push_back(path);
  tmp_path_.clear();
  return Status::OK();
}

Status SnapshotReceiver::Write(std::string_view data) {
  while (!data.empty()) {
    if (fd_ < 0) RETURN_IF_ERROR(OpenNext());
    const uint64_t want = meta_.cf_files(file_).size() - file_written_;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(want, data.size()));
    size_t off = 0;
    while (off < n) {
      ssize_t w = ::write(fd_, data.data() + off, n - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Errno("cannot write", tmp_path_);
      }
      off += static_cast<size_t>(w);
    }
    crc_ = static_cast<uint32_t>(
        ::crc32(crc_, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n)));
    file_written_ += n;
    received_ += n;
    data.remove_prefix(n);
    if (file_written_ == meta_.cf_files(file_).size()) RETURN_IF_ERROR(CloseCurrent());
  }
  return Status::OK();
}

Status SnapshotReceiver::Finish() {
  for (int i = file_ + 1; i < meta_.cf_files_size(); ++i) {
    if (meta_.cf_files(i).size() != 0) {
      return Status::Corruption("snapshot of region " + std::to_string(key_.region_id) +
                                ": the stream ended before file " +
                                SnapFilePath(dir_, false, key_, meta_.cf_files(i).cf()));
    }
  }
  if (fd_ >= 0) {
    return Status::Corruption("snapshot file " +
                              SnapFilePath(dir_, false, key_, meta_.cf_files(file_).cf()) +
                              ": received " + std::to_string(file_written_) + " of " +
                              std::to_string(meta_.cf_files(file_).size()) + " bytes");
  }
  finished_ = true;
  return Status::OK();
}

Status CheckReceivedFiles(const std::string& dir, const SnapKey& key,
                          const raft_serverpb::SnapshotMeta& meta) {
  for (const auto& f : meta.cf_files()) {
    if (f.size() == 0) continue;
    const std::string path = SnapFilePath(dir, false, key, f.cf());
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return Status::NotFound("snapshot file " + path + " is not here: " + ec.message());
    if (size != f.size()) {
      return Status::Corruption("snapshot file " + path + " has " + std::to_string(size) +
                                " bytes, its meta says " + std::to_string(f.size()));
    }
  }
  return Status::OK();
}

Status IngestSnapshotFiles(const Engines& e, const std::string& dir, const SnapKey& key,
                           const raft_serverpb::SnapshotMeta& meta) {
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (const auto& f : meta.cf_files()) {
    if (f.size() == 0) continue;
    rocksdb::ColumnFamilyHandle* cf = e.DataCf(f.cf());
    if (cf == nullptr) return Status::Corruption("snapshot names an unknown CF " + f.cf());
    const std::string path = SnapFilePath(dir, false, key, f.cf());
    const std::string link = path + ".ingest";
    std::remove(link.c_str());
    auto& a = args.emplace_back();
    a.column_family = cf;
    a.options.snapshot_consistency = true;
    a.options.allow_global_seqno = true;
    a.options.allow_blocking_flush = true;
    if (::link(path.c_str(), link.c_str()) == 0) {
      a.options.move_files = true;  // RocksDB takes the link; the rev file stays
      a.external_files.push_back(link);
    } else {
      a.options.move_files = false;  // copies
      a.external_files.push_back(path);
    }
  }
  if (args.empty()) return Status::OK();
  auto s = e.db->IngestExternalFiles(args);
  if (!s.ok()) {
    for (const auto& a : args) {
      if (a.options.move_files) std::remove(a.external_files[0].c_str());
    }
    return Status::IOError("cannot ingest the snapshot of region " +
                           std::to_string(key.region_id) + ": " + s.ToString());
  }
  return Status::OK();
}

void RemoveSnapshotFiles(const std::string& dir, std::string_view prefix, uint64_t region_id,
                         uint64_t below_index) {
  std::error_code ec;
  const std::string mine = std::string(prefix) + std::to_string(region_id) + "_";
  std::vector<std::filesystem::path> doomed;
  for (const auto& ent : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = ent.path().filename().string();
    if (name.rfind(mine, 0) != 0) continue;
    // <prefix>R_T_I_<cf>...: the index follows the term
    const size_t t_end = name.find('_', mine.size());
    if (t_end == std::string::npos) continue;
    const uint64_t index = std::strtoull(name.c_str() + t_end + 1, nullptr, 10);
    if (index < below_index) doomed.push_back(ent.path());
  }
  for (const auto& p : doomed) std::filesystem::remove(p, ec);
}

void RemoveSnapshotFilesExcept(const std::string& dir, const std::vector<uint64_t>& keep_rev) {
  std::error_code ec;
  std::vector<std::filesystem::path> doomed;
  for (const auto& ent : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = ent.path().filename().string();
    bool keep = false;
    if (name.find(".tmp.") == std::string::npos && name.find(".ingest") == std::string::npos) {
      for (uint64_t r : keep_rev) {
        if (name.rfind("rev_" + std::to_string(r) + "_", 0) == 0) keep = true;
      }
    }
    if (!keep) doomed.push_back(ent.path());
  }
  for (const auto& p : doomed) std::filesystem::remove(p, ec);
}

}  // namespace brkv::raftstore
