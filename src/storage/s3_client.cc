#include "storage/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include "common/backoff.h"
#include "common/logging.h"

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
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
      v.remove_suffix(1);
    }
    (*headers)[name] = std::string(v);
  }
  return size * nitems;
}

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back(s[i]);
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out.push_back('&');
    } else if (ent == "lt") {
      out.push_back('<');
    } else if (ent == "gt") {
      out.push_back('>');
    } else if (ent == "quot") {
      out.push_back('"');
    } else if (ent == "apos") {
      out.push_back('\'');
    } else if (!ent.empty() && ent[0] == '#') {
      unsigned long cp = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')
                             ? std::strtoul(std::string(ent.substr(2)).c_str(), nullptr, 16)
                             : std::strtoul(std::string(ent.substr(1)).c_str(), nullptr, 10);
      // UTF-8 encode.
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
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

}  // namespace

std::optional<std::string> XmlTag(std::string_view xml, std::string_view tag, size_t* pos,
                                  bool decode) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t b = xml.find(open, *pos);
  if (b == std::string_view::npos) return std::nullopt;
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == std::string_view::npos) return std::nullopt;
  *pos = e + close.size();
  return decode ? XmlUnescape(xml.substr(b, e - b)) : std::string(xml.substr(b, e - b));
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

Result<S3Client::Config> S3Client::MakeConfig(const S3Backend& backend, const S3Options& options) {
  Config c;
  c.bucket = backend.bucket;
  c.path_style = backend.force_path_style;
  c.options = options;
  c.region = backend.region;
  if (c.region.empty()) {
    const char* r = std::getenv("AWS_REGION");
    c.region = r && *r ? r : "us-east-1";
  }
  c.credentials.access_key = backend.access_key;
  c.credentials.secret_key = backend.secret_access_key;
  c.credentials.session_token = backend.session_token;
  if (c.credentials.access_key.empty()) {
    const char* a = std::getenv("AWS_ACCESS_KEY_ID");
    const char* s = std::getenv("AWS_SECRET_ACCESS_KEY");
    const char* t = std::getenv("AWS_SESSION_TOKEN");
    if (a) c.credentials.access_key = a;
    if (s) c.credentials.secret_key = s;
    if (t && c.credentials.session_token.empty()) c.credentials.session_token = t;
  }
  std::string endpoint = backend.endpoint;
  if (endpoint.empty()) endpoint = "https://s3." + c.region + ".amazonaws.com";
  size_t sep = endpoint.find("://");
  if (sep == std::string::npos) {
    c.scheme = "https";
    c.host = endpoint;
  } else {
    c.scheme = endpoint.substr(0, sep);
    c.host = endpoint.substr(sep + 3);
  }
  while (!c.host.empty() && c.host.back() == '/') c.host.pop_back();
  if ((c.scheme != "http" && c.scheme != "https") || c.host.empty() ||
      c.host.find('/') != std::string::npos) {
    return Status::InvalidArgument("s3 endpoint \"" + endpoint + "\" is not http(s)://host[:port]");
  }
  // The default port is not part of the Host header curl would send, nor of the signature.
  auto strip = [&](std::string_view suffix) {
    if (c.host.size() > suffix.size() &&
        c.host.compare(c.host.size() - suffix.size(), suffix.size(), suffix) == 0) {
      c.host.resize(c.host.size() - suffix.size());
    }
  };
  strip(c.scheme == "http" ? ":80" : ":443");
  return c;
}

S3Client::S3Client(Config config) : config_(std::move(config)) { GlobalInitOnce(); }

S3Client::~S3Client() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* S3Client::Borrow() const {
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

void S3Client::Return(void* handle) const {
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

Status S3Client::Do(const S3Request& request, Clock::time_point deadline, std::string_view what,
                    S3Response* response) const {
  int64_t budget = config_.options.retry_budget.count();
  if (deadline != Clock::time_point::max()) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    budget = std::min<int64_t>(budget, std::max<int64_t>(left, 0));
  }
  Backoffer bo(BackoffOptions{.base_ms = config_.options.backoff_base.count(),
                              .max_ms = config_.options.backoff_max.count(),
                              .budget_ms = budget});
  while (true) {
    RETURN_IF_ERROR(CheckDeadline(deadline, what));
    Status s = Once(request, deadline, what, response);
    if (s.ok() || !s.retryable()) return s;
    LOG_DEBUG("s3: {} {} attempt {} failed, retrying: {}", request.method, what, bo.attempts() + 1,
              s.ToString());
    Status b = bo.Backoff(s);
    if (!b.ok())
      return Status::TimedOut(std::string(what) + ": retries exhausted: " + s.ToString());
  }
}

Status S3Client::Once(const S3Request& request, Clock::time_point deadline, std::string_view what,
                      S3Response* response) const {
  *response = S3Response{};
  std::string host = config_.path_style ? config_.host : config_.bucket + "." + config_.host;
  std::string path = "/";
  if (config_.path_style) {
    path += config_.bucket;
    if (!request.key.empty()) path += "/";
  }
  path += request.key;

  SigV4Request sr;
  sr.method = request.method;
  sr.host = host;
  sr.path = path;
  sr.query = request.query;
  sr.headers = request.headers;
  sr.payload_sha256 = Sha256Hex(request.body);
  sr.amz_date = AmzDateNow();
  sr.region = config_.region;
  SigV4Result signed_req = SignV4(sr, config_.credentials);

  std::string url = config_.scheme + "://" + host + UriEncode(path, true);
  std::string qs = CanonicalQueryString(request.query);
  if (!qs.empty()) url += "?" + qs;

  CURL* curl = static_cast<CURL*>(Borrow());
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  struct curl_slist* hdrs = nullptr;
  for (const auto& [k, v] : signed_req.headers)
    hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
  hdrs = curl_slist_append(hdrs, "Expect:");  // no 100-continue round trip

  int64_t timeout_ms = config_.options.request_timeout.count();
  if (deadline != Clock::time_point::max()) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    timeout_ms = std::min<int64_t>(timeout_ms, std::max<int64_t>(left, 1));
  }
  UploadState up{request.body, 0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(
      curl, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(std::min<int64_t>(timeout_ms, config_.options.connect_timeout.count())));
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

  std::string where = request.method + " " + std::string(what);
  if (rc != CURLE_OK) {
    std::string m = where + ": " + curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) return Status::TimedOut(m);
    if (RetryableCurlCode(rc)) return Status::Unavailable(m);
    return Status::IOError(m);
  }
  response->status = status;
  if (status >= 200 && status < 300) {
    // A body shorter than announced is a cut connection: retry.
    auto cl = response->headers.find("content-length");
    if (!request.head && cl != response->headers.end() &&
        std::strtoull(cl->second.c_str(), nullptr, 10) != response->body.size()) {
      return Status::Unavailable(where + ": short response body");
    }
    return Status::OK();
  }
  size_t pos = 0;
  std::string code = XmlTag(response->body, "Code", &pos).value_or("");
  pos = 0;
  std::string message = XmlTag(response->body, "Message", &pos).value_or("");
  std::string m = where + ": HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code) +
                  (message.empty() ? "" : " (" + message + ")");
  if (status == 404 && code != "NoSuchBucket" && code != "NoSuchUpload") {
    return Status::NotFound(m);
  }
  if (status >= 500 || status == 429 || code == "SlowDown" || code == "RequestTimeout" ||
      code == "InternalError") {
    return Status::Unavailable(m);
  }
  if (status == 412) return Status::Corruption(m + ": object changed while it was being read");
  return Status::IOError(m);
}

}  // namespace brkv::storage
