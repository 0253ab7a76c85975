// MetaWriter / MetaReader: backupmeta v2 round trips (plain and encrypted, many tiny leaves),
// bounded memory, corruption and wrong-key detection, v1 inline reads.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <set>

#include "br/backup_lock.h"
#include "br/meta_io.h"
#include "br/meta_names.h"
#include "br/meta_reader.h"
#include "br/meta_writer.h"
#include "catalog/tablecodec.h"
#include "common/failpoint.h"
#include "common/sha256.h"
#include "storage/local_storage.h"
#include "storage/mem_storage.h"

namespace brkv::br {
namespace {

constexpr std::string_view kKey256 = "0123456789abcdef0123456789ABCDEF";  // 32 bytes

sst::CipherInfo Aes256(std::string_view key = kKey256) {
  sst::CipherInfo c;
  c.method = sst::EncryptionMethod::kAes256Ctr;
  c.key = std::string(key);
  return c;
}

backup::File DataFile(int64_t table_id, int i, std::string_view cf) {
  backup::File f;
  f.set_name("1/" + std::to_string(table_id) + "_" + std::to_string(i) + "_" + std::string(cf) +
             ".sst");
  f.set_start_key(catalog::RecordKey(table_id, i * 10));
  f.set_end_key(catalog::RecordKey(table_id, i * 10 + 10));
  f.set_cf(std::string(cf));
  f.set_sha256(Sha256(f.name()));
  f.set_size(1000 + i);
  f.set_crc64xor(0x1234 + i);
  f.set_total_kvs(10);
  f.set_total_bytes(290);
  f.set_end_version(42);
  return f;
}

backup::Schema TableSchema(int64_t id) {
  backup::Schema s;
  s.set_db(R"({"id":1,"db_name":{"O":"test","L":"test"}})");
  s.set_table(R"({"id":)" + std::to_string(id) + R"(,"name":{"O":"t)" + std::to_string(id) +
              R"(","L":"t)" + std::to_string(id) + R"("}})");
  s.set_crc64xor(id * 7);
  s.set_total_kvs(id);
  s.set_total_bytes(id * 29);
  return s;
}

backup::BackupMeta RootTemplate() {
  backup::BackupMeta root;
  root.set_cluster_id(7001);
  root.set_cluster_version("\"8.5.0\"");
  root.set_start_version(0);
  root.set_end_version(459177124841914369ull);
  root.set_br_version("BR\nRelease Version: brkv-test\n");
  return root;
}

class MetaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = std::string("meta-test-") +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    storage::ResetMemStore(name_);
    storage_ = storage::NewMemStorage(name_);
  }
  void TearDown() override {
    failpoint::DisableAll();
    storage::ResetMemStore(name_);
  }

  // Writes a backup with `batches` pairs of data files spread over 5 tables, `schemas` schemas
  // and `ddls` DDL jobs, through a writer with a tiny leaf limit.
  MetaWriterStats WriteBackup(const MetaWriterOptions& options, int batches, int schemas,
                              int ddls) {
    auto w = MetaWriter::Open(storage_.get(), options);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    for (int i = 0; i < batches; ++i) {
      std::vector<backup::File> pair = {DataFile(100 + i % 5, i, "default"),
                                        DataFile(100 + i % 5, i, "write")};
      EXPECT_TRUE((*w)->AppendDataFiles(pair).ok());
      if (i < schemas) {
        std::vector<backup::Schema> one = {TableSchema(100 + i)};
        EXPECT_TRUE((*w)->AppendSchemas(one).ok());
      }
      if (i < ddls) {
        EXPECT_TRUE((*w)->AppendDdl(R"({"id":)" + std::to_string(i) + R"(,"type":3})").ok());
      }
    }
    Status s = (*w)->Finish(RootTemplate());
    EXPECT_TRUE(s.ok()) << s.ToString();
    return (*w)->stats();
  }

  std::vector<std::pair<std::string, uint64_t>> Objects() {
    std::vector<std::pair<std::string, uint64_t>> out;
    Status s = storage_->WalkDir("", [&](std::string_view n, uint64_t size) {
      out.emplace_back(std::string(n), size);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  // Checks that the reader returns exactly what WriteBackup wrote, in order.
  void ExpectBackupContent(const MetaReader& r, int batches, int schemas, int ddls) {
    int n = 0;
    ASSERT_TRUE(r.ForEachDataFile([&](const backup::File& f) {
                   const int i = n / 2;
                   const backup::File want =
                       DataFile(100 + i % 5, i, n % 2 == 0 ? "default" : "write");
                   EXPECT_EQ(f.SerializeAsString(), want.SerializeAsString()) << "file " << n;
                   ++n;
                   return Status::OK();
                 }).ok());
    EXPECT_EQ(n, 2 * batches);
    int m = 0;
    ASSERT_TRUE(r.ForEachSchema([&](const backup::Schema& s) {
                   EXPECT_EQ(s.SerializeAsString(), TableSchema(100 + m).SerializeAsString());
                   ++m;
                   return Status::OK();
                 }).ok());
    EXPECT_EQ(m, schemas);
    int d = 0;
    ASSERT_TRUE(r.ForEachDdl([&](std::string_view job) {
                   EXPECT_EQ(job, R"({"id":)" + std::to_string(d) + R"(,"type":3})");
                   ++d;
                   return Status::OK();
                 }).ok());
    EXPECT_EQ(d, ddls);
  }

  std::string name_;
  std::unique_ptr<storage::ExternalStorage> storage_;
};

TEST_F(MetaTest, RoundTripV2PlainManyLeaves) {
  MetaWriterOptions o;
  o.leaf_size_limit = 1024;
  MetaWriterStats st = WriteBackup(o, 200, 60, 40);
  EXPECT_EQ(st.data_files, 400u);
  EXPECT_GT(st.leaves_written, 30u);

  // Leaf names: every kind present, one shared counter 1..N without holes.
  std::set<uint64_t> seqs;
  std::set<std::string> kinds;
  uint64_t meta_bytes = 0;
  for (const auto& [name, size] : Objects()) {
    if (name == kMetaFileName) {
      meta_bytes += size;
      continue;
    }
    ASSERT_EQ(name.rfind("backupmeta.", 0), 0u) << name;
    auto dot = name.rfind('.');
    ASSERT_EQ(name.size() - dot - 1, 9u) << name;
    seqs.insert(std::stoull(name.substr(dot + 1)));
    kinds.insert(name.substr(0, dot));
    meta_bytes += size;
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"backupmeta.datafile", "backupmeta.schema",
                                          "backupmeta.ddl"}));
  ASSERT_EQ(seqs.size(), st.leaves_written);
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), st.leaves_written);

  auto r = MetaReader::Open(storage_.get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& meta = (*r)->meta();
  EXPECT_TRUE((*r)->is_v2());
  EXPECT_EQ(meta.version(), 1);
  EXPECT_EQ(meta.cluster_id(), 7001u);
  EXPECT_EQ(meta.end_version(), 459177124841914369ull);
  EXPECT_EQ(meta.ddls(), "[]");
  EXPECT_EQ(meta.new_collations_enabled(), "False");
  EXPECT_EQ(meta.files_size(), 0);
  EXPECT_EQ(meta.schemas_size(), 0);
  EXPECT_GT(meta.file_index().meta_files_size(), 1);
  for (const auto& p : meta.file_index().meta_files()) {
    EXPECT_EQ(p.sha256().size(), 32u);
    EXPECT_TRUE(p.cipher_iv().empty());
  }
  // backup_size = data files + every metadata object, root included.
  uint64_t data_bytes = 0;
  for (int i = 0; i < 200; ++i) data_bytes += 2 * (1000 + i);
  EXPECT_EQ(meta.backup_size(), data_bytes + meta_bytes);
  ExpectBackupContent(**r, 200, 60, 40);
}

