// HttpClient: the HTTP plumbing shared by the cloud backends (S3, GCS's XML API, Azure Blob).
//
// One attempt of one request on libcurl (Perform), with a per-request timeout (the smaller of
// the request timeout and the caller's deadline) and a connect timeout, over a small pool of
// curl handles so connections and TLS sessions are reused; and the retry loop around attempts
// (RetryTransient): truncated exponential backoff with jitter under a retry budget that never
// outlives the caller's deadline.
//
// Perform only reports transport outcomes: a response that arrived is OK whatever its HTTP
// status (the backend maps statuses to errors), except that a 2xx body shorter than its
// Content-Length is Unavailable (a cut connection). Transport failures that a retry may fix
// (refused, reset, DNS, timeouts, empty replies) are Unavailable / TimedOut (retryable); the
// rest are IOError. The failpoint "storage.http.request" injects a transient (Unavailable)
// failure before a request is sent. Messages carry the caller's `what` (object names, never URLs: a
// SAS token may sit in the query) and curl's error text, never a header value. Thread-safety:
// thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/aws_sigv4.h"  // HeaderList
#include "storage/external_storage.h"

namespace brkv::storage {

// Timeouts and retry policy of one cloud storage.
struct HttpOptions {
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

struct HttpRequest {
  std::string method = "GET";
  // The full URL, already percent-encoded. Never put it in an error message (it may carry a
  // SAS token).
  std::string url{};
  HeaderList headers{};
  std::string_view body{};  // must outlive the call
  // HEAD: no response body is expected.
  bool head = false;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One attempt (see the top of this file). `what` names the request in messages, e.g.
  // "PUT azblob://c/p/x.sst".
  Status Perform(const HttpRequest& request, const HttpOptions& options, Clock::time_point deadline,
                 std::string_view what, HttpResponse* response) const;

 private:
  void* Borrow() const;             // a CURL*, from the pool or new
  void Return(void* handle) const;  // back to the pool (or freed when the pool is full)

  mutable std::mutex mu_;
  mutable std::vector<void*> idle_;  // GUARDED_BY(mu_); CURL* handles
};

// Calls `attempt` until it returns OK or a non-retryable error, backing off between attempts.
// Gives up with TimedOut (retryable, carrying the last error) when the retry budget or
// `deadline` is spent; never sleeps past `deadline`. `what` names the call in messages and in
// debug logs of each retry.
Status RetryTransient(const HttpOptions& options, Clock::time_point deadline, std::string_view what,
                      const std::function<Status()>& attempt);

}  // namespace brkv::storage
