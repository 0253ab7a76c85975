#include "tools/kvctl_common.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "client/cluster.h"
#include "common/codec.h"
#include "tools/net_util.h"

namespace brkv::tools {

Result<KeyFormat> ParseKeyFormat(std::string_view name) {
  if (name == "escaped") return KeyFormat::kEscaped;
  if (name == "hex") return KeyFormat::kHex;
  if (name == "raw") return KeyFormat::kRaw;
  return Status::InvalidArgument("unknown --format '" + std::string(name) +
                                 "' (expected hex, raw or escaped)");
}

Result<std::string> DecodeArg(std::string_view text, KeyFormat format, std::string_view what) {
  Result<std::string> r = std::string(text);
  switch (format) {
    case KeyFormat::kRaw:
      return r;
    case KeyFormat::kHex:
      r = codec::FromHex(text);
      break;
    case KeyFormat::kEscaped:
      r = codec::Unescape(text);
      break;
  }
  if (!r.ok()) {
    return Status::InvalidArgument(
        "malformed " + std::string(what) + " '" + std::string(text) + "' for --format " +
        (format == KeyFormat::kHex ? "hex" : "escaped") + ": " + r.status().message());
  }
  return r;
}

std::string EncodeOut(std::string_view bytes, KeyFormat format) {
  switch (format) {
    case KeyFormat::kRaw:
      return std::string(bytes);
    case KeyFormat::kHex:
      return codec::ToHex(bytes);
    case KeyFormat::kEscaped:
      break;
  }
  return codec::Escape(bytes);
}

Result<uint64_t> ParseUint64(std::string_view text, std::string_view what) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("invalid " + std::string(what) + " '" + std::string(text) +
                                   "': expected an unsigned decimal number");
  }
  return v;
}

std::string AgoMs(int64_t unix_ms) {
  if (unix_ms <= 0) return "never";
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  double s = static_cast<double>(now - unix_ms) / 1e3;
  if (s < 0) s = 0;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1fs ago", s);
  return buf;
}

KvctlContext::KvctlContext() = default;
KvctlContext::~KvctlContext() = default;

Status KvctlContext::ValidateGlobals() {
  ASSIGN_OR_RETURN(format_, ParseKeyFormat(options_.format));
  auto hp = ParseHostPort(options_.pd);
  if (!hp.ok()) return hp.status().WithContext("--pd");
  if (!(options_.timeout_s > 0)) return Status::InvalidArgument("--timeout must be positive");
  return Status::OK();
}

Result<client::PdClient*> KvctlContext::Pd() {
  if (pd_) return pd_.get();
  if (cluster_ && cluster_->pd()) return cluster_->pd();
  client::PdClientOptions o;
  o.address = options_.pd;
  o.retry_budget_ms = timeout_ms();
  o.rpc_timeout_ms = std::min<int64_t>(timeout_ms(), 5000);
  auto c = client::PdClient::Connect(o);
  if (!c.ok()) {
    return Status(c.status())
        .WithContext("cannot reach PD at " + options_.pd + " (is pd-server running?)");
  }
  pd_ = std::move(c).value();
  return pd_.get();
}

Result<client::Cluster*> KvctlContext::GetCluster() {
  if (cluster_) return cluster_.get();
  client::ClusterOptions o;
  o.pd_address = options_.pd;
  o.retry_budget_ms = timeout_ms();
  o.rpc_timeout_ms = std::min<int64_t>(timeout_ms(), 5000);
  auto c = client::Cluster::Connect(o);
  if (!c.ok()) {
    return Status(c.status())
        .WithContext("cannot reach PD at " + options_.pd + " (is pd-server running?)");
  }
  cluster_ = std::move(c).value();
  return cluster_.get();
}

void TablePrinter::Print(std::FILE* out) const {
  std::vector<size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      line += cell;
      if (i + 1 < width.size()) line.append(width[i] - cell.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s\n", line.c_str());
  };
  print(header_);
  for (const auto& r : rows_) print(r);
}

}  // namespace brkv::tools
