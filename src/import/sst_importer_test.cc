// SstImporter against real RocksDB and real backup SSTs: download with and without rewrite,
// ts rewrite, partial ranges, corruption and wrong keys, encryption, empty results, ingest
// and read-back through the MVCC reader, region errors, and staged-file hygiene.
#include "import/sst_importer.h"

#include <chrono>
#include <fstream>
#include <thread>

#include "common/sha256.h"
#include "import/import_test_util.h"
#include "server/mvcc_reader.h"
#include "storage/fault_injection_storage.h"

namespace brkv::import {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::ImportFixture;
using testing::IndexPrefix;
using testing::MakeRows;
using testing::RecordPrefix;
using testing::Row;
using testing::RowKey;

std::string Enc(const std::string& p) { return codec::EncodeKeyPrefix(p); }

// The rows as they must look after moving them from table `from` to table `to`.
std::vector<Row> Moved(std::vector<Row> rows, const std::string& from, const std::string& to) {
  for (Row& r : rows) r.raw = to + r.raw.substr(from.size());
  return rows;
}

class SstImporterTest : public ImportFixture {
 protected:
  // Downloads; expects success.
  DownloadResult MustDownload(const import_sstpb::DownloadRequest& req) {
    auto r = importer_->Download(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : DownloadResult{};
  }
  Status IngestOne(const import_sstpb::DownloadRequest& req) {
    return importer_->Ingest(Ctx(), {req.sst()}, nullptr);
  }
  // Reads every row back through the MVCC reader at a ts after all commits.
  void ExpectReadable(const std::vector<Row>& rows) {
    server::MvccReader reader(engine_.get(), nullptr);
    for (const Row& r : rows) {
      auto v = reader.Get(r.raw, UINT64_MAX - 1, nullptr);
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      ASSERT_TRUE(v->has_value()) << codec::Escape(r.raw);
      EXPECT_EQ(**v, r.value);
    }
  }
  void ExpectNothingStaged() {
    EXPECT_TRUE(ImportDirEntries().empty()) << ImportDirEntries().size();
  }
};

TEST_F(SstImporterTest, DownloadWithoutRewriteKeepsKeysAndValues) {
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 50);
  auto files = Backup(rows);
  const std::string p = Enc(RecordPrefix(42));
  DownloadResult r = MustDownload(Request(files["write"], 1, p, p));
  ASSERT_FALSE(r.is_empty);
  EXPECT_EQ(r.kvs, 50u);
  EXPECT_EQ(r.start_key, keys::TxnRegionKey(rows.front().raw));
  EXPECT_EQ(r.end_key, keys::TxnRegionKey(rows.back().raw));
  auto kvs = ReadSst(StagedPath(1, "write"));
  ASSERT_EQ(kvs.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(kvs[i].first, rows[i].write_key());
    EXPECT_EQ(kvs[i].second, rows[i].write_value());
  }
  EXPECT_EQ(r.length, fs::file_size(StagedPath(1, "write")));
  // Only the staged file is left: the download's work directory is gone.
  EXPECT_EQ(ImportDirEntries(),
            std::vector<std::string>{fs::path(StagedPath(1, "write")).filename().string()});
}

TEST_F(SstImporterTest, DownloadRewritesTablePrefix) {
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 40);
  auto files = Backup(rows);
  std::vector<Row> want = Moved(rows, RecordPrefix(42), RecordPrefix(1042));
  for (const char* cf : {"default", "write"}) {
    SCOPED_TRACE(cf);
    const int uuid = cf[0] == 'd' ? 1 : 2;
    DownloadResult r =
        MustDownload(Request(files[cf], uuid, Enc(RecordPrefix(42)), Enc(RecordPrefix(1042))));
    ASSERT_FALSE(r.is_empty);
    auto kvs = ReadSst(StagedPath(uuid, cf));
    std::vector<std::pair<std::string, std::string>> expect;
    for (const Row& w : want) {
      if (cf[0] == 'w') expect.emplace_back(w.write_key(), w.write_value());
      if (cf[0] == 'd' && w.long_value()) expect.emplace_back(w.default_key(), w.value);
    }
    EXPECT_EQ(kvs, expect);
    EXPECT_EQ(r.start_key, keys::TxnRegionKey(cf[0] == 'w' ? want.front().raw : want.front().raw));
  }
}

