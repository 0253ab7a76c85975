// FileImporter: Download ranges (rewritten range ∩ prefix ∩ region), grouping, CF from names,
// and the region loop against a fake node: epoch changes and moved regions are retried, file
// errors fail naming the file, and staged files of a failed attempt are discarded. The job's
// uuid prefix and ClearStagedFiles (restore_staged.h).
#include "br/restore_files.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "br/restore_staged.h"
#include "catalog/tablecodec.h"
#include "client/fake_tikv.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "kv/keys.h"

namespace brkv::br {
namespace {

::backup::File File(std::string name, std::string start, std::string end, std::string cf = "") {
  ::backup::File f;
  f.set_name(std::move(name));
  f.set_start_key(std::move(start));
  f.set_end_key(std::move(end));
  f.set_cf(std::move(cf));
  f.set_sha256(std::string(32, 'h'));
  f.set_cipher_iv(std::string(16, 'i'));
  f.set_size(100);
  f.set_total_kvs(3);
  f.set_total_bytes(60);
  return f;
}

RestoreFileGroup Group(int64_t table, int64_t from, int64_t to) {
  RestoreFileGroup g;
  EXPECT_TRUE(AddToGroup(&g, File("1/2_3_x_default.sst", catalog::RecordKey(table, from),
                                  catalog::RecordKey(table, to))));
  EXPECT_TRUE(AddToGroup(&g, File("1/2_3_x_write.sst", catalog::RecordKey(table, from),
                                  catalog::RecordKey(table, to))));
  return g;
}

GroupTarget Target(int64_t old_id, int64_t new_id) {
  GroupTarget t;
  t.rule = {catalog::RecordPrefix(old_id), catalog::RecordPrefix(new_id)};
  return t;
}

TEST(RestoreFilesTest, GroupsAdjacentFilesOfOneRange) {
  RestoreFileGroup g;
  EXPECT_TRUE(AddToGroup(&g, File("a_default.sst", "k1", "k2")));
  EXPECT_TRUE(AddToGroup(&g, File("a_write.sst", "k1", "k2")));
  EXPECT_FALSE(AddToGroup(&g, File("b_write.sst", "k2", "k3")));
  EXPECT_EQ(g.files.size(), 2u);
  EXPECT_EQ(g.total_kvs(), 6u);
  EXPECT_EQ(g.total_bytes(), 120u);
  EXPECT_EQ(g.size(), 200u);
  EXPECT_EQ(g.Names(), "a_default.sst, a_write.sst");
}

TEST(RestoreFilesTest, CfFromTheFileName) {
  EXPECT_EQ(CfOfFile(File("1/5_2_abc_1700_write.sst", "", "")), "write");
  EXPECT_EQ(CfOfFile(File("1/5_2_abc_1700_default.sst", "", "", "write")), "default");
  // The directory part does not count.
  EXPECT_EQ(CfOfFile(File("write/5_2_default.sst", "", "")), "default");
  EXPECT_EQ(CfOfFile(File("x.sst", "", "", "write")), "write");
  EXPECT_EQ(CfOfFile(File("x.sst", "", "")), "default");
}

TEST(RestoreFilesTest, TargetRangeIsTheRewrittenFileRangeWithinTheNewPrefix) {
  const RestoreFileGroup g = Group(110, 100, 200);
  const RegionKeyRange r = TargetRegionRange(g, Target(110, 500));
  EXPECT_EQ(r.start, keys::TxnRegionKey(catalog::RecordKey(500, 100)));
  EXPECT_EQ(r.end, keys::TxnRegionKey(catalog::RecordKey(500, 200)));

  // A whole record range: clipped to the prefix, [EncodeKeyPrefix(t500_r), PrefixNext(...)).
  RestoreFileGroup whole;
  const catalog::KeyRange rec = catalog::TableRecordRange(110);
  AddToGroup(&whole, File("w_write.sst", catalog::RecordPrefix(110), rec.end));
  const RegionKeyRange w = TargetRegionRange(whole, Target(110, 500));
  const std::string p = codec::EncodeKeyPrefix(catalog::RecordPrefix(500));
  EXPECT_EQ(w.start, keys::TxnRegionKey(catalog::RecordPrefix(500)));
  EXPECT_GE(w.start, p);
  EXPECT_EQ(w.end, codec::PrefixNext(p));
  // Every encoded key of the new table's records is inside.
  const std::string k = keys::TxnRegionKey(catalog::RecordKey(500, INT64_MAX));
  EXPECT_TRUE(k >= w.start && k < w.end);
}

TEST(RestoreFilesTest, RawTargetRangeIsClampedToTheUserRange) {
  RestoreFileGroup g;
  AddToGroup(&g, File("r_default.sst", "a", ""));
  GroupTarget t;
  t.is_raw_kv = true;
  t.raw_start = "c";
  t.raw_end = "m";
  const RegionKeyRange r = TargetRegionRange(g, t);
  EXPECT_EQ(r.start, keys::RawRegionKey("c"));
  EXPECT_EQ(r.end, keys::RawRegionKey("m"));
  t.raw_end = "";
  EXPECT_EQ(TargetRegionRange(g, t).end, keys::RawRegionEndKey(""));
}

TEST(RestoreFilesTest, ClipToRegion) {
  const RegionKeyRange r{"b", "m"};
  auto c = ClipToRegion(r, "", "");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, r);
  c = ClipToRegion(r, "d", "f");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (RegionKeyRange{"d", "f"}));
  c = ClipToRegion(r, "a", "c");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (RegionKeyRange{"b", "c"}));
  EXPECT_FALSE(ClipToRegion(r, "m", ""));
  EXPECT_FALSE(ClipToRegion(r, "", "b"));
  c = ClipToRegion(RegionKeyRange{"b", ""}, "x", "");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (RegionKeyRange{"x", ""}));
}