TEST_F(MetaTest, MemoryIsBoundedByTheLeafLimitNotTheTotal) {
  MetaWriterOptions o;
  o.leaf_size_limit = 2048;
  const int one_file = static_cast<int>(DataFile(100, 1, "default").ByteSizeLong()) + 2;
  MetaWriterStats small = WriteBackup(o, 50, 10, 10);
  storage::ResetMemStore(name_);
  MetaWriterStats large = WriteBackup(o, 2000, 10, 10);
  // Each kind holds at most ~limit bytes plus one batch; three kinds at once.
  const uint64_t bound = 3 * (o.leaf_size_limit / one_file + 2) + 2;
  EXPECT_LE(small.peak_buffered_items, bound);
  EXPECT_LE(large.peak_buffered_items, bound);
  EXPECT_LE(large.peak_buffered_bytes, 3 * (o.leaf_size_limit + 2 * one_file));
  EXPECT_EQ(large.data_files, 4000u);

  auto r = MetaReader::Open(storage_.get());
  ASSERT_TRUE(r.ok());
  uint64_t files = 0;
  ASSERT_TRUE((*r)->ForEachDataFile([&](const backup::File&) {
                 ++files;
                 return Status::OK();
               }).ok());
  EXPECT_EQ(files, 4000u);
  EXPECT_LE((*r)->stats().peak_leaf_items, o.leaf_size_limit / one_file + 2);
  EXPECT_GT((*r)->stats().leaves_read, 50u);
}

TEST_F(MetaTest, RoundTripV2Encrypted) {
  MetaWriterOptions o;
  o.leaf_size_limit = 700;
  o.cipher = Aes256();
  MetaWriterStats st = WriteBackup(o, 60, 20, 10);
  EXPECT_GT(st.leaves_written, 10u);

  // The root is IV + ciphertext: it must not parse as plaintext BackupMeta with our fields.
  auto stored = storage_->ReadFile(kMetaFileName);
  ASSERT_TRUE(stored.ok());
  backup::BackupMeta plain_attempt;
  EXPECT_FALSE(plain_attempt.ParseFromString(stored.value()) &&
               plain_attempt.cluster_id() == 7001u);

  MetaReaderOptions ro;
  ro.cipher = Aes256();
  auto r = MetaReader::Open(storage_.get(), ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->meta().cluster_id(), 7001u);
  // Leaves: IV in the pointer, sha256 and size of the plaintext.
  for (const auto& p : (*r)->meta().file_index().meta_files()) {
    ASSERT_EQ(p.cipher_iv().size(), 16u);
    auto leaf = storage_->ReadFile(p.name());
    ASSERT_TRUE(leaf.ok());
    EXPECT_EQ(leaf->size(), p.size());
    EXPECT_NE(Sha256(leaf.value()), p.sha256());
    auto plain = sst::Decrypt(Aes256(), p.cipher_iv(), leaf.value());
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(Sha256(plain.value()), p.sha256());
  }
  ExpectBackupContent(**r, 60, 20, 10);
}

TEST_F(MetaTest, WrongKeyIsAClearError) {
  MetaWriterOptions o;
  o.leaf_size_limit = 700;
  o.cipher = Aes256();
  WriteBackup(o, 30, 5, 5);

  MetaReaderOptions wrong;
  wrong.cipher = Aes256("fedcba9876543210FEDCBA9876543210");
  auto r = MetaReader::Open(storage_.get(), wrong);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot decrypt backupmeta: wrong --crypter.key?"),
            std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(r.status().message().find(kKey256), std::string::npos);

  // A different method with a key of its length: same clear error.
  MetaReaderOptions aes128;
  aes128.cipher.method = sst::EncryptionMethod::kAes128Ctr;
  aes128.cipher.key = std::string(kKey256.substr(0, 16));
  auto r2 = MetaReader::Open(storage_.get(), aes128);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("wrong --crypter.key?"), std::string::npos);

  // No key at all for an encrypted backup: the message says it may be encrypted.
  auto r3 = MetaReader::Open(storage_.get());
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.status().message().find("--crypter.key"), std::string::npos)
      << r3.status().ToString();
}

