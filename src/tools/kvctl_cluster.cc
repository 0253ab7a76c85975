// kvctl stores | regions | tso: read-only views of what PD knows, with the replication health
// of every region (see replica_report.h).
#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "common/codec.h"
#include "kv/keys.h"
#include "tools/kvctl_common.h"
#include "tools/replica_report.h"

namespace brkv::tools {
namespace {

std::string StateName(metapb::StoreState s) {
  switch (s) {
    case metapb::Up:
      return "Up";
    case metapb::Offline:
      return "Offline";
    case metapb::Tombstone:
      return "Tombstone";
    default:
      return "Unknown(" + std::to_string(static_cast<int>(s)) + ")";
  }
}

// What kvctl needs to judge replication: every store by id and PD's target replica count.
struct ReplicationView {
  std::map<uint64_t, brkvpb::StoreInfo> stores;
  uint32_t target = 0;
};

Result<ReplicationView> LoadReplicationView(client::PdClient* pd) {
  ReplicationView v;
  ASSIGN_OR_RETURN(auto stores, pd->GetAllStores());
  for (auto& s : stores) v.stores[s.store().id()] = std::move(s);
  ASSIGN_OR_RETURN(client::ReplicationConfig cfg, pd->GetReplicationConfig());
  v.target = cfg.target_replicas;
  return v;
}

Status RunStores(KvctlContext* ctx) {
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  ASSIGN_OR_RETURN(ReplicationView view, LoadReplicationView(pd));
  // REGIONS is PD's view (replicas its region table places on the store); HOSTED is what the
  // node itself reported: higher while a returning node still holds replicas PD moved away.
  TablePrinter t({"ID", "ADDRESS", "STATE", "HEALTH", "LEADERS", "REGIONS", "HOSTED", "USED",
                  "LAST_HEARTBEAT"});
  for (const auto& [id, s] : view.stores) {
    t.AddRow({std::to_string(id), s.store().address(), StateName(s.store().state()),
              s.is_down() ? "down" : "up", std::to_string(s.region_count()),
              std::to_string(s.peer_count()), std::to_string(s.hosted_region_count()),
              std::to_string(s.used_size()),
              AgoMs(s.store().last_heartbeat() / 1000000)});
  }
  t.Print(ctx->out());
  ASSIGN_OR_RETURN(auto regions, pd->ScanRegions("", "", 0));
  size_t under = 0;
  for (const auto& r : regions) {
    under += DescribeReplicas(r, view.stores, view.target).under_replicated;
  }
  std::fprintf(ctx->out(), "%s\n", UnderReplicatedSummary(under, view.target).c_str());
  return Status::OK();
}

struct RegionsFlags {
  int32_t limit = 0;
  std::string key;
  bool raw_kv = false;
  bool region_key = false;
  bool decode = false;
};

// A region-key-space key for display: the bytes in --format, or with --decode the key it
// stands for ("raw:<user key>" in the raw-KV space, the decoded TiDB key otherwise).
std::string ShowRegionKey(const KvctlContext& ctx, const std::string& k, bool is_end, bool decode) {
  if (k.empty()) return is_end ? "+inf" : "-inf";
  if (!decode) return ctx.Out(k);
  if (k[0] == keys::kRawPrefix) return "raw:" + ctx.Out(std::string_view(k).substr(1));
  std::string_view in = k;
  auto d = codec::DecodeBytes(&in);
  if (d.ok() && in.empty()) return ctx.Out(*d);
  return ctx.Out(k) + "(undecodable)";
}

Status RunRegions(KvctlContext* ctx, const RegionsFlags& f) {
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  std::vector<client::RegionInfo> regions;
  if (!f.key.empty()) {
    ASSIGN_OR_RETURN(std::string k, ctx->DecodeArg(f.key, "key"));
    std::string rk = f.region_key ? k : f.raw_kv ? keys::RawRegionKey(k) : keys::TxnRegionKey(k);
    ASSIGN_OR_RETURN(auto info, pd->GetRegion(rk));
    regions.push_back(std::move(info));
  } else {
    ASSIGN_OR_RETURN(regions, pd->ScanRegions("", "", f.limit));
  }
  ASSIGN_OR_RETURN(ReplicationView view, LoadReplicationView(pd));
  TablePrinter t({"ID", "START", "END", "EPOCH", "LEADER_STORE", "PEERS", "REPLICAS", "SIZE",
                  "KEYS"});
  size_t under = 0;
  for (const auto& r : regions) {
    RegionReplicas rep = DescribeReplicas(r, view.stores, view.target);
    under += rep.under_replicated;
    std::string leader = r.leader.store_id() ? std::to_string(r.leader.store_id()) : "none";
    t.AddRow(
        {std::to_string(r.region.id()), ShowRegionKey(*ctx, r.region.start_key(), false, f.decode),
         ShowRegionKey(*ctx, r.region.end_key(), true, f.decode),
         std::to_string(r.region.region_epoch().conf_ver()) + "/" +
             std::to_string(r.region.region_epoch().version()),
         leader, rep.peers,
         std::to_string(rep.healthy_voters) + "/" + std::to_string(view.target),
         std::to_string(r.approximate_size), std::to_string(r.approximate_keys)});
  }
  t.Print(ctx->out());
  std::fprintf(ctx->out(), "%s\n", UnderReplicatedSummary(under, view.target).c_str());
  return Status::OK();
}

Status RunTso(KvctlContext* ctx) {
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  ASSIGN_OR_RETURN(uint64_t ts, pd->GetTS());
  std::fprintf(ctx->out(), "%llu\n", static_cast<unsigned long long>(ts));
  return Status::OK();
}

}  // namespace

void AddClusterCommands(CLI::App* app, KvctlContext* ctx) {
  app->add_subcommand("stores",
                      "List the stores PD knows: id, address, state, health, leaders, regions "
                      "(replicas held), then how many regions are under-replicated")
      ->callback([ctx] { ctx->set_action([ctx] { return RunStores(ctx); }); });

  auto flags = std::make_shared<RegionsFlags>();
  auto* regions = app->add_subcommand(
      "regions",
      "List regions in key order: id, start/end key (region key space: memcomparable-encoded "
      "TiDB keys, 'r'+key for raw KV; shown in --format), epoch conf_ver/version, leader store, "
      "peer stores (marked learner/down/pending/offline), healthy voters/target replicas; then "
      "how many of the listed regions are under-replicated");
  regions->add_option("--limit", flags->limit, "at most N regions (0 = all)")
      ->check(CLI::NonNegativeNumber);
  regions->add_option("--key", flags->key,
                      "show only the region holding this key (a TiDB/transactional key unless "
                      "--raw-kv or --region-key)");
  regions->add_flag("--raw-kv", flags->raw_kv, "--key is a raw-KV user key");
  regions->add_flag("--region-key", flags->region_key, "--key is already a region-space key");
  regions->add_flag("--decode", flags->decode,
                    "print boundaries as the keys they stand for (decoded TiDB key, or "
                    "raw:<key> for raw KV) instead of region-space bytes");
  regions->callback(
      [ctx, flags] { ctx->set_action([ctx, flags] { return RunRegions(ctx, *flags); }); });

  app->add_subcommand("tso", "Print a fresh timestamp from PD's timestamp oracle")->callback([ctx] {
    ctx->set_action([ctx] { return RunTso(ctx); });
  });
}

}  // namespace brkv::tools
