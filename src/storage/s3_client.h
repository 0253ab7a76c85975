// S3Client: signed HTTP requests to one S3 bucket, with per-request timeouts and retries.
//
// The request layer under S3Storage: builds the URL (path or virtual-hosted style), signs with
// SigV4, runs the request on libcurl, maps the outcome to a Status, and retries transient
// failures with a Backoffer bounded by the retry budget and the caller's deadline.
// Error messages carry `what` (the object or operation) and the S3 error code, never a secret
// (credentials travel only in signed headers, which are never logged).
// The transport (curl handle pool, timeouts, the retry loop) is the shared HttpClient.
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/aws_sigv4.h"
#include "storage/external_storage.h"
#include "storage/http_client.h"
#include "storage/s3_storage.h"
#include "storage/xml_text.h"

namespace brkv::storage {

struct S3Request {
  std::string method = "GET";
  // Object key (unencoded), or empty for a bucket-level request.
  std::string key{};
  HeaderList query{};
  HeaderList headers{};
  std::string_view body{};  // must outlive the call
  // HEAD: no response body is expected.
  bool head = false;
};

using S3Response = HttpResponse;

class S3Client {
 public:
  struct Config {
    std::string scheme;  // "http" or "https"
    std::string host;    // host[:port] of the endpoint
    std::string bucket;
    bool path_style = true;
    std::string region;
    SigV4Credentials credentials;
    S3Options options;
  };
  // InvalidArgument for an unusable endpoint.
  static Result<Config> MakeConfig(const S3Backend& backend, const S3Options& options);

  explicit S3Client(Config config);
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Runs the request once per attempt until it gets a 2xx (OK, *response filled), a
  // non-retryable failure, or the budget/deadline ends (TimedOut, retryable). A 404 is
  // NotFound; `what` names the object in messages.
  Status Do(const S3Request& request, Clock::time_point deadline, std::string_view what,
            S3Response* response) const;

 private:
  Status Once(const S3Request& request, Clock::time_point deadline, std::string_view what,
              S3Response* response) const;

  Config config_;
  HttpOptions http_options_;
  HttpClient http_;
};

}  // namespace brkv::storage
