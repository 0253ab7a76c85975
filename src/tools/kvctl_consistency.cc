// kvctl consistency-check: do all replicas of each region hold the same data (tikv-ctl's
// consistency-check, with the answer printed instead of a mismatching replica panicking).
#include <CLI/CLI.hpp>

#include <memory>

#include "client/cluster.h"
#include "client/consistency_check.h"
#include "tools/kvctl_common.h"

namespace brkv::tools {

namespace {

struct ConsistencyFlags {
  uint64_t region = 0;
  double timeout_s = 60;
};

Status RunConsistencyCheck(KvctlContext* ctx, const ConsistencyFlags& flags) {
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  ASSIGN_OR_RETURN(client::Cluster * cluster, ctx->GetCluster());
  std::vector<uint64_t> ids;
  if (flags.region != 0) {
    ids.push_back(flags.region);
  } else {
    ASSIGN_OR_RETURN(auto regions, pd->ScanRegions("", "", 0));
    for (const auto& r : regions) ids.push_back(r.region.id());
  }
  client::ConsistencyCheckOptions o;
  o.timeout_ms = static_cast<int64_t>(flags.timeout_s * 1000);
  size_t agree = 0, differ = 0, unverified = 0;
  std::string first_bad;
  for (uint64_t id : ids) {
    client::RegionConsistency rc;
    Status s = client::CheckRegionConsistency(pd, cluster->channels(), id, o, &rc);
    if (s.ok() && rc.consistent()) {
      ++agree;
      std::fprintf(ctx->out(), "%s\n", rc.Describe().c_str());
      continue;
    }
    std::string line = s.ok() ? rc.Describe()
                       : !rc.replicas.empty()
                           ? rc.Describe()
                           : "region " + std::to_string(id) + ": not verified: " + s.message();
    if (s.ok()) {
      ++differ;
    } else {
      ++unverified;
    }
    if (first_bad.empty()) first_bad = line;
    std::fprintf(ctx->out(), "%s\n", line.c_str());
  }
  std::fprintf(ctx->out(), "%zu region(s): %zu consistent, %zu inconsistent, %zu not verified\n",
               ids.size(), agree, differ, unverified);
  if (differ > 0) {
    return Status::Corruption(std::to_string(differ) +
                              " region(s) have replicas holding different data; first: " +
                              first_bad);
  }
  if (unverified > 0) {
    return Status::Unavailable(std::to_string(unverified) +
                               " region(s) could not be verified (a replica did not answer; run "
                               "again when every store is up); first: " + first_bad);
  }
  return Status::OK();
}

}  // namespace

void AddConsistencyCommands(CLI::App* app, KvctlContext* ctx) {
  auto flags = std::make_shared<ConsistencyFlags>();
  auto* cc = app->add_subcommand(
      "consistency-check",
      "Check that every replica of each region holds the same data: the leader has all replicas "
      "hash the region at one Raft log index, then the hashes are compared. One line per "
      "region and a summary; exits non-zero if any region differs or cannot be verified");
  cc->add_option("--region", flags->region, "check only this region id");
  cc->add_option("--check-timeout", flags->timeout_s,
                 "seconds to spend on one region, retries included (default 60)")
      ->check(CLI::PositiveNumber);
  cc->callback([ctx, flags] {
    ctx->set_action([ctx, flags] { return RunConsistencyCheck(ctx, *flags); });
  });
}

}  // namespace brkv::tools
