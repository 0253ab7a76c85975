#include "storage/azure_shared_key.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <vector>

#include "storage/http_text.h"

namespace brkv::storage {

namespace {

// The value of the standard header `name` (lower case), or "".
std::string Standard(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (AsciiLower(k) == name) return v;
  }
  return "";
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return false;
    }
  }
  out->assign(3 * text.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts padding as zero bytes.
  size_t len = static_cast<size_t>(n);
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() > 1 && text[text.size() - 2] == '=') --len;
  out->resize(len);
  return true;
}

std::string HttpDateNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

Result<AzureSignResult> SignSharedKey(const AzureSignRequest& request,
                                      std::string_view account_key_base64) {
  std::string key;
  if (!Base64Decode(account_key_base64, &key) || key.empty()) {
    return Status::InvalidArgument(
        "azblob account key is not valid base64 (give the storage account's access key as "
        "shown by the portal)");
  }
  const HeaderList& h = request.headers;
  std::string content_length = Standard(h, "content-length");
  if (content_length == "0") content_length.clear();

  std::string s = request.method + "\n";
  s += Standard(h, "content-encoding") + "\n";
  s += Standard(h, "content-language") + "\n";
  s += content_length + "\n";
  s += Standard(h, "content-md5") + "\n";
  s += Standard(h, "content-type") + "\n";
  s += Standard(h, "date") + "\n";
  s += Standard(h, "if-modified-since") + "\n";
  s += Standard(h, "if-match") + "\n";
  s += Standard(h, "if-none-match") + "\n";
  s += Standard(h, "if-unmodified-since") + "\n";
  s += Standard(h, "range") + "\n";

  std::vector<std::pair<std::string, std::string>> ms;
  for (const auto& [k, v] : h) {
    std::string name = AsciiLower(k);
    if (name.rfind("x-ms-", 0) == 0) ms.emplace_back(std::move(name), CanonicalHeaderValue(v));
  }
  std::sort(ms.begin(), ms.end());
  for (const auto& [k, v] : ms) s += k + ":" + v + "\n";

  s += "/" + request.account + request.path;
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [k, v] : request.query) params[AsciiLower(k)].push_back(v);
  for (auto& [k, values] : params) {
    std::sort(values.begin(), values.end());
    s += "\n" + k + ":";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) s.push_back(',');
      s += values[i];
    }
  }

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(s.data()), s.size(), md, &len);
  AzureSignResult r;
  r.string_to_sign = std::move(s);
  r.signature = Base64Encode(std::string_view(reinterpret_cast<const char*>(md), len));
  r.authorization = "SharedKey " + request.account + ":" + r.signature;
  return r;
}

}  // namespace brkv::storage
