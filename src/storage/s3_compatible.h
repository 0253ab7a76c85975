// The S3 storage engine for services that speak the S3 REST API under another name (GCS's XML
// API with HMAC keys). Internal to src/storage: NewS3Storage and NewGcsStorage build on it.
// Thread-safety: the storage is thread-safe (see s3_storage.h).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "storage/external_storage.h"
#include "storage/s3_client.h"

namespace brkv::storage {

struct S3CompatibleSpec {
  // What backend() returns (credentials included).
  StorageBackend backend;
  // URL scheme used to name objects in messages ("s3", "gcs").
  std::string scheme;
  std::string bucket;
  std::string prefix;  // no leading or trailing '/'
  // Sent (and signed) with every object write: PutObject and CreateMultipartUpload
  // (storage class, canned ACL, server-side encryption).
  HeaderList put_headers;
};

// The ExternalStorage of s3_storage.h over `config`, described by `spec`. No request is made.
std::unique_ptr<ExternalStorage> NewS3CompatibleStorage(S3CompatibleSpec spec,
                                                        S3Client::Config config,
                                                        const StorageOptions& options,
                                                        const S3Options& s3_options);

}  // namespace brkv::storage
