// BackupEndpoint against a real RocksDB and an in-memory (or local) object store: responses per
// region and per cut file, files read back and checksummed, locks, region changes, raw KV,
// encryption, storage failures, cancellation and bad requests.
#include "backup/backup_endpoint.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "backup/backup_test_util.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "kv/keys.h"
#include "proto/pdpb.pb.h"
#include "sst/backend_proto.h"
#include "storage/fault_injection_storage.h"
#include "storage/mem_storage.h"

namespace brkv::backup {
namespace {

using testing::FileKv;
using testing::MakeRegion;
using testing::ReadBackupFile;

std::string Enc(std::string_view raw) { return keys::TxnRegionKey(raw); }

std::string RowKey(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "t_r%06d", i);
  return buf;
}

// A logical row written by the test, and what the backup must hold for it.
struct Expected {
  std::vector<FileKv> kvs;  // every KV of the backup, sorted
  Checksum checksum;
};

class EndpointTest : public testing::NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    failpoint::DisableAll();
    static std::atomic<int> seq{0};
    store_name_ = "backup_endpoint_test_" + std::to_string(seq.fetch_add(1));
    storage::ResetMemStore(store_name_);
    storage_ = storage::NewMemStorage(store_name_);
    ASSERT_TRUE(std::filesystem::create_directories(dir_.path() + "/read"));
  }
  void TearDown() override {
    failpoint::DisableAll();
    endpoint_.reset();
    storage::ResetMemStore(store_name_);
    NodeFixture::TearDown();
  }

  void OpenEndpoint(BackupEndpointOptions o = {}) {
    o.temp_dir = dir_.path() + "/backup-tmp";
    o.storage_sync = false;
    if (!o.now_unix_millis) o.now_unix_millis = [] { return int64_t{1700000000000}; };
    auto e = BackupEndpoint::Open(engine_.get(), regions_.get(), std::move(o));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    endpoint_ = std::move(e).value();
  }

  BackupTask Task(uint64_t start_version, uint64_t end_version, std::string start = "",
                  std::string end = "") {
    BackupTask t;
    t.cluster_id = testing::kClusterId;
    t.ranges = {{std::move(start), std::move(end)}};
    t.start_version = start_version;
    t.end_version = end_version;
    t.backend = storage::MemStoreBackend{store_name_, ""};
    return t;
  }

  std::vector<brpb::BackupResponse> Run(const BackupTask& task) {
    if (!endpoint_) OpenEndpoint();
    std::vector<brpb::BackupResponse> out;
    std::mutex mu;
    endpoint_->Backup(task, [&](const brpb::BackupResponse& r) {
      std::lock_guard<std::mutex> l(mu);
      out.push_back(r);
      return true;
    });
    // Responses of different pieces may interleave; order them by start key.
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.start_key() < b.start_key();
    });
    return out;
  }

  // Every KV of every file of the responses, sorted, plus the files' checksum.
  Expected ReadAll(const std::vector<brpb::BackupResponse>& resps,
                   const sst::CipherInfo& cipher = {}) {
    Expected e;
    for (const auto& r : resps) {
      EXPECT_FALSE(r.has_error()) << r.error().msg();
      for (const auto& f : r.files()) {
        EXPECT_EQ(f.start_key(), r.start_key());
        EXPECT_EQ(f.end_key(), r.end_key());
        EXPECT_EQ(f.sha256().size(), 32u);
        EXPECT_EQ(f.cipher_iv().size(), 16u);
        ReadBackupFile(storage_.get(), f, dir_.path() + "/read", cipher, &e.kvs);
        e.checksum.Merge({f.crc64xor(), f.total_kvs(), f.total_bytes()});
      }
    }
    std::sort(e.kvs.begin(), e.kvs.end(),
              [](const FileKv& a, const FileKv& b) { return a.key < b.key; });
    return e;
  }

  // Writes n rows (every third with a long value) committed at commit_ts; returns what a full
  // backup at >= commit_ts holds.
  Expected LoadRows(int n, uint64_t start_ts, uint64_t commit_ts, int base = 0) {
    Expected e;
    for (int i = base; i < base + n; ++i) {
      const std::string raw = RowKey(i);
      // Random letters, so that compression cannot hide the size (small files get cut).
      std::mt19937 rng(static_cast<uint32_t>(i));
      std::string value(i % 3 == 0 ? 300 + i % 200 : 20 + i % 50, '\0');
      for (char& c : value) c = static_cast<char>('a' + rng() % 26);
      Put(raw, value, start_ts, commit_ts);
      WriteRecord w;
      w.type = WriteType::kPut;
      w.start_ts = start_ts;
      if (value.size() <= kShortValueMaxLen) {
        w.short_value = value;
      } else {
        e.kvs.push_back({keys::MvccKey(raw, start_ts), value});
      }
      e.kvs.push_back({keys::MvccKey(raw, commit_ts), w.Encode()});
      e.checksum.Update(raw, value);
    }
    std::sort(e.kvs.begin(), e.kvs.end(),
              [](const FileKv& a, const FileKv& b) { return a.key < b.key; });
    return e;
  }

  // The responses must cover [start, end) exactly, in order, without overlap.
  static void ExpectCovers(const std::vector<brpb::BackupResponse>& resps,
                           const std::string& start, const std::string& end) {
    ASSERT_FALSE(resps.empty());
    EXPECT_EQ(resps.front().start_key(), start);
    for (size_t i = 1; i < resps.size(); ++i) {
      EXPECT_EQ(resps[i - 1].end_key(), resps[i].start_key()) << i;
    }
    EXPECT_EQ(resps.back().end_key(), end);
  }

  std::string store_name_;
  std::unique_ptr<storage::ExternalStorage> storage_;
  std::unique_ptr<BackupEndpoint> endpoint_;
};