TEST_F(SstImporterTest, DownloadRewritesIndexPrefix) {
  std::vector<Row> rows = MakeRows(IndexPrefix(42, 1), 30);
  auto files = Backup(rows);
  DownloadResult r =
      MustDownload(Request(files["write"], 1, Enc(IndexPrefix(42, 1)), Enc(IndexPrefix(77, 5))));
  ASSERT_FALSE(r.is_empty);
  std::vector<Row> want = Moved(rows, IndexPrefix(42, 1), IndexPrefix(77, 5));
  auto kvs = ReadSst(StagedPath(1, "write"));
  ASSERT_EQ(kvs.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(kvs[i].first, want[i].write_key());
  EXPECT_EQ(r.end_key, keys::TxnRegionKey(want.back().raw));
}

TEST_F(SstImporterTest, NewTimestampRewritesWriteAndDefaultCf) {
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 12);
  auto files = Backup(rows);
  const uint64_t new_ts = ComposeTs(1800000000000, 7);
  for (const char* cf : {"default", "write"}) {
    SCOPED_TRACE(cf);
    const int uuid = cf[0] == 'd' ? 1 : 2;
    auto req = Request(files[cf], uuid, Enc(RecordPrefix(42)), Enc(RecordPrefix(43)));
    req.mutable_rewrite_rule()->set_new_timestamp(new_ts);
    ASSERT_FALSE(MustDownload(req).is_empty);
    auto kvs = ReadSst(StagedPath(uuid, cf));
    ASSERT_FALSE(kvs.empty());
    for (const auto& [k, v] : kvs) {
      auto d = keys::DecodeMvccKey(k);
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(d->ts, new_ts);
      EXPECT_EQ(d->raw.substr(0, RecordPrefix(43).size()), RecordPrefix(43));
      if (cf[0] == 'w') {
        auto w = WriteRecord::Decode(v);
        ASSERT_TRUE(w.ok());
        EXPECT_EQ(w->start_ts, new_ts);
      }
    }
  }
  // Both CFs agree, so the rows read back at the new ts after ingest.
  import_sstpb::SSTMeta d = Request(files["default"], 1, "", "").sst();
  import_sstpb::SSTMeta w = Request(files["write"], 2, "", "").sst();
  ASSERT_TRUE(importer_->Ingest(Ctx(), {d, w}, nullptr).ok());
  server::MvccReader reader(engine_.get(), nullptr);
  for (const Row& r : Moved(rows, RecordPrefix(42), RecordPrefix(43))) {
    auto v = reader.Get(r.raw, new_ts, nullptr);
    ASSERT_TRUE(v.ok() && v->has_value()) << v.status().ToString();
    EXPECT_EQ(**v, r.value);
    auto before = reader.Get(r.raw, new_ts - 1, nullptr);
    ASSERT_TRUE(before.ok());
    EXPECT_FALSE(before->has_value());
  }
}

TEST_F(SstImporterTest, NewTimestampKeepsTheNewestOfCollapsedVersions) {
  // Two versions of one key: with new_ts they land on one key; the newest wins.
  Row old_v{RowKey(42, 1), "old", 100, 110};
  Row new_v{RowKey(42, 1), "new", 200, 210};
  // Backup order: newest version first (desc ts sorts first).
  auto files = Backup({new_v, old_v});
  auto req = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  req.mutable_rewrite_rule()->set_new_timestamp(500);
  DownloadResult r = MustDownload(req);
  EXPECT_EQ(r.kvs, 1u);
  auto kvs = ReadSst(StagedPath(1, "write"));
  ASSERT_EQ(kvs.size(), 1u);
  EXPECT_EQ(WriteRecord::Decode(kvs[0].second)->short_value, "new");
}

TEST_F(SstImporterTest, TimestampWindowDropsVersions) {
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 20);
  auto files = Backup(rows);
  auto req = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  req.mutable_rewrite_rule()->set_ignore_before_timestamp(rows[5].commit_ts);
  req.mutable_rewrite_rule()->set_ignore_after_timestamp(rows[14].commit_ts);
  DownloadResult r = MustDownload(req);
  EXPECT_EQ(r.kvs, 10u);
  EXPECT_EQ(r.start_key, keys::TxnRegionKey(rows[5].raw));
  EXPECT_EQ(r.end_key, keys::TxnRegionKey(rows[14].raw));
}