// A node that checks each ingest against the fake cluster's regions, as the real importer does.
class FakeImporter : public ImporterClient {
 public:
  explicit FakeImporter(client::testing::FakeTikv* fake) : fake_(fake) {}

  struct Ingested {
    uint64_t region_id;
    std::string start, end, cf;
  };

  Status Download(const std::string& address, const import_sstpb::DownloadRequest& req,
                  Clock::time_point, import_sstpb::DownloadResponse* resp) override {
    std::lock_guard<std::mutex> l(mu_);
    ++downloads_;
    last_download_ = req;
    uuids_.insert(req.sst().uuid());
    if (req.name() == corrupt_name_) {
      resp->mutable_error()->set_code("Corruption");
      resp->mutable_error()->set_message("Corruption: sha256 mismatch of " + req.name());
      return Status::OK();
    }
    if (req.sst().range().start() >= req.sst().range().end()) {
      resp->set_is_empty(true);
      return Status::OK();
    }
    staged_[req.sst().uuid()] = req.sst();
    (void)address;
    if (lose_download_replies_ > 0) {
      --lose_download_replies_;
      return Status::Unavailable("Download: deadline exceeded");  // staged all the same
    }
    return Status::OK();
  }

  Status MultiIngest(const std::string& address, const import_sstpb::MultiIngestRequest& req,
                     Clock::time_point, import_sstpb::IngestResponse* resp) override {
    std::lock_guard<std::mutex> l(mu_);
    if (refuse_ingests_ > 0) {
      // gRPC's RESOURCE_EXHAUSTED: the node never saw the request.
      --refuse_ingests_;
      return Status::Busy("MultiIngest: all RPC threads are busy");
    }
    bool ok = true;
    for (const auto& m : req.ssts()) ok &= staged_.erase(m.uuid()) > 0;
    if (!ok) return Status::NotFound("staged SST not found");
    if (fail_ingests_ > 0) {
      --fail_ingests_;
      resp->mutable_error()->mutable_server_is_busy();
      return Status::OK();
    }
    for (const auto& r : fake_->Regions()) {
      if (r.id() != req.context().region_id()) continue;
      if (client::testing::FakeTikv::Address(r.peers(0).store_id()) != address) {
        resp->mutable_error()->mutable_not_leader()->set_region_id(r.id());
        return Status::OK();
      }
      if (r.region_epoch().version() != req.context().region_epoch().version() ||
          r.region_epoch().conf_ver() != req.context().region_epoch().conf_ver()) {
        ++epoch_errors_;
        *resp->mutable_error()->mutable_epoch_not_match()->add_current_regions() = r;
        return Status::OK();
      }
      for (const auto& m : req.ssts()) {
        EXPECT_GE(m.range().start(), r.start_key());
        if (!r.end_key().empty()) {
          EXPECT_LE(m.range().end(), r.end_key());
        }
        EXPECT_TRUE(m.end_key_exclusive());
        ingested_.push_back({r.id(), m.range().start(), m.range().end(), m.cf_name()});
      }
      return Status::OK();
    }
    resp->mutable_error()->mutable_region_not_found()->set_region_id(req.context().region_id());
    return Status::OK();
  }

