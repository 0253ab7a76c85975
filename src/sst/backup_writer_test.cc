// BackupWriter → storage → SstReader round trips, checksums, file cutting, corruption,
// encryption and staged-file cleanup.
#include "sst/backup_writer.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include <gtest/gtest.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>

#include "common/codec.h"
#include "common/crc64.h"
#include "common/failpoint.h"
#include "common/sha256.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "sst/sst_reader.h"
#include "storage/fault_injection_storage.h"
#include "storage/mem_storage.h"

namespace brkv::sst {
namespace {

namespace fs = std::filesystem;
using storage::FaultInjectionStorage;

// One logical row of the test data set and the KVs TiKV stores for it.
struct Row {
  std::string raw;
  std::string value;
  bool long_value;
  std::string write_key, write_value;  // CF write
  std::string default_key;             // CF default (long values only); value = `value`
};

std::vector<Row> MakeRows(int n, uint32_t seed, int key_base = 0) {
  std::mt19937 rng(seed);
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    Row r;
    r.raw = "t";
    codec::EncodeInt(&r.raw, 42);
    r.raw += "_r";
    codec::EncodeInt(&r.raw, key_base + i);
    r.long_value = i % 3 == 0;
    size_t len = r.long_value ? 256 + rng() % 400 : 1 + rng() % 120;
    r.value.resize(len);
    for (char& c : r.value) c = static_cast<char>('a' + rng() % 26);
    uint64_t start_ts = ComposeTs(1700000000000 + i, 1);
    uint64_t commit_ts = start_ts + 5;
    WriteRecord w;
    w.type = WriteType::kPut;
    w.start_ts = start_ts;
    if (!r.long_value) w.short_value = r.value;
    r.write_key = keys::MvccKey(r.raw, commit_ts);
    r.write_value = w.Encode();
    if (r.long_value) r.default_key = keys::MvccKey(r.raw, start_ts);
    rows.push_back(std::move(r));
  }
  return rows;
}

Status Feed(BackupWriter* w, const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    if (r.long_value) {
      RETURN_IF_ERROR(w->Add({BackupCf::kDefault, r.default_key, r.value, r.raw, r.value}));
      RETURN_IF_ERROR(w->Add({BackupCf::kWrite, r.write_key, r.write_value, r.raw, std::nullopt}));
    } else {
      RETURN_IF_ERROR(w->Add({BackupCf::kWrite, r.write_key, r.write_value, r.raw, r.value}));
    }
  }
  return Status::OK();
}

// The checksum computed by hand from formats.md 5.4, per CF of the counted KV.
struct HandSums {
  uint64_t crc[2] = {0, 0};
  uint64_t kvs[2] = {0, 0};
  uint64_t bytes[2] = {0, 0};
};
HandSums Hand(const std::vector<Row>& rows) {
  HandSums h;
  for (const Row& r : rows) {
    int cf = r.long_value ? 0 : 1;
    h.crc[cf] ^= Crc64(r.raw + r.value);
    h.kvs[cf] += 1;
    h.bytes[cf] += r.raw.size() + r.value.size();
  }
  return h;
}

