// kvctl stores | regions | tso: read-only views of what PD knows.
#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "common/codec.h"
#include "kv/keys.h"
#include "tools/kvctl_common.h"

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

std::string Ago(int64_t unix_nanos) {
  if (unix_nanos <= 0) return "never";
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  double s = static_cast<double>(now - unix_nanos) / 1e9;
  if (s < 0) s = 0;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1fs ago", s);
  return buf;
}

Status RunStores(KvctlContext* ctx) {
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  ASSIGN_OR_RETURN(auto stores, pd->GetAllStores());
  TablePrinter t({"ID", "ADDRESS", "STATE", "HEALTH", "REGIONS", "USED", "LAST_HEARTBEAT"});
  for (const auto& s : stores) {
    t.AddRow({std::to_string(s.store().id()), s.store().address(), StateName(s.store().state()),
              s.is_down() ? "down" : "up", std::to_string(s.region_count()),
              std::to_string(s.used_size()), Ago(s.store().last_heartbeat())});
  }
  t.Print(ctx->out());
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
  TablePrinter t({"ID", "START", "END", "EPOCH", "LEADER_STORE", "PEERS", "SIZE", "KEYS"});
  for (const auto& r : regions) {
    std::string peers;
    for (const auto& p : r.region.peers()) {
      if (!peers.empty()) peers += ",";
      peers += std::to_string(p.store_id());
    }
    std::string leader = r.leader.store_id() ? std::to_string(r.leader.store_id()) : "none";
    t.AddRow(
        {std::to_string(r.region.id()), ShowRegionKey(*ctx, r.region.start_key(), false, f.decode),
         ShowRegionKey(*ctx, r.region.end_key(), true, f.decode),
         std::to_string(r.region.region_epoch().conf_ver()) + "/" +
             std::to_string(r.region.region_epoch().version()),
         leader, peers, std::to_string(r.approximate_size), std::to_string(r.approximate_keys)});
  }
  t.Print(ctx->out());
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
  app->add_subcommand("stores", "List the stores PD knows: id, address, state, health, regions")
      ->callback([ctx] { ctx->set_action([ctx] { return RunStores(ctx); }); });

  auto flags = std::make_shared<RegionsFlags>();
  auto* regions = app->add_subcommand(
      "regions",
      "List regions in key order: id, start/end key (region key space: memcomparable-encoded "
      "TiDB keys, 'r'+key for raw KV; shown in --format), epoch conf_ver/version, leader store");
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