  Status ClearFiles(const std::string& address, const import_sstpb::ClearRequest& req,
                    Clock::time_point) override {
    std::lock_guard<std::mutex> l(mu_);
    cleared_.push_back(address + " " + req.prefix());
    if (address == unreachable_) {
      return Status::Unavailable("ClearFiles on " + address + ": connection refused");
    }
    for (auto it = staged_.begin(); it != staged_.end();) {
      it = codec::ToHex(it->first).rfind(req.prefix(), 0) == 0 ? staged_.erase(it) : std::next(it);
    }
    return Status::OK();
  }

  client::testing::FakeTikv* fake_;
  std::mutex mu_;
  int downloads_ = 0;
  int epoch_errors_ = 0;
  int fail_ingests_ = 0;
  int refuse_ingests_ = 0;
  int lose_download_replies_ = 0;
  std::string corrupt_name_;
  std::string unreachable_;
  import_sstpb::DownloadRequest last_download_;
  std::set<std::string> uuids_;
  std::vector<std::string> cleared_;  // "address prefix" of each ClearFiles
  std::map<std::string, import_sstpb::SSTMeta> staged_;
  std::vector<Ingested> ingested_;
};

FileImporterOptions FastRetry() {
  FileImporterOptions o;
  o.retry = BackoffOptions{1, 5, 5000, 1};
  o.discard_retry = BackoffOptions{1, 5, 1000, 1};
  o.rate_limit = 7 << 20;
  return o;
}

TEST(FileImporterTest, IngestsIntoEveryRegionWithClippedRanges) {
  client::testing::FakeTikv fake(1);
  const std::string mid = keys::TxnRegionKey(catalog::RecordKey(500, 150));
  fake.Split({mid});
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  FileImporter importer(cluster->regions(), &node, FastRetry());

  auto stats = importer.Import(Group(110, 100, 200), Target(110, 500));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->regions, 2u);
  EXPECT_EQ(stats->ingested_ssts, 4u);
  ASSERT_EQ(node.ingested_.size(), 4u);
  // Region 1 gets [new start, split key), region 2 gets [split key, new end); both CFs each.
  EXPECT_EQ(node.ingested_[0].start, keys::TxnRegionKey(catalog::RecordKey(500, 100)));
  EXPECT_EQ(node.ingested_[0].end, mid);
  EXPECT_EQ(node.ingested_[0].cf, "default");
  EXPECT_EQ(node.ingested_[1].cf, "write");
  EXPECT_EQ(node.ingested_[2].start, mid);
  EXPECT_EQ(node.ingested_[2].end, keys::TxnRegionKey(catalog::RecordKey(500, 200)));
  EXPECT_TRUE(node.staged_.empty());

  // What the Download carried.
  const auto& d = node.last_download_;
  EXPECT_EQ(d.name(), "1/2_3_x_write.sst");
  EXPECT_EQ(d.sha256(), std::string(32, 'h'));
  EXPECT_EQ(d.sst().cipher_iv(), std::string(16, 'i'));
  EXPECT_EQ(d.sst().uuid().size(), 16u);
  EXPECT_EQ(d.rewrite_rule().old_key_prefix(), codec::EncodeKeyPrefix(catalog::RecordPrefix(110)));
  EXPECT_EQ(d.rewrite_rule().new_key_prefix(), codec::EncodeKeyPrefix(catalog::RecordPrefix(500)));
  EXPECT_EQ(d.rate_limit(), 7u << 20);
  EXPECT_FALSE(d.is_raw_kv());
}

