// Azure Storage "Shared Key" request signing (Blob service, version 2009-09-19 and later), on
// OpenSSL's HMAC-SHA256, plus the base64 helpers it needs.
//
// The caller describes the request as it will be sent (verb, the URL path exactly as it goes on
// the wire, the query parameters unencoded, every header); SignSharedKey builds the string to
// sign
//   VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when 0) \n
//   Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n
//   If-Unmodified-Since \n Range \n CanonicalizedHeaders CanonicalizedResource
// and returns "SharedKey <account>:<base64 HMAC-SHA256(base64-decoded key, string to sign)>".
// CanonicalizedHeaders: every x-ms-* header, name lower-cased, sorted, "name:value\n" with the
// value's whitespace runs collapsed. CanonicalizedResource: "/<account><path>" then, per query
// parameter sorted by lower-cased name, "\nname:v1,v2" (values sorted).
//
// Secrets: the account key is an input only; nothing here logs it or puts it in an error.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/aws_sigv4.h"  // HeaderList

namespace brkv::storage {

struct AzureSignRequest {
  std::string method = "GET";
  // The storage account the request is for (the first component of the canonical resource).
  std::string account{};
  // The request path as sent, percent-encoded, starting with '/'. On the emulator's
  // path-style URLs it starts with "/<account>/".
  std::string path = "/";
  // Unencoded query parameters.
  HeaderList query{};
  // Every header the request sends (any case); Content-Length is taken from here, and
  // "0" counts as empty (x-ms-version 2015-02-21 and later).
  HeaderList headers{};
};

struct AzureSignResult {
  std::string string_to_sign;
  std::string signature;      // base64
  std::string authorization;  // the Authorization header value
};

// Signs `request` with the base64 account key. InvalidArgument (not naming the key) when the
// key is not valid base64.
Result<AzureSignResult> SignSharedKey(const AzureSignRequest& request,
                                      std::string_view account_key_base64);

// Standard base64 (with padding).
std::string Base64Encode(std::string_view data);
// Decodes standard base64 (padding required, whitespace not allowed). False on bad input.
bool Base64Decode(std::string_view text, std::string* out);
// "Sun, 06 Nov 1994 08:49:37 GMT" for the current time (the x-ms-date format).
std::string HttpDateNow();

}  // namespace brkv::storage
