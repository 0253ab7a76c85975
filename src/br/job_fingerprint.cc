#include "br/job_fingerprint.h"

#include <map>

#include "common/codec.h"
#include "common/sha256.h"

namespace brkv::br {

namespace {

std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::string> Unescape(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\') {
      out += v[i];
      continue;
    }
    if (i + 1 >= v.size()) return Status::Corruption("dangling escape in option value");
    const char n = v[++i];
    if (n == '\\') {
      out += '\\';
    } else if (n == 'n') {
      out += '\n';
    } else if (n == 'r') {
      out += '\r';
    } else {
      return Status::Corruption("unknown escape in option value");
    }
  }
  return out;
}

}  // namespace

std::string DescribeFingerprintDiff(const JobFingerprint& was, const JobFingerprint& now) {
  std::map<std::string, std::string> old_values(was.begin(), was.end());
  std::map<std::string, std::string> new_values(now.begin(), now.end());
  std::vector<std::string> names;
  for (const auto& [k, v] : was) names.push_back(k);
  for (const auto& [k, v] : now) {
    if (old_values.count(k) == 0) names.push_back(k);
  }
  std::string out;
  for (const std::string& name : names) {
    const std::string& a = old_values[name];
    const std::string& b = new_values[name];
    if (a == b) continue;
    if (!out.empty()) out += "; ";
    out += name + ": was '" + a + "', now '" + b + "'";
  }
  return out;
}

std::string EncodeFingerprint(const JobFingerprint& f) {
  std::string out;
  for (const auto& [k, v] : f) out += k + "=" + Escape(v) + "\n";
  return out;
}

Result<JobFingerprint> DecodeFingerprint(std::string_view text, std::string_view prefix) {
  JobFingerprint f;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line.substr(0, prefix.size()) != prefix) continue;
    line.remove_prefix(prefix.size());
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Status::Corruption("malformed option line '" + std::string(line) + "'");
    }
    ASSIGN_OR_RETURN(std::string value, Unescape(line.substr(eq + 1)));
    f.emplace_back(std::string(line.substr(0, eq)), std::move(value));
  }
  return f;
}

std::string SecretDigest(std::string_view secret) {
  if (secret.empty()) return "";
  std::string salted = "brkv-job-fingerprint:";
  salted.append(secret);
  return codec::ToHex(Sha256(salted)).substr(0, 16);
}

}  // namespace brkv::br