std::vector<std::string> ListDir(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

SstFileRef RefOf(const BackupFileInfo& f) { return SstFileRef::Of(f); }

class BackupWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test) {
      if (c == '/') c = '_';
    }
    const char* tmp = std::getenv("TMPDIR");
    tmp_ = fs::path(tmp ? tmp : "/tmp") / ("brkv-sst-" + std::to_string(::getpid()) + "-" + test);
    fs::remove_all(tmp_);
    fs::create_directories(tmp_ / "staging");
    fs::create_directories(tmp_ / "restore");
    store_name_ = "sst-test-" + test;
    storage::ResetMemStore(store_name_);
    storage_ = storage::NewMemStorage(store_name_, "backup");
  }
  void TearDown() override {
    failpoint::DisableAll();
    storage::ResetMemStore(store_name_);
    fs::remove_all(tmp_);
  }

  BackupWriterOptions Options() {
    BackupWriterOptions o;
    o.store_id = 7;
    o.region_id = 12;
    o.region_version = 5;
    o.start_key = "t";
    o.end_key = "u";
    o.start_version = 0;
    o.end_version = 4242;
    o.temp_dir = (tmp_ / "staging").string();
    o.now_unix_millis = [] { return int64_t{1700000000000}; };
    return o;
  }
  SstReaderOptions ReaderOptions(CipherInfo cipher = {}) {
    SstReaderOptions o;
    o.temp_dir = (tmp_ / "restore").string();
    o.cipher = std::move(cipher);
    return o;
  }
  std::vector<std::string> Staged() { return ListDir(tmp_ / "staging"); }
  std::vector<std::string> Restored() { return ListDir(tmp_ / "restore"); }
  std::vector<std::string> Objects(storage::ExternalStorage* s = nullptr) {
    std::vector<std::string> out;
    EXPECT_TRUE((s ? s : storage_.get())
                    ->WalkDir("",
                              [&](std::string_view n, uint64_t) {
                                out.emplace_back(n);
                                return Status::OK();
                              })
                    .ok());
    return out;
  }

  // Reads every KV of one backup file back.
  std::vector<std::pair<std::string, std::string>> ReadBack(const BackupFileInfo& f,
                                                            const CipherInfo& cipher = {}) {
    auto r = SstReader::Open(storage_.get(), RefOf(f), ReaderOptions(cipher));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::pair<std::string, std::string>> out;
    if (!r.ok()) return out;
    auto it = (*r)->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(std::string(it->key()), std::string(it->value()));
    }
    EXPECT_TRUE(it->status().ok());
    EXPECT_EQ((*r)->num_entries(), out.size());
    return out;
  }

  fs::path tmp_;
  std::string store_name_;
  std::unique_ptr<storage::ExternalStorage> storage_;
};

// Round trips for every compression × cipher.
class BackupRoundTripTest
    : public BackupWriterTest,
      public ::testing::WithParamInterface<std::tuple<CompressionType, EncryptionMethod>> {};

TEST_P(BackupRoundTripTest, WriteUploadReadBack) {
  auto [compression, method] = GetParam();
  CipherInfo cipher{method, std::string(KeyLength(method), '\x5a')};
  BackupWriterOptions o = Options();
  o.compression = compression;
  o.compression_level = compression == CompressionType::kZstd ? 7 : 0;
  o.cipher = cipher;
  std::vector<Row> rows = MakeRows(600, 1);
  auto w = BackupWriter::Open(storage_.get(), o);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE(Feed(w->get(), rows).ok());
  auto files = (*w)->Finish();
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  const BackupFileInfo& def = (*files)[0];
  const BackupFileInfo& wr = (*files)[1];
  EXPECT_EQ(def.cf, "default");
  EXPECT_EQ(wr.cf, "write");

  std::string stem = "7/12_5_" + codec::ToHex(Sha256("t")) + "_1700000000000";
  EXPECT_EQ(def.name, stem + "_default.sst");
  EXPECT_EQ(wr.name, stem + "_write.sst");

  HandSums h = Hand(rows);
  for (int cf = 0; cf < 2; ++cf) {
    const BackupFileInfo& f = (*files)[cf];
    SCOPED_TRACE(f.name);
    EXPECT_EQ(f.crc64xor, h.crc[cf]);
    EXPECT_EQ(f.total_kvs, h.kvs[cf]);
    EXPECT_EQ(f.total_bytes, h.bytes[cf]);
    EXPECT_EQ(f.start_key, "t");
    EXPECT_EQ(f.end_key, "u");
    EXPECT_EQ(f.start_version, 0u);
    EXPECT_EQ(f.end_version, 4242u);
    EXPECT_EQ(f.cipher_iv.size(), kIvSize);
    // sha256 and size describe the uploaded object.
    std::string uploaded = storage_->ReadFile(f.name).value();
    EXPECT_EQ(Sha256(uploaded), f.sha256);
    EXPECT_EQ(uploaded.size(), f.size);
  }
  EXPECT_NE(def.cipher_iv, wr.cipher_iv);
  Checksum total = (*w)->checksum();
  EXPECT_EQ(total.total_kvs, 600u);
  EXPECT_EQ(total.crc64xor, h.crc[0] ^ h.crc[1]);

  std::vector<std::pair<std::string, std::string>> want_default, want_write;
  for (const Row& r : rows) {
    if (r.long_value) want_default.emplace_back(r.default_key, r.value);
    want_write.emplace_back(r.write_key, r.write_value);
  }
  EXPECT_EQ(ReadBack(def, cipher), want_default);
  EXPECT_EQ(ReadBack(wr, cipher), want_write);

  // The SST carries the requested codec.
  auto reader = SstReader::Open(storage_.get(), RefOf(wr), ReaderOptions(cipher)).value();
  rocksdb::SstFileReader raw{rocksdb::Options()};
  ASSERT_TRUE(raw.Open(reader->local_path()).ok());
  std::string codec = raw.GetTableProperties()->compression_name;
  const char* want_codec = compression == CompressionType::kSnappy ? "Snappy"
                           : compression == CompressionType::kZstd ? "ZSTD"
                                                                   : "LZ4";
  EXPECT_EQ(codec, want_codec);
  if (compression == CompressionType::kZstd) {
    EXPECT_NE(raw.GetTableProperties()->compression_options.find("level=7;"), std::string::npos)
        << raw.GetTableProperties()->compression_options;
  }

  EXPECT_TRUE(Staged().empty());
  reader.reset();
  EXPECT_TRUE(Restored().empty());
}

