// S3Client: signed HTTP requests to one S3 bucket, with per-request timeouts and retries.
//
// The request layer under S3Storage: builds the URL (path or virtual-hosted style), signs with
// SigV4, runs the request on libcurl, maps the outcome to a Status, and retries transient
// failures with a Backoffer bounded by the retry budget and the caller's deadline.
// Error messages carry `what` (the object or operation) and the S3 error code, never a secret
// (credentials travel only in signed headers, which are never logged).
// Thread-safety: thread-safe. Each request borrows a curl handle from a small pool, so
// connections (and TLS sessions) are reused across requests.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/aws_sigv4.h"
#include "storage/external_storage.h"
#include "storage/s3_storage.h"

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

struct S3Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

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
  ~S3Client();
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

  void* Borrow() const;             // a CURL*, from the pool or new
  void Return(void* handle) const;  // back to the pool (or freed when the pool is full)

  Config config_;
  mutable std::mutex mu_;
  mutable std::vector<void*> idle_;  // GUARDED_BY(mu_); CURL* handles
};

// The text of the first <tag>…</tag> in `xml` at or after *pos (XML entities decoded unless
// `decode` is false), or nullopt. On success *pos moves past the closing tag.
std::optional<std::string> XmlTag(std::string_view xml, std::string_view tag, size_t* pos,
                                  bool decode = true);
// XML-escapes `s` for a request body.
std::string XmlEscape(std::string_view s);

}  // namespace brkv::storage
