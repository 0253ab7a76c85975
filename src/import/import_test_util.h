// Test helpers for the importer tests: a node (engine + one region + importer) in a temp dir,
// backup SSTs produced by the real BackupWriter into an in-memory store, and Download
// requests for them. Test-only (included by *_test.cc).
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/codec.h"
#include "common/failpoint.h"
#include "import/sst_importer.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "server/engine.h"
#include "server/region_manager.h"
#include "sst/backend_proto.h"
#include "sst/backup_writer.h"
#include "storage/mem_storage.h"

namespace brkv::import::testing {

namespace fs = std::filesystem;

inline std::string RecordPrefix(int64_t table) {
  std::string p = "t";
  codec::EncodeInt(&p, table);
  p += "_r";
  return p;
}
inline std::string RowKey(int64_t table, int64_t handle) {
  std::string k = RecordPrefix(table);
  codec::EncodeInt(&k, handle);
  return k;
}
inline std::string IndexPrefix(int64_t table, int64_t index) {
  std::string p = "t";
  codec::EncodeInt(&p, table);
  p += "_i";
  codec::EncodeInt(&p, index);
  return p;
}

// One committed version of a key, as the backup scan hands it to the writer.
struct Row {
  std::string raw;
  std::string value;
  uint64_t start_ts = 0;
  uint64_t commit_ts = 0;
  bool long_value() const { return value.size() > kShortValueMaxLen; }
  std::string write_key() const { return keys::MvccKey(raw, commit_ts); }
  std::string write_value() const {
    WriteRecord w;
    w.type = WriteType::kPut;
    w.start_ts = start_ts;
    if (!long_value()) w.short_value = value;
    return w.Encode();
  }
  std::string default_key() const { return keys::MvccKey(raw, start_ts); }
};

// Rows of `prefix` + EncodeInt(handle) for handles [0, n); every third value is long.
inline std::vector<Row> MakeRows(const std::string& prefix, int n, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    Row r;
    r.raw = prefix;
    codec::EncodeInt(&r.raw, i);
    const size_t len = i % 3 == 0 ? 300 + rng() % 200 : 1 + rng() % 100;
    r.value.resize(len);
    for (char& c : r.value) c = static_cast<char>('a' + rng() % 26);
    r.start_ts = ComposeTs(1700000000000 + i, 0);
    r.commit_ts = r.start_ts + 3;
    rows.push_back(std::move(r));
  }
  return rows;
}