INSTANTIATE_TEST_SUITE_P(
    AllCodecsAndCiphers, BackupRoundTripTest,
    ::testing::Combine(::testing::Values(CompressionType::kUnknown, CompressionType::kLz4,
                                         CompressionType::kSnappy, CompressionType::kZstd),
                       ::testing::Values(EncryptionMethod::kPlaintext, EncryptionMethod::kAes128Ctr,
                                         EncryptionMethod::kAes192Ctr,
                                         EncryptionMethod::kAes256Ctr)),
    [](const auto& info) {
      std::string s = std::string(CompressionName(std::get<0>(info.param))) + "_" +
                      std::string(MethodName(std::get<1>(info.param)));
      for (char& c : s) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return s;
    });

TEST_F(BackupWriterTest, ChecksumMatchesTheFormatsVector) {
  // formats.md 5.4: raw key (19 bytes) + row value 80 00 01 00 00 00 01 01 00 01 →
  // CRC64 0x889D6AC1E70C6EE1, total_bytes 29.
  std::string raw = "t";
  codec::EncodeInt(&raw, 110);
  raw += "_r";
  codec::EncodeInt(&raw, 1);
  ASSERT_EQ(raw.size(), 19u);
  std::string value = codec::FromHex("80000100000001010001").value();
  uint64_t commit_ts = 459177129704947714ull;
  WriteRecord wr;
  wr.start_ts = 459177129704947713ull;
  wr.short_value = value;
  BackupWriterOptions o = Options();
  auto w = BackupWriter::Open(storage_.get(), o).value();
  ASSERT_TRUE(
      w->Add({BackupCf::kWrite, keys::MvccKey(raw, commit_ts), wr.Encode(), raw, value}).ok());
  auto files = w->Finish().value();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].cf, "write");
  EXPECT_EQ(files[0].crc64xor, 0x889D6AC1E70C6EE1ull);
  EXPECT_EQ(files[0].total_kvs, 1u);
  EXPECT_EQ(files[0].total_bytes, 29u);
  // The stored write value is the record byte for byte (formats.md 4.2 vector).
  auto kvs = ReadBack(files[0]);
  ASSERT_EQ(kvs.size(), 1u);
  EXPECT_EQ(codec::ToHex(kvs[0].second), "508180b0c8aae5d4af06760a80000100000001010001");
}

