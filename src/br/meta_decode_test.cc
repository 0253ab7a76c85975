#include "br/meta_decode.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "br/meta_reader.h"
#include "br/meta_writer.h"
#include "catalog/tablecodec.h"
#include "storage/mem_storage.h"

namespace brkv::br {
namespace {

constexpr std::string_view kKey = "0123456789abcdef0123456789ABCDEF";
constexpr std::string_view kKeyHex =
    "3031323334353637383961626364656630313233343536373839414243444546";
constexpr std::string_view kKeyBase64 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY=";

backup::BackupMeta SampleV1() {
  backup::BackupMeta m;
  m.set_cluster_id(6001);
  m.set_end_version(459177124841914369ull);
  m.set_start_version(459177000000000000ull);
  m.set_cluster_version("\"8.5.0\"");
  m.set_br_version("BR\nRelease Version: test\n");
  m.set_ddls(R"([{"id":9,"type":3}])");
  auto* f = m.add_files();
  f->set_name("1/2_3_write.sst");
  f->set_start_key(catalog::RecordKey(100, 1));
  f->set_sha256(std::string(32, '\xab'));
  f->set_crc64xor(UINT64_MAX);
  auto* s = m.add_schemas();
  s->set_db(R"({"id":1,"db_name":{"O":"Test","L":"test"}})");
  s->set_table(R"({"id":100,"name":{"O":"t","L":"t"}})");
  return m;
}

TEST(MetaDecodeTest, WholeMetaAsJson) {
  auto out = DecodeBackupMetaToJson(SampleV1(), {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto j = nlohmann::json::parse(out.value());
  EXPECT_EQ(j["cluster_id"], 6001u);
  EXPECT_EQ(j["end_version"].get<uint64_t>(), 459177124841914369ull);
  EXPECT_EQ(j["version"], 0);
  EXPECT_EQ(j["api_version"], "V1");
  EXPECT_EQ(j["mode"], "SCAN");
  ASSERT_EQ(j["files"].size(), 1u);
  // Keys and hashes as hex; 64-bit numbers exact.
  EXPECT_EQ(j["files"][0]["start_key"], "7480000000000000645f728000000000000001");
  EXPECT_EQ(j["files"][0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["files"][0]["crc64xor"].get<uint64_t>(), UINT64_MAX);
  // JSON stored as bytes is shown as JSON.
  EXPECT_EQ(j["schemas"][0]["db"]["db_name"]["O"], "Test");
  EXPECT_EQ(j["schemas"][0]["table"]["id"], 100);
  EXPECT_EQ(j["ddls"][0]["id"], 9);
}

TEST(MetaDecodeTest, SingleField) {
  const auto meta = SampleV1();
  EXPECT_EQ(DecodeBackupMetaToJson(meta, {}, {.field = "end-version"}).value(),
            "459177124841914369");
  EXPECT_EQ(DecodeBackupMetaToJson(meta, {}, {.field = "start_version"}).value(),
            "459177000000000000");
  EXPECT_EQ(DecodeBackupMetaToJson(meta, {}, {.field = "cluster-id"}).value(), "6001");
  EXPECT_EQ(DecodeBackupMetaToJson(meta, {}, {.field = "cluster-version"}).value(), "\"8.5.0\"");
  EXPECT_EQ(DecodeBackupMetaToJson(meta, {}, {.field = "is-raw-kv"}).value(), "false");
  auto files = DecodeBackupMetaToJson(meta, {}, {.field = "files", .indent = -1});
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->front(), '[');
  EXPECT_NE(files->find("1/2_3_write.sst"), std::string::npos);
  auto bad = DecodeBackupMetaToJson(meta, {}, {.field = "no-such-field"});
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("end-version"), std::string::npos);
}

TEST(MetaDecodeTest, V2LeavesAreMergedAndNoKeyIsPrinted) {
  const std::string store = "decode-test";
  storage::ResetMemStore(store);
  auto storage = storage::NewMemStorage(store);
  MetaWriterOptions wo;
  wo.leaf_size_limit = 300;
  wo.cipher.method = sst::EncryptionMethod::kAes256Ctr;
  wo.cipher.key = std::string(kKey);
  auto w = MetaWriter::Open(storage.get(), wo);
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 20; ++i) {
    backup::File f;
    f.set_name("1/f" + std::to_string(i) + "_write.sst");
    f.set_start_key(catalog::RecordKey(100, i));
    f.set_cipher_iv(std::string(16, '\x01'));
    std::vector<backup::File> one = {f};
    ASSERT_TRUE((*w)->AppendDataFiles(one).ok());
  }
  backup::Schema s;
  s.set_db(R"({"id":1})");
  std::vector<backup::Schema> schemas = {s};
  ASSERT_TRUE((*w)->AppendSchemas(schemas).ok());
  ASSERT_TRUE((*w)->AppendDdl(R"({"id":5})").ok());
  backup::BackupMeta root;
  root.set_end_version(77);
  ASSERT_TRUE((*w)->Finish(root).ok());

  MetaReaderOptions ro;
  ro.cipher = wo.cipher;
  auto r = MetaReader::Open(storage.get(), ro);
  ASSERT_TRUE(r.ok());
  std::vector<DecodedLeaf> leaves;
  for (LeafKind k : {LeafKind::kDataFile, LeafKind::kSchema, LeafKind::kDdl}) {
    ASSERT_TRUE((*r)->ForEachLeaf(k, [&](const DecodedLeaf& l) {
                       leaves.push_back(l);
                       return Status::OK();
                     }).ok());
  }
  EXPECT_GT(leaves.size(), 3u);
  auto out = DecodeBackupMetaToJson((*r)->meta(), leaves);
  ASSERT_TRUE(out.ok());
  auto j = nlohmann::json::parse(out.value());
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["files"].size(), 20u);
  EXPECT_EQ(j["files"][19]["name"], "1/f19_write.sst");
  EXPECT_EQ(j["schemas"].size(), 1u);
  EXPECT_EQ(j["ddls"].size(), 1u);
  EXPECT_EQ(j["ddls"][0]["id"], 5);
  EXPECT_GT(j["file_index"]["meta_files"].size(), 1u);
  EXPECT_EQ(DecodeBackupMetaToJson((*r)->meta(), {}, {.field = "end-version"}).value(), "77");
  // The crypter key, in any spelling, is nowhere in the output.
  for (std::string_view needle : {kKey, kKeyHex, kKeyBase64}) {
    EXPECT_EQ(out->find(needle), std::string::npos) << needle;
  }
  storage::ResetMemStore(store);
}

TEST(MetaDecodeTest, SecretFieldsAreRedacted) {
  backup::CipherInfo ci;
  ci.set_cipher_type(encryptionpb::AES256_CTR);
  ci.set_cipher_key(std::string(kKey));
  std::string j = MessageToDebugJson(ci);
  EXPECT_EQ(j.find(kKey), std::string::npos);
  EXPECT_EQ(j.find(kKeyHex), std::string::npos);
  EXPECT_NE(j.find("<redacted>"), std::string::npos);
  EXPECT_NE(j.find("AES256_CTR"), std::string::npos);

  backup::StorageBackend sb;
  sb.mutable_s3()->set_bucket("bkt");
  sb.mutable_s3()->set_secret_access_key("s3cr3t-VALUE");
  sb.mutable_s3()->set_session_token("tok-VALUE");
  sb.mutable_azure_blob_storage();  // not both in a oneof: the last one wins
  sb.mutable_gcs()->set_credentials_blob("{\"private_key\":\"pk-VALUE\"}");
  std::string g = MessageToDebugJson(sb);
  EXPECT_EQ(g.find("pk-VALUE"), std::string::npos);
  backup::S3 s3;
  s3.set_secret_access_key("s3cr3t-VALUE");
  s3.set_session_token("tok-VALUE");
  s3.set_bucket("bkt");
  std::string s = MessageToDebugJson(s3);
  EXPECT_EQ(s.find("s3cr3t-VALUE"), std::string::npos);
  EXPECT_EQ(s.find("tok-VALUE"), std::string::npos);
  EXPECT_NE(s.find("bkt"), std::string::npos);
}

}  // namespace
}  // namespace brkv::br
