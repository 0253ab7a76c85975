#include "storage/storage_backend.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <map>
#include <system_error>
#include <vector>

#include "storage/gcs_storage.h"
#include "storage/http_text.h"

namespace brkv::storage {

namespace {

constexpr std::string_view kRedacted = "redacted";

// Query parameters (and userinfo passwords) whose values are secrets.
bool IsSecretParam(std::string_view key) {
  std::string k;
  k.reserve(key.size());
  for (char c : key) k.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(c)));
  static constexpr std::array<std::string_view, 10> kSecrets = {
      "access-key",     "secret-access-key", "session-token", "account-key", "sas-token",
      "encryption-key", "credentials-blob",  "shared-key",    "access-sig",  "password"};
  return std::find(kSecrets.begin(), kSecrets.end(), k) != kSecrets.end();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes; '+' stays literal. False on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// Escapes the characters that would change how a URL component parses.
std::string PercentEncode(std::string_view in, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    bool plain = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' ||
                 c == '+' || c == ',' || c == '@' || (keep_slash && c == '/');
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string_view TrimSlashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

Status Invalid(std::string_view url, std::string_view why) {
  return Status::InvalidArgument("storage URL \"" + RedactUrl(url) + "\": " + std::string(why));
}

// Go strconv.ParseBool spellings.
std::optional<bool> ParseBool(std::string_view v) {
  static constexpr std::array<std::string_view, 6> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::array<std::string_view, 6> kFalse = {"0",     "f",     "F",
                                                             "FALSE", "false", "False"};
  if (std::find(kTrue.begin(), kTrue.end(), v) != kTrue.end()) return true;
  if (std::find(kFalse.begin(), kFalse.end(), v) != kFalse.end()) return false;
  return std::nullopt;
}

struct ParsedUrl {
  std::string scheme;     // lower case
  std::string authority;  // host part (bucket, container, memstore name), decoded
  std::string path;       // decoded, with its leading '/'
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
};

Result<ParsedUrl> SplitUrl(std::string_view url, size_t scheme_end) {
  ParsedUrl p;
  p.scheme = AsciiLower(url.substr(0, scheme_end));
  for (char c : p.scheme) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return Invalid(url, "malformed scheme");
    }
  }
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return Invalid(url,
                   "credentials in the URL authority are not supported; pass them as query "
                   "parameters (for example access-key=…&secret-access-key=…) or flags");
  }
  if (!PercentDecode(authority, &p.authority) || !PercentDecode(path, &p.path)) {
    return Invalid(url, "bad percent escape");
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Invalid(url, "query parameter \"" + std::string(item) + "\" has no value");
    }
    std::string k, v;
    if (!PercentDecode(item.substr(0, eq), &k) || !PercentDecode(item.substr(eq + 1), &v)) {
      return Invalid(url, "bad percent escape in the query");
    }
    for (const auto& [ek, ev] : p.query) {
      if (ek == k) return Invalid(url, "query parameter \"" + k + "\" is given twice");
    }
    p.query.emplace_back(std::move(k), std::move(v));
  }
  return p;
}

// Applies query parameters through a table of string and bool setters.
struct ParamTable {
  std::map<std::string, std::string*, std::less<>> strings;
  std::map<std::string, bool*, std::less<>> bools;
};

Status ApplyParams(std::string_view url, const ParsedUrl& p, const ParamTable& t) {
  for (const auto& [k, v] : p.query) {
    if (auto it = t.strings.find(k); it != t.strings.end()) {
      *it->second = v;
    } else if (auto bt = t.bools.find(k); bt != t.bools.end()) {
      std::optional<bool> b = ParseBool(v);
      if (!b) return Invalid(url, "parameter \"" + k + "\" needs true or false, got \"" + v + "\"");
      *bt->second = *b;
    } else {
      std::string known;
      for (const auto& [name, _] : t.strings) known += (known.empty() ? "" : ", ") + name;
      for (const auto& [name, _] : t.bools) known += ", " + name;
      return Invalid(url,
                     "unknown parameter \"" + k + "\" for " + p.scheme + " (known: " + known + ")");
    }
  }
  return Status::OK();
}

Status CheckEndpoint(std::string_view url, std::string* endpoint) {
  if (endpoint->empty()) return Status::OK();
  if (endpoint->rfind("http://", 0) != 0 && endpoint->rfind("https://", 0) != 0) {
    return Invalid(url, "endpoint must start with http:// or https://");
  }
  while (endpoint->size() > 8 && endpoint->back() == '/') endpoint->pop_back();
  return Status::OK();
}

