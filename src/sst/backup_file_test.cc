#include "sst/backup_file.h"

#include <gtest/gtest.h>

#include "sst/compression.h"

namespace brkv::sst {
namespace {

TEST(BackupFileNameTest, CurrentForms) {
  // keyhash of the empty key is sha256("") (formats.md 5.2).
  std::string stem = BackupFileNameStem(1, 2, 3, "", 1700000000123, FileNaming::kStoreDir);
  EXPECT_EQ(stem,
            "1/2_3_e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855_"
            "1700000000123");
  EXPECT_EQ(BackupFileName(stem, "write"),
            "1/2_3_e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855_"
            "1700000000123_write.sst");
  std::string flat = BackupFileNameStem(1, 2, 3, "abc", 5, FileNaming::kFlat);
  EXPECT_EQ(flat, "1_2_3_ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad_5");
  EXPECT_EQ(BackupFileName(flat, "default"), flat + "_default.sst");
}

TEST(BackupFileNameTest, CfFromName) {
  EXPECT_EQ(CfFromFileName("1/2_3_ab_4_default.sst").value(), "default");
  EXPECT_EQ(CfFromFileName("1_2_3_ab_4_write.sst").value(), "write");
  EXPECT_EQ(CfFromFileName("1_2_3_write.sst").value(), "write");  // oldest form
  EXPECT_FALSE(CfFromFileName("1_2_3_lock.sst").ok());
}

TEST(BackupFileNameTest, NamingFollowsTheBackend) {
  EXPECT_EQ(NamingForBackend(storage::LocalBackend{"/x"}), FileNaming::kStoreDir);
  EXPECT_EQ(NamingForBackend(storage::S3Backend{}), FileNaming::kStoreDir);
  EXPECT_EQ(NamingForBackend(storage::MemStoreBackend{}), FileNaming::kStoreDir);
  EXPECT_EQ(NamingForBackend(storage::GcsBackend{}), FileNaming::kFlat);
  EXPECT_EQ(NamingForBackend(storage::AzureBlobBackend{}), FileNaming::kFlat);
  EXPECT_EQ(NamingForBackend(storage::NoopBackend{}), FileNaming::kFlat);
}

TEST(CompressionTest, NamesAndSupport) {
  EXPECT_EQ(ParseCompressionType("LZ4").value(), CompressionType::kLz4);
  EXPECT_EQ(ParseCompressionType("snappy").value(), CompressionType::kSnappy);
  EXPECT_EQ(ParseCompressionType("zstd").value(), CompressionType::kZstd);
  EXPECT_FALSE(ParseCompressionType("gzip").ok());
  EXPECT_EQ(ToRocksCompression(CompressionType::kUnknown).value(), rocksdb::kLZ4Compression);
  EXPECT_EQ(ToRocksCompression(CompressionType::kZstd).value(), rocksdb::kZSTD);
  EXPECT_FALSE(ToRocksCompression(static_cast<CompressionType>(9)).ok());
}

}  // namespace
}  // namespace brkv::sst