TEST_F(BackupWriterTest, CutsIntoContiguousPiecesAtSmallSstMaxSize) {
  BackupWriterOptions o = Options();
  o.sst_max_size = 8 * 1024;
  int64_t millis = 1700000000000;
  o.now_unix_millis = [&millis] { return millis++; };
  std::vector<BackupPiece> pieces;
  o.on_piece = [&](const BackupPiece& p) {
    pieces.push_back(p);
    return Status::OK();
  };
  std::vector<Row> rows = MakeRows(3000, 2);
  auto w = BackupWriter::Open(storage_.get(), o).value();
  ASSERT_TRUE(Feed(w.get(), rows).ok());
  auto files = w->Finish().value();
  ASSERT_GE(pieces.size(), 4u);
  EXPECT_EQ(w->files(), files);

  // Contiguous coverage of [start, end).
  EXPECT_EQ(pieces.front().start_key, "t");
  EXPECT_EQ(pieces.back().end_key, "u");
  for (size_t i = 1; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].start_key, pieces[i - 1].end_key);
    EXPECT_LT(pieces[i - 1].start_key, pieces[i - 1].end_key);
  }
  std::vector<BackupFileInfo> from_pieces;
  for (const auto& p : pieces) {
    ASSERT_FALSE(p.files.empty());
    ASSERT_LE(p.files.size(), 2u);
    if (p.files.size() == 2) {
      EXPECT_EQ(p.files[0].cf, "default");
      EXPECT_EQ(p.files[1].cf, "write");
    }
    for (const auto& f : p.files) {
      EXPECT_EQ(f.start_key, p.start_key);
      EXPECT_EQ(f.end_key, p.end_key);
      from_pieces.push_back(f);
    }
  }
  EXPECT_EQ(from_pieces, files);

  // Every KV lies in its file's range; every row comes back once; a row's write and default
  // KVs are in the same piece; the sums over all files equal the hand computation.
  std::set<std::string> names;
  std::map<std::string, std::string> piece_of_raw_write, piece_of_raw_default;
  Checksum sum;
  size_t write_kvs = 0;
  for (const auto& f : files) {
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate name " << f.name;
    sum.Merge(Checksum{f.crc64xor, f.total_kvs, f.total_bytes});
    for (const auto& [k, v] : ReadBack(f)) {
      auto decoded = keys::DecodeMvccKey(k).value();
      EXPECT_GE(decoded.raw, f.start_key);
      EXPECT_LT(decoded.raw, f.end_key);
      (f.cf == "write" ? piece_of_raw_write : piece_of_raw_default)[decoded.raw] = f.start_key;
      if (f.cf == "write") ++write_kvs;
    }
  }
  EXPECT_EQ(write_kvs, rows.size());
  for (const auto& [raw, piece] : piece_of_raw_default) EXPECT_EQ(piece_of_raw_write[raw], piece);
  HandSums h = Hand(rows);
  EXPECT_EQ(sum.crc64xor, h.crc[0] ^ h.crc[1]);
  EXPECT_EQ(sum.total_kvs, rows.size());
  EXPECT_EQ(sum.total_bytes, h.bytes[0] + h.bytes[1]);
  EXPECT_EQ(Objects().size(), files.size());
  EXPECT_TRUE(Staged().empty());
}

TEST_F(BackupWriterTest, UnboundedRangeAndFlatNaming) {
  BackupWriterOptions o = Options();
  o.start_key = "";
  o.end_key = "";
  o.naming = FileNaming::kFlat;
  auto w = BackupWriter::Open(storage_.get(), o).value();
  std::vector<Row> rows = MakeRows(10, 3);
  ASSERT_TRUE(Feed(w.get(), rows).ok());
  auto files = w->Finish().value();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[1].name, "7_12_5_" + codec::ToHex(Sha256("")) + "_1700000000000_write.sst");
  EXPECT_EQ(files[1].start_key, "");
  EXPECT_EQ(files[1].end_key, "");
}

TEST_F(BackupWriterTest, EmptyRangeGivesNoFiles) {
  auto w = BackupWriter::Open(storage_.get(), Options()).value();
  auto files = w->Finish();
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
  EXPECT_TRUE(Objects().empty());
  EXPECT_TRUE(Staged().empty());
}

TEST_F(BackupWriterTest, OnlyShortValuesGiveOnlyAWriteFile) {
  auto w = BackupWriter::Open(storage_.get(), Options()).value();
  std::vector<Row> rows = MakeRows(30, 4);
  std::vector<Row> shorts;
  for (auto& r : rows) {
    if (!r.long_value) shorts.push_back(r);
  }
  ASSERT_TRUE(Feed(w.get(), shorts).ok());
  auto files = w->Finish().value();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].cf, "write");
  EXPECT_EQ(files[0].total_kvs, shorts.size());
}