Result<StorageBackend> ParseS3(std::string_view url, const ParsedUrl& p,
                               const BackendOptions::S3& o) {
  S3Backend b;
  b.bucket = p.authority;
  b.prefix = std::string(TrimSlashes(p.path));
  if (b.bucket.empty())
    return Invalid(url, "please specify the bucket for s3 (s3://bucket/prefix)");
  b.endpoint = o.endpoint;
  b.region = o.region;
  b.storage_class = o.storage_class;
  b.sse = o.sse;
  b.sse_kms_key_id = o.sse_kms_key_id;
  b.acl = o.acl;
  b.access_key = o.access_key;
  b.secret_access_key = o.secret_access_key;
  b.session_token = o.session_token;
  b.role_arn = o.role_arn;
  b.external_id = o.external_id;
  b.provider = o.provider;
  b.profile = o.profile;
  if (o.force_path_style) b.force_path_style = *o.force_path_style;
  if (o.use_accelerate_endpoint) b.use_accelerate_endpoint = *o.use_accelerate_endpoint;
  if (o.object_lock_enabled) b.object_lock_enabled = *o.object_lock_enabled;
  ParamTable t;
  t.strings = {{"endpoint", &b.endpoint},
               {"region", &b.region},
               {"storage-class", &b.storage_class},
               {"sse", &b.sse},
               {"sse-kms-key-id", &b.sse_kms_key_id},
               {"acl", &b.acl},
               {"access-key", &b.access_key},
               {"secret-access-key", &b.secret_access_key},
               {"session-token", &b.session_token},
               {"role-arn", &b.role_arn},
               {"external-id", &b.external_id},
               {"provider", &b.provider},
               {"profile", &b.profile}};
  t.bools = {{"force-path-style", &b.force_path_style},
             {"use-accelerate-endpoint", &b.use_accelerate_endpoint},
             {"object-lock-enabled", &b.object_lock_enabled}};
  RETURN_IF_ERROR(ApplyParams(url, p, t));
  RETURN_IF_ERROR(CheckEndpoint(url, &b.endpoint));
  if (b.access_key.empty() != b.secret_access_key.empty()) {
    return Invalid(url, b.access_key.empty() ? "secret-access-key is set but access-key is not"
                                             : "access-key is set but secret-access-key is not");
  }
  if (!b.session_token.empty() && b.access_key.empty()) {
    return Invalid(url, "session-token needs access-key and secret-access-key");
  }
  if (b.sse != "" && b.sse != "AES256" && b.sse != "aws:kms") {
    return Invalid(url, "sse must be empty, AES256 or aws:kms");
  }
  if (!b.sse_kms_key_id.empty() && b.sse != "aws:kms") {
    return Invalid(url, "sse-kms-key-id needs sse=aws:kms");
  }
  return StorageBackend(std::move(b));
}

Result<StorageBackend> ParseGcs(std::string_view url, const ParsedUrl& p,
                                const BackendOptions::Gcs& o) {
  GcsBackend b;
  b.bucket = p.authority;
  b.prefix = std::string(TrimSlashes(p.path));
  if (b.bucket.empty())
    return Invalid(url, "please specify the bucket for gcs (gcs://bucket/prefix)");
  b.endpoint = o.endpoint;
  b.storage_class = o.storage_class;
  b.predefined_acl = o.predefined_acl;
  b.credentials_file = o.credentials_file;
  std::string access_key, secret_key;
  ParamTable t;
  t.strings = {{"endpoint", &b.endpoint},
               {"storage-class", &b.storage_class},
               {"predefined-acl", &b.predefined_acl},
               {"credentials-file", &b.credentials_file},
               {"access-key", &access_key},
               {"secret-access-key", &secret_key}};
  RETURN_IF_ERROR(ApplyParams(url, p, t));
  RETURN_IF_ERROR(CheckEndpoint(url, &b.endpoint));
  if (access_key.empty() != secret_key.empty()) {
    return Invalid(url, access_key.empty() ? "secret-access-key is set but access-key is not"
                                           : "access-key is set but secret-access-key is not");
  }
  if (!access_key.empty()) {
    if (!b.credentials_file.empty()) {
      return Invalid(url, "give either credentials-file or access-key/secret-access-key");
    }
    // The HMAC key travels (to the nodes too) as brpb.GCS.credentials_blob.
    b.credentials_blob = GcsHmacCredentialsBlob({access_key, secret_key});
  }
  return StorageBackend(std::move(b));
}

