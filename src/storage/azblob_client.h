// AzblobClient: authorized HTTP requests to one Azure Blob Storage container, with per-request
// timeouts and retries (the request layer under AzblobStorage).
//
// Builds the URL "<endpoint>/<container>[/<blob>]" (the endpoint may carry a path, as the
// emulator's "http://127.0.0.1:10000/devstoreaccount1" does), authorizes it with Shared Key
// (azure_shared_key.h) or by appending a SAS token, runs it on the shared HttpClient and maps
// the outcome to a Status:
//   2xx OK; 404 BlobNotFound (or a bodiless HEAD 404) NotFound; 404 ContainerNotFound and other
//   404s IOError; 412 Corruption (the blob changed under a reader); 5xx, 408, 429 and
//   Md5Mismatch (a body damaged in transit) Unavailable (retried); 403 and other 4xx IOError
//   at once, with a hint for 403.
// Messages carry `what` (azblob://container/blob), the HTTP status and Azure's error code and
// first message line; never the account key, the SAS token or the request URL.
// Thread-safety: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/aws_sigv4.h"  // HeaderList
#include "storage/external_storage.h"
#include "storage/http_client.h"
#include "storage/storage_backend.h"

namespace brkv::storage {

// The x-ms-version every request sends.
inline constexpr char kAzureApiVersion[] = "2021-08-06";

struct AzblobRequest {
  std::string method = "GET";
  // Blob name (unencoded), or empty for a container-level request.
  std::string blob{};
  // Unencoded query parameters.
  HeaderList query{};
  HeaderList headers{};
  std::string_view body{};  // must outlive the call
  bool head = false;
};

class AzblobClient {
 public:
  struct Config {
    std::string scheme;     // "http" or "https"
    std::string host;       // host[:port], default ports stripped
    std::string base_path;  // "" or "/devstoreaccount1" (no trailing '/')
    std::string account;
    std::string container;
    std::string shared_key;  // secret, base64; empty = SAS
    std::string sas_token;   // secret, without a leading '?'; used when shared_key is empty
    HttpOptions http;
  };
  // Resolves credentials and the endpoint. Precedence: the backend's account-key, then its
  // sas-token, then env AZURE_STORAGE_KEY, then env AZURE_STORAGE_SAS_TOKEN; the account name
  // is the backend's, else env AZURE_STORAGE_ACCOUNT. The endpoint defaults to
  // https://<account>.blob.core.windows.net.
  // InvalidArgument (never quoting a secret) for: no credentials, Shared Key without an
  // account name, a key that is not base64, an unusable endpoint.
  static Result<Config> MakeConfig(const AzureBlobBackend& backend, const HttpOptions& http);

  explicit AzblobClient(Config config) : config_(std::move(config)) {}
  AzblobClient(const AzblobClient&) = delete;
  AzblobClient& operator=(const AzblobClient&) = delete;

  // Runs the request until it gets a 2xx (OK, *response filled), a non-retryable failure, or
  // the retry budget/deadline ends (TimedOut, retryable). `what` names the object.
  Status Do(const AzblobRequest& request, Clock::time_point deadline, std::string_view what,
            HttpResponse* response) const;

  const Config& config() const { return config_; }

 private:
  Status Once(const AzblobRequest& request, Clock::time_point deadline, std::string_view what,
              HttpResponse* response) const;

  const Config config_;
  HttpClient http_;
};

}  // namespace brkv::storage
