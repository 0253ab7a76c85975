// Test helpers for the backup endpoint tests: a node (Engine + RegionManager) in a temp dir,
// MVCC record writers, and readers of uploaded backup files. Test-only (included by *_test.cc).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include "common/checksum.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "proto/brpb.pb.h"
#include "server/engine.h"
#include "server/region_manager.h"
#include "sst/sst_reader.h"
#include "storage/external_storage.h"

namespace brkv::backup::testing {

inline constexpr uint64_t kStoreId = 1;
inline constexpr uint64_t kClusterId = 7;

// A fresh directory under $TMPDIR (or /tmp), removed on destruction.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr ? tmp : "/tmp") + "/brkv_backup_test_XXXXXX";
    char* d = mkdtemp(tmpl.data());
    if (d != nullptr) path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline metapb::Region MakeRegion(uint64_t id, std::string start, std::string end,
                                 uint64_t version = 1, uint64_t conf_ver = 1) {
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(std::move(start));
  r.set_end_key(std::move(end));
  r.mutable_region_epoch()->set_version(version);
  r.mutable_region_epoch()->set_conf_ver(conf_ver);
  auto* p = r.add_peers();
  p->set_id(id + 1000);
  p->set_store_id(kStoreId);
  return r;
}

// One store: engine + regions with ident {kStoreId, kClusterId} and, unless the test adds its
// own, one region covering everything.
class NodeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    server::EngineOptions opts;
    opts.path = dir_.path() + "/db";
    opts.block_cache_bytes = 8ull << 20;
    opts.sync_writes = false;
    auto e = server::Engine::Open(opts);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    auto rm = server::RegionManager::Open(engine_.get());
    ASSERT_TRUE(rm.ok()) << rm.status().ToString();
    regions_ = std::move(rm).value();
    ASSERT_TRUE(regions_->SaveStoreIdent({kStoreId, kClusterId}).ok());
  }
  void TearDown() override {
    regions_.reset();
    engine_.reset();
  }

  void AddRegion(const metapb::Region& r) {
    Status s = regions_->AddRegion(r);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Write(rocksdb::ColumnFamilyHandle* cf, const std::string& key, const std::string& value) {
    rocksdb::WriteBatch b;
    ASSERT_TRUE(b.Put(cf, key, value).ok());
    Status s = engine_->Write(&b);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // A committed Put of `value` (short values inline, long ones in CF default).
  void Put(const std::string& raw, const std::string& value, uint64_t start_ts,
           uint64_t commit_ts) {
    WriteRecord w;
    w.type = WriteType::kPut;
    w.start_ts = start_ts;
    if (value.size() <= kShortValueMaxLen) {
      w.short_value = value;
    } else {
      Write(engine_->cf_default(), keys::MvccKey(raw, start_ts), value);
    }
    Write(engine_->cf_write(), keys::MvccKey(raw, commit_ts), w.Encode());
  }
  void Record(const std::string& raw, WriteType type, uint64_t start_ts, uint64_t commit_ts) {
    WriteRecord w;
    w.type = type;
    w.start_ts = start_ts;
    Write(engine_->cf_write(), keys::MvccKey(raw, commit_ts), w.Encode());
  }
  void Lock(const std::string& raw, LockType type, uint64_t ts, uint64_t min_commit_ts = 0) {
    LockRecord l;
    l.type = type;
    l.primary = raw;
    l.ts = ts;
    l.ttl = 3000;
    l.min_commit_ts = min_commit_ts;
    Write(engine_->cf_lock(), keys::LockKey(raw), l.Encode());
  }
  void RawPut(const std::string& user_key, const std::string& value) {
    Write(engine_->cf_default(), keys::DataKey(keys::RawRegionKey(user_key)), value);
  }

  TempDir dir_;
  std::unique_ptr<server::Engine> engine_;
  std::unique_ptr<server::RegionManager> regions_;
};

// A KV read back from a backup SST.
struct FileKv {
  std::string key;
  std::string value;
  bool operator==(const FileKv&) const = default;
};

// Downloads and reads one uploaded file (verifying its sha256) into *out.
inline void ReadBackupFile(storage::ExternalStorage* storage, const ::backup::File& f,
                           const std::string& temp_dir, const sst::CipherInfo& cipher,
                           std::vector<FileKv>* out) {
  sst::SstFileRef ref{f.name(), f.sha256(), f.cipher_iv(), f.size()};
  sst::SstReaderOptions ro;
  ro.temp_dir = temp_dir;
  ro.cipher = cipher;
  auto reader = sst::SstReader::Open(storage, ref, ro);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto it = (*reader)->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out->push_back({std::string(it->key()), std::string(it->value())});
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
}

// XOR/sum of the checksum fields of files.
inline Checksum FilesChecksum(const std::vector<::backup::File>& files) {
  Checksum c;
  for (const auto& f : files) c.Merge({f.crc64xor(), f.total_kvs(), f.total_bytes()});
  return c;
}

}  // namespace brkv::backup::testing
