// GcsStorage: ExternalStorage over Google Cloud Storage's XML API, which is S3-compatible when
// requests are signed with an HMAC key (AWS SigV4 with the HMAC access id and secret). It is
// the S3 engine (s3_storage.h) with GCS defaults: endpoint https://storage.googleapis.com,
// path-style URLs, SigV4 region "auto".
//
// Credentials: HMAC keys only, looked up in this order —
//   1. credentials_blob (the URL's access-key + secret-access-key are stored there, and it is
//      what travels to the nodes in brpb.GCS.credentials_blob): an HMAC blob, see
//      GcsHmacCredentialsBlob;
//   2. credentials_file: a file holding an HMAC blob;
//   3. env GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET.
// A service-account or OAuth JSON (in the blob or the file) is NotSupported, saying that only
// HMAC keys are supported; no credentials at all is InvalidArgument.
// storage-class goes in x-goog-storage-class and predefined-acl in x-goog-acl on object writes
// (the JSON API spellings such as bucketOwnerFullControl are translated to the XML API's
// bucket-owner-full-control).
// Retries, timeouts, multipart uploads and error mapping are the S3 engine's.
// Thread-safety: thread-safe; a writer or reader is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/aws_sigv4.h"
#include "storage/external_storage.h"
#include "storage/s3_storage.h"
#include "storage/storage_backend.h"

namespace brkv::storage {

// The default endpoint of GCS's XML API.
inline constexpr char kGcsDefaultEndpoint[] = "https://storage.googleapis.com";

struct GcsHmacKey {
  std::string access_id;
  std::string secret;  // secret
};

// The credentials_blob form of an HMAC key:
//   {"type":"gcs_hmac_key","access_id":"GOOG1E…","secret":"…"}
std::string GcsHmacCredentialsBlob(const GcsHmacKey& key);
// Parses a credentials blob or file content. An HMAC blob gives the key; a service-account or
// other Google credentials JSON gives NotSupported; anything else InvalidArgument. Messages
// never quote the blob.
Result<GcsHmacKey> ParseGcsCredentials(std::string_view blob);

// The headers GCS object writes carry for `backend` (x-goog-storage-class, x-goog-acl).
// InvalidArgument for an unknown predefined-acl.
Result<HeaderList> GcsObjectHeaders(const GcsBackend& backend);

// Builds the GCS storage (see the top of this file). Reads credentials_file if it is used.
// No request is made here.
Result<std::unique_ptr<ExternalStorage>> NewGcsStorage(const GcsBackend& backend,
                                                       const StorageOptions& options,
                                                       const S3Options& s3_options = {});

}  // namespace brkv::storage