TEST_F(EndpointTest, FullBackupOfOneRegion) {
  AddRegion(MakeRegion(1, "", ""));
  Expected want = LoadRows(50, 100, 105);
  auto resps = Run(Task(0, 200));
  ASSERT_EQ(resps.size(), 1u);
  const auto& r = resps[0];
  EXPECT_EQ(r.start_key(), "");
  EXPECT_EQ(r.end_key(), "");
  ASSERT_EQ(r.files_size(), 2);
  EXPECT_EQ(r.files(0).cf(), "default");
  EXPECT_EQ(r.files(1).cf(), "write");
  for (const auto& f : r.files()) {
    EXPECT_EQ(f.start_version(), 0u);
    EXPECT_EQ(f.end_version(), 200u);
    // {store_id}/{region_id}_{version}_{keyhash}_{millis}_{cf}.sst
    EXPECT_TRUE(f.name().starts_with("1/1_1_")) << f.name();
    EXPECT_TRUE(f.name().ends_with("_1700000000000_" + f.cf() + ".sst")) << f.name();
  }
  Expected got = ReadAll(resps);
  EXPECT_EQ(got.kvs, want.kvs);
  EXPECT_EQ(got.checksum, want.checksum);
}

TEST_F(EndpointTest, OneResponsePerRegionCoveringTheRange) {
  AddRegion(MakeRegion(1, "", Enc(RowKey(10))));
  AddRegion(MakeRegion(2, Enc(RowKey(10)), Enc(RowKey(30)), 3, 2));
  AddRegion(MakeRegion(3, Enc(RowKey(30)), ""));
  Expected want = LoadRows(40, 100, 105);
  auto resps = Run(Task(0, 105, RowKey(5), RowKey(35)));
  ASSERT_EQ(resps.size(), 3u);
  ExpectCovers(resps, RowKey(5), RowKey(35));
  EXPECT_EQ(resps[1].start_key(), RowKey(10));
  EXPECT_EQ(resps[2].start_key(), RowKey(30));
  // The region's id and epoch version name its files.
  EXPECT_TRUE(resps[1].files(0).name().starts_with("1/2_3_")) << resps[1].files(0).name();

  Expected got = ReadAll(resps);
  Expected sub;
  for (int i = 5; i < 35; ++i) {
    // Rebuild the expectation for the requested sub-range.
    for (const FileKv& kv : want.kvs) {
      auto d = keys::DecodeMvccKey(kv.key);
      if (d->raw == RowKey(i)) sub.kvs.push_back(kv);
    }
  }
  std::sort(sub.kvs.begin(), sub.kvs.end(),
            [](const FileKv& a, const FileKv& b) { return a.key < b.key; });
  EXPECT_EQ(got.kvs, sub.kvs);
}

