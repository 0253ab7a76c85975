// AWS Signature Version 4 request signing (the "AWS4-HMAC-SHA256" scheme) for S3-style
// requests, on OpenSSL's SHA-256 and HMAC.
//
// The caller describes the request (method, host, raw path, raw query parameters, extra headers
// and the payload's SHA-256); SignV4 builds the canonical request, the string to sign and the
// signing key, and returns the headers to send: host, x-amz-date, x-amz-content-sha256,
// x-amz-security-token (only with a session token) and Authorization, plus the caller's headers.
// The payload hash is always sent explicitly in x-amz-content-sha256 (S3 requires it).
//
// Secrets: the secret key and session token are inputs only; nothing here logs them. The
// Authorization value holds a signature, not the secret.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brkv::storage {

struct SigV4Credentials {
  std::string access_key{};
  std::string secret_key{};     // secret
  std::string session_token{};  // secret; empty = long-term keys
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method = "GET";
  // Host header value, with ":port" when the port is not the scheme's default.
  std::string host{};
  // The unencoded request path, starting with '/' (e.g. "/bucket/dir/a b.sst"); each segment
  // is percent-encoded once for the canonical request (S3 does not double-encode).
  std::string path = "/";
  // Unencoded query parameters; a parameter without a value ("?uploads") has an empty value.
  HeaderList query{};
  // Extra headers to sign and send (e.g. range, content-type, x-amz-storage-class).
  HeaderList headers{};
  // Lower-case hex SHA-256 of the body ("e3b0c4…" for an empty body), or "UNSIGNED-PAYLOAD".
  std::string payload_sha256{};
  // ISO 8601 basic time, e.g. "20130524T000000Z".
  std::string amz_date{};
  std::string region = "us-east-1";
  std::string service = "s3";
};

struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header value
  HeaderList headers;         // every header to send (signed), including Authorization
};

// Signs `request` with `credentials`.
SigV4Result SignV4(const SigV4Request& request, const SigV4Credentials& credentials);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~)
// stay; everything else is %XX (upper-case hex); '/' stays when `keep_slash`.
std::string UriEncode(std::string_view s, bool keep_slash);
// The query string in canonical form: parameters encoded, sorted by name then value, "k=v"
// joined by '&'. Also usable as the request's actual query string.
std::string CanonicalQueryString(const HeaderList& query);
// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// "YYYYMMDDTHHMMSSZ" for the current UTC time.
std::string AmzDateNow();

}  // namespace brkv::storage
