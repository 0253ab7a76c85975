#include "storage/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/backoff.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "storage/http_text.h"

namespace brkv::storage {

namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct UploadState {
  std::string_view body;
  size_t pos = 0;
};

size_t ReadBody(char* buf, size_t size, size_t nitems, void* user) {
  auto* st = static_cast<UploadState*>(user);
  size_t n = std::min(size * nitems, st->body.size() - st->pos);
  std::memcpy(buf, st->body.data() + st->pos, n);
  st->pos += n;
  return n;
}

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* user) {
  static_cast<std::string*>(user)->append(ptr, size * nmemb);
  return size * nmemb;
}

size_t WriteHeader(char* ptr, size_t size, size_t nitems, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(ptr, size * nitems);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = AsciiLower(line.substr(0, colon));
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
      v.remove_suffix(1);
    }
    (*headers)[name] = std::string(v);
  }
  return size * nitems;
}

bool RetryableCurlCode(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

int64_t MsUntil(Clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
}

}  // namespace

HttpClient::HttpClient() { GlobalInitOnce(); }

HttpClient::~HttpClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::Borrow() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      curl_easy_reset(static_cast<CURL*>(h));  // options reset; the connection cache stays
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::Return(void* handle) const {
  constexpr size_t kMaxIdle = 16;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Status HttpClient::Perform(const HttpRequest& request, const HttpOptions& options,
                           Clock::time_point deadline, std::string_view what,
                           HttpResponse* response) const {
  *response = HttpResponse{};
  // Injects a transient transport failure (as a reset connection would be) for fault tests.
  if (Status fp = failpoint::Eval("storage.http.request"); !fp.ok()) {
    return Status::Unavailable(std::string(what) + ": " + fp.message());
  }
  CURL* curl = static_cast<CURL*>(Borrow());
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  struct curl_slist* hdrs = nullptr;
  for (const auto& [k, v] : request.headers) {
    hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
  }
  hdrs = curl_slist_append(hdrs, "Expect:");  // no 100-continue round trip
  // curl adds a form Content-Type to POST bodies; signed requests must send only what was
  // signed.
  bool has_type = std::any_of(request.headers.begin(), request.headers.end(), [](const auto& h) {
    return h.first.size() == 12 && strncasecmp(h.first.c_str(), "content-type", 12) == 0;
  });
  if (!has_type) hdrs = curl_slist_append(hdrs, "Content-Type:");

  int64_t timeout_ms = options.request_timeout.count();
  if (deadline != Clock::time_point::max()) {
    timeout_ms = std::min<int64_t>(timeout_ms, std::max<int64_t>(MsUntil(deadline), 1));
  }
  UploadState up{request.body, 0};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(
      curl, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(std::min<int64_t>(timeout_ms, options.connect_timeout.count())));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response->body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response->headers);
  if (request.head) {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hdrs);
  // A handle whose transfer failed may hold a broken connection; do not reuse it.
  if (rc == CURLE_OK) {
    Return(curl);
  } else {
    curl_easy_cleanup(curl);
  }

  if (rc != CURLE_OK) {
    std::string m = std::string(what) + ": " + curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) return Status::TimedOut(m);
    if (RetryableCurlCode(rc)) return Status::Unavailable(m);
    return Status::IOError(m);
  }
  response->status = status;
  if (status >= 200 && status < 300 && !request.head) {
    // A body shorter than announced is a cut connection: retry.
    auto cl = response->headers.find("content-length");
    if (cl != response->headers.end() &&
        std::strtoull(cl->second.c_str(), nullptr, 10) != response->body.size()) {
      return Status::Unavailable(std::string(what) + ": short response body");
    }
  }
  return Status::OK();
}

Status RetryTransient(const HttpOptions& options, Clock::time_point deadline, std::string_view what,
                      const std::function<Status()>& attempt) {
  int64_t budget = options.retry_budget.count();
  if (deadline != Clock::time_point::max()) {
    budget = std::min<int64_t>(budget, std::max<int64_t>(MsUntil(deadline), 0));
  }
  Backoffer bo(BackoffOptions{.base_ms = options.backoff_base.count(),
                              .max_ms = options.backoff_max.count(),
                              .budget_ms = budget});
  while (true) {
    RETURN_IF_ERROR(CheckDeadline(deadline, what));
    Status s = attempt();
    if (s.ok() || !s.retryable()) return s;
    LOG_DEBUG("storage: {} attempt {} failed, retrying: {}", what, bo.attempts() + 1, s.ToString());
    Status b = bo.Backoff(s);
    if (!b.ok()) {
      return Status::TimedOut(std::string(what) + ": retries exhausted: " + s.ToString());
    }
  }
}

}  // namespace brkv::storage