TEST_F(SstImporterTest, PartialRangeInclusiveAndExclusive) {
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 60);
  auto files = Backup(rows);
  auto req = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(7)));
  req.mutable_sst()->mutable_range()->set_start(keys::TxnRegionKey(RowKey(7, 10)));
  req.mutable_sst()->mutable_range()->set_end(keys::TxnRegionKey(RowKey(7, 19)));
  DownloadResult r = MustDownload(req);
  EXPECT_EQ(r.kvs, 10u);
  EXPECT_EQ(r.start_key, keys::TxnRegionKey(RowKey(7, 10)));
  EXPECT_EQ(r.end_key, keys::TxnRegionKey(RowKey(7, 19)));

  req.mutable_sst()->set_uuid(Uuid(2));
  req.mutable_sst()->set_end_key_exclusive(true);
  r = MustDownload(req);
  EXPECT_EQ(r.kvs, 9u);
  EXPECT_EQ(r.end_key, keys::TxnRegionKey(RowKey(7, 18)));
  EXPECT_EQ(ReadSst(StagedPath(2, "write")).size(), 9u);
}

TEST_F(SstImporterTest, EmptyResultStagesNothing) {
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 10);
  auto files = Backup(rows);
  auto req = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  req.mutable_sst()->mutable_range()->set_start(keys::TxnRegionKey(RowKey(42, 100)));
  DownloadResult r = MustDownload(req);
  EXPECT_TRUE(r.is_empty);
  ExpectNothingStaged();
  // A range that misses the new prefix entirely is empty without touching the storage.
  auto miss = Request(files["write"], 2, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  miss.mutable_sst()->mutable_range()->set_start(keys::TxnRegionKey(RowKey(50, 0)));
  miss.mutable_sst()->mutable_range()->set_end(keys::TxnRegionKey(RowKey(60, 0)));
  miss.set_name("does/not/exist.sst");
  EXPECT_TRUE(MustDownload(miss).is_empty);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, WrongPrefixIsRejected) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto req = Request(files["write"], 1, Enc(RecordPrefix(43)), Enc(RecordPrefix(44)));
  req.mutable_sst()->mutable_range()->Clear();  // unbounded: every key is checked
  auto r = importer_->Download(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("WrongKeyPrefix"), std::string::npos);
  EXPECT_NE(r.status().message().find(files["write"].name), std::string::npos);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, ShaMismatchNamesTheObject) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto req = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  req.set_sha256(Sha256("something else"));
  auto r = importer_->Download(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find("sha256"), std::string::npos);
  EXPECT_NE(r.status().message().find(files["write"].name), std::string::npos);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, TruncatedAndMissingObjectsFail) {
  auto files = Backup(MakeRows(RecordPrefix(42), 30));
  auto whole = backup_storage_->ReadFile(files["write"].name);
  ASSERT_TRUE(whole.ok());
  ASSERT_TRUE(
      backup_storage_->WriteFile("cut_write.sst", whole->substr(0, whole->size() / 2)).ok());
  auto req = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  req.set_name("cut_write.sst");
  // With the sha256 of the whole file: a mismatch.
  auto r = importer_->Download(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find("cut_write.sst"), std::string::npos);
  // Without a sha256: not a readable SST.
  req.clear_sha256();
  r = importer_->Download(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find("cut_write.sst"), std::string::npos);
  // Missing.
  req.set_name("1/missing_write.sst");
  r = importer_->Download(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("1/missing_write.sst"), std::string::npos);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, EncryptedBackupNeedsTheRightKey) {
  sst::CipherInfo cipher{sst::EncryptionMethod::kAes256Ctr, std::string(32, '\x11')};
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 25);
  auto files = Backup(rows, cipher);
  ASSERT_EQ(files["write"].cipher_iv.size(), 16u);
  auto ok = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(8)), cipher);
  DownloadResult r = MustDownload(ok);
  EXPECT_EQ(r.kvs, 25u);

  sst::CipherInfo wrong{sst::EncryptionMethod::kAes256Ctr, std::string(32, '\x12')};
  auto bad = Request(files["write"], 2, Enc(RecordPrefix(42)), Enc(RecordPrefix(8)), wrong);
  auto br = importer_->Download(bad);
  ASSERT_FALSE(br.ok());
  EXPECT_EQ(br.status().code(), Status::Code::kCorruption);
  EXPECT_NE(br.status().message().find(files["write"].name), std::string::npos);
  // No key at all.
  auto none = Request(files["write"], 3, Enc(RecordPrefix(42)), Enc(RecordPrefix(8)));
  EXPECT_FALSE(importer_->Download(none).ok());
  // Only the good download is staged.
  EXPECT_EQ(ImportDirEntries(),
            std::vector<std::string>{fs::path(StagedPath(1, "write")).filename().string()});
}

