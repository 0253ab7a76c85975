#include "storage/storage_backend.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>

#include "storage/external_storage.h"

namespace brkv::storage {
namespace {

template <typename T>
T Parse(std::string_view url, const BackendOptions& options = {}) {
  auto r = ParseBackend(url, options);
  EXPECT_TRUE(r.ok()) << url << ": " << r.status().ToString();
  if (!r.ok()) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*r)) << url;
  if (!std::holds_alternative<T>(*r)) return T{};
  return std::get<T>(*r);
}

Status ParseError(std::string_view url) {
  auto r = ParseBackend(url);
  EXPECT_FALSE(r.ok()) << url;
  return r.ok() ? Status::OK() : r.status();
}

TEST(ParseBackendTest, LocalForms) {
  EXPECT_EQ(Parse<LocalBackend>("local:///tmp/backup").path, "/tmp/backup");
  EXPECT_EQ(Parse<LocalBackend>("local:///tmp/backup/").path, "/tmp/backup");
  EXPECT_EQ(Parse<LocalBackend>("file:///data/br").path, "/data/br");
  EXPECT_EQ(Parse<LocalBackend>("LOCAL:///x").path, "/x");
  EXPECT_EQ(Parse<LocalBackend>("local:///tmp/my%20dir").path, "/tmp/my dir");
  EXPECT_EQ(Parse<LocalBackend>("/abs/path").path, "/abs/path");
  EXPECT_EQ(Parse<LocalBackend>("/abs/./x/../y").path, "/abs/y");
  std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(Parse<LocalBackend>("rel/dir").path, cwd + "/rel/dir");
  EXPECT_EQ(Parse<LocalBackend>("./rel").path, cwd + "/rel");
}

TEST(ParseBackendTest, LocalErrors) {
  EXPECT_EQ(ParseError("").code(), Status::Code::kInvalidArgument);
  // local://rel would silently drop "rel" as a host in BR; we refuse it.
  Status s = ParseError("local://rel/dir");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("local:///abs"), std::string::npos) << s.message();
  EXPECT_EQ(ParseError("local://").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("local:///").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("local:///x?foo=bar").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("local:///x%zz").code(), Status::Code::kInvalidArgument);
}

TEST(ParseBackendTest, NoopAndMemstore) {
  Parse<NoopBackend>("noop://");
  Parse<NoopBackend>("noop:///");
  EXPECT_FALSE(ParseBackend("noop://x").ok());
  MemStoreBackend m = Parse<MemStoreBackend>("memstore://unit/a/b/");
  EXPECT_EQ(m.name, "unit");
  EXPECT_EQ(m.prefix, "a/b");
  EXPECT_EQ(Parse<MemStoreBackend>("memstore://").name, "");
}

TEST(ParseBackendTest, S3AllParameters) {
  S3Backend b = Parse<S3Backend>(
      "s3://my-bucket/backup/2024/?endpoint=http://minio:9000/&region=us-west-2"
      "&force-path-style=false&access-key=AKIA&secret-access-key=se%2Bcr%2Fet+x"
      "&session-token=tok&storage-class=STANDARD_IA&sse=aws:kms&sse-kms-key-id=kms1"
      "&acl=private&role-arn=arn:aws:iam::1:role/r&external-id=ext&provider=ceph"
      "&profile=p&use-accelerate-endpoint=true&object-lock-enabled=1");
  EXPECT_EQ(b.bucket, "my-bucket");
  EXPECT_EQ(b.prefix, "backup/2024");
  EXPECT_EQ(b.endpoint, "http://minio:9000");
  EXPECT_EQ(b.region, "us-west-2");
  EXPECT_FALSE(b.force_path_style);
  EXPECT_EQ(b.access_key, "AKIA");
  EXPECT_EQ(b.secret_access_key, "se+cr/et+x");  // '+' stays a plus
  EXPECT_EQ(b.session_token, "tok");
  EXPECT_EQ(b.storage_class, "STANDARD_IA");
  EXPECT_EQ(b.sse, "aws:kms");
  EXPECT_EQ(b.sse_kms_key_id, "kms1");
  EXPECT_EQ(b.acl, "private");
  EXPECT_EQ(b.role_arn, "arn:aws:iam::1:role/r");
  EXPECT_EQ(b.external_id, "ext");
  EXPECT_EQ(b.provider, "ceph");
  EXPECT_EQ(b.profile, "p");
  EXPECT_TRUE(b.use_accelerate_endpoint);
  EXPECT_TRUE(b.object_lock_enabled);
}

