#include "br/restore_staged.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>

#include "client/parallel.h"
#include "common/codec.h"
#include "common/logging.h"
#include "common/sha256.h"

namespace brkv::br {

std::string StagedUuidPrefix(std::string_view job_id) {
  return Sha256(job_id).substr(0, kStagedUuidPrefixBytes);
}

std::string NewStagedUuid(std::string_view prefix) {
  using Clock = std::chrono::steady_clock;
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   static_cast<uint64_t>(Clock::now().time_since_epoch().count())};
  std::string out(16, '\0');
  for (int i = 0; i < 2; ++i) {
    const uint64_t v = rng();
    for (int b = 0; b < 8; ++b) out[i * 8 + b] = static_cast<char>(v >> (8 * b));
  }
  const size_t keep = std::min<size_t>(prefix.size(), out.size());
  out.replace(0, keep, prefix.substr(0, keep));
  // RFC 4122 version 4 / variant bits, so the text form reads as a random uuid.
  if (keep <= 6) out[6] = static_cast<char>((out[6] & 0x0F) | 0x40);
  if (keep <= 8) out[8] = static_cast<char>((out[8] & 0x3F) | 0x80);
  return out;
}

std::string StagedNamePrefix(std::string_view uuid_prefix) {
  // ImportDir::UuidText's digits for the bytes before its first '-'.
  return codec::ToHex(uuid_prefix.substr(0, kStagedUuidPrefixBytes));
}

ClearStagedReport ClearStagedFiles(ImporterClient* client,
                                   const std::vector<std::string>& addresses,
                                   std::string_view uuid_prefix,
                                   const ClearStagedOptions& options) {
  ClearStagedReport report;
  report.stores = addresses.size();
  import_sstpb::ClearRequest req;
  req.set_prefix(StagedNamePrefix(uuid_prefix));
  std::mutex mu;
  // Every store is asked whatever the others answer: the tasks never fail.
  (void)client::ParallelFor(addresses.size(), options.concurrency, [&](size_t i) -> Status {
    const Status s =
        client->ClearFiles(addresses[i], req, ImporterClient::Clock::now() + options.timeout);
    if (!s.ok()) {
      LOG_WARN(
          "cannot clear the restore's staged files (prefix {}) on store {}: {} (the node's "
          "sweep removes them later)",
          req.prefix(), addresses[i], s.ToString());
      std::lock_guard<std::mutex> l(mu);
      report.failed.push_back(addresses[i] + ": " + s.ToString());
    }
    return Status::OK();
  });
  std::sort(report.failed.begin(), report.failed.end());
  return report;
}

}  // namespace brkv::br