TEST_F(MetaTest, KeyGivenForPlainBackupIsRefused) {
  MetaWriterOptions o;
  WriteBackup(o, 10, 2, 2);
  MetaReaderOptions ro;
  ro.cipher = Aes256();
  auto r = MetaReader::Open(storage_.get(), ro);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot decrypt backupmeta"), std::string::npos);
}

TEST_F(MetaTest, CorruptedLeafIsReportedByName) {
  MetaWriterOptions o;
  o.leaf_size_limit = 1024;
  WriteBackup(o, 100, 10, 10);
  auto r = MetaReader::Open(storage_.get());
  ASSERT_TRUE(r.ok());
  const std::string victim = (*r)->meta().file_index().meta_files(2).name();
  auto bytes = storage_->ReadFile(victim);
  ASSERT_TRUE(bytes.ok());
  std::string flipped = bytes.value();
  flipped[flipped.size() / 2] ^= 0x01;
  ASSERT_TRUE(storage_->WriteFile(victim, flipped).ok());

  int seen = 0;
  Status s = (*r)->ForEachDataFile([&](const backup::File&) {
    ++seen;
    return Status::OK();
  });
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find(victim), std::string::npos) << s.message();
  // Items of the leaves before the bad one were delivered; none of the bad one.
  EXPECT_GT(seen, 0);

  // Truncated leaf.
  ASSERT_TRUE(storage_->WriteFile(victim, bytes->substr(0, bytes->size() - 3)).ok());
  s = (*r)->ForEachDataFile([](const backup::File&) { return Status::OK(); });
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find(victim), std::string::npos);

  // Missing leaf.
  ASSERT_TRUE(storage_->DeleteFile(victim).ok());
  s = (*r)->ForEachDataFile([](const backup::File&) { return Status::OK(); });
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find(victim), std::string::npos);
  EXPECT_NE(s.message().find("missing"), std::string::npos);
}

TEST_F(MetaTest, CorruptedEncryptedLeafMentionsKeyToo) {
  MetaWriterOptions o;
  o.leaf_size_limit = 700;
  o.cipher = Aes256();
  WriteBackup(o, 30, 5, 5);
  MetaReaderOptions ro;
  ro.cipher = Aes256();
  auto r = MetaReader::Open(storage_.get(), ro);
  ASSERT_TRUE(r.ok());
  const std::string victim = (*r)->meta().schema_index().meta_files(0).name();
  auto bytes = storage_->ReadFile(victim);
  ASSERT_TRUE(bytes.ok());
  std::string flipped = bytes.value();
  flipped[0] ^= 0x40;
  ASSERT_TRUE(storage_->WriteFile(victim, flipped).ok());
  Status s = (*r)->ForEachSchema([](const backup::Schema&) { return Status::OK(); });
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find(victim), std::string::npos);
  EXPECT_NE(s.message().find("--crypter.key"), std::string::npos);
}

TEST_F(MetaTest, CallbackErrorStopsTheWalk) {
  MetaWriterOptions o;
  o.leaf_size_limit = 1024;
  WriteBackup(o, 50, 1, 1);
  auto r = MetaReader::Open(storage_.get());
  ASSERT_TRUE(r.ok());
  int n = 0;
  Status s = (*r)->ForEachDataFile([&](const backup::File&) {
    return ++n == 7 ? Status::Aborted("enough") : Status::OK();
  });
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(n, 7);
}

