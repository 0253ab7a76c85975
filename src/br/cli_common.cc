#include "br/cli_common.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/codec.h"
#include "common/logging.h"

namespace brkv::br {

void AddClusterFlags(CLI::App* cmd, ClusterFlags* f) {
  cmd->add_option("-u,--pd", f->pd, "PD address HOST:PORT")->default_val(f->pd);
  cmd->add_option("--pd-timeout", f->pd_timeout_s, "seconds to keep retrying PD before giving up")
      ->default_val(f->pd_timeout_s)
      ->check(CLI::PositiveNumber);
  AddBoolFlag(cmd, "--check-requirements", &f->check_requirements,
              "refuse to start when a store is down");
}

void AddStorageFlags(CLI::App* cmd, StorageFlags* f) {
  cmd->add_option("-s,--storage", f->storage,
                  "backup location: local:///abs/path (or a plain path), s3://bucket/prefix?..., "
                  "gcs://..., azblob://..., noop://")
      ->required();
  AddBoolFlag(cmd, "--send-credentials-to-tikv", &f->send_credentials,
              "send the storage credentials to the storage nodes; with false each node must "
              "find its own");
}

void AddCrypterFlags(CLI::App* cmd, CrypterFlags* f) {
  cmd->add_option("--crypter.method", f->method,
                  "encryption of data files and metadata: aes128-ctr, aes192-ctr, aes256-ctr or "
                  "plaintext")
      ->default_val(f->method);
  auto* key = cmd->add_option("--crypter.key", f->key,
                              "encryption key in hex (16/24/32 bytes for aes128/192/256); prefer "
                              "--crypter.key-file, a key on the command line is visible to "
                              "other users of the machine");
  auto* file =
      cmd->add_option("--crypter.key-file", f->key_file, "file holding the encryption key in hex");
  key->excludes(file);
}

void AddLogFlags(CLI::App* cmd, LogFlags* f) {
  cmd->add_option("--log-file", f->file,
                  "log file (default: a new br.log.<time> in $TMPDIR or /tmp)");
  cmd->add_option("--log-level", f->level, "debug, info, warn or error")->default_val(f->level);
}

CLI::Option* AddBoolFlag(CLI::App* cmd, const std::string& name, bool* value,
                         const std::string& help) {
  return cmd->add_flag(name, *value, help + " [--" + name.substr(2) + "=true|false]")
      ->default_str(*value ? "true" : "false");
}

Result<sst::CipherInfo> CipherFromFlags(const CrypterFlags& f) {
  sst::CipherInfo c;
  auto method = sst::ParseEncryptionMethod(f.method);
  if (!method.ok()) return method.status().WithContext("--crypter.method");
  c.method = *method;
  if (!f.key.empty() && !f.key_file.empty()) {
    return Status::InvalidArgument("give --crypter.key or --crypter.key-file, not both");
  }
  std::string hex = f.key;
  if (!f.key_file.empty()) {
    std::ifstream in(f.key_file, std::ios::binary);
    if (!in) {
      return Status::InvalidArgument("--crypter.key-file " + f.key_file + ": cannot read it");
    }
    std::stringstream ss;
    ss << in.rdbuf();
    hex = ss.str();
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
    size_t i = 0;
    while (i < hex.size() && std::isspace(static_cast<unsigned char>(hex[i]))) ++i;
    hex.erase(0, i);
  }
  const std::string flag = f.key_file.empty() ? "--crypter.key" : "--crypter.key-file";
  if (c.method == sst::EncryptionMethod::kPlaintext) {
    if (!hex.empty()) {
      return Status::InvalidArgument(flag +
                                     " given with --crypter.method plaintext; choose an "
                                     "AES method or drop the key");
    }
    return c;
  }
  if (hex.empty()) {
    return Status::InvalidArgument("--crypter.method " + f.method +
                                   " needs --crypter.key or --crypter.key-file");
  }
  auto key = codec::FromHex(hex);
  if (!key.ok()) return Status::InvalidArgument(flag + " is not a hex string");
  c.key = std::move(key).value();
  const size_t want = sst::KeyLength(c.method);
  if (c.key.size() != want) {
    return Status::InvalidArgument(flag + " has " + std::to_string(c.key.size()) + " bytes, but " +
                                   std::string(sst::MethodName(c.method)) + " needs a " +
                                   std::to_string(want) + "-byte key (" + std::to_string(want * 2) +
                                   " hex digits)");
  }
  RETURN_IF_ERROR(sst::ValidateCipher(c));
  return c;
}

Status SetupLogging(const LogFlags& f, std::string* path) {
  std::string file = f.file;
  if (file.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H.%M.%S", &tm);
    file = dir + "/br.log." + buf;
  }
  if (!InitLogging(f.level, file)) {
    return Status::InvalidArgument("--log-level " + f.level + " / --log-file " + file +
                                   ": unknown level or the file cannot be opened");
  }
  // Every line reaches the file when it is logged: a br that hangs, is killed or crashes
  // leaves its log complete up to that moment (the volume is a few lines per range, so the
  // write per line costs nothing measurable).
  spdlog::default_logger()->flush_on(spdlog::level::trace);
  *path = file;
  return Status::OK();
}

std::string ErrorLine(const Status& s) {
  std::string msg = s.ToString();
  for (char& c : msg) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return msg;
}

Result<std::string> DecodeKeyFlag(const std::string& text, const std::string& format,
                                  const std::string& flag) {
  if (format == "raw") return text;
  if (format == "hex") {
    auto k = codec::FromHex(text);
    if (!k.ok()) return Status::InvalidArgument(flag + " is not a hex key (--format hex)");
    return k;
  }
  if (format == "escaped") {
    auto k = codec::Unescape(text);
    if (!k.ok()) return k.status().WithContext(flag + " (--format escaped)");
    return k;
  }
  return Status::InvalidArgument("--format must be hex, raw or escaped, not " + format);
}

namespace {

bool IsSecretKey(std::string_view key) {
  std::string k;
  for (char c : key) k.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(c)));
  for (std::string_view s :
       {"access-key", "secret-access-key", "session-token", "account-key", "sas-token",
        "encryption-key", "credentials-blob", "shared-key", "access-sig", "password"}) {
    if (k == s) return true;
  }
  return false;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecodeLoose(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void AddSecret(std::vector<std::string>* out, std::string_view value) {
  if (value.size() < 4) return;
  out->emplace_back(value);
  std::string decoded = PercentDecodeLoose(value);
  if (decoded != value) out->push_back(std::move(decoded));
}

}  // namespace

std::vector<std::string> CommandLineSecrets(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--crypter.key" && i + 1 < args.size()) AddSecret(&out, args[i + 1]);
    if (a.rfind("--crypter.key=", 0) == 0) AddSecret(&out, a.substr(14));
    const size_t scheme = a.find("://");
    if (scheme == std::string_view::npos) continue;
    // userinfo password: scheme://user:password@host
    const size_t auth_end = a.find_first_of("/?", scheme + 3);
    std::string_view authority =
        a.substr(scheme + 3, auth_end == std::string_view::npos ? auth_end : auth_end - scheme - 3);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        AddSecret(&out, userinfo.substr(colon + 1));
      }
    }
    const size_t q = a.find('?', scheme);
    if (q == std::string_view::npos) continue;
    std::string_view query = a.substr(q + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      std::string_view item = query.substr(0, amp);
      const size_t eq = item.find('=');
      if (eq != std::string_view::npos && IsSecretKey(PercentDecodeLoose(item.substr(0, eq)))) {
        AddSecret(&out, item.substr(eq + 1));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(out.begin(), out.end(),
            [](const std::string& x, const std::string& y) { return x.size() > y.size(); });
  return out;
}

std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + 8)) {
      text.replace(pos, secret.size(), "redacted");
    }
  }
  return text;
}

std::chrono::milliseconds SecondsFlag(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace brkv::br