TEST_F(EndpointTest, SmallSstMaxSizeCutsFilesAndResponses) {
  AddRegion(MakeRegion(1, "", ""));
  Expected want = LoadRows(300, 100, 105);
  BackupEndpointOptions o;
  o.sst_max_size = 4096;
  OpenEndpoint(o);
  auto resps = Run(Task(0, 105));
  ASSERT_GT(resps.size(), 2u);
  ExpectCovers(resps, "", "");
  for (const auto& r : resps) {
    EXPECT_GE(r.files_size(), 1);
    // A key's default and write KVs stay in the same piece.
    for (const auto& f : r.files()) EXPECT_EQ(f.start_key(), r.start_key());
  }
  Expected got = ReadAll(resps);
  EXPECT_EQ(got.kvs, want.kvs);
  EXPECT_EQ(got.checksum, want.checksum);
}

TEST_F(EndpointTest, EmptyPieceStillAnswered) {
  AddRegion(MakeRegion(1, "", Enc("m")));
  AddRegion(MakeRegion(2, Enc("m"), ""));
  Put("a", "1", 9, 10);
  auto resps = Run(Task(0, 20));
  ASSERT_EQ(resps.size(), 2u);
  ExpectCovers(resps, "", "");
  EXPECT_EQ(resps[0].files_size(), 1);  // write only: no long value
  EXPECT_EQ(resps[0].files(0).cf(), "write");
  EXPECT_EQ(resps[1].files_size(), 0);
  EXPECT_FALSE(resps[1].has_error());
}

TEST_F(EndpointTest, IncrementalBackup) {
  AddRegion(MakeRegion(1, "", ""));
  Put("a", "old", 9, 10);
  Put("a", "new", 19, 20);
  Put("b", "gone", 9, 10);
  Record("b", WriteType::kDelete, 24, 25);
  Put("c", "same", 9, 10);
  auto resps = Run(Task(10, 30));
  ASSERT_EQ(resps.size(), 1u);
  ASSERT_EQ(resps[0].files_size(), 1);
  EXPECT_EQ(resps[0].files(0).start_version(), 10u);
  EXPECT_EQ(resps[0].files(0).end_version(), 30u);
  Expected got = ReadAll(resps);
  ASSERT_EQ(got.kvs.size(), 2u);
  EXPECT_EQ(got.kvs[0].key, keys::MvccKey("a", 20));
  EXPECT_EQ(got.kvs[1].key, keys::MvccKey("b", 25));
  EXPECT_EQ(got.kvs[1].value[0], 'D');
  Checksum want;
  want.Update("a", "new");
  want.Update("b", "");
  EXPECT_EQ(got.checksum, want);
}

TEST_F(EndpointTest, PendingLockRefusesThePieceWithoutFiles) {
  AddRegion(MakeRegion(1, "", Enc("m")));
  AddRegion(MakeRegion(2, Enc("m"), ""));
  Put("a", "1", 9, 10);
  Put("x", "2", 9, 10);
  Lock("b", LockType::kPut, 15);
  auto resps = Run(Task(0, 20));
  ASSERT_EQ(resps.size(), 2u);
  const auto& locked = resps[0];
  ASSERT_TRUE(locked.has_error());
  ASSERT_TRUE(locked.error().has_kv_error());
  EXPECT_EQ(locked.error().kv_error().locked().key(), "b");
  EXPECT_EQ(locked.error().kv_error().locked().lock_version(), 15u);
  EXPECT_EQ(locked.files_size(), 0);
  EXPECT_EQ(locked.start_key(), "");
  EXPECT_EQ(locked.end_key(), "m");
  // The other region is backed up normally.
  EXPECT_FALSE(resps[1].has_error());
  EXPECT_EQ(resps[1].files_size(), 1);
  // Nothing of the locked piece reached the storage.
  size_t objects = 0;
  ASSERT_TRUE(storage_->WalkDir("", [&](std::string_view, uint64_t) {
    ++objects;
    return Status::OK();
  }).ok());
  EXPECT_EQ(objects, 1u);
  // A lock newer than the backup ts does not matter.
  auto later = Run(Task(0, 14));
  ASSERT_EQ(later.size(), 2u);
  EXPECT_FALSE(later[0].has_error());
}

