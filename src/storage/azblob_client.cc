#include "storage/azblob_client.h"

#include <cstdlib>

#include "storage/azure_shared_key.h"
#include "storage/xml_text.h"

namespace brkv::storage {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The first line of Azure's error message (later lines hold RequestId and Time).
std::string FirstLine(std::string_view s) {
  size_t nl = s.find_first_of("\r\n");
  return std::string(s.substr(0, nl));
}

}  // namespace

Result<AzblobClient::Config> AzblobClient::MakeConfig(const AzureBlobBackend& backend,
                                                      const HttpOptions& http) {
  Config c;
  c.container = backend.bucket;
  c.http = http;
  c.account = !backend.account_name.empty() ? backend.account_name : Env("AZURE_STORAGE_ACCOUNT");
  if (!backend.shared_key.empty()) {
    c.shared_key = backend.shared_key;
  } else if (!backend.access_sig.empty()) {
    c.sas_token = backend.access_sig;
  } else if (!Env("AZURE_STORAGE_KEY").empty()) {
    c.shared_key = Env("AZURE_STORAGE_KEY");
  } else {
    c.sas_token = Env("AZURE_STORAGE_SAS_TOKEN");
  }
  while (!c.sas_token.empty() && c.sas_token.front() == '?') c.sas_token.erase(0, 1);
  if (c.shared_key.empty() && c.sas_token.empty()) {
    return Status::InvalidArgument(
        "azblob: no credentials: give account-key or sas-token in the URL, or set "
        "AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN");
  }
  if (!c.shared_key.empty()) {
    std::string decoded;
    if (!Base64Decode(c.shared_key, &decoded) || decoded.empty()) {
      return Status::InvalidArgument(
          "azblob: account-key is not valid base64 (copy the storage account's access key)");
    }
    if (c.account.empty()) {
      return Status::InvalidArgument(
          "azblob: Shared Key auth needs the account name: give account-name or set "
          "AZURE_STORAGE_ACCOUNT");
    }
  }
  std::string endpoint = backend.endpoint;
  if (endpoint.empty()) {
    if (c.account.empty()) {
      return Status::InvalidArgument(
          "azblob: give account-name (or AZURE_STORAGE_ACCOUNT) or an endpoint");
    }
    endpoint = "https://" + c.account + ".blob.core.windows.net";
  }
  size_t sep = endpoint.find("://");
  std::string rest;
  if (sep == std::string::npos) {
    c.scheme = "https";
    rest = endpoint;
  } else {
    c.scheme = endpoint.substr(0, sep);
    rest = endpoint.substr(sep + 3);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t slash = rest.find('/');
  c.host = rest.substr(0, slash);
  if (slash != std::string::npos) c.base_path = rest.substr(slash);
  if ((c.scheme != "http" && c.scheme != "https") || c.host.empty() ||
      c.base_path.find_first_of("?#") != std::string::npos) {
    return Status::InvalidArgument("azblob endpoint \"" + endpoint +
                                   "\" is not http(s)://host[:port][/path]");
  }
  std::string_view default_port = c.scheme == "http" ? ":80" : ":443";
  if (EndsWith(c.host, default_port)) c.host.resize(c.host.size() - default_port.size());
  return c;
}

Status AzblobClient::Do(const AzblobRequest& request, Clock::time_point deadline,
                        std::string_view what, HttpResponse* response) const {
  return RetryTransient(config_.http, deadline, request.method + " " + std::string(what),
                        [&] { return Once(request, deadline, what, response); });
}

Status AzblobClient::Once(const AzblobRequest& request, Clock::time_point deadline,
                          std::string_view what, HttpResponse* response) const {
  std::string path = config_.base_path + "/" + UriEncode(config_.container, false);
  if (!request.blob.empty()) path += "/" + UriEncode(request.blob, /*keep_slash=*/true);

  HeaderList headers = request.headers;
  headers.emplace_back("x-ms-date", HttpDateNow());
  headers.emplace_back("x-ms-version", kAzureApiVersion);
  if (request.method == "PUT" || request.method == "POST") {
    headers.emplace_back("Content-Length", std::to_string(request.body.size()));
  }
  std::string qs = CanonicalQueryString(request.query);
  if (!config_.shared_key.empty()) {
    AzureSignRequest sr;
    sr.method = request.method;
    sr.account = config_.account;
    sr.path = path;
    sr.query = request.query;
    sr.headers = headers;
    ASSIGN_OR_RETURN(AzureSignResult signed_req, SignSharedKey(sr, config_.shared_key));
    headers.emplace_back("Authorization", std::move(signed_req.authorization));
  } else {
    qs += (qs.empty() ? "" : "&") + config_.sas_token;
  }

  HttpRequest hr;
  hr.method = request.method;
  hr.url = config_.scheme + "://" + config_.host + path + (qs.empty() ? "" : "?" + qs);
  hr.headers = std::move(headers);
  hr.body = request.body;
  hr.head = request.head;
  std::string where = request.method + " " + std::string(what);
  RETURN_IF_ERROR(http_.Perform(hr, config_.http, deadline, where, response));

  long status = response->status;
  if (status >= 200 && status < 300) return Status::OK();
  std::string code;
  if (auto it = response->headers.find("x-ms-error-code"); it != response->headers.end()) {
    code = it->second;
  }
  size_t pos = 0;
  if (code.empty()) code = XmlTag(response->body, "Code", &pos).value_or("");
  pos = 0;
  std::string message = FirstLine(XmlTag(response->body, "Message", &pos).value_or(""));
  std::string m = where + ": HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code) +
                  (message.empty() ? "" : " (" + message + ")");
  if (status == 404 && (code == "BlobNotFound" || (code.empty() && request.head))) {
    return Status::NotFound(m);
  }
  if (status == 404 && code == "ContainerNotFound") {
    return Status::IOError(m + ": the container does not exist; create it first");
  }
  // Md5Mismatch: the body was damaged on the way; sending it again fixes that.
  if (status >= 500 || status == 408 || status == 429 || code == "OperationTimedOut" ||
      code == "ServerBusy" || code == "Md5Mismatch") {
    return Status::Unavailable(m);
  }
  if (status == 412) return Status::Corruption(m + ": blob changed while it was being read");
  if (status == 403) {
    return Status::IOError(m +
                           ": access denied; check account-name and account-key, or the "
                           "sas-token's permissions and expiry");
  }
  return Status::IOError(m);
}

}  // namespace brkv::storage