TEST_F(MetaTest, ReadsV1InlineLists) {
  backup::BackupMeta v1 = RootTemplate();
  v1.set_version(kMetaVersionV1);
  *v1.add_files() = DataFile(100, 0, "default");
  *v1.add_files() = DataFile(100, 0, "write");
  *v1.add_files() = DataFile(200, 1, "write");
  *v1.add_schemas() = TableSchema(100);
  *v1.add_schemas() = TableSchema(200);
  v1.set_ddls(R"([{"id":1,"type":3},{"id":2,"type":4}])");
  ASSERT_TRUE(storage_->WriteFile(kMetaFileName, v1.SerializeAsString()).ok());

  auto r = MetaReader::Open(storage_.get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE((*r)->is_v2());
  std::vector<std::string> names;
  ASSERT_TRUE((*r)->ForEachDataFile([&](const backup::File& f) {
                   names.push_back(f.name());
                   return Status::OK();
                 }).ok());
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "1/100_0_default.sst");
  int schemas = 0;
  ASSERT_TRUE((*r)->ForEachSchema([&](const backup::Schema&) {
                   ++schemas;
                   return Status::OK();
                 }).ok());
  EXPECT_EQ(schemas, 2);
  std::vector<std::string> ddls;
  ASSERT_TRUE((*r)->ForEachDdl([&](std::string_view d) {
                   ddls.emplace_back(d);
                   return Status::OK();
                 }).ok());
  EXPECT_EQ(ddls, (std::vector<std::string>{R"({"id":1,"type":3})", R"({"id":2,"type":4})"}));

  auto by_table = (*r)->DataFilesByTable();
  ASSERT_TRUE(by_table.ok());
  ASSERT_EQ(by_table->size(), 2u);
  EXPECT_EQ(by_table->at(100).size(), 2u);
  EXPECT_EQ(by_table->at(200).size(), 1u);
  EXPECT_EQ(by_table->at(200)[0].name(), "1/200_1_write.sst");
}

TEST_F(MetaTest, GroupsV2DataFilesByTable) {
  MetaWriterOptions o;
  o.leaf_size_limit = 600;
  WriteBackup(o, 23, 0, 0);
  auto r = MetaReader::Open(storage_.get());
  ASSERT_TRUE(r.ok());
  auto by_table = (*r)->DataFilesByTable();
  ASSERT_TRUE(by_table.ok());
  ASSERT_EQ(by_table->size(), 5u);
  size_t total = 0;
  for (const auto& [tid, files] : *by_table) {
    for (size_t k = 0; k < files.size(); ++k) {
      EXPECT_EQ(catalog::DecodeTableID(files[k].start_key()), tid);
      total++;
    }
    // Backup order within a table: default before write of the same batch.
    EXPECT_EQ(files[0].cf(), "default");
    EXPECT_EQ(files[1].cf(), "write");
  }
  EXPECT_EQ(total, 46u);
}

TEST_F(MetaTest, EmptyBackupHasIndexesAndNoLeaves) {
  auto w = MetaWriter::Open(storage_.get(), {});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Finish(RootTemplate()).ok());
  EXPECT_EQ(Objects().size(), 1u);
  auto r = MetaReader::Open(storage_.get());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->meta().has_file_index());
  EXPECT_EQ((*r)->meta().file_index().meta_files_size(), 0);
  int n = 0;
  ASSERT_TRUE((*r)->ForEachDataFile([&](const backup::File&) {
                   ++n;
                   return Status::OK();
                 }).ok());
  EXPECT_EQ(n, 0);
}

TEST_F(MetaTest, FailedLeafWriteIsStickyAndNothingIsCommitted) {
  MetaWriterOptions o;
  o.leaf_size_limit = 512;
  auto w = MetaWriter::Open(storage_.get(), o);
  ASSERT_TRUE(w.ok());
  failpoint::Enable("br.meta.before-write-leaf", "return(injected)");
  Status s;
  for (int i = 0; i < 50 && s.ok(); ++i) {
    std::vector<backup::File> pair = {DataFile(100, i, "default"), DataFile(100, i, "write")};
    s = (*w)->AppendDataFiles(pair);
  }
  ASSERT_FALSE(s.ok());
  failpoint::Disable("br.meta.before-write-leaf");
  std::vector<backup::File> more = {DataFile(100, 99, "write")};
  EXPECT_FALSE((*w)->AppendDataFiles(more).ok());
  EXPECT_FALSE((*w)->Finish(RootTemplate()).ok());
  auto exists = storage_->FileExists(kMetaFileName);
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(exists.value());
}