TEST_F(EndpointTest, RegionChangeBeforeTheScanIsARegionError) {
  AddRegion(MakeRegion(1, "", ""));
  LoadRows(10, 100, 105);
  OpenEndpoint();
  failpoint::Enable("backup.before-scan", "1*sleep(500)");
  std::vector<brpb::BackupResponse> resps;
  std::thread t([&] { resps = Run(Task(0, 200)); });
  // Split the region while the piece waits before its snapshot.
  while (failpoint::Hits("backup.before-scan") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pdpb::SplitID id;
  id.set_new_region_id(2);
  id.add_new_peer_ids(1002);
  errorpb::Error err;
  auto split = regions_->ApplySplit(1, MakeRegion(1, "", "").region_epoch(), {Enc(RowKey(5))},
                                    {id}, &err);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  t.join();
  ASSERT_EQ(resps.size(), 1u);
  ASSERT_TRUE(resps[0].has_error());
  ASSERT_TRUE(resps[0].error().has_region_error()) << resps[0].error().msg();
  EXPECT_TRUE(resps[0].error().region_error().has_epoch_not_match());
  EXPECT_EQ(resps[0].files_size(), 0);
  EXPECT_EQ(resps[0].start_key(), "");
  EXPECT_EQ(resps[0].end_key(), "");

  // The retry plans against the new regions and succeeds.
  auto retry = Run(Task(0, 200));
  ASSERT_EQ(retry.size(), 2u);
  ExpectCovers(retry, "", "");
  EXPECT_EQ(retry[1].start_key(), RowKey(5));
  for (const auto& r : retry) EXPECT_FALSE(r.has_error());
}

TEST_F(EndpointTest, RawKvBackup) {
  AddRegion(MakeRegion(1, "", "rm"));
  AddRegion(MakeRegion(2, "rm", ""));
  RawPut("apple", "1");
  RawPut("kiwi", std::string(500, 'k'));
  RawPut("melon", "3");
  RawPut("zebra", "4");
  Put("txn-key", "not raw", 9, 10);
  BackupTask t = Task(0, 0, "b", "");
  t.is_raw_kv = true;
  auto resps = Run(t);
  ASSERT_EQ(resps.size(), 2u);
  ExpectCovers(resps, "b", "");
  EXPECT_EQ(resps[0].end_key(), "m");
  Expected got = ReadAll(resps);
  std::vector<FileKv> want = {{"zkiwi", std::string(500, 'k')}, {"zmelon", "3"}, {"zzebra", "4"}};
  EXPECT_EQ(got.kvs, want);
  Checksum c;
  c.Update("kiwi", std::string(500, 'k'));
  c.Update("melon", "3");
  c.Update("zebra", "4");
  EXPECT_EQ(got.checksum, c);
  for (const auto& r : resps) {
    for (const auto& f : r.files()) EXPECT_EQ(f.cf(), "default");
  }
}

TEST_F(EndpointTest, EncryptedBackupReadsBackOnlyWithTheKey) {
  AddRegion(MakeRegion(1, "", ""));
  Expected want = LoadRows(20, 100, 105);
  BackupTask t = Task(0, 105);
  t.cipher.method = sst::EncryptionMethod::kAes256Ctr;
  t.cipher.key = std::string(32, '\x42');
  t.compression = sst::CompressionType::kZstd;
  auto resps = Run(t);
  ASSERT_EQ(resps.size(), 1u);
  Expected got = ReadAll(resps, t.cipher);
  EXPECT_EQ(got.kvs, want.kvs);
  EXPECT_EQ(got.checksum, want.checksum);
  // Without the key the files do not open.
  sst::SstReaderOptions ro;
  ro.temp_dir = dir_.path() + "/read";
  const auto& f = resps[0].files(0);
  auto plain = sst::SstReader::Open(storage_.get(), {f.name(), f.sha256(), f.cipher_iv(), f.size()},
                                    ro);
  EXPECT_FALSE(plain.ok());
}

TEST_F(EndpointTest, LocalStorageBackend) {
  AddRegion(MakeRegion(1, "", ""));
  Expected want = LoadRows(10, 100, 105);
  BackupTask t = Task(0, 105);
  t.backend = storage::LocalBackend{dir_.path() + "/out"};
  auto resps = Run(t);
  ASSERT_EQ(resps.size(), 1u);
  ASSERT_FALSE(resps[0].has_error()) << resps[0].error().msg();
  for (const auto& f : resps[0].files()) {
    EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/out/" + f.name())) << f.name();
  }
}

TEST_F(EndpointTest, StorageFailureNamesTheObject) {
  AddRegion(MakeRegion(1, "", ""));
  LoadRows(10, 100, 105);
  auto fault = std::make_shared<storage::FaultInjectionStorage>(storage_.get());
  fault->FailAfter(storage::FaultInjectionStorage::Op::kFinish, 0,
                   Status::IOError("injected: bucket unreachable"));
  BackupEndpointOptions o;
  o.storage_factory = [fault](const storage::StorageBackend&)
      -> Result<std::shared_ptr<storage::ExternalStorage>> {
    return std::shared_ptr<storage::ExternalStorage>(fault);
  };
  OpenEndpoint(o);
  auto resps = Run(Task(0, 105));
  ASSERT_EQ(resps.size(), 1u);
  ASSERT_TRUE(resps[0].has_error());
  EXPECT_FALSE(resps[0].error().has_region_error());
  EXPECT_NE(resps[0].error().msg().find("injected: bucket unreachable"), std::string::npos);
  // The message names the object that failed.
  EXPECT_NE(resps[0].error().msg().find("\"1/1_1_"), std::string::npos) << resps[0].error().msg();
  EXPECT_EQ(resps[0].files_size(), 0);
  // Staged files are gone.
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() + "/backup-tmp"));
}

