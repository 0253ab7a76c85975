// kvctl raw put|get|delete|scan: the raw-KV key space (no MVCC, no transactions).
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "client/cluster.h"
#include "tools/kvctl_common.h"

namespace brkv::tools {
namespace {

struct RawFlags {
  std::string key, value;
  std::string start, end;
  size_t limit = 0;
  std::string cf;
};

Status RunPut(KvctlContext* ctx, const RawFlags& f) {
  ASSIGN_OR_RETURN(std::string key, ctx->DecodeArg(f.key, "key"));
  ASSIGN_OR_RETURN(std::string value, ctx->DecodeArg(f.value, "value"));
  if (key.empty()) return Status::InvalidArgument("key must not be empty");
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  return c->raw()->Put(key, value, f.cf);
}

Status RunGet(KvctlContext* ctx, const RawFlags& f) {
  ASSIGN_OR_RETURN(std::string key, ctx->DecodeArg(f.key, "key"));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  auto v = c->raw()->Get(key, f.cf);
  if (!v.ok()) {
    if (v.status().IsNotFound()) return Status::NotFound("key '" + f.key + "' not found");
    return v.status();
  }
  std::fprintf(ctx->out(), "%s\n", ctx->Out(*v).c_str());
  return Status::OK();
}

Status RunDelete(KvctlContext* ctx, const RawFlags& f) {
  ASSIGN_OR_RETURN(std::string key, ctx->DecodeArg(f.key, "key"));
  if (key.empty()) return Status::InvalidArgument("key must not be empty");
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  return c->raw()->Delete(key, f.cf);
}

Status RunScan(KvctlContext* ctx, const RawFlags& f) {
  ASSIGN_OR_RETURN(std::string start, ctx->DecodeArg(f.start, "--start key"));
  ASSIGN_OR_RETURN(std::string end, ctx->DecodeArg(f.end, "--end key"));
  if (!end.empty() && end <= start) {
    return Status::InvalidArgument("--end must be greater than --start");
  }
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  size_t n = 0;
  return c->raw()->ScanEach(
      start, end,
      [&](const client::KvPair& kv) {
        std::fprintf(ctx->out(), "%s\t%s\n", ctx->Out(kv.key).c_str(), ctx->Out(kv.value).c_str());
        return f.limit == 0 || ++n < f.limit;
      },
      f.cf);
}

}  // namespace

void AddRawCommands(CLI::App* app, KvctlContext* ctx) {
  auto* raw = app->add_subcommand(
      "raw",
      "Raw KV (its own key space, no MVCC): keys and values are given and printed in "
      "--format (hex|raw|escaped, default escaped)");
  raw->require_subcommand(1);
  auto f = std::make_shared<RawFlags>();
  auto cf_opt = [&](CLI::App* sub) {
    sub->add_option("--cf", f->cf, "column family (default: the server's default)");
  };

  auto* put = raw->add_subcommand("put", "Write KEY = VALUE");
  put->add_option("key", f->key, "key")->required();
  put->add_option("value", f->value, "value")->required();
  cf_opt(put);
  put->callback([ctx, f] { ctx->set_action([ctx, f] { return RunPut(ctx, *f); }); });

  auto* get = raw->add_subcommand("get", "Print the value of KEY (exit 1 if there is none)");
  get->add_option("key", f->key, "key")->required();
  cf_opt(get);
  get->callback([ctx, f] { ctx->set_action([ctx, f] { return RunGet(ctx, *f); }); });

  auto* del = raw->add_subcommand("delete", "Delete KEY (no error if it does not exist)");
  del->add_option("key", f->key, "key")->required();
  cf_opt(del);
  del->callback([ctx, f] { ctx->set_action([ctx, f] { return RunDelete(ctx, *f); }); });

  auto* scan =
      raw->add_subcommand("scan", "Print KEY<TAB>VALUE lines for start <= key < end, in key order");
  scan->add_option("--start", f->start, "first key (default: the beginning)");
  scan->add_option("--end", f->end, "exclusive end key (default: the end of the raw space)");
  scan->add_option("--limit", f->limit, "at most N pairs (0 = all)")->check(CLI::NonNegativeNumber);
  cf_opt(scan);
  scan->callback([ctx, f] { ctx->set_action([ctx, f] { return RunScan(ctx, *f); }); });
}

}  // namespace brkv::tools