// A node in a temp directory: engine, region manager hosting one region, importer; plus a
// memstore holding backup files.
class ImportFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test) {
      if (c == '/') c = '_';
    }
    const char* tmp = std::getenv("TMPDIR");
    root_ =
        fs::path(tmp ? tmp : "/tmp") / ("brkv-import-" + std::to_string(::getpid()) + "-" + test);
    fs::remove_all(root_);
    fs::create_directories(root_ / "backup-staging");
    store_name_ = "import-test-" + test;
    storage::ResetMemStore(store_name_);
    backup_storage_ = storage::NewMemStorage(store_name_, "backup");

    server::EngineOptions eo;
    eo.path = (root_ / "db").string();
    eo.sync_writes = false;
    eo.block_cache_bytes = 8 << 20;
    auto engine = server::Engine::Open(eo);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
    server::RegionRaftOptions ro;
    ro.sst_locator = StagedSstLocator(ImportDirPath());
    auto regions = server::RegionManager::Open(engine_.get(), ro);
    ASSERT_TRUE(regions.ok()) << regions.status().ToString();
    regions_ = std::move(regions).value();
    ASSERT_TRUE(regions_->SaveStoreIdent({1, 1}).ok());
    region_.set_id(1);
    region_.mutable_region_epoch()->set_conf_ver(1);
    region_.mutable_region_epoch()->set_version(1);
    auto* peer = region_.add_peers();
    peer->set_id(1);
    peer->set_store_id(1);
    ASSERT_TRUE(regions_->AddRegion(region_).ok());
    OpenImporter();
  }

  void TearDown() override {
    failpoint::DisableAll();
    importer_.reset();
    regions_.reset();
    engine_.reset();
    storage::ResetMemStore(store_name_);
    fs::remove_all(root_);
  }

  virtual SstImporterOptions ImporterOptions() {
    SstImporterOptions o;
    o.import_dir = ImportDirPath();
    o.sweep_interval = std::chrono::milliseconds(0);
    o.read_chunk_size = 4096;  // many ranged reads even for small files
    return o;
  }
  void OpenImporter() {
    importer_.reset();
    auto imp = SstImporter::Open(ImporterOptions(), regions_.get());
    ASSERT_TRUE(imp.ok()) << imp.status().ToString();
    importer_ = std::move(imp).value();
  }
  std::string ImportDirPath() const { return (root_ / "import").string(); }
  std::vector<std::string> ImportDirEntries() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(ImportDirPath(), ec)) {
      out.push_back(e.path().filename().string());
    }
    return out;
  }

  // Backs `rows` up with the real BackupWriter; returns {default file, write file} (either may
  // be missing when its CF got no KV).
  std::map<std::string, sst::BackupFileInfo> Backup(const std::vector<Row>& rows,
                                                    const sst::CipherInfo& cipher = {}) {
    sst::BackupWriterOptions o;
    o.store_id = 1;
    o.region_id = 9;
    o.region_version = 1;
    o.temp_dir = (root_ / "backup-staging").string();
    o.cipher = cipher;
    o.compression = sst::CompressionType::kZstd;
    o.now_unix_millis = [this] { return int64_t{1700000000000} + (++backup_seq_); };
    auto w = sst::BackupWriter::Open(backup_storage_.get(), o);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    std::map<std::string, sst::BackupFileInfo> out;
    if (!w.ok()) return out;
    for (const Row& r : rows) {
      Status s;
      if (r.long_value()) {
        s = (*w)->Add({sst::BackupCf::kDefault, r.default_key(), r.value, r.raw, r.value});
        if (s.ok()) {
          s = (*w)->Add(
              {sst::BackupCf::kWrite, r.write_key(), r.write_value(), r.raw, std::nullopt});
        }
      } else {
        s = (*w)->Add({sst::BackupCf::kWrite, r.write_key(), r.write_value(), r.raw, r.value});
      }
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    auto files = (*w)->Finish();
    EXPECT_TRUE(files.ok()) << files.status().ToString();
    if (!files.ok()) return out;
    for (auto& f : *files) out[f.cf] = f;
    return out;
  }

  // A raw-KV backup: 'z' + user key → value, all in CF default.
  sst::BackupFileInfo BackupRaw(const std::vector<std::pair<std::string, std::string>>& kvs) {
    sst::BackupWriterOptions o;
    o.store_id = 1;
    o.region_id = 9;
    o.temp_dir = (root_ / "backup-staging").string();
    o.now_unix_millis = [this] { return int64_t{1700000000000} + (++backup_seq_); };
    auto w = sst::BackupWriter::Open(backup_storage_.get(), o);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    for (const auto& [k, v] : kvs) {
      const std::string key = std::string(1, keys::kDataPrefix) + k;
      EXPECT_TRUE((*w)->Add({sst::BackupCf::kDefault, key, v, k, v}).ok());
    }
    auto files = (*w)->Finish();
    EXPECT_TRUE(files.ok() && files->size() == 1);
    return files->front();
  }

  storage::StorageBackend Backend() const {
    return storage::MemStoreBackend{store_name_, "backup"};
  }

  static std::string Uuid(int n) {
    std::string u(16, '\0');
    u[15] = static_cast<char>(n);
    u[0] = '\x42';
    return u;
  }

  // A Download request for `file` under the rule old → new (encoded prefixes).
  import_sstpb::DownloadRequest Request(const sst::BackupFileInfo& file, int uuid,
                                        const std::string& old_prefix,
                                        const std::string& new_prefix,
                                        const sst::CipherInfo& cipher = {}) {
    import_sstpb::DownloadRequest req;
    req.set_name(file.name);
    req.set_sha256(file.sha256);
    *req.mutable_storage_backend() = sst::BackendToProto(Backend());
    *req.mutable_cipher_info() = sst::CipherToProto(cipher);
    req.mutable_rewrite_rule()->set_old_key_prefix(old_prefix);
    req.mutable_rewrite_rule()->set_new_key_prefix(new_prefix);
    import_sstpb::SSTMeta* m = req.mutable_sst();
    m->set_uuid(Uuid(uuid));
    m->set_cf_name(file.cf);
    m->set_region_id(region_.id());
    *m->mutable_region_epoch() = region_.region_epoch();
    m->set_cipher_iv(file.cipher_iv);
    // BR's range for a rule: [new prefix, new prefix + ten 0xFF] (formats.md 2.3).
    m->mutable_range()->set_start(new_prefix);
    m->mutable_range()->set_end(new_prefix + std::string(10, '\xff'));
    return req;
  }

  kvrpcpb::Context Ctx() const {
    kvrpcpb::Context c;
    c.set_region_id(region_.id());
    *c.mutable_region_epoch() = region_.region_epoch();
    *c.mutable_peer() = region_.peers(0);
    return c;
  }

  // Every KV of a staged SST.
  static std::vector<std::pair<std::string, std::string>> ReadSst(const std::string& path) {
    rocksdb::Options o;
    rocksdb::SstFileReader reader(o);
    std::vector<std::pair<std::string, std::string>> out;
    auto s = reader.Open(path);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return out;
    std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    return out;
  }
  std::string StagedPath(int uuid, const std::string& cf) const {
    return ImportDirPath() + "/" + *ImportDir::StagedName(Uuid(uuid), cf);
  }

  fs::path root_;
  std::string store_name_;
  std::unique_ptr<storage::ExternalStorage> backup_storage_;
  std::unique_ptr<server::Engine> engine_;
  std::unique_ptr<server::RegionManager> regions_;
  metapb::Region region_;
  std::unique_ptr<SstImporter> importer_;
  int64_t backup_seq_ = 0;
};

}  // namespace brkv::import::testing