TEST_F(EndpointTest, StorageThatCannotOpenFailsEveryRange) {
  AddRegion(MakeRegion(1, "", ""));
  BackupTask t = Task(0, 105);
  t.ranges = {{"a", "b"}, {"c", "d"}};
  t.backend = storage::S3Backend{};  // not built yet
  auto resps = Run(t);
  ASSERT_EQ(resps.size(), 2u);
  for (const auto& r : resps) {
    ASSERT_TRUE(r.has_error());
    EXPECT_NE(r.error().msg().find("cannot open backup storage"), std::string::npos);
  }
}

TEST_F(EndpointTest, FailureAfterSomeFilesAnswersTheRest) {
  AddRegion(MakeRegion(1, "", ""));
  LoadRows(300, 100, 105);
  BackupEndpointOptions o;
  o.sst_max_size = 4096;
  OpenEndpoint(o);
  failpoint::Enable("backup.piece-error", "return(injected piece error)");
  auto resps = Run(Task(0, 105));
  ASSERT_GE(resps.size(), 2u);
  // Finished files were answered; the unfinished rest carries the error.
  ExpectCovers(resps, "", "");
  for (size_t i = 0; i + 1 < resps.size(); ++i) EXPECT_FALSE(resps[i].has_error());
  ASSERT_TRUE(resps.back().has_error());
  EXPECT_NE(resps.back().error().msg().find("injected piece error"), std::string::npos);
  EXPECT_EQ(resps.back().files_size(), 0);
}

TEST_F(EndpointTest, RateLimitThrottlesUploads) {
  AddRegion(MakeRegion(1, "", ""));
  LoadRows(150, 100, 105);  // about 40 KiB of SSTs
  OpenEndpoint();
  auto start = std::chrono::steady_clock::now();
  auto unlimited = Run(Task(0, 105));
  auto fast = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(unlimited.size(), 1u);
  uint64_t bytes = 0;
  for (const auto& f : unlimited[0].files()) bytes += f.size();
  ASSERT_GT(bytes, 20000u);

  BackupTask t = Task(0, 105);
  t.rate_limit = bytes;  // about one second for the whole upload (the bucket starts empty)
  start = std::chrono::steady_clock::now();
  auto limited = Run(t);
  auto slow = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_FALSE(limited[0].has_error());
  EXPECT_GE(slow, std::chrono::milliseconds(700));
  EXPECT_GT(slow, fast);
}

TEST_F(EndpointTest, RateLimitPacesTheScanNotOnlyTheUpload) {
  AddRegion(MakeRegion(1, "", ""));
  // Values that compress to almost nothing: the upload alone would finish at once.
  uint64_t kv_bytes = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string value(4000, 'a');
    Put(RowKey(i), value, 100, 105);
    kv_bytes += RowKey(i).size() + value.size();
  }
  OpenEndpoint();
  BackupTask t = Task(0, 105);
  t.rate_limit = kv_bytes;  // about one second of scanning (the bucket starts empty)
  const auto start = std::chrono::steady_clock::now();
  auto resps = Run(t);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(resps.size(), 1u);
  EXPECT_FALSE(resps[0].has_error()) << resps[0].error().msg();
  uint64_t uploaded = 0;
  for (const auto& f : resps[0].files()) uploaded += f.size();
  ASSERT_LT(uploaded * 10, kv_bytes) << "the values were meant to compress well";
  EXPECT_GE(took, std::chrono::milliseconds(700));
}

