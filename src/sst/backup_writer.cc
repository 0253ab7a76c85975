#include "sst/backup_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>

#include "common/failpoint.h"
#include "common/sha256.h"
#include "sst/staging.h"

namespace brkv::sst {

namespace {

int64_t SystemUnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view CfName(BackupCf cf) { return cf == BackupCf::kDefault ? "default" : "write"; }

// One CF's staged SST of the current piece.
class BackupWriter::CfWriter {
 public:
  CfWriter(BackupCf cf, const rocksdb::Options& options, std::string path)
      : cf_(cf), file_(std::move(path)), writer_(rocksdb::EnvOptions(), options) {}

  Status Open() {
    RETURN_IF_ERROR(
        FromRocks(writer_.Open(file_.path()), "open staged " + std::string(CfName(cf_)) + " SST"));
    opened_ = true;
    return Status::OK();
  }
  Status Put(std::string_view key, std::string_view value) {
    RETURN_IF_ERROR(FromRocks(writer_.Put(rocksdb::Slice(key.data(), key.size()),
                                          rocksdb::Slice(value.data(), value.size())),
                              "add a " + std::string(CfName(cf_)) + " KV"));
    ++entries_;
    return Status::OK();
  }
  // Flushed bytes so far.
  uint64_t FileSize() { return opened_ ? writer_.FileSize() : 0; }
  // Completes the SST; returns its size.
  Result<uint64_t> Finish() {
    rocksdb::ExternalSstFileInfo info;
    RETURN_IF_ERROR(
        FromRocks(writer_.Finish(&info), "finish staged " + std::string(CfName(cf_)) + " SST"));
    opened_ = false;
    return info.file_size;
  }

  BackupCf cf() const { return cf_; }
  bool opened() const { return opened_; }
  uint64_t entries() const { return entries_; }
  const std::string& path() const { return file_.path(); }
  Checksum& checksum() { return checksum_; }

