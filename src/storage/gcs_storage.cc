#include "storage/gcs_storage.h"

#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "storage/s3_client.h"
#include "storage/s3_compatible.h"

namespace brkv::storage {

namespace {

constexpr std::string_view kHmacType = "gcs_hmac_key";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// Resolves the HMAC key (see gcs_storage.h for the order). *blob gets the blob form of the key
// actually used, so backend() can hand it to the nodes.
Result<GcsHmacKey> ResolveKey(const GcsBackend& b, std::string* blob) {
  if (!b.credentials_blob.empty()) {
    ASSIGN_OR_RETURN(GcsHmacKey key, ParseGcsCredentials(b.credentials_blob));
    *blob = b.credentials_blob;
    return key;
  }
  if (!b.credentials_file.empty()) {
    std::ifstream f(b.credentials_file);
    if (!f) {
      return Status::InvalidArgument("gcs: cannot read credentials-file " + b.credentials_file);
    }
    std::stringstream ss;
    ss << f.rdbuf();
    Result<GcsHmacKey> key = ParseGcsCredentials(ss.str());
    if (!key.ok()) return key.status().WithContext("gcs credentials-file " + b.credentials_file);
    *blob = GcsHmacCredentialsBlob(*key);
    return key;
  }
  GcsHmacKey key{Env("GCS_HMAC_ACCESS_ID"), Env("GCS_HMAC_SECRET")};
  if (key.access_id.empty() || key.secret.empty()) {
    return Status::InvalidArgument(
        "gcs: no HMAC key: give access-key and secret-access-key in the URL, a credentials-file "
        "holding an HMAC key, or set GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET");
  }
  return key;
}

}  // namespace

std::string GcsHmacCredentialsBlob(const GcsHmacKey& key) {
  nlohmann::json j;
  j["type"] = kHmacType;
  j["access_id"] = key.access_id;
  j["secret"] = key.secret;
  return j.dump();
}

Result<GcsHmacKey> ParseGcsCredentials(std::string_view blob) {
  nlohmann::json j = nlohmann::json::parse(blob, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("gcs credentials are not a JSON object");
  }
  std::string type = j.value("type", std::string());
  if (type == kHmacType) {
    auto id = j.find("access_id"), secret = j.find("secret");
    if (id == j.end() || secret == j.end() || !id->is_string() || !secret->is_string() ||
        id->get<std::string>().empty() || secret->get<std::string>().empty()) {
      return Status::InvalidArgument(
          "gcs HMAC credentials need non-empty string fields access_id and secret");
    }
    return GcsHmacKey{id->get<std::string>(), secret->get<std::string>()};
  }
  return Status::NotSupported(
      "gcs credentials of type \"" + (type.empty() ? std::string("unknown") : type) +
      "\" are not supported: only HMAC keys are (give access-key and secret-access-key, or a "
      "credentials-file with {\"type\":\"gcs_hmac_key\",\"access_id\":…,\"secret\":…})");
}

Result<HeaderList> GcsObjectHeaders(const GcsBackend& b) {
  HeaderList h;
  if (!b.storage_class.empty()) {
    std::string cls = b.storage_class;
    for (char& c : cls) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    h.emplace_back("x-goog-storage-class", cls);
  }
  if (!b.predefined_acl.empty()) {
    // JSON API name (what BR's --gcs.predefined-acl documents) -> XML API name.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kAcls = {{
        {"authenticatedRead", "authenticated-read"},
        {"bucketOwnerFullControl", "bucket-owner-full-control"},
        {"bucketOwnerRead", "bucket-owner-read"},
        {"private", "private"},
        {"projectPrivate", "project-private"},
        {"publicRead", "public-read"},
        {"publicReadWrite", "public-read-write"},
    }};
    std::string_view xml;
    for (const auto& [json_name, xml_name] : kAcls) {
      if (b.predefined_acl == json_name || b.predefined_acl == xml_name) xml = xml_name;
    }
    if (xml.empty()) {
      return Status::InvalidArgument(
          "gcs: unknown predefined-acl \"" + b.predefined_acl +
          "\" (known: authenticatedRead, bucketOwnerFullControl, bucketOwnerRead, private, "
          "projectPrivate, publicRead, publicReadWrite)");
    }
    h.emplace_back("x-goog-acl", std::string(xml));
  }
  return h;
}

Result<std::unique_ptr<ExternalStorage>> NewGcsStorage(const GcsBackend& backend,
                                                       const StorageOptions& options,
                                                       const S3Options& s3_options) {
  if (backend.bucket.empty()) return Status::InvalidArgument("gcs storage without a bucket");
  GcsBackend resolved = backend;
  ASSIGN_OR_RETURN(GcsHmacKey key, ResolveKey(backend, &resolved.credentials_blob));
  ASSIGN_OR_RETURN(HeaderList headers, GcsObjectHeaders(backend));

  S3Backend s3;
  s3.endpoint = backend.endpoint.empty() ? kGcsDefaultEndpoint : backend.endpoint;
  s3.region = "auto";
  s3.bucket = backend.bucket;
  s3.prefix = backend.prefix;
  s3.force_path_style = true;
  s3.access_key = key.access_id;
  s3.secret_access_key = key.secret;
  Result<S3Client::Config> config = S3Client::MakeConfig(s3, s3_options);
  if (!config.ok()) return Status::InvalidArgument("gcs: " + config.status().message());

  S3CompatibleSpec spec{StorageBackend(std::move(resolved)), "gcs", backend.bucket, backend.prefix,
                        std::move(headers)};
  return NewS3CompatibleStorage(std::move(spec), std::move(*config), options, s3_options);
}

}  // namespace brkv::storage