TEST_F(BackupWriterTest, RejectsBadInputAndCleansUp) {
  std::vector<Row> rows = MakeRows(5, 5);
  {
    auto w = BackupWriter::Open(storage_.get(), Options()).value();
    ASSERT_TRUE(Feed(w.get(), {rows[2]}).ok());
    EXPECT_FALSE(Staged().empty());
    Status s = Feed(w.get(), {rows[1]});  // raw key goes backwards
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
    EXPECT_TRUE(Staged().empty());
    EXPECT_FALSE(w->Finish().ok());  // poisoned
  }
  {
    auto w = BackupWriter::Open(storage_.get(), Options()).value();
    std::string outside = "v";
    EXPECT_EQ(w->Add({BackupCf::kWrite, keys::MvccKey(outside, 1), "P\x01", outside, "x"}).code(),
              Status::Code::kInvalidArgument);
  }
  {
    // The same CF key twice: RocksDB refuses a non-increasing key.
    auto w = BackupWriter::Open(storage_.get(), Options()).value();
    ASSERT_TRUE(w->Add({BackupCf::kWrite, rows[0].write_key, rows[0].write_value, rows[0].raw,
                        rows[0].value})
                    .ok());
    EXPECT_FALSE(w->Add({BackupCf::kWrite, rows[0].write_key, rows[0].write_value, rows[0].raw,
                         std::nullopt})
                     .ok());
  }
  EXPECT_TRUE(Staged().empty());
  EXPECT_TRUE(Objects().empty());

  BackupWriterOptions bad = Options();
  bad.temp_dir = (tmp_ / "missing").string();
  EXPECT_EQ(BackupWriter::Open(storage_.get(), bad).status().code(),
            Status::Code::kInvalidArgument);
  bad = Options();
  bad.cipher = CipherInfo{EncryptionMethod::kAes256Ctr, std::string(16, 'k')};
  Status s = BackupWriter::Open(storage_.get(), bad).status();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("32-byte key"), std::string::npos);
  bad = Options();
  bad.end_key = "t";
  EXPECT_FALSE(BackupWriter::Open(storage_.get(), bad).ok());
}

TEST_F(BackupWriterTest, DestroyedUnfinishedWriterLeavesNoStagedFiles) {
  {
    auto w = BackupWriter::Open(storage_.get(), Options()).value();
    ASSERT_TRUE(Feed(w.get(), MakeRows(50, 6)).ok());
    EXPECT_EQ(Staged().size(), 2u);
  }
  EXPECT_TRUE(Staged().empty());
  EXPECT_TRUE(Objects().empty());
}

TEST_F(BackupWriterTest, UploadFailureMidStreamLeavesNoStagedOrPartialFiles) {
  FaultInjectionStorage fis(storage_.get());
  BackupWriterOptions o = Options();
  o.upload_chunk_size = 1024;  // several Appends per file
  fis.FailAfter(FaultInjectionStorage::Op::kAppend, 3, Status::Unavailable("injected reset"));
  auto w = BackupWriter::Open(&fis, o).value();
  ASSERT_TRUE(Feed(w.get(), MakeRows(300, 7)).ok());
  auto files = w->Finish();
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(files.status().retryable());
  EXPECT_NE(files.status().message().find("_default.sst"), std::string::npos)
      << files.status().ToString();
  EXPECT_TRUE(Staged().empty());
  EXPECT_TRUE(Objects().empty());  // the aborted upload published nothing
}

TEST_F(BackupWriterTest, FailureInALaterPieceCleansUp) {
  FaultInjectionStorage fis(storage_.get());
  BackupWriterOptions o = Options();
  o.sst_max_size = 8 * 1024;
  // Pieces 1 and 2 (two files each) upload; the fifth object fails at Finish.
  fis.FailAfter(FaultInjectionStorage::Op::kFinish, 4, Status::IOError("injected"));
  auto w = BackupWriter::Open(&fis, o).value();
  Status s = Feed(w.get(), MakeRows(3000, 8));
  if (s.ok()) s = w->Finish().status();
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_TRUE(Staged().empty());
  EXPECT_EQ(w->files().size(), 4u);
  EXPECT_EQ(Objects().size(), 4u);  // earlier pieces stay, unreferenced until backupmeta
  EXPECT_EQ(w->Add({}).code(), Status::Code::kIOError);  // poisoned with the first error
}