TEST_F(EndpointTest, BadRequestsAndWrongCluster) {
  AddRegion(MakeRegion(1, "", ""));
  auto resps = Run(Task(0, 0));  // no backup ts
  ASSERT_EQ(resps.size(), 1u);
  EXPECT_NE(resps[0].error().msg().find("end_version"), std::string::npos);

  resps = Run(Task(30, 20));
  ASSERT_EQ(resps.size(), 1u);
  EXPECT_TRUE(resps[0].has_error());

  BackupTask t = Task(0, 10);
  t.cluster_id = 99;
  resps = Run(t);
  ASSERT_EQ(resps.size(), 1u);
  ASSERT_TRUE(resps[0].error().has_cluster_id_error());
  EXPECT_EQ(resps[0].error().cluster_id_error().current(), testing::kClusterId);
  EXPECT_EQ(resps[0].error().cluster_id_error().request(), 99u);

  // The proto path: an unsupported raw CF.
  brpb::BackupRequest req;
  req.set_is_raw_kv(true);
  req.set_cf("write");
  *req.mutable_storage_backend() = sst::BackendToProto(storage::MemStoreBackend{store_name_, ""});
  std::vector<brpb::BackupResponse> out;
  endpoint_->Backup(req, [&](const brpb::BackupResponse& r) {
    out.push_back(r);
    return true;
  });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].error().msg().find("column family"), std::string::npos);
}

TEST_F(EndpointTest, CancelStopsTheJob) {
  for (int i = 0; i < 8; ++i) {
    std::string start = i == 0 ? "" : Enc(RowKey(i * 10));
    std::string end = i == 7 ? "" : Enc(RowKey(i * 10 + 10));
    AddRegion(MakeRegion(i + 1, start, end));
  }
  LoadRows(80, 100, 105);
  BackupEndpointOptions o;
  o.default_concurrency = 1;
  OpenEndpoint(o);
  // Uncancelled, the 8 pieces would take 8 × 300 ms.
  failpoint::Enable("backup.before-scan", "sleep(300)");
  std::atomic<bool> cancel{false};
  std::atomic<int> responses{0};
  auto start = std::chrono::steady_clock::now();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    cancel.store(true);
  });
  endpoint_->Backup(
      Task(0, 105),
      [&](const brpb::BackupResponse&) {
        ++responses;
        return true;
      },
      [&] { return cancel.load(); });
  canceller.join();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  EXPECT_LE(responses.load(), 1);
}

TEST_F(EndpointTest, ClientGoneStopsTheJob) {
  for (int i = 0; i < 4; ++i) {
    std::string start = i == 0 ? "" : Enc(RowKey(i * 10));
    std::string end = i == 3 ? "" : Enc(RowKey(i * 10 + 10));
    AddRegion(MakeRegion(i + 1, start, end));
  }
  LoadRows(40, 100, 105);
  BackupEndpointOptions o;
  o.default_concurrency = 1;
  OpenEndpoint(o);
  int calls = 0;
  endpoint_->Backup(Task(0, 105), [&](const brpb::BackupResponse&) {
    ++calls;
    return false;
  });
  EXPECT_EQ(calls, 1);
}

TEST_F(EndpointTest, ConcurrentPiecesAndRequests) {
  for (int i = 0; i < 6; ++i) {
    std::string start = i == 0 ? "" : Enc(RowKey(i * 20));
    std::string end = i == 5 ? "" : Enc(RowKey(i * 20 + 20));
    AddRegion(MakeRegion(i + 1, start, end));
  }
  Expected want = LoadRows(120, 100, 105);
  BackupEndpointOptions o;
  o.max_concurrency = 3;
  // Unique object names for the two identical requests.
  auto millis = std::make_shared<std::atomic<int64_t>>(1700000000000);
  o.now_unix_millis = [millis] { return millis->fetch_add(1); };
  OpenEndpoint(o);
  std::vector<brpb::BackupResponse> a, b;
  BackupTask ta = Task(0, 105);
  ta.concurrency = 4;
  std::thread t1([&] { a = Run(ta); });
  std::thread t2([&] { b = Run(ta); });
  t1.join();
  t2.join();
  for (auto* resps : {&a, &b}) {
    ASSERT_EQ(resps->size(), 6u);
    ExpectCovers(*resps, "", "");
    Expected got = ReadAll(*resps);
    EXPECT_EQ(got.kvs, want.kvs);
    EXPECT_EQ(got.checksum, want.checksum);
  }
}

}  // namespace
}  // namespace brkv::backup
