// br validate: checksum finds flipped bytes, truncation and missing files by name; decode
// prints fields; encrypted metadata needs the key.
#include "br/validate.h"

#include <gtest/gtest.h>

#include "br/meta_writer.h"
#include "catalog/tablecodec.h"
#include "common/sha256.h"
#include "storage/mem_storage.h"

namespace brkv::br {
namespace {

class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = std::string("validate-test-") +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    storage::ResetMemStore(name_);
    storage_ = storage::NewMemStorage(name_);
  }
  void TearDown() override { storage::ResetMemStore(name_); }

  // Writes `n` data files and a backupmeta listing them.
  void WriteBackup(int n, const sst::CipherInfo& cipher = {}) {
    MetaWriterOptions o;
    o.cipher = cipher;
    o.leaf_size_limit = 200;  // several leaves
    auto w = MetaWriter::Open(storage_.get(), o);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < n; ++i) {
      const std::string name = "1/" + std::to_string(i) + "_write.sst";
      const std::string data(100 + i, static_cast<char>('a' + i));
      ASSERT_TRUE(storage_->WriteFile(name, data).ok());
      ::backup::File f;
      f.set_name(name);
      f.set_sha256(Sha256(data));
      f.set_size(data.size());
      f.set_start_key(catalog::RecordKey(5, i));
      f.set_end_key(catalog::RecordKey(5, i + 1));
      f.set_cf("write");
      ASSERT_TRUE((*w)->AppendDataFiles({&f, 1}).ok());
    }
    ::backup::BackupMeta root;
    root.set_cluster_id(42);
    root.set_end_version(1234);
    ASSERT_TRUE((*w)->Finish(root).ok());
  }

  std::string name_;
  std::unique_ptr<storage::ExternalStorage> storage_;
};

TEST_F(ValidateTest, IntactBackupPasses) {
  WriteBackup(5);
  auto r = ValidateChecksum(storage_.get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files, 5u);
  EXPECT_EQ(r->bytes, 100u + 101 + 102 + 103 + 104);
  EXPECT_TRUE(r->failures.empty());
  EXPECT_TRUE(ChecksumReportStatus(*r).ok());
}

TEST_F(ValidateTest, FlippedByteTruncationAndMissingFileAreNamed) {
  WriteBackup(4);
  auto data = storage_->ReadFile("1/1_write.sst");
  ASSERT_TRUE(data.ok());
  std::string bad = *data;
  bad[50] ^= 0x01;
  ASSERT_TRUE(storage_->WriteFile("1/1_write.sst", bad).ok());
  ASSERT_TRUE(storage_->WriteFile("1/2_write.sst", data->substr(0, 10)).ok());
  ASSERT_TRUE(storage_->DeleteFile("1/3_write.sst").ok());
  auto r = ValidateChecksum(storage_.get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->failures.size(), 3u);
  EXPECT_NE(r->failures[0].find("1/1_write.sst: sha256 mismatch"), std::string::npos)
      << r->failures[0];
  EXPECT_NE(r->failures[1].find("1/2_write.sst: size is 10 bytes"), std::string::npos)
      << r->failures[1];
  EXPECT_NE(r->failures[2].find("1/3_write.sst: missing"), std::string::npos) << r->failures[2];
  Status s = ChecksumReportStatus(*r);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("3 of 4 backup files failed validation"), std::string::npos);
  EXPECT_NE(s.message().find("1/1_write.sst"), std::string::npos);
}

TEST_F(ValidateTest, NoBackupIsNotFound) {
  auto r = ValidateChecksum(storage_.get());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
}

TEST_F(ValidateTest, DecodeFieldsAndWholeMeta) {
  WriteBackup(3);
  DecodeOptions d;
  d.field = "end-version";
  auto v = DecodeBackup(storage_.get(), {}, d);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "1234");
  d.field = "cluster-id";
  EXPECT_EQ(*DecodeBackup(storage_.get(), {}, d), "42");
  d.field = "";
  d.indent = -1;
  auto all = DecodeBackup(storage_.get(), {}, d);
  ASSERT_TRUE(all.ok());
  EXPECT_NE(all->find("1/2_write.sst"), std::string::npos) << *all;
  d.field = "no-such-field";
  EXPECT_FALSE(DecodeBackup(storage_.get(), {}, d).ok());
}

TEST_F(ValidateTest, EncryptedBackupNeedsItsKeyAndNeverPrintsIt) {
  sst::CipherInfo c;
  c.method = sst::EncryptionMethod::kAes128Ctr;
  c.key = "0123456789abcdef";
  WriteBackup(2, c);
  EXPECT_FALSE(ValidateChecksum(storage_.get()).ok());
  MetaReaderOptions ro;
  ro.cipher = c;
  auto r = ValidateChecksum(storage_.get(), ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->failures.empty());
  auto all = DecodeBackup(storage_.get(), ro, DecodeOptions{});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->find("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(all->find("30313233343536373839616263646566"), std::string::npos);
}

}  // namespace
}  // namespace brkv::br