TEST_F(SstImporterTest, IngestThenReadBackThroughMvcc) {
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 80);
  auto files = Backup(rows);
  auto d = Request(files["default"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(142)));
  auto w = Request(files["write"], 2, Enc(RecordPrefix(42)), Enc(RecordPrefix(142)));
  ASSERT_FALSE(MustDownload(d).is_empty);
  ASSERT_FALSE(MustDownload(w).is_empty);
  errorpb::Error err;
  Status s = importer_->Ingest(Ctx(), {d.sst(), w.sst()}, &err);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectReadable(Moved(rows, RecordPrefix(42), RecordPrefix(142)));
  // The old table's keys were not written.
  server::MvccReader reader(engine_.get(), nullptr);
  auto old = reader.Get(rows[0].raw, UINT64_MAX - 1, nullptr);
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->has_value());
  ExpectNothingStaged();
  // A second ingest of the same SST finds nothing staged.
  s = IngestOne(w);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
}

TEST_F(SstImporterTest, MultiIngestOfOverlappingFilesOfOneCf) {
  // Two files of one CF whose ranges overlap (two backup pieces that both hold a key, or a
  // retried download under a new uuid): one ingest takes both.
  std::vector<Row> a = MakeRows(RecordPrefix(42), 20, 1);
  std::vector<Row> b = MakeRows(RecordPrefix(42), 20, 2);
  for (Row& r : b) {
    r.start_ts += 10;
    r.commit_ts += 10;
  }
  auto fa = Backup(a);
  auto fb = Backup(b);
  const std::string p = Enc(RecordPrefix(42));
  std::vector<import_sstpb::SSTMeta> metas;
  int uuid = 0;
  for (auto* files : {&fa, &fb}) {
    for (const char* cf : {"default", "write"}) {
      auto req = Request((*files)[cf], ++uuid, p, p);
      ASSERT_FALSE(MustDownload(req).is_empty);
      metas.push_back(req.sst());
    }
  }
  Status s = importer_->Ingest(Ctx(), metas, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectReadable(b);  // the newer versions win
  server::MvccReader reader(engine_.get(), nullptr);
  for (const Row& r : a) {
    auto v = reader.Get(r.raw, r.commit_ts, nullptr);
    ASSERT_TRUE(v.ok() && v->has_value());
    EXPECT_EQ(**v, r.value);
  }
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, EpochMismatchIsARegionErrorAndRemovesStagedFiles) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  ASSERT_FALSE(MustDownload(w).is_empty);
  kvrpcpb::Context ctx = Ctx();
  ctx.mutable_region_epoch()->set_version(0);
  errorpb::Error err;
  Status s = importer_->Ingest(ctx, {w.sst()}, &err);
  ASSERT_TRUE(s.IsRegionError()) << s.ToString();
  EXPECT_TRUE(err.has_epoch_not_match());
  ASSERT_EQ(err.epoch_not_match().current_regions_size(), 1);
  EXPECT_EQ(err.epoch_not_match().current_regions(0).id(), region_.id());
  ExpectNothingStaged();

  // The SST's own (stale) epoch is checked too.
  ASSERT_FALSE(MustDownload(w).is_empty);
  import_sstpb::SSTMeta stale = w.sst();
  stale.mutable_region_epoch()->set_version(7);
  err.Clear();
  s = importer_->Ingest(Ctx(), {stale}, &err);
  ASSERT_TRUE(s.IsRegionError()) << s.ToString();
  EXPECT_TRUE(err.has_epoch_not_match());
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, RegionNotFoundAndKeyNotInRegion) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  ASSERT_FALSE(MustDownload(w).is_empty);
  kvrpcpb::Context ctx = Ctx();
  ctx.set_region_id(404);
  import_sstpb::SSTMeta meta = w.sst();
  meta.set_region_id(404);
  errorpb::Error err;
  Status s = importer_->Ingest(ctx, {meta}, &err);
  ASSERT_TRUE(s.IsRegionError());
  EXPECT_TRUE(err.has_region_not_found());
  ExpectNothingStaged();

  // A second region that does not cover table 42.
  metapb::Region other;
  other.set_id(2);
  other.set_start_key(keys::TxnRegionKey(RowKey(50, 0)));
  other.set_end_key(keys::TxnRegionKey(RowKey(60, 0)));
  other.mutable_region_epoch()->set_conf_ver(1);
  other.mutable_region_epoch()->set_version(1);
  other.add_peers()->set_id(2);
  other.mutable_peers(0)->set_store_id(1);
  // Shrink region 1 so that the two do not overlap.
  ASSERT_TRUE(regions_->RemoveRegionIfEmpty(1, nullptr, nullptr).ok());
  ASSERT_TRUE(regions_->AddRegion(other).ok());
  ASSERT_FALSE(MustDownload(w).is_empty);
  ctx.set_region_id(2);
  *ctx.mutable_region_epoch() = other.region_epoch();
  ctx.clear_peer();
  meta = w.sst();
  meta.set_region_id(2);
  *meta.mutable_region_epoch() = other.region_epoch();
  err.Clear();
  s = importer_->Ingest(ctx, {meta}, &err);
  ASSERT_TRUE(s.IsRegionError()) << s.ToString();
  EXPECT_TRUE(err.has_key_not_in_region());
  EXPECT_EQ(err.key_not_in_region().region_id(), 2u);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, FailuresAroundIngestLeaveNoStagedFiles) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  {
    failpoint::ScopedFailPoint fp("import.download.before-stage", "return");
    EXPECT_FALSE(importer_->Download(w).ok());
    ExpectNothingStaged();
  }
  {
    failpoint::ScopedFailPoint fp("restore.download-chunk", "2*return");
    EXPECT_FALSE(importer_->Download(w).ok());
    ExpectNothingStaged();
  }
  ASSERT_FALSE(MustDownload(w).is_empty);
  {
    failpoint::ScopedFailPoint fp("import.before-ingest", "return");
    EXPECT_FALSE(IngestOne(w).ok());
    ExpectNothingStaged();
  }
  // Nothing reached the engine.
  server::MvccReader reader(engine_.get(), nullptr);
  auto v = reader.Get(RowKey(42, 1), UINT64_MAX - 1, nullptr);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->has_value());
  // A failed re-download also drops the older staged file of the same uuid.
  ASSERT_FALSE(MustDownload(w).is_empty);
  auto bad = w;
  bad.set_sha256(Sha256("x"));
  EXPECT_FALSE(importer_->Download(bad).ok());
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, ExpiredDeadlineAndStorageTimeouts) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  auto r = importer_->Download(w, storage::Clock::now() - 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kTimedOut);
  EXPECT_TRUE(r.status().retryable());
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, DownloadTimeoutCapsTheCallersDeadline) {
  importer_.reset();
  SstImporterOptions o = ImporterOptions();
  o.download_timeout = 100ms;
  auto imp = SstImporter::Open(o, regions_.get());
  ASSERT_TRUE(imp.ok());
  importer_ = std::move(imp).value();
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  failpoint::ScopedFailPoint fp("restore.before-download", "1*sleep(300)");
  auto r = importer_->Download(w, storage::Clock::now() + 1h);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kTimedOut);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, CancelledDownloadStopsAndLeavesNothing) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  auto r = importer_->Download(w, storage::Clock::time_point::max(), [] { return true; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kAborted);
  EXPECT_NE(r.status().message().find(files["write"].name), std::string::npos);
  ExpectNothingStaged();
  // Cancelled midway: after the object was opened.
  int calls = 0;
  r = importer_->Download(w, storage::Clock::time_point::max(), [&] { return ++calls > 1; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kAborted);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, SweepRemovesStaleUnclaimedFiles) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  ASSERT_FALSE(MustDownload(w).is_empty);
  EXPECT_EQ(importer_->Sweep(), 0u);  // younger than the 10 min TTL
  EXPECT_FALSE(ImportDirEntries().empty());
  {
    auto claim = importer_->dir()->ClaimStaged(Uuid(1), "write");
    ASSERT_TRUE(claim.ok());
    EXPECT_EQ(importer_->Sweep(0ms), 0u);  // in use
    // A concurrent request for the same file is refused, and leaves the file alone.
    EXPECT_EQ(IngestOne(w).code(), Status::Code::kBusy);
    EXPECT_EQ(importer_->Download(w).status().code(), Status::Code::kBusy);
    EXPECT_TRUE(fs::exists(StagedPath(1, "write")));
  }
  EXPECT_EQ(importer_->Sweep(0ms), 1u);
  ExpectNothingStaged();
  EXPECT_EQ(IngestOne(w).code(), Status::Code::kNotFound);
}