TEST(FileImporterTest, RetriesAfterASplitChangedTheEpoch) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  FileImporter importer(cluster->regions(), &node, FastRetry());
  // Load the cache, then split behind its back: the first ingest meets EpochNotMatch.
  ASSERT_TRUE(cluster->regions()->Locate("").ok());
  fake.Split({keys::TxnRegionKey(catalog::RecordKey(500, 120))});

  auto stats = importer.Import(Group(110, 100, 200), Target(110, 500));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_GE(node.epoch_errors_, 1);
  EXPECT_GE(stats->retries, 1u);
  // The whole range ended up ingested, split at the new boundary.
  std::string covered_to = keys::TxnRegionKey(catalog::RecordKey(500, 100));
  for (const auto& i : node.ingested_) {
    if (i.cf != "write") continue;
    EXPECT_EQ(i.start, covered_to);
    covered_to = i.end;
  }
  EXPECT_EQ(covered_to, keys::TxnRegionKey(catalog::RecordKey(500, 200)));
}

TEST(FileImporterTest, MovedRegionIsLocatedAgain) {
  client::testing::FakeTikv fake(2);
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  FileImporter importer(cluster->regions(), &node, FastRetry());
  ASSERT_TRUE(cluster->regions()->Locate("").ok());
  fake.Move(fake.Regions()[0].id(), 2);  // scatter moved it to store 2

  auto stats = importer.Import(Group(110, 100, 200), Target(110, 500));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(node.ingested_.size(), 2u);
}

TEST(FileImporterTest, BusyNodeIsRetried) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  node.fail_ingests_ = 2;
  FileImporter importer(cluster->regions(), &node, FastRetry());
  auto stats = importer.Import(Group(110, 100, 200), Target(110, 500));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(node.ingested_.size(), 2u);
}

TEST(FileImporterTest, IngestRefusedBeforeItRanDiscardsTheStagedFiles) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  node.refuse_ingests_ = 2;  // the first ingest and the first discard are refused
  FileImporter importer(cluster->regions(), &node, FastRetry());
  auto stats = importer.Import(Group(110, 100, 200), Target(110, 500));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(node.ingested_.size(), 2u);
  EXPECT_EQ(node.downloads_, 4);  // downloaded afresh after the refusal
  EXPECT_TRUE(node.staged_.empty()) << node.staged_.size() << " staged files left behind";
}

TEST(FileImporterTest, DownloadLostInTransportIsDiscardedOnTheNode) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  node.lose_download_replies_ = 1;
  FileImporter importer(cluster->regions(), &node, FastRetry());
  auto stats = importer.Import(Group(110, 100, 200), Target(110, 500));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(node.ingested_.size(), 2u);
  EXPECT_TRUE(node.staged_.empty()) << node.staged_.size() << " staged files left behind";
}

TEST(FileImporterTest, CorruptFileFailsNamingItAndDiscardsStagedFiles) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  node.corrupt_name_ = "1/2_3_x_write.sst";
  FileImporter importer(cluster->regions(), &node, FastRetry());
  auto stats = importer.Import(Group(110, 100, 200), Target(110, 500));
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Status::Code::kCorruption);
  EXPECT_NE(stats.status().message().find("1/2_3_x_write.sst"), std::string::npos);
  // The default file was staged first; the discard ingest removed it, nothing was ingested.
  EXPECT_TRUE(node.staged_.empty());
  EXPECT_TRUE(node.ingested_.empty());
  EXPECT_EQ(node.downloads_, 2);  // not retried
}

