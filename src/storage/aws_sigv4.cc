#include "storage/aws_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "storage/http_text.h"

namespace brkv::storage {

namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0xf]);
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

std::string CanonicalQueryString(const HeaderList& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return Hex(md, len);
}

std::string AmzDateNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

SigV4Result SignV4(const SigV4Request& request, const SigV4Credentials& credentials) {
  SigV4Result r;
  // Headers to sign: the caller's, plus the ones SigV4/S3 require.
  std::vector<std::pair<std::string, std::string>> hdrs;
  hdrs.emplace_back("host", request.host);
  hdrs.emplace_back("x-amz-date", request.amz_date);
  hdrs.emplace_back("x-amz-content-sha256", request.payload_sha256);
  if (!credentials.session_token.empty()) {
    hdrs.emplace_back("x-amz-security-token", credentials.session_token);
  }
  for (const auto& [k, v] : request.headers)
    hdrs.emplace_back(AsciiLower(k), CanonicalHeaderValue(v));
  std::sort(hdrs.begin(), hdrs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string canonical_headers, signed_headers;
  for (const auto& [k, v] : hdrs) {
    canonical_headers += k + ":" + v + "\n";
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += k;
  }

  r.canonical_request = request.method + "\n" + UriEncode(request.path, true) + "\n" +
                        CanonicalQueryString(request.query) + "\n" + canonical_headers + "\n" +
                        signed_headers + "\n" + request.payload_sha256;

  std::string date = request.amz_date.substr(0, 8);
  std::string scope = date + "/" + request.region + "/" + request.service + "/aws4_request";
  r.string_to_sign = "AWS4-HMAC-SHA256\n" + request.amz_date + "\n" + scope + "\n" +
                     Sha256Hex(r.canonical_request);

  std::string k_date = HmacSha256("AWS4" + credentials.secret_key, date);
  std::string k_region = HmacSha256(k_date, request.region);
  std::string k_service = HmacSha256(k_region, request.service);
  std::string k_signing = HmacSha256(k_service, "aws4_request");
  std::string sig = HmacSha256(k_signing, r.string_to_sign);
  r.signature = Hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());

  r.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope +
                    ",SignedHeaders=" + signed_headers + ",Signature=" + r.signature;
  r.headers.assign(hdrs.begin(), hdrs.end());
  r.headers.emplace_back("authorization", r.authorization);
  return r;
}

}  // namespace brkv::storage
