// S3Storage: ExternalStorage over the S3 REST API (AWS S3 and S3-compatible servers such as
// MinIO, Ceph RGW, s3rver), on libcurl with AWS Signature Version 4.
//
// Layout: object `name` is the key "<prefix>/<name>" (just "<name>" with no prefix) in
// `bucket`. Requests go to `endpoint` (default https://s3.<region>.amazonaws.com), path style
// ("<endpoint>/<bucket>/<key>") when force_path_style, else virtual-hosted style
// ("<bucket>.<endpoint host>/<key>").
// Credentials: the URL's access-key/secret-access-key/session-token, else the environment's
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. Region: the URL's, else
// AWS_REGION, else us-east-1.
//
// Writes: WriteFile is one PutObject up to part_size and a multipart upload above it (so a
// failure re-sends one part). A writer (Create) buffers up to part_size; below that
// Finish is one PutObject, above it the upload is multipart (CreateMultipartUpload, UploadPart
// per part, CompleteMultipartUpload) and Abort/failure/destruction calls
// AbortMultipartUpload, so a failed upload publishes nothing.
// Object writes (PutObject, CreateMultipartUpload) carry x-amz-storage-class, x-amz-acl and
// x-amz-server-side-encryption(-aws-kms-key-id) from storage-class, acl, sse, sse-kms-key-id.
// Reads: ReadFile is one GetObject; Open does HeadObject (size, ETag) and ReadAt is a ranged
// GetObject conditional on that ETag (a changed object gives Corruption).
//
// Every request has a timeout (min of request_timeout and the call's deadline) and transient
// failures (connection refused/reset, timeouts, 5xx, 429, SlowDown, short bodies) are retried
// with exponential backoff and jitter under retry_budget (and the call's deadline).
// Non-retryable failures (403, 404 on a required object, NoSuchBucket, other 4xx) fail at
// once, naming the object and the redacted storage URL. Secrets never appear in errors.
// Thread-safety: thread-safe; a writer or reader is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "common/status.h"
#include "storage/external_storage.h"
#include "storage/storage_backend.h"

namespace brkv::storage {

struct S3Options {
  // Multipart part size; a writer holding more than this starts a multipart upload.
  // Default: 8 MiB (S3's minimum part size is 5 MiB; tests may go lower on test servers).
  size_t part_size = 8 << 20;
  // max-keys for one ListObjectsV2 page. Default: 1000 (S3's maximum).
  int list_page_size = 1000;
  // Time limit for one HTTP request (the call's deadline may cut it shorter). Default: 60 s.
  std::chrono::milliseconds request_timeout{60000};
  // Time limit for connecting. Default: 5 s.
  std::chrono::milliseconds connect_timeout{5000};
  // Total time one call may spend retrying transient failures. Default: 60 s.
  std::chrono::milliseconds retry_budget{60000};
  // First and maximum backoff sleep. Default: 50 ms, 2 s.
  std::chrono::milliseconds backoff_base{50};
  std::chrono::milliseconds backoff_max{2000};
};

// Builds the S3 storage. InvalidArgument for an unusable endpoint; no request is made here.
Result<std::unique_ptr<ExternalStorage>> NewS3Storage(const S3Backend& backend,
                                                      const StorageOptions& options,
                                                      const S3Options& s3_options = {});

}  // namespace brkv::storage