Result<StorageBackend> ParseAzblob(std::string_view url, const ParsedUrl& p,
                                   const BackendOptions::Azblob& o) {
  AzureBlobBackend b;
  b.bucket = p.authority;
  b.prefix = std::string(TrimSlashes(p.path));
  if (b.bucket.empty()) {
    return Invalid(url, "please specify the container for azblob (azblob://container/prefix)");
  }
  b.endpoint = o.endpoint;
  b.account_name = o.account_name;
  b.shared_key = o.account_key;
  b.access_sig = o.sas_token;
  b.storage_class = o.access_tier;
  b.encryption_scope = o.encryption_scope;
  b.encryption_key = o.encryption_key;
  ParamTable t;
  t.strings = {{"endpoint", &b.endpoint},
               {"account-name", &b.account_name},
               {"account-key", &b.shared_key},
               {"sas-token", &b.access_sig},
               {"access-tier", &b.storage_class},
               {"encryption-scope", &b.encryption_scope},
               {"encryption-key", &b.encryption_key}};
  RETURN_IF_ERROR(ApplyParams(url, p, t));
  RETURN_IF_ERROR(CheckEndpoint(url, &b.endpoint));
  if (!b.encryption_scope.empty() && !b.encryption_key.empty()) {
    return Invalid(url, "encryption-scope and encryption-key cannot both be set");
  }
  return StorageBackend(std::move(b));
}

Result<std::string> AbsolutePath(std::string_view url, std::string_view path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(std::filesystem::path(path), ec);
  if (ec) return Invalid(url, "cannot make the path absolute: " + ec.message());
  std::string s = abs.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// Emits "k=v" with the value redacted when secret; skips empty values.
void AddParam(std::string* q, std::string_view k, std::string_view v) {
  if (v.empty()) return;
  q->append(q->empty() ? "?" : "&");
  q->append(k);
  q->push_back('=');
  q->append(IsSecretParam(k) ? std::string(kRedacted) : PercentEncode(v, true));
}

std::string BucketUrl(std::string_view scheme, std::string_view bucket, std::string_view prefix) {
  std::string out(scheme);
  out += "://";
  out += PercentEncode(bucket, false);
  if (!prefix.empty()) {
    out += "/";
    out += PercentEncode(prefix, true);
  }
  return out;
}

}  // namespace

Result<StorageBackend> ParseBackend(std::string_view url, const BackendOptions& options) {
  if (url.empty()) return Status::InvalidArgument("empty storage URL: give -s with a URL or path");
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    // A plain path.
    ASSIGN_OR_RETURN(std::string abs, AbsolutePath(url, url));
    return StorageBackend(LocalBackend{abs});
  }
  ASSIGN_OR_RETURN(ParsedUrl p, SplitUrl(url, sep));
  const std::string& s = p.scheme;
  if (s == "local" || s == "file") {
    if (!p.authority.empty()) {
      return Invalid(url,
                     "a local URL needs an absolute path: write local:///abs/path (three "
                     "slashes) or a plain path");
    }
    if (p.path.empty() || p.path == "/") return Invalid(url, "empty local path");
    if (!p.query.empty()) return Invalid(url, "local URLs take no parameters");
    ASSIGN_OR_RETURN(std::string abs, AbsolutePath(url, p.path));
    return StorageBackend(LocalBackend{abs});
  }
  if (s == "noop") {
    if (!p.authority.empty() || !TrimSlashes(p.path).empty() || !p.query.empty()) {
      return Invalid(url, "noop:// takes no path or parameters");
    }
    return StorageBackend(NoopBackend{});
  }
  if (s == "memstore") {
    if (!p.query.empty()) return Invalid(url, "memstore URLs take no parameters");
    return StorageBackend(MemStoreBackend{p.authority, std::string(TrimSlashes(p.path))});
  }
  if (s == "s3") return ParseS3(url, p, options.s3);
  if (s == "gcs" || s == "gs") return ParseGcs(url, p, options.gcs);
  if (s == "azblob" || s == "azure") return ParseAzblob(url, p, options.azblob);
  if (s == "hdfs") {
    if (p.authority.empty()) return Invalid(url, "hdfs URL needs a host");
    return StorageBackend(HdfsBackend{std::string(url)});
  }
  return Invalid(url, "unsupported storage scheme \"" + s +
                          "\" (supported: local, file, noop, s3, gcs, gs, azblob, azure, hdfs, "
                          "memstore)");
}

