#include "sst/sst_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table.h>
#include <rocksdb/table_properties.h>

#include "common/codec.h"
#include "common/failpoint.h"
#include "common/sha256.h"
#include "sst/staging.h"

namespace brkv::sst {

namespace {

std::string BaseName(std::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("write staged download: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

// Streams the object into `path`: sha256 over the downloaded bytes, then decryption.
Status Download(storage::ExternalStorage* storage, const SstFileRef& file,
                const SstReaderOptions& options, const std::string& path) {
  RETURN_IF_ERROR(failpoint::Eval("restore.before-download"));
  ASSIGN_OR_RETURN(std::unique_ptr<storage::ExternalReader> reader,
                   storage->Open(file.name, options.call_options));
  ASSIGN_OR_RETURN(std::unique_ptr<Crypter> crypter,
                   Crypter::New(options.cipher, file.cipher_iv, Crypter::Mode::kDecrypt));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("create " + path + ": " + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};

  const uint64_t size = reader->size();
  const size_t chunk_size = options.chunk_size == 0 ? (1 << 20) : options.chunk_size;
  Sha256Hasher hasher;
  std::string chunk;
  uint64_t offset = 0;
  while (offset < size) {
    RETURN_IF_ERROR(failpoint::Eval("restore.download-chunk"));
    RETURN_IF_ERROR(reader->ReadAt(offset, chunk_size, &chunk));
    if (chunk.empty()) {
      return Status::Corruption("backup file \"" + file.name + "\" ended at " +
                                std::to_string(offset) + " of " + std::to_string(size) + " bytes");
    }
    if (options.rate_limiter != nullptr) options.rate_limiter->Request(chunk.size());
    hasher.Update(chunk);
    RETURN_IF_ERROR(crypter->UpdateInPlace(chunk.data(), chunk.size()));
    RETURN_IF_ERROR(WriteAll(fd, chunk));
    offset += chunk.size();
  }
  std::string digest = hasher.Finish();
  if (!file.sha256.empty() && digest != file.sha256) {
    return Status::Corruption("sha256 mismatch for backup file \"" + file.name +
                              "\": backupmeta has " + codec::ToHex(file.sha256) + ", downloaded " +
                              codec::ToHex(digest));
  }
  if (file.size != 0 && file.size != size) {
    return Status::Corruption("size mismatch for backup file \"" + file.name +
                              "\": backupmeta has " + std::to_string(file.size) +
                              " bytes, downloaded " + std::to_string(size));
  }
  return Status::OK();
}

}  // namespace

SstIterator::SstIterator(rocksdb::Iterator* it) : it_(it) {}
SstIterator::~SstIterator() = default;
void SstIterator::SeekToFirst() { it_->SeekToFirst(); }
void SstIterator::Seek(std::string_view target) {
  it_->Seek(rocksdb::Slice(target.data(), target.size()));
}
bool SstIterator::Valid() const { return it_->Valid(); }
void SstIterator::Next() { it_->Next(); }
std::string_view SstIterator::key() const {
  rocksdb::Slice k = it_->key();
  return {k.data(), k.size()};
}
std::string_view SstIterator::value() const {
  rocksdb::Slice v = it_->value();
  return {v.data(), v.size()};
}
Status SstIterator::status() const { return FromRocks(it_->status(), "read SST"); }

Result<std::unique_ptr<SstReader>> SstReader::Open(storage::ExternalStorage* storage,
                                                   const SstFileRef& file,
                                                   const SstReaderOptions& options) {
  if (storage == nullptr) return Status::InvalidArgument("SST reader needs a storage");
  RETURN_IF_ERROR(CheckTempDir(options.temp_dir));
  RETURN_IF_ERROR(ValidateCipher(options.cipher));
  if (options.cipher.encrypted() && file.cipher_iv.size() != kIvSize) {
    return Status::InvalidArgument("backup file \"" + file.name + "\" has a " +
                                   std::to_string(file.cipher_iv.size()) +
                                   "-byte cipher IV; an encrypted backup needs 16 bytes");
  }
  if (file.sha256.empty() && options.require_sha256) {
    return Status::Corruption("backup file \"" + file.name + "\" has no sha256 in backupmeta");
  }
  if (!file.sha256.empty() && file.sha256.size() != 32) {
    return Status::Corruption("backup file \"" + file.name + "\" has a malformed sha256 (" +
                              std::to_string(file.sha256.size()) + " bytes)");
  }

  ScopedFile staged(
      NewStagingPath(options.temp_dir, "restore", "-" + BaseName(file.name) + ".staging"));
  Status s = Download(storage, file, options, staged.path());
  if (!s.ok()) {
    if (s.code() == Status::Code::kCorruption) return s;
    return s.WithContext("download backup file \"" + file.name + "\"");
  }

  rocksdb::Options ropts;
  // Each block is read once, in order: a block cache would only cost memory.
  rocksdb::BlockBasedTableOptions table_options;
  table_options.no_block_cache = true;
  ropts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  auto reader = std::make_unique<rocksdb::SstFileReader>(ropts);
  rocksdb::Status rs = reader->Open(staged.path());
  if (rs.ok() && options.verify_block_checksums) rs = reader->VerifyChecksum();
  if (!rs.ok()) {
    std::string hint = options.cipher.encrypted()
                           ? " (wrong crypter key or method?)"
                           : " (an encrypted backup needs --crypter.method and its key)";
    return Status::Corruption("backup file \"" + file.name + "\" is not a readable SST" + hint +
                              ": " + rs.ToString());
  }
  std::unique_ptr<SstReader> r(new SstReader());
  r->name_ = file.name;
  r->local_path_ = staged.path();
  r->reader_ = std::move(reader);
  r->staged_ = std::move(staged);
  return r;
}

SstReader::~SstReader() {
  reader_.reset();  // close the file before it is unlinked
}

std::unique_ptr<SstIterator> SstReader::NewIterator() {
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  return std::unique_ptr<SstIterator>(new SstIterator(reader_->NewIterator(ro)));
}

uint64_t SstReader::num_entries() const {
  auto props = reader_->GetTableProperties();
  return props ? props->num_entries : 0;
}

}  // namespace brkv::sst