TEST_F(MetaTest, FailedRootWriteLeavesNoBackupmeta) {
  MetaWriterOptions o;
  o.leaf_size_limit = 512;
  auto w = MetaWriter::Open(storage_.get(), o);
  ASSERT_TRUE(w.ok());
  std::vector<backup::File> pair = {DataFile(100, 0, "default"), DataFile(100, 0, "write")};
  ASSERT_TRUE((*w)->AppendDataFiles(pair).ok());
  failpoint::ScopedFailPoint fp("br.meta.before-write-backupmeta", "return");
  EXPECT_FALSE((*w)->Finish(RootTemplate()).ok());
  EXPECT_FALSE(storage_->FileExists(kMetaFileName).value());
  EXPECT_EQ(MetaReader::Open(storage_.get()).status().code(), Status::Code::kNotFound);
}

TEST_F(MetaTest, RejectsInlineV1ListsAndBadOptions) {
  auto w = MetaWriter::Open(storage_.get(), {});
  ASSERT_TRUE(w.ok());
  backup::BackupMeta root = RootTemplate();
  *root.add_files() = DataFile(1, 1, "write");
  EXPECT_EQ((*w)->Finish(root).code(), Status::Code::kInvalidArgument);

  MetaWriterOptions bad;
  bad.cipher = Aes256("short");
  EXPECT_EQ(MetaWriter::Open(storage_.get(), bad).status().code(),
            Status::Code::kInvalidArgument);
  MetaWriterOptions zero;
  zero.leaf_size_limit = 0;
  EXPECT_FALSE(MetaWriter::Open(storage_.get(), zero).ok());
}

TEST_F(MetaTest, NoBackupmetaIsNotFound) {
  auto r = MetaReader::Open(storage_.get());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
}

TEST_F(MetaTest, GarbageRootIsCorruption) {
  ASSERT_TRUE(storage_->WriteFile(kMetaFileName, std::string("\xff\xff\xff\xff garbage", 12)).ok());
  auto r = MetaReader::Open(storage_.get());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << r.status().ToString();
}

TEST_F(MetaTest, RoundTripOnLocalStorageThroughUrl) {
  const std::string dir = ::testing::TempDir() + "/brkv-meta-local-" + std::to_string(::getpid());
  storage::StorageOptions so;
  so.sync = false;
  auto local = storage::CreateStorageFromUrl("local://" + dir, so);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  storage_ = std::move(local).value();
  LockHolder me = ThisProcessHolder();
  ASSERT_TRUE(ClaimBackupLock(storage_.get(), &me).ok());
  MetaWriterOptions o;
  o.leaf_size_limit = 900;
  o.cipher = Aes256();
  WriteBackup(o, 40, 8, 3);
  MetaReaderOptions ro;
  ro.cipher = Aes256();
  auto reopened = storage::NewLocalStorage(dir, so);
  auto r = MetaReader::Open(reopened.get(), ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectBackupContent(**r, 40, 8, 3);
  // The path now holds a backup: a second backup is refused.
  LockHolder next = ThisProcessHolder();
  EXPECT_EQ(ClaimBackupLock(reopened.get(), &next).status().code(),
            Status::Code::kAlreadyExists);
  std::string cleanup = "rm -rf '" + dir + "'";
  EXPECT_EQ(std::system(cleanup.c_str()), 0);
}

TEST(MetaNamesTest, LeafNames) {
  EXPECT_EQ(LeafName(LeafKind::kDataFile, 1), "backupmeta.datafile.000000001");
  EXPECT_EQ(LeafName(LeafKind::kSchema, 123456789), "backupmeta.schema.123456789");
  EXPECT_EQ(LeafName(LeafKind::kDdl, 42), "backupmeta.ddl.000000042");
}

}  // namespace
}  // namespace brkv::br
