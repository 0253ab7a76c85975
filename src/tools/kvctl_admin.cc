// kvctl split | scatter | gc: region and GC administration.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "client/cluster.h"
#include "tools/kvctl_common.h"
#include "tools/region_scatter.h"

namespace brkv::tools {
namespace {

struct SplitFlags {
  std::vector<std::string> keys;
  bool raw_kv = false;
  bool region_key = false;
};

Status RunSplit(KvctlContext* ctx, const SplitFlags& f) {
  if (f.raw_kv && f.region_key) {
    return Status::InvalidArgument("--raw-kv and --region-key exclude each other");
  }
  std::vector<std::string> keys;
  for (const auto& k : f.keys) {
    ASSIGN_OR_RETURN(std::string key, ctx->DecodeArg(k, "split key"));
    if (key.empty()) return Status::InvalidArgument("split keys must not be empty");
    keys.push_back(std::move(key));
  }
  auto form = f.region_key ? client::SplitKeyForm::kRegionKey
              : f.raw_kv   ? client::SplitKeyForm::kRawKvKey
                           : client::SplitKeyForm::kTxnRawKey;
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(auto regions, c->admin()->SplitRegions(keys, form));
  TablePrinter t({"ID", "START", "END", "EPOCH"});
  for (const auto& r : regions) {
    t.AddRow({std::to_string(r.id()), r.start_key().empty() ? "-inf" : ctx->Out(r.start_key()),
              r.end_key().empty() ? "+inf" : ctx->Out(r.end_key()),
              std::to_string(r.region_epoch().conf_ver()) + "/" +
                  std::to_string(r.region_epoch().version())});
  }
  std::fprintf(ctx->out(), "%zu regions after split (keys in region key space)\n", regions.size());
  if (t.rows() > 0) t.Print(ctx->out());
  return Status::OK();
}

struct ScatterFlags {
  std::vector<uint64_t> ids;
  double wait_s = 60;
};

std::string IdList(const std::vector<uint64_t>& ids) {
  std::string list;
  for (uint64_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  return list;
}

// Regions PD is still changing (right after a split, a new region is often still being
// replicated) are waited for, as PD's and BR's scatter do, rather than refused.
Status RunScatter(KvctlContext* ctx, const ScatterFlags& f) {
  if (f.wait_s < 0) return Status::InvalidArgument("--wait must not be negative");
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  std::vector<uint64_t> ids = f.ids;
  if (ids.empty()) {
    ASSIGN_OR_RETURN(auto regions, pd->ScanRegions("", "", 0));
    for (const auto& r : regions) ids.push_back(r.region.id());
  }
  ScatterWaitOptions wo;
  wo.wait = std::chrono::milliseconds(static_cast<int64_t>(f.wait_s * 1000));
  wo.progress = [ctx](const std::string& line) {
    std::fprintf(ctx->out(), "%s\n", line.c_str());
    std::fflush(ctx->out());
  };
  ASSIGN_OR_RETURN(ScatterOutcome outcome, ScatterWhenReady(pd, ids, wo));
  const size_t total = outcome.scattered.size() + outcome.refused.size() + outcome.busy.size();
  std::fprintf(ctx->out(), "scattered %zu of %zu regions\n", outcome.scattered.size(), total);
  std::string problems;
  if (!outcome.refused.empty()) {
    problems = "PD could not scatter regions " + IdList(outcome.refused) +
               " (a single-peer region must be empty to move; a region with a down peer, or a "
               "busy or down store, also refuses)";
  }
  if (!outcome.busy.empty()) {
    char waited[32];
    std::snprintf(waited, sizeof(waited), "%gs", f.wait_s);
    problems += (problems.empty() ? "" : "; ") + std::string("PD was still busy with regions ") +
                IdList(outcome.busy) + " after " + waited + " (" + outcome.busy_reason +
                "): see kvctl operator show " + std::to_string(outcome.busy.front()) +
                ", then run kvctl scatter again, or pass a longer --wait";
  }
  if (problems.empty()) return Status::OK();
  return outcome.refused.empty() ? Status::TimedOut(problems) : Status::Aborted(problems);
}

struct GcFlags {
  std::string safepoint;
};

Status RunGc(KvctlContext* ctx, const GcFlags& f) {
  if (f.safepoint.empty()) {
    ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
    ASSIGN_OR_RETURN(uint64_t sp, pd->GetGCSafePoint());
    std::fprintf(ctx->out(), "%llu\n", static_cast<unsigned long long>(sp));
    return Status::OK();
  }
  ASSIGN_OR_RETURN(uint64_t want, ParseUint64(f.safepoint, "--safepoint"));
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  ASSIGN_OR_RETURN(uint64_t now, pd->UpdateGCSafePoint(want));
  std::fprintf(ctx->out(), "%llu\n", static_cast<unsigned long long>(now));
  if (now < want) {
    return Status::Aborted("GC safe point stays at " + std::to_string(now) +
                           ": a service safe point (e.g. a running backup) holds it back");
  }
  return Status::OK();
}

}  // namespace

void AddAdminCommands(CLI::App* app, KvctlContext* ctx) {
  auto sf = std::make_shared<SplitFlags>();
  auto* split = app->add_subcommand(
      "split",
      "Split regions at KEY... (given in --format). By default each KEY is a raw TiDB / "
      "transactional key such as t\\x80...\\x00_r..., split at its memcomparable encoding; "
      "--raw-kv: KEYs are raw-KV user keys; --region-key: KEYs are already region-space keys");
  split->add_option("keys", sf->keys, "split keys")->required();
  split->add_flag("--raw-kv", sf->raw_kv, "keys are raw-KV user keys (split at 'r'+key)");
  split->add_flag("--region-key", sf->region_key, "keys are region-space keys, used as is");
  split->callback([ctx, sf] { ctx->set_action([ctx, sf] { return RunSplit(ctx, *sf); }); });

  auto cf = std::make_shared<ScatterFlags>();
  auto* scatter = app->add_subcommand(
      "scatter",
      "Ask PD to spread regions over the stores: the given region ids, or all. A region with "
      "several peers moves through an operator PD runs in the background (kvctl operator "
      "show). A region PD is still changing (an operator running, replicas catching up, as "
      "right after a split) is waited for, up to --wait, then scattered");
  scatter->add_option("ids", cf->ids, "region ids (default: every region)");
  scatter
      ->add_option("--wait", cf->wait_s,
                   "seconds to wait in all for regions PD is still changing; 0: do not wait")
      ->default_val(60);
  scatter->callback([ctx, cf] { ctx->set_action([ctx, cf] { return RunScatter(ctx, *cf); }); });

  auto gf = std::make_shared<GcFlags>();
  auto* gc = app->add_subcommand(
      "gc", "Print the GC safe point, or advance it with --safepoint TS (prints the new one)");
  gc->add_option("--safepoint", gf->safepoint, "new GC safe point (a TSO timestamp)");
  gc->callback([ctx, gf] { ctx->set_action([ctx, gf] { return RunGc(ctx, *gf); }); });
}

}  // namespace brkv::tools