TEST_F(BackupWriterTest, FailpointBeforeUpload) {
  failpoint::ScopedFailPoint fp("backup.before-upload", "return(no route to storage)");
  auto w = BackupWriter::Open(storage_.get(), Options()).value();
  ASSERT_TRUE(Feed(w.get(), MakeRows(20, 9)).ok());
  auto files = w->Finish();
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("no route to storage"), std::string::npos);
  EXPECT_TRUE(Staged().empty());
  EXPECT_TRUE(Objects().empty());
}

TEST_F(BackupWriterTest, OnPieceErrorFailsTheWriter) {
  BackupWriterOptions o = Options();
  o.on_piece = [](const BackupPiece&) { return Status::Aborted("client went away"); };
  auto w = BackupWriter::Open(storage_.get(), o).value();
  ASSERT_TRUE(Feed(w.get(), MakeRows(20, 10)).ok());
  EXPECT_EQ(w->Finish().status().code(), Status::Code::kAborted);
  EXPECT_TRUE(Staged().empty());
}

TEST_F(BackupWriterTest, RateLimiterThrottlesUploads) {
  RateLimiter limiter(512 * 1024);  // 512 KiB/s, bucket starts empty
  BackupWriterOptions o = Options();
  o.rate_limiter = &limiter;
  o.compression = CompressionType::kLz4;
  o.upload_chunk_size = 16 * 1024;
  // Random-ish values so the SSTs stay large after compression.
  std::vector<Row> rows = MakeRows(1500, 11);
  std::mt19937 rng(12);
  for (Row& r : rows) {
    for (char& c : r.value) c = static_cast<char>(rng());
    if (!r.long_value) {
      WriteRecord wr = WriteRecord::Decode(r.write_value).value();
      wr.short_value = r.value;
      r.write_value = wr.Encode();
    }
  }
  auto start = std::chrono::steady_clock::now();
  auto w = BackupWriter::Open(storage_.get(), o).value();
  ASSERT_TRUE(Feed(w.get(), rows).ok());
  auto files = w->Finish().value();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t bytes = 0;
  for (const auto& f : files) bytes += f.size;
  ASSERT_GT(bytes, 256u * 1024);
  EXPECT_GE(secs, static_cast<double>(bytes) / (512 * 1024) * 0.8) << bytes << " bytes";
}

TEST_F(BackupWriterTest, FlippedByteFailsVerificationNamingTheObject) {
  auto w = BackupWriter::Open(storage_.get(), Options()).value();
  ASSERT_TRUE(Feed(w.get(), MakeRows(100, 13)).ok());
  auto files = w->Finish().value();
  const BackupFileInfo& f = files[1];

  // A bit flipped in transit.
  FaultInjectionStorage fis(storage_.get());
  fis.CorruptReads(f.size / 2);
  auto r = SstReader::Open(&fis, RefOf(f), ReaderOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find(f.name), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("sha256"), std::string::npos);
  EXPECT_TRUE(Restored().empty());

  // A byte flipped at rest.
  std::string data = storage_->ReadFile(f.name).value();
  data[10] ^= 0x40;
  ASSERT_TRUE(storage_->WriteFile(f.name, data).ok());
  r = SstReader::Open(storage_.get(), RefOf(f), ReaderOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find(f.name), std::string::npos);
  EXPECT_TRUE(Restored().empty());

  // A truncated object.
  ASSERT_TRUE(storage_->WriteFile(f.name, data.substr(0, data.size() - 1)).ok());
  r = SstReader::Open(storage_.get(), RefOf(f), ReaderOptions());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);

  // A missing object.
  ASSERT_TRUE(storage_->DeleteFile(f.name).ok());
  r = SstReader::Open(storage_.get(), RefOf(f), ReaderOptions());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(f.name), std::string::npos);

  // No sha256 in backupmeta.
  SstFileRef no_sha = RefOf(files[0]);
  no_sha.sha256.clear();
  EXPECT_EQ(SstReader::Open(storage_.get(), no_sha, ReaderOptions()).status().code(),
            Status::Code::kCorruption);
  EXPECT_TRUE(Restored().empty());
}