TEST_F(SstImporterTest, StartupEmptiesTheImportDirectory) {
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  ASSERT_FALSE(
      MustDownload(Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42))))
          .is_empty);
  fs::create_directories(fs::path(ImportDirPath()) / ".work-1-1");
  { std::ofstream(fs::path(ImportDirPath()) / "junk.tmp") << "x"; }
  EXPECT_EQ(ImportDirEntries().size(), 3u);
  OpenImporter();
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, BackgroundSweepRemovesStagedFilesAfterTheTtl) {
  importer_.reset();
  SstImporterOptions o = ImporterOptions();
  o.staged_file_ttl = 100ms;
  o.sweep_interval = 20ms;
  auto imp = SstImporter::Open(o, regions_.get());
  ASSERT_TRUE(imp.ok());
  importer_ = std::move(imp).value();
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  ASSERT_FALSE(
      MustDownload(Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42))))
          .is_empty);
  for (int i = 0; i < 200 && !ImportDirEntries().empty(); ++i) std::this_thread::sleep_for(10ms);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, RawKvRestoreLandsInTheRawKeySpace) {
  std::vector<std::pair<std::string, std::string>> kvs;
  for (int i = 0; i < 20; ++i) {
    kvs.emplace_back("user/" + std::to_string(100 + i), "value-" + std::to_string(i));
  }
  auto file = BackupRaw(kvs);
  auto req = Request(file, 1, "user/", "moved/");
  req.set_is_raw_kv(true);
  req.mutable_sst()->mutable_range()->set_start(keys::RawRegionKey("moved/"));
  req.mutable_sst()->mutable_range()->set_end(keys::RawRegionKey("moved/110"));
  req.mutable_sst()->set_end_key_exclusive(true);
  DownloadResult r = MustDownload(req);
  EXPECT_EQ(r.kvs, 10u);
  EXPECT_EQ(r.start_key, keys::RawRegionKey("moved/100"));
  EXPECT_EQ(r.end_key, keys::RawRegionKey("moved/109"));
  ASSERT_TRUE(IngestOne(req).ok());
  for (int i = 0; i < 20; ++i) {
    auto v = engine_->Get(engine_->cf_default(),
                          keys::DataKey(keys::RawRegionKey("moved/" + std::to_string(100 + i))));
    if (i < 10) {
      ASSERT_TRUE(v.ok()) << i;
      EXPECT_EQ(*v, "value-" + std::to_string(i));
    } else {
      EXPECT_TRUE(v.status().IsNotFound());
    }
  }
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, RateLimitThrottlesTheDownload) {
  std::vector<Row> rows = MakeRows(RecordPrefix(42), 300);
  auto files = Backup(rows);
  auto req = Request(files["default"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  const uint64_t size = files["default"].size;
  ASSERT_GT(size, 8000u);
  req.set_rate_limit(size * 2);  // the bucket starts empty: about half a second
  const auto t0 = std::chrono::steady_clock::now();
  MustDownload(req);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 350ms);
}

TEST_F(SstImporterTest, RejectsUnsupportedAndMalformedRequests) {
  auto files = Backup(MakeRows(RecordPrefix(42), 3));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  auto keyspace = w;
  keyspace.set_request_type(import_sstpb::Keyspace);
  EXPECT_EQ(importer_->Download(keyspace).status().code(), Status::Code::kNotSupported);
  auto short_uuid = w;
  short_uuid.mutable_sst()->set_uuid("abc");
  EXPECT_EQ(importer_->Download(short_uuid).status().code(), Status::Code::kInvalidArgument);
  auto lock_cf = w;
  lock_cf.mutable_sst()->set_cf_name("lock");
  EXPECT_EQ(importer_->Download(lock_cf).status().code(), Status::Code::kInvalidArgument);
  auto no_backend = w;
  no_backend.clear_storage_backend();
  EXPECT_EQ(importer_->Download(no_backend).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(importer_->Ingest(Ctx(), {}, nullptr).code(), Status::Code::kInvalidArgument);
  ExpectNothingStaged();
}

// Storage faults through an injected factory.
class FaultyStorageTest : public SstImporterTest {
 protected:
  // Forwards to the fixture's fault-injection wrapper (which it does not own).
  class Borrowed : public storage::ExternalStorage {
   public:
    explicit Borrowed(storage::ExternalStorage* s) : s_(s) {}
    Status WriteFile(std::string_view n, std::string_view d,
                     const storage::CallOptions& o) override {
      return s_->WriteFile(n, d, o);
    }
    Result<std::unique_ptr<storage::ExternalWriter>> Create(
        std::string_view n, const storage::CallOptions& o) override {
      return s_->Create(n, o);
    }
    Result<std::string> ReadFile(std::string_view n, const storage::CallOptions& o) override {
      return s_->ReadFile(n, o);
    }
    Result<std::unique_ptr<storage::ExternalReader>> Open(std::string_view n,
                                                          const storage::CallOptions& o) override {
      return s_->Open(n, o);
    }
    Result<bool> FileExists(std::string_view n, const storage::CallOptions& o) override {
      return s_->FileExists(n, o);
    }
    Status DeleteFile(std::string_view n, const storage::CallOptions& o) override {
      return s_->DeleteFile(n, o);
    }
    Status WalkDir(std::string_view p, const WalkFn& fn, const storage::CallOptions& o) override {
      return s_->WalkDir(p, fn, o);
    }
    std::string Uri() const override { return s_->Uri(); }
    const storage::StorageBackend& backend() const override { return s_->backend(); }

   private:
    storage::ExternalStorage* s_;
  };

  SstImporterOptions ImporterOptions() override {
    SstImporterOptions o = SstImporterTest::ImporterOptions();
    o.storage_factory = [this](const storage::StorageBackend&, const storage::StorageOptions&)
        -> Result<std::unique_ptr<storage::ExternalStorage>> {
      if (!faulty_)
        faulty_ = std::make_unique<storage::FaultInjectionStorage>(backup_storage_.get());
      return std::unique_ptr<storage::ExternalStorage>(new Borrowed(faulty_.get()));
    };
    return o;
  }
  std::unique_ptr<storage::FaultInjectionStorage> faulty_;
};

TEST_F(FaultyStorageTest, TimeoutsAreRetryableAndLeaveNothing) {
  auto files = Backup(MakeRows(RecordPrefix(42), 100));
  auto w = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  ASSERT_FALSE(MustDownload(w).is_empty);  // creates faulty_
  faulty_->FailAfter(storage::FaultInjectionStorage::Op::kReadAt, 0,
                     Status::TimedOut("injected read timeout"));
  auto r = importer_->Download(w);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kTimedOut);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_NE(r.status().message().find(files["write"].name), std::string::npos);
  ExpectNothingStaged();
  faulty_->ClearAll();
  faulty_->CorruptReads(100);
  r = importer_->Download(w);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  ExpectNothingStaged();
}

TEST_F(SstImporterTest, ConcurrentDownloadsAreBounded) {
  importer_.reset();
  SstImporterOptions o = ImporterOptions();
  o.max_concurrent_downloads = 1;
  auto imp = SstImporter::Open(o, regions_.get());
  ASSERT_TRUE(imp.ok());
  importer_ = std::move(imp).value();
  auto files = Backup(MakeRows(RecordPrefix(42), 10));
  auto a = Request(files["write"], 1, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  auto b = Request(files["write"], 2, Enc(RecordPrefix(42)), Enc(RecordPrefix(42)));
  failpoint::ScopedFailPoint fp("restore.before-download", "1*sleep(500)");
  std::thread t([&] { EXPECT_TRUE(importer_->Download(a).ok()); });
  std::this_thread::sleep_for(150ms);
  auto r = importer_->Download(b);
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kBusy);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_TRUE(importer_->Download(b).ok());
}

}  // namespace
}  // namespace brkv::import