TEST(FileImporterTest, EveryUuidStartsWithTheJobsPrefix) {
  client::testing::FakeTikv fake(1);
  fake.Split({keys::TxnRegionKey(catalog::RecordKey(500, 150))});
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  FileImporterOptions o = FastRetry();
  o.uuid_prefix = StagedUuidPrefix("job-1");
  FileImporter importer(cluster->regions(), &node, o);
  ASSERT_TRUE(importer.Import(Group(110, 100, 200), Target(110, 500)).ok());
  ASSERT_EQ(node.uuids_.size(), 4u);  // 2 files x 2 regions, each its own uuid
  for (const std::string& u : node.uuids_) {
    ASSERT_EQ(u.size(), 16u);
    EXPECT_EQ(u.substr(0, 4), o.uuid_prefix);
    EXPECT_EQ(codec::ToHex(u).substr(0, 8), StagedNamePrefix(o.uuid_prefix));
    EXPECT_EQ(static_cast<uint8_t>(u[6]) >> 4, 4);       // version 4
    EXPECT_EQ(static_cast<uint8_t>(u[8]) & 0xC0, 0x80);  // RFC 4122 variant
  }
}

TEST(StagedUuidTest, PrefixIsTheJobsAndTheRestIsRandom) {
  EXPECT_EQ(StagedUuidPrefix("job-1").size(), kStagedUuidPrefixBytes);
  EXPECT_EQ(StagedUuidPrefix("job-1"), StagedUuidPrefix("job-1"));
  EXPECT_NE(StagedUuidPrefix("job-1"), StagedUuidPrefix("job-2"));
  EXPECT_EQ(StagedNamePrefix(std::string("\x0a\xb1\x2c\xd3", 4)), "0ab12cd3");
  const std::string prefix = StagedUuidPrefix("job-1");
  EXPECT_NE(NewStagedUuid(prefix), NewStagedUuid(prefix));
  EXPECT_EQ(NewStagedUuid("").size(), 16u);
  EXPECT_NE(NewStagedUuid("").substr(0, 4), NewStagedUuid("").substr(0, 4));
}

TEST(ClearStagedFilesTest, FilesADiscardCouldNotRemoveAreCleared) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  FakeImporter node(&fake);
  FileImporterOptions o = FastRetry();
  o.uuid_prefix = StagedUuidPrefix("job-1");
  FileImporter importer(cluster->regions(), &node, o);
  {
    failpoint::ScopedFailPoint fail("br.restore.after-download", "return");
    failpoint::ScopedFailPoint keep("br.restore.before-discard", "return");
    auto stats = importer.Import(Group(110, 100, 200), Target(110, 500));
    ASSERT_FALSE(stats.ok());
    EXPECT_FALSE(stats.status().retryable());
  }
  ASSERT_EQ(node.staged_.size(), 2u);  // downloaded, never ingested, not discarded
  node.staged_[std::string(16, 'o')] = import_sstpb::SSTMeta();  // another job's file
  const std::string address = client::testing::FakeTikv::Address(1);
  node.unreachable_ = "127.0.0.1:1";
  ClearStagedReport r = ClearStagedFiles(&node, {address, "127.0.0.1:1"}, o.uuid_prefix);
  EXPECT_EQ(r.stores, 2u);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].rfind("127.0.0.1:1: Unavailable", 0), 0u) << r.failed[0];
  EXPECT_EQ(node.cleared_.size(), 2u);
  ASSERT_EQ(node.staged_.size(), 1u);
  EXPECT_EQ(node.staged_.begin()->first, std::string(16, 'o'));
}

TEST(FileImporterTest, DownloadErrorMapping) {
  import_sstpb::Error e;
  EXPECT_TRUE(StatusFromDownloadError(e).ok());
  e.set_code("NotFound");
  e.set_message("NotFound: backup file 1/x_write.sst does not exist");
  Status s = StatusFromDownloadError(e);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "backup file 1/x_write.sst does not exist");
  EXPECT_FALSE(s.retryable());
  e.set_code("TimedOut");
  e.set_retryable(true);
  EXPECT_TRUE(StatusFromDownloadError(e).retryable());
  import_sstpb::Error busy;
  busy.mutable_store_error()->mutable_server_is_busy();
  busy.set_message("too many downloads");
  EXPECT_EQ(StatusFromDownloadError(busy).code(), Status::Code::kBusy);
  EXPECT_TRUE(StatusFromDownloadError(busy).retryable());
  EXPECT_EQ(StatusFromCodeName("Corruption", "x").code(), Status::Code::kCorruption);
  EXPECT_EQ(StatusFromCodeName("Bogus", "x").code(), Status::Code::kInternal);
}

}  // namespace
}  // namespace brkv::br