TEST_F(BackupWriterTest, EncryptedSstIsNotReadableWithoutItsKey) {
  CipherInfo cipher{EncryptionMethod::kAes256Ctr, std::string(32, '\x11')};
  BackupWriterOptions o = Options();
  o.cipher = cipher;
  auto w = BackupWriter::Open(storage_.get(), o).value();
  ASSERT_TRUE(Feed(w.get(), MakeRows(100, 14)).ok());
  auto files = w->Finish().value();
  const BackupFileInfo& f = files[1];

  // The uploaded bytes are not a plain SST: the sha256 matches, the table does not open.
  auto plain = SstReader::Open(storage_.get(), RefOf(f), ReaderOptions());
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().code(), Status::Code::kCorruption);
  EXPECT_NE(plain.status().message().find(f.name), std::string::npos);
  EXPECT_NE(plain.status().message().find("crypter"), std::string::npos);

  // Nor with a wrong key.
  CipherInfo wrong{EncryptionMethod::kAes256Ctr, std::string(32, '\x12')};
  EXPECT_EQ(SstReader::Open(storage_.get(), RefOf(f), ReaderOptions(wrong)).status().code(),
            Status::Code::kCorruption);
  // Nor with a wrong IV.
  SstFileRef bad_iv = RefOf(f);
  bad_iv.cipher_iv = files[0].cipher_iv;
  EXPECT_EQ(SstReader::Open(storage_.get(), bad_iv, ReaderOptions(cipher)).status().code(),
            Status::Code::kCorruption);
  // A missing IV is a clear error.
  bad_iv.cipher_iv.clear();
  EXPECT_EQ(SstReader::Open(storage_.get(), bad_iv, ReaderOptions(cipher)).status().code(),
            Status::Code::kInvalidArgument);
  // With the key it reads.
  EXPECT_EQ(ReadBack(f, cipher).size(), 100u);
  EXPECT_TRUE(Restored().empty());

  // And the plaintext of the upload is exactly the SST a plaintext backup would hold.
  std::string uploaded = storage_->ReadFile(f.name).value();
  std::string decrypted = Decrypt(cipher, f.cipher_iv, uploaded).value();
  EXPECT_EQ(decrypted.size(), f.size);
  EXPECT_NE(decrypted, uploaded);
}

TEST_F(BackupWriterTest, ReaderSeekAndStagedFileLifetime) {
  auto w = BackupWriter::Open(storage_.get(), Options()).value();
  std::vector<Row> rows = MakeRows(50, 15);
  ASSERT_TRUE(Feed(w.get(), rows).ok());
  auto files = w->Finish().value();
  SstReaderOptions ro = ReaderOptions();
  ro.chunk_size = 100;  // many ranged reads
  auto r = SstReader::Open(storage_.get(), RefOf(files[1]), ro).value();
  EXPECT_EQ(Restored().size(), 1u);
  EXPECT_TRUE(fs::exists(r->local_path()));
  auto it = r->NewIterator();
  it->Seek(rows[25].write_key);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), rows[25].write_key);
  EXPECT_EQ(it->value(), rows[25].write_value);
  it.reset();
  r.reset();
  EXPECT_TRUE(Restored().empty());
}

TEST_F(BackupWriterTest, LocalStorageUsesAStoreDirectory) {
  fs::path root = tmp_ / "backup-root";
  auto local = storage::CreateStorageFromUrl("local://" + root.string()).value();
  auto w = BackupWriter::Open(local.get(), Options()).value();
  ASSERT_TRUE(Feed(w.get(), MakeRows(10, 16)).ok());
  auto files = w->Finish().value();
  ASSERT_EQ(files.size(), 2u);
  for (const auto& f : files) {
    EXPECT_TRUE(fs::is_regular_file(root / f.name)) << f.name;
    EXPECT_EQ(f.name.substr(0, 2), "7/");
    auto r = SstReader::Open(local.get(), RefOf(f), ReaderOptions());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_TRUE(Staged().empty());
}

}  // namespace
}  // namespace brkv::sst
