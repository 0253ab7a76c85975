// kvctl txn put|get|delete|scan: transactional (Percolator) keys, one small transaction each.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "client/cluster.h"
#include "tools/kvctl_common.h"

namespace brkv::tools {
namespace {

struct TxnFlags {
  std::string key, value;
  std::string start, end;
  size_t limit = 0;
  std::string ts;  // read timestamp; empty = a fresh one from PD
};

// The explicit --ts (validated before any connection is made), or 0 for "fresh".
Result<uint64_t> ExplicitTs(const TxnFlags& f) {
  if (f.ts.empty()) return uint64_t{0};
  return ParseUint64(f.ts, "--ts");
}

Result<uint64_t> ReadTs(client::Cluster* c, uint64_t explicit_ts) {
  if (explicit_ts != 0) return explicit_ts;
  return c->GetTS();
}

// One transaction writing (or deleting) one key; prints the commit ts.
Status RunWrite(KvctlContext* ctx, const TxnFlags& f, bool is_delete) {
  ASSIGN_OR_RETURN(std::string key, ctx->DecodeArg(f.key, "key"));
  if (key.empty()) return Status::InvalidArgument("key must not be empty");
  std::string value;
  if (!is_delete) {
    ASSIGN_OR_RETURN(value, ctx->DecodeArg(f.value, "value"));
  }
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(auto txn, c->Begin());
  RETURN_IF_ERROR(is_delete ? txn->Delete(key) : txn->Set(key, value));
  ASSIGN_OR_RETURN(uint64_t commit_ts, txn->Commit());
  std::fprintf(ctx->out(), "%llu\n", static_cast<unsigned long long>(commit_ts));
  return Status::OK();
}

Status RunGet(KvctlContext* ctx, const TxnFlags& f) {
  ASSIGN_OR_RETURN(std::string key, ctx->DecodeArg(f.key, "key"));
  ASSIGN_OR_RETURN(uint64_t explicit_ts, ExplicitTs(f));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(uint64_t ts, ReadTs(c, explicit_ts));
  auto v = c->GetSnapshot(ts).Get(key);
  if (!v.ok()) {
    if (v.status().IsNotFound()) {
      return Status::NotFound("key '" + f.key + "' has no value at ts " + std::to_string(ts));
    }
    return v.status();
  }
  std::fprintf(ctx->out(), "%s\n", ctx->Out(*v).c_str());
  return Status::OK();
}

Status RunScan(KvctlContext* ctx, const TxnFlags& f) {
  ASSIGN_OR_RETURN(std::string start, ctx->DecodeArg(f.start, "--start key"));
  ASSIGN_OR_RETURN(std::string end, ctx->DecodeArg(f.end, "--end key"));
  if (!end.empty() && end <= start) {
    return Status::InvalidArgument("--end must be greater than --start");
  }
  ASSIGN_OR_RETURN(uint64_t explicit_ts, ExplicitTs(f));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(uint64_t ts, ReadTs(c, explicit_ts));
  size_t n = 0;
  return c->GetSnapshot(ts).ScanEach(start, end, [&](const client::KvPair& kv) {
    std::fprintf(ctx->out(), "%s\t%s\n", ctx->Out(kv.key).c_str(), ctx->Out(kv.value).c_str());
    return f.limit == 0 || ++n < f.limit;
  });
}

}  // namespace

void AddTxnCommands(CLI::App* app, KvctlContext* ctx) {
  auto* txn =
      app->add_subcommand("txn",
                          "Transactional KV (Percolator, MVCC): keys are raw TiDB-style keys (not "
                          "memcomparable-encoded), given and printed in --format");
  txn->require_subcommand(1);
  auto f = std::make_shared<TxnFlags>();
  auto ts_opt = [&](CLI::App* sub) {
    sub->add_option("--ts", f->ts, "read timestamp (default: a fresh one from PD)");
  };

  auto* put = txn->add_subcommand("put", "Commit KEY = VALUE in one transaction; prints commit ts");
  put->add_option("key", f->key, "key")->required();
  put->add_option("value", f->value, "value")->required();
  put->callback([ctx, f] { ctx->set_action([ctx, f] { return RunWrite(ctx, *f, false); }); });

  auto* del = txn->add_subcommand("delete", "Commit a delete of KEY; prints commit ts");
  del->add_option("key", f->key, "key")->required();
  del->callback([ctx, f] { ctx->set_action([ctx, f] { return RunWrite(ctx, *f, true); }); });

  auto* get = txn->add_subcommand("get", "Print KEY's value at --ts (exit 1 if there is none)");
  get->add_option("key", f->key, "key")->required();
  ts_opt(get);
  get->callback([ctx, f] { ctx->set_action([ctx, f] { return RunGet(ctx, *f); }); });

  auto* scan = txn->add_subcommand(
      "scan", "Print KEY<TAB>VALUE lines for start <= key < end at --ts, in key order");
  scan->add_option("--start", f->start, "first key (default: the beginning)");
  scan->add_option("--end", f->end, "exclusive end key (default: +infinity)");
  scan->add_option("--limit", f->limit, "at most N pairs (0 = all)")->check(CLI::NonNegativeNumber);
  ts_opt(scan);
  scan->callback([ctx, f] { ctx->set_action([ctx, f] { return RunScan(ctx, *f); }); });
}

}  // namespace brkv::tools
