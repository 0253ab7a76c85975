#include "storage/s3_client.h"

#include <cstdlib>

namespace brkv::storage {

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

S3Client::S3Client(Config config) : config_(std::move(config)) {
  http_options_.request_timeout = config_.options.request_timeout;
  http_options_.connect_timeout = config_.options.connect_timeout;
  http_options_.retry_budget = config_.options.retry_budget;
  http_options_.backoff_base = config_.options.backoff_base;
  http_options_.backoff_max = config_.options.backoff_max;
}

Status S3Client::Do(const S3Request& request, Clock::time_point deadline, std::string_view what,
                    S3Response* response) const {
  return RetryTransient(http_options_, deadline, request.method + " " + std::string(what),
                        [&] { return Once(request, deadline, what, response); });
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

  HttpRequest hr;
  hr.method = request.method;
  hr.url = std::move(url);
  hr.headers = std::move(signed_req.headers);
  hr.body = request.body;
  hr.head = request.head;
  std::string where = request.method + " " + std::string(what);
  RETURN_IF_ERROR(http_.Perform(hr, http_options_, deadline, where, response));
  long status = response->status;
  if (status >= 200 && status < 300) return Status::OK();
  size_t pos = 0;
  std::string code = XmlTag(response->body, "Code", &pos).value_or("");
  pos = 0;
  std::string message = XmlTag(response->body, "Message", &pos).value_or("");
  std::string m = where + ": HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code) +
                  (message.empty() ? "" : " (" + message + ")");
  if (status == 404 && code != "NoSuchBucket" && code != "NoSuchUpload") {
    return Status::NotFound(m);
  }
  if (status >= 500 || status == 408 || status == 429 || code == "SlowDown" ||
      code == "RequestTimeout" || code == "InternalError") {
    return Status::Unavailable(m);
  }
  if (status == 412) return Status::Corruption(m + ": object changed while it was being read");
  return Status::IOError(m);
}

}  // namespace brkv::storage
