#include "server/engine.h"

#include <filesystem>
#include <system_error>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include "kv/keys.h"

namespace brkv::server {

namespace {

// Order matters: it is the index into Engine::cfs_.
constexpr std::string_view kCfNames[4] = {keys::kCfDefault, keys::kCfWrite, keys::kCfLock,
                                          keys::kCfRaft};

}  // namespace

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  const std::string msg = s.ToString();
  switch (s.code()) {
    case rocksdb::Status::kNotFound: return Status::NotFound(msg);
    case rocksdb::Status::kCorruption: return Status::Corruption(msg);
    case rocksdb::Status::kInvalidArgument: return Status::InvalidArgument(msg);
    case rocksdb::Status::kNotSupported: return Status::NotSupported(msg);
    case rocksdb::Status::kIOError: return Status::IOError(msg);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain: return Status::Busy(msg);
    case rocksdb::Status::kTimedOut: return Status::TimedOut(msg);
    case rocksdb::Status::kAborted: return Status::Aborted(msg);
    case rocksdb::Status::kIncomplete:
    case rocksdb::Status::kShutdownInProgress:
    case rocksdb::Status::kMergeInProgress:
    case rocksdb::Status::kExpired:
    default: return Status::Internal(msg);
  }
}

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("engine: empty data directory");
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return Status::IOError("cannot create data directory " + options.path + ": " + ec.message());
  }

  rocksdb::Options db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  db_opts.IncreaseParallelism(2);

  rocksdb::BlockBasedTableOptions table_opts;
  table_opts.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::ColumnFamilyOptions cf_opts;
  cf_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_opts));

  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (std::string_view name : kCfNames) descs.emplace_back(std::string(name), cf_opts);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_opts, options.path, descs, &handles, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("LOCK") != std::string::npos) {
      return Status::IOError("data directory " + options.path +
                             " is in use by another process (" + s.ToString() + ")");
    }
    return FromRocks(s).WithContext("open engine at " + options.path);
  }

  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = options;
  engine->db_.reset(raw);
  for (size_t i = 0; i < handles.size() && i < 4; ++i) engine->cfs_[i] = handles[i];
  return engine;
}

Engine::~Engine() {
  if (!db_) return;
  for (auto*& h : cfs_) {
    if (h != nullptr) {
      (void)db_->DestroyColumnFamilyHandle(h);
      h = nullptr;
    }
  }
  // Flushing is not needed for durability (the WAL is synced) but makes restarts cheaper.
  (void)db_->Close();
  db_.reset();
}

rocksdb::ColumnFamilyHandle* Engine::cf(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (kCfNames[i] == name) return cfs_[i];
  }
  return nullptr;
}

Status Engine::Write(rocksdb::WriteBatch* batch) {
  if (batch == nullptr || batch->Count() == 0) return Status::OK();
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  return FromRocks(db_->Write(wo, batch));
}

Result<std::string> Engine::Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return Status::NotFound("key not found");
  if (!s.ok()) return FromRocks(s);
  return value;
}

}  // namespace brkv::server