TEST(ParseBackendTest, S3DefaultsAndOptions) {
  S3Backend b = Parse<S3Backend>("s3://bucket");
  EXPECT_EQ(b.prefix, "");
  EXPECT_TRUE(b.force_path_style);  // BR's default
  BackendOptions o;
  o.s3.endpoint = "https://flag-endpoint";
  o.s3.region = "flag-region";
  o.s3.force_path_style = false;
  b = Parse<S3Backend>("s3://bucket/p?region=url-region", o);
  EXPECT_EQ(b.endpoint, "https://flag-endpoint");
  EXPECT_EQ(b.region, "url-region");  // the URL wins over the flag
  EXPECT_FALSE(b.force_path_style);
}

TEST(ParseBackendTest, S3Errors) {
  EXPECT_EQ(ParseError("s3:///prefix").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("s3://b?force-path-style=maybe").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("s3://b?endpoint=minio:9000").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("s3://b?access-key=a").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("s3://b?secret-access-key=s").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("s3://b?sse=rot13").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("s3://b?region=a&region=b").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseError("s3://b?region").code(), Status::Code::kInvalidArgument);
  Status s = ParseError("s3://b?acess-key=a&secret-access-key=TOPSECRET");
  EXPECT_NE(s.message().find("acess-key"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("TOPSECRET"), std::string::npos) << s.message();
  // Credentials in the authority are refused, and not echoed.
  s = ParseError("s3://AKIA:TOPSECRET@bucket/p");
  EXPECT_EQ(s.message().find("TOPSECRET"), std::string::npos) << s.message();
}

TEST(ParseBackendTest, GcsAndAzure) {
  GcsBackend g = Parse<GcsBackend>(
      "gcs://bkt/a/b?endpoint=https://gcs.local&storage-class=COLDLINE&predefined-acl=private"
      "&credentials-file=/etc/gcs.json");
  EXPECT_EQ(g.bucket, "bkt");
  EXPECT_EQ(g.prefix, "a/b");
  EXPECT_EQ(g.endpoint, "https://gcs.local");
  EXPECT_EQ(g.storage_class, "COLDLINE");
  EXPECT_EQ(g.predefined_acl, "private");
  EXPECT_EQ(g.credentials_file, "/etc/gcs.json");
  EXPECT_EQ(Parse<GcsBackend>("gs://bkt2").bucket, "bkt2");
  EXPECT_FALSE(ParseBackend("gcs://").ok());

  AzureBlobBackend a = Parse<AzureBlobBackend>(
      "azblob://container/pre/fix?account-name=acct&account-key=KEY%3D%3D"
      "&sas-token=sv%3D2020%26sig%3Dabc&endpoint=https://acct.blob.core.windows.net/"
      "&access-tier=Cool&encryption-scope=scope1");
  EXPECT_EQ(a.bucket, "container");
  EXPECT_EQ(a.prefix, "pre/fix");
  EXPECT_EQ(a.account_name, "acct");
  EXPECT_EQ(a.shared_key, "KEY==");
  EXPECT_EQ(a.access_sig, "sv=2020&sig=abc");
  EXPECT_EQ(a.endpoint, "https://acct.blob.core.windows.net");
  EXPECT_EQ(a.storage_class, "Cool");
  EXPECT_EQ(a.encryption_scope, "scope1");
  EXPECT_EQ(Parse<AzureBlobBackend>("azure://c").bucket, "c");
  EXPECT_FALSE(ParseBackend("azblob://c?encryption-scope=s&encryption-key=k").ok());
  EXPECT_FALSE(ParseBackend("azblob://c?region=x").ok());
  EXPECT_EQ(Parse<HdfsBackend>("hdfs://nn:8020/backup").remote, "hdfs://nn:8020/backup");
}

TEST(ParseBackendTest, UnknownSchemeNamesTheUrlRedacted) {
  Status s = ParseError("ftp://host/x?secret-access-key=TOPSECRET");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("ftp"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ftp://host/x"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("TOPSECRET"), std::string::npos) << s.message();
}

TEST(RedactTest, RedactUrlHidesSecretsOnly) {
  EXPECT_EQ(RedactUrl("s3://b/p?access-key=AK&secret-access-key=SK&region=r&session-token=T"),
            "s3://b/p?access-key=redacted&secret-access-key=redacted&region=r"
            "&session-token=redacted");
  EXPECT_EQ(RedactUrl("azblob://c?account-name=n&account-key=K&sas-token=S&encryption-key=E"),
            "azblob://c?account-name=n&account-key=redacted&sas-token=redacted"
            "&encryption-key=redacted");
  EXPECT_EQ(RedactUrl("s3://user:pw@b/p"), "s3://user:redacted@b/p");
  EXPECT_EQ(RedactUrl("local:///tmp/x"), "local:///tmp/x");
  EXPECT_EQ(RedactUrl("garbage?secret_access_key=SK&&x"), "garbage?secret_access_key=redacted&&x");
}

TEST(RedactTest, FormatBackendUrlRoundTripsWithoutSecrets) {
  auto b = ParseBackend(
      "s3://bkt/pre?endpoint=http://m:9000&region=r&force-path-style=false&access-key=AKIA"
      "&secret-access-key=TOPSECRET&session-token=TOKEN&storage-class=GLACIER");
  ASSERT_TRUE(b.ok());
  std::string url = FormatBackendUrl(*b);
  EXPECT_EQ(url,
            "s3://bkt/pre?endpoint=http://m:9000&region=r&force-path-style=false"
            "&storage-class=GLACIER&access-key=redacted&secret-access-key=redacted"
            "&session-token=redacted");
  auto again = ParseBackend(url);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  S3Backend s3 = std::get<S3Backend>(*again);
  EXPECT_EQ(s3.endpoint, "http://m:9000");
  EXPECT_FALSE(s3.force_path_style);
  EXPECT_EQ(s3.secret_access_key, "redacted");

  EXPECT_EQ(FormatBackendUrl(LocalBackend{"/tmp/a b"}), "local:///tmp/a%20b");
  EXPECT_EQ(std::get<LocalBackend>(ParseBackend("local:///tmp/a%20b").value()).path, "/tmp/a b");
  EXPECT_EQ(FormatBackendUrl(NoopBackend{}), "noop://");
  EXPECT_EQ(FormatBackendUrl(MemStoreBackend{"n", "p/q"}), "memstore://n/p/q");

  AzureBlobBackend az;
  az.bucket = "c";
  az.account_name = "acct";
  az.shared_key = "KEY";
  EXPECT_EQ(FormatBackendUrl(az), "azblob://c?account-name=acct&account-key=redacted");
  GcsBackend g;
  g.bucket = "g";
  g.prefix = "x";
  g.credentials_blob = "{\"private_key\":\"PK\"}";
  EXPECT_EQ(FormatBackendUrl(g), "gcs://g/x");
}

// Sets an environment variable for one scope and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

TEST(CreateStorageTest, CloudBackendsBuildWithoutRequests) {
  ScopedEnv e1("AZURE_STORAGE_KEY", nullptr), e2("AZURE_STORAGE_SAS_TOKEN", nullptr),
      e3("AZURE_STORAGE_ACCOUNT", nullptr), e4("GCS_HMAC_ACCESS_ID", nullptr),
      e5("GCS_HMAC_SECRET", nullptr);
  // Creating a cloud storage makes no request, and its Uri() hides the secret.
  auto s = CreateStorageFromUrl("s3://bucket/p?access-key=a&secret-access-key=TOPSECRET");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->Uri().find("TOPSECRET"), std::string::npos);
  auto g = CreateStorageFromUrl("gcs://b/p?access-key=GOOG1&secret-access-key=TOPSECRET");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ((*g)->Uri().find("TOPSECRET"), std::string::npos) << (*g)->Uri();
  EXPECT_EQ((*g)->Uri(), "gcs://b/p");
  auto az = CreateStorageFromUrl("azblob://c/p?account-name=acct&account-key=VE9QU0VDUkVU");
  ASSERT_TRUE(az.ok()) << az.status().ToString();
  EXPECT_EQ((*az)->Uri().find("VE9QU0VDUkVU"), std::string::npos) << (*az)->Uri();

  auto bad = CreateStorageFromUrl("gcs://b?credentials-file=/nonexistent");
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  // No credentials anywhere: a clear InvalidArgument naming what to give.
  Status no_gcs = CreateStorageFromUrl("gcs://b").status();
  EXPECT_EQ(no_gcs.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(no_gcs.message().find("GCS_HMAC_ACCESS_ID"), std::string::npos) << no_gcs.ToString();
  Status no_az = CreateStorageFromUrl("azblob://c").status();
  EXPECT_EQ(no_az.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(no_az.message().find("account-key"), std::string::npos) << no_az.ToString();
  EXPECT_EQ(CreateStorageFromUrl("hdfs://nn/x").status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(CreateStorageFromUrl("bogus://x").status().code(), Status::Code::kInvalidArgument);
}

TEST(ParseBackendTest, GcsHmacKeyBecomesACredentialsBlob) {
  auto b = ParseBackend(
      "gs://bkt/a/"
      "b?access-key=GOOG1EX&secret-access-key=S%2BCRET&storage-class=NEARLINE&predefined-acl="
      "bucketOwnerRead&endpoint=http://127.0.0.1:9/");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& g = std::get<GcsBackend>(*b);
  EXPECT_EQ(g.bucket, "bkt");
  EXPECT_EQ(g.prefix, "a/b");
  EXPECT_EQ(g.endpoint, "http://127.0.0.1:9");
  EXPECT_EQ(g.storage_class, "NEARLINE");
  EXPECT_EQ(g.predefined_acl, "bucketOwnerRead");
  EXPECT_EQ(g.credentials_blob,
            "{\"access_id\":\"GOOG1EX\",\"secret\":\"S+CRET\",\"type\":\"gcs_hmac_key\"}");
  for (const char* url : {"gcs://b?access-key=a", "gcs://b?secret-access-key=s",
                          "gcs://b?access-key=a&secret-access-key=s&credentials-file=/f"}) {
    Status st = ParseBackend(url).status();
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << url;
    EXPECT_EQ(st.message().find("secret-access-key=s"), std::string::npos) << st.ToString();
  }
}

TEST(ParseBackendTest, AzblobParameters) {
  auto b = ParseBackend(
      "azure://cont/p/q/?account-name=acct&account-key=a%2Bb%2F%3D%3D&sas-token=sv%3D1%26sig%3DX"
      "&endpoint=http://127.0.0.1:10000/devstoreaccount1&access-tier=Cool");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& a = std::get<AzureBlobBackend>(*b);
  EXPECT_EQ(a.bucket, "cont");
  EXPECT_EQ(a.prefix, "p/q");
  EXPECT_EQ(a.account_name, "acct");
  EXPECT_EQ(a.shared_key, "a+b/==");
  EXPECT_EQ(a.access_sig, "sv=1&sig=X");
  EXPECT_EQ(a.endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(a.storage_class, "Cool");
  Status st = ParseBackend("azblob://c?account-key=SECRETKEY&bogus=1").status();
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message().find("SECRETKEY"), std::string::npos) << st.ToString();
  EXPECT_FALSE(ParseBackend("azblob://?account-name=a").ok());
}

TEST(ObjectNameTest, Validation) {
  for (std::string_view ok : {"a", "a/b", "1/2_3_abc_4_write.sst", ".hidden", "a/.b", "a..b"}) {
    EXPECT_TRUE(ValidateObjectName(ok).ok()) << ok;
  }
  for (std::string_view bad : {"", "/a", "a/", "a//b", "..", "a/..", "./a"}) {
    EXPECT_FALSE(ValidateObjectName(bad).ok()) << bad;
  }
  for (std::string_view ok : {"", "a", "a/", "backupmeta.", "1/2_"}) {
    EXPECT_TRUE(ValidateObjectPrefix(ok).ok()) << ok;
  }
  for (std::string_view bad : {"/", "/a", "a//", "../", "a/.."}) {
    EXPECT_FALSE(ValidateObjectPrefix(bad).ok()) << bad;
  }
}

TEST(DeadlineTest, EffectiveDeadline) {
  StorageOptions so;
  CallOptions co;
  EXPECT_EQ(EffectiveDeadline(co, so), Clock::time_point::max());
  so.default_timeout = std::chrono::milliseconds(1000);
  auto d = EffectiveDeadline(co, so);
  EXPECT_GT(d, Clock::now());
  EXPECT_LE(d, Clock::now() + std::chrono::milliseconds(1000));
  co.deadline = Clock::now() - std::chrono::seconds(1);
  EXPECT_EQ(EffectiveDeadline(co, so), co.deadline);
  EXPECT_EQ(CheckDeadline(co.deadline, "x").code(), Status::Code::kTimedOut);
  EXPECT_TRUE(CheckDeadline(Clock::time_point::max(), "x").ok());
}

}  // namespace
}  // namespace brkv::storage