std::string_view BackendScheme(const StorageBackend& backend) {
  struct V {
    std::string_view operator()(const NoopBackend&) const { return "noop"; }
    std::string_view operator()(const LocalBackend&) const { return "local"; }
    std::string_view operator()(const S3Backend&) const { return "s3"; }
    std::string_view operator()(const GcsBackend&) const { return "gcs"; }
    std::string_view operator()(const AzureBlobBackend&) const { return "azblob"; }
    std::string_view operator()(const HdfsBackend&) const { return "hdfs"; }
    std::string_view operator()(const MemStoreBackend&) const { return "memstore"; }
  };
  return std::visit(V{}, backend);
}

std::string FormatBackendUrl(const StorageBackend& backend) {
  struct V {
    std::string operator()(const NoopBackend&) const { return "noop://"; }
    std::string operator()(const LocalBackend& b) const {
      return "local://" + PercentEncode(b.path, true);
    }
    std::string operator()(const MemStoreBackend& b) const {
      return BucketUrl("memstore", b.name, b.prefix);
    }
    std::string operator()(const HdfsBackend& b) const { return RedactUrl(b.remote); }
    std::string operator()(const S3Backend& b) const {
      std::string q;
      AddParam(&q, "endpoint", b.endpoint);
      AddParam(&q, "region", b.region);
      if (!b.force_path_style) AddParam(&q, "force-path-style", "false");
      AddParam(&q, "storage-class", b.storage_class);
      AddParam(&q, "sse", b.sse);
      AddParam(&q, "sse-kms-key-id", b.sse_kms_key_id);
      AddParam(&q, "acl", b.acl);
      AddParam(&q, "access-key", b.access_key);
      AddParam(&q, "secret-access-key", b.secret_access_key);
      AddParam(&q, "session-token", b.session_token);
      AddParam(&q, "role-arn", b.role_arn);
      AddParam(&q, "external-id", b.external_id);
      AddParam(&q, "provider", b.provider);
      AddParam(&q, "profile", b.profile);
      if (b.use_accelerate_endpoint) AddParam(&q, "use-accelerate-endpoint", "true");
      if (b.object_lock_enabled) AddParam(&q, "object-lock-enabled", "true");
      return BucketUrl("s3", b.bucket, b.prefix) + q;
    }
    std::string operator()(const GcsBackend& b) const {
      std::string q;
      AddParam(&q, "endpoint", b.endpoint);
      AddParam(&q, "storage-class", b.storage_class);
      AddParam(&q, "predefined-acl", b.predefined_acl);
      AddParam(&q, "credentials-file", b.credentials_file);
      return BucketUrl("gcs", b.bucket, b.prefix) + q;
    }
    std::string operator()(const AzureBlobBackend& b) const {
      std::string q;
      AddParam(&q, "endpoint", b.endpoint);
      AddParam(&q, "account-name", b.account_name);
      AddParam(&q, "account-key", b.shared_key);
      AddParam(&q, "sas-token", b.access_sig);
      AddParam(&q, "access-tier", b.storage_class);
      AddParam(&q, "encryption-scope", b.encryption_scope);
      AddParam(&q, "encryption-key", b.encryption_key);
      return BucketUrl("azblob", b.bucket, b.prefix) + q;
    }
  };
  return std::visit(V{}, backend);
}

std::string RedactUrl(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  std::string_view head = url;
  std::string_view query;
  bool has_query = false;
  if (size_t q = url.find('?'); q != std::string_view::npos) {
    head = url.substr(0, q);
    query = url.substr(q + 1);
    has_query = true;
  }
  // userinfo: scheme://user:password@host/...
  size_t sep = head.find("://");
  size_t auth_begin = sep == std::string_view::npos ? 0 : sep + 3;
  size_t auth_end = head.find('/', auth_begin);
  if (auth_end == std::string_view::npos) auth_end = head.size();
  std::string_view authority = head.substr(auth_begin, auth_end - auth_begin);
  size_t at = authority.rfind('@');
  if (sep != std::string_view::npos && at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    out.append(head.substr(0, auth_begin));
    out.append(userinfo.substr(0, colon));
    out.append(":");
    out.append(kRedacted);
    out.append(authority.substr(at));
    out.append(head.substr(auth_end));
  } else {
    out.append(head);
  }
  if (!has_query) return out;
  out.push_back('?');
  bool first = true;
  while (true) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    size_t eq = item.find('=');
    std::string key;
    if (!PercentDecode(item.substr(0, eq), &key)) key = std::string(item.substr(0, eq));
    if (eq != std::string_view::npos && IsSecretParam(key)) {
      out.append(item.substr(0, eq + 1));
      out.append(kRedacted);
    } else {
      out.append(item);
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return out;
}

}  // namespace brkv::storage