 private:
  const BackupCf cf_;
  // Declared before file_ so it is destroyed first: an unfinished SstFileWriter closes its
  // file in its destructor, and then ScopedFile unlinks it.
  ScopedFile file_;
  rocksdb::SstFileWriter writer_;
  bool opened_ = false;
  uint64_t entries_ = 0;
  Checksum checksum_;
};

BackupWriter::BackupWriter(storage::ExternalStorage* storage, BackupWriterOptions options)
    : storage_(storage), options_(std::move(options)) {
  naming_ = options_.naming == FileNaming::kAuto ? NamingForBackend(storage_->backend())
                                                 : options_.naming;
  piece_start_ = options_.start_key;
  if (!options_.now_unix_millis) options_.now_unix_millis = SystemUnixMillis;
  if (options_.upload_chunk_size == 0) options_.upload_chunk_size = 1 << 20;
}

BackupWriter::~BackupWriter() { RemoveStaged(); }

Result<std::unique_ptr<BackupWriter>> BackupWriter::Open(storage::ExternalStorage* storage,
                                                         BackupWriterOptions options) {
  if (storage == nullptr) return Status::InvalidArgument("backup writer needs a storage");
  RETURN_IF_ERROR(CheckTempDir(options.temp_dir));
  RETURN_IF_ERROR(ValidateCipher(options.cipher));
  RETURN_IF_ERROR(ToRocksCompression(options.compression).status());
  if (options.sst_max_size == 0) return Status::InvalidArgument("sst_max_size must be positive");
  if (!options.end_key.empty() && options.start_key >= options.end_key) {
    return Status::InvalidArgument("backup range is empty or inverted");
  }
  return std::unique_ptr<BackupWriter>(new BackupWriter(storage, std::move(options)));
}

Status BackupWriter::Fail(Status s) {
  if (error_.ok()) error_ = s;
  RemoveStaged();
  return s;
}

void BackupWriter::RemoveStaged() {
  // Destroying a CfWriter closes its SST writer and unlinks the staged file.
  for (auto& cf : cfs_) cf.reset();
}

Status BackupWriter::Add(const BackupKv& kv) {
  if (!error_.ok()) return error_;
  if (finished_) return Status::Aborted("backup writer already finished");
  Status s = AddImpl(kv);
  if (!s.ok()) return Fail(s);
  return s;
}

Status BackupWriter::AddImpl(const BackupKv& kv) {
  if (kv.cf != BackupCf::kDefault && kv.cf != BackupCf::kWrite) {
    return Status::InvalidArgument("backup KV names an unknown CF");
  }
  if (kv.raw_key < options_.start_key ||
      (!options_.end_key.empty() && kv.raw_key >= options_.end_key)) {
    return Status::InvalidArgument("backup KV's raw key is outside the range being backed up");
  }
  bool new_key = !has_last_ || kv.raw_key != last_raw_key_;
  if (has_last_ && kv.raw_key < last_raw_key_) {
    return Status::InvalidArgument("backup KVs must come in raw key order");
  }
  if (new_key) {
    uint64_t staged = 0;
    bool any = false;
    for (auto& cf : cfs_) {
      if (cf) {
        staged += cf->FileSize();
        any = true;
      }
    }
    // Cut only between raw keys, so a key's write and default KVs share a piece.
    if (any && staged >= options_.sst_max_size) RETURN_IF_ERROR(FinishPiece(kv.raw_key));
    last_raw_key_.assign(kv.raw_key);
    has_last_ = true;
  }
  auto& w = cfs_[static_cast<int>(kv.cf)];
  if (!w) {
    rocksdb::Options options;
    ASSIGN_OR_RETURN(options.compression, ToRocksCompression(options_.compression));
    options.bottommost_compression = rocksdb::kDisableCompressionOption;
    options.compression_per_level.clear();
    if (options_.compression_level != 0)
      options.compression_opts.level = options_.compression_level;
    std::string path = NewStagingPath(options_.temp_dir, "backup",
                                      "_" + std::string(CfName(kv.cf)) + ".sst.staging");
    w = std::make_unique<CfWriter>(kv.cf, options, std::move(path));
    RETURN_IF_ERROR(w->Open());
  }
  RETURN_IF_ERROR(w->Put(kv.key, kv.value));
  if (kv.checksum_value) {
    w->checksum().Update(kv.raw_key, *kv.checksum_value);
    total_.Update(kv.raw_key, *kv.checksum_value);
  }
  return Status::OK();
}

Status BackupWriter::FinishPiece(std::string_view end_key) {
  BackupPiece piece;
  piece.start_key = piece_start_;
  piece.end_key = std::string(end_key);
  std::string stem =
      BackupFileNameStem(options_.store_id, options_.region_id, options_.region_version,
                         piece_start_, options_.now_unix_millis(), naming_);
  for (BackupCf cf : {BackupCf::kDefault, BackupCf::kWrite}) {
    auto& w = cfs_[static_cast<int>(cf)];
    if (!w) continue;
    BackupFileInfo info;
    info.name = BackupFileName(stem, CfName(cf));
    info.cf = std::string(CfName(cf));
    info.start_key = piece.start_key;
    info.end_key = piece.end_key;
    info.crc64xor = w->checksum().crc64xor;
    info.total_kvs = w->checksum().total_kvs;
    info.total_bytes = w->checksum().total_bytes;
    info.start_version = options_.start_version;
    info.end_version = options_.end_version;
    ASSIGN_OR_RETURN(info.size, w->Finish());
    RETURN_IF_ERROR(UploadStaged(w.get(), &info));
    w.reset();  // removes the staged file
    piece.files.push_back(std::move(info));
  }
  piece_start_ = piece.end_key;
  files_.insert(files_.end(), piece.files.begin(), piece.files.end());
  if (options_.on_piece) RETURN_IF_ERROR(options_.on_piece(piece));
  return Status::OK();
}

Status BackupWriter::UploadStaged(CfWriter* w, BackupFileInfo* info) {
  const std::string& name = info->name;
  auto ctx = [&](const Status& s) { return s.WithContext("upload backup file \"" + name + "\""); };
  RETURN_IF_ERROR(ctx(failpoint::Eval("backup.before-upload")));
  // TiKV fills a random IV even when the file is not encrypted.
  ASSIGN_OR_RETURN(info->cipher_iv, NewIv());
  ASSIGN_OR_RETURN(std::unique_ptr<Crypter> crypter,
                   Crypter::New(options_.cipher, info->cipher_iv, Crypter::Mode::kEncrypt));
  int fd = ::open(w->path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::IOError("open staged SST of \"" + name + "\": " + std::strerror(errno));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};

  auto created = storage_->Create(name, options_.call_options);
  if (!created.ok()) return ctx(created.status());
  std::unique_ptr<storage::ExternalWriter> out = std::move(created).value();
  Sha256Hasher hasher;
  std::string buf(options_.upload_chunk_size, '\0');
  uint64_t sent = 0;
  Status s;
  while (s.ok()) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      s = Status::IOError(std::string("read staged SST: ") + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    s = crypter->UpdateInPlace(buf.data(), static_cast<size_t>(n));
    if (!s.ok()) break;
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    hasher.Update(chunk);
    if (options_.rate_limiter != nullptr) options_.rate_limiter->Request(chunk.size());
    s = failpoint::Eval("backup.upload-chunk");
    if (!s.ok()) break;
    s = out->Append(chunk);
    sent += chunk.size();
  }
  if (s.ok() && sent != info->size) {
    s = Status::Internal("staged SST size changed: expected " + std::to_string(info->size) +
                         " bytes, read " + std::to_string(sent));
  }
  if (s.ok()) s = out->Finish();
  if (!s.ok()) {
    (void)out->Abort();
    return ctx(s);
  }
  info->sha256 = hasher.Finish();
  return Status::OK();
}

Result<std::vector<BackupFileInfo>> BackupWriter::Finish() {
  if (!error_.ok()) return error_;
  if (finished_) return Status::Aborted("backup writer already finished");
  if (cfs_[0] || cfs_[1]) {
    Status s = FinishPiece(options_.end_key);
    if (!s.ok()) return Fail(s);
  }
  finished_ = true;
  return files_;
}

}  // namespace brkv::sst
