#include "pd/storage.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <cstdio>
#include <filesystem>

namespace brkv::pd {
namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsNotFound()) return Status::NotFound(msg);
  return Status::IOError(msg);
}

}  // namespace

struct PdStorage::Impl {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write_options;
};

PdStorage::PdStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PdStorage::~PdStorage() {
  if (impl_ && impl_->db) {
    impl_->db->FlushWAL(true).PermitUncheckedError();
    impl_->db->Close().PermitUncheckedError();
  }
}

Result<std::unique_ptr<PdStorage>> PdStorage::Open(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("data dir is empty");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create data dir " + dir + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::IOError("data dir " + dir + " is not a directory");
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  options.keep_log_file_num = 3;
  options.max_log_file_size = 8 << 20;
  rocksdb::DB* raw = nullptr;
  std::string path = (std::filesystem::path(dir) / "pd-meta").string();
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Status::IOError("data dir " + dir +
                             " is in use by another pd-server (" + s.ToString() + ")");
    }
    return FromRocks(s, "open PD metadata in " + dir);
  }
  auto impl = std::make_unique<Impl>();
  impl->db.reset(raw);
  impl->write_options.sync = true;
  return std::unique_ptr<PdStorage>(new PdStorage(std::move(impl)));
}

Result<std::optional<std::string>> PdStorage::Get(std::string_view key) const {
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()),
                                     &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "get " + std::string(key));
  return std::optional<std::string>(std::move(value));
}

Status PdStorage::Put(std::string_view key, std::string_view value) {
  return FromRocks(impl_->db->Put(impl_->write_options, rocksdb::Slice(key.data(), key.size()),
                                  rocksdb::Slice(value.data(), value.size())),
                   "put " + std::string(key));
}

Status PdStorage::Delete(std::string_view key) {
  return FromRocks(impl_->db->Delete(impl_->write_options, rocksdb::Slice(key.data(), key.size())),
                   "delete " + std::string(key));
}

Status PdStorage::Write(const StorageBatch& batch) {
  if (batch.empty()) return Status::OK();
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.ops()) {
    rocksdb::Status s = op.is_delete ? wb.Delete(op.key) : wb.Put(op.key, op.value);
    if (!s.ok()) return FromRocks(s, "build write batch");
  }
  return FromRocks(impl_->db->Write(impl_->write_options, &wb), "write batch");
}

Status PdStorage::Scan(std::string_view prefix,
                       const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.substr(0, prefix.size()) != prefix) break;
    if (!fn(k, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "scan " + std::string(prefix));
}

Status PdStorage::Flush() {
  RETURN_IF_ERROR(FromRocks(impl_->db->FlushWAL(true), "flush WAL"));
  return FromRocks(impl_->db->Flush(rocksdb::FlushOptions()), "flush memtable");
}

Result<std::optional<uint64_t>> PdStorage::GetU64(std::string_view key) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(key));
  if (!v) return std::optional<uint64_t>();
  auto d = DecodeU64(*v);
  if (!d.ok()) return d.status().WithContext(std::string(key));
  return std::optional<uint64_t>(*d);
}

Status PdStorage::PutU64(std::string_view key, uint64_t v) { return Put(key, EncodeU64(v)); }

namespace keys {
namespace {
std::string IdKey(std::string_view prefix, uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(id));
  return std::string(prefix) + buf;
}
}  // namespace
std::string StoreKey(uint64_t id) { return IdKey(kStorePrefix, id); }
std::string RegionKey(uint64_t id) { return IdKey(kRegionPrefix, id); }
std::string ServiceSafePointKey(std::string_view service_id) {
  return std::string(kServiceSafePointPrefix) + std::string(service_id);
}
}  // namespace keys

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

Result<uint64_t> DecodeU64(std::string_view in) {
  if (in.size() != 8) return Status::Corruption("expected 8 bytes, got " + std::to_string(in.size()));
  uint64_t v = 0;
  for (unsigned char c : in) v = (v << 8) | c;
  return v;
}

}  // namespace brkv::pd
