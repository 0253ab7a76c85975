// kvctl operator show|add and kvctl store delete: drive PD's operators by hand, as pd-ctl does.
//   operator show [REGION]                      running operators, then finished ones
//   operator add transfer-leader REGION STORE   make the region's peer on STORE its leader
//   operator add add-peer REGION STORE          add a voter on STORE (learner, then promoted)
//   operator add remove-peer REGION STORE       remove the region's peer on STORE
//   store delete ID                             move every replica off the store, then
//                                               PD marks it Tombstone
// PD checks each request; its one-line reason becomes kvctl's error line.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "tools/kvctl_common.h"

namespace brkv::tools {
namespace {

const char* StatusName(pdpb::OperatorStatus s) {
  switch (s) {
    case pdpb::RUNNING:
      return "running";
    case pdpb::SUCCESS:
      return "finished";
    case pdpb::TIMEOUT:
      return "timed-out";
    case pdpb::CANCEL:
      return "cancelled";
    case pdpb::REPLACE:
      return "replaced";
    default:
      return "unknown";
  }
}

// The steps, the one in progress in brackets: "[add learner 9 on store 4], promote ...".
std::string Steps(const brkvpb::OperatorInfo& op) {
  std::string out;
  for (int i = 0; i < op.steps_size(); ++i) {
    if (i > 0) out += ", ";
    bool current = op.status() == pdpb::RUNNING && static_cast<uint32_t>(i) == op.current_step();
    out += current ? "[" + op.steps(i) + "]" : op.steps(i);
  }
  return out;
}

struct ShowFlags {
  uint64_t region = 0;
};

Status RunShow(KvctlContext* ctx, const ShowFlags& f) {
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  ASSIGN_OR_RETURN(auto ops, pd->ListOperators(f.region));
  if (ops.empty()) {
    std::fprintf(ctx->out(), "no operators%s\n",
                 f.region ? (" for region " + std::to_string(f.region)).c_str() : "");
    return Status::OK();
  }
  TablePrinter t({"REGION", "OPERATOR", "KIND", "STATUS", "STEP", "STEPS", "CREATED"});
  for (const auto& op : ops) {
    std::string step = std::to_string(std::min<int>(op.current_step() + 1, op.steps_size())) + "/" +
                       std::to_string(op.steps_size());
    t.AddRow({std::to_string(op.region_id()), op.desc(), op.kind(), StatusName(op.status()), step,
              Steps(op), AgoMs(op.created_ms())});
  }
  t.Print(ctx->out());
  return Status::OK();
}

struct AddFlags {
  uint64_t region = 0;
  uint64_t store = 0;
};

Status RunAdd(KvctlContext* ctx, brkvpb::OperatorType type, const AddFlags& f) {
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  ASSIGN_OR_RETURN(brkvpb::OperatorInfo op, pd->AddOperator(type, f.region, f.store));
  std::string steps;
  for (int i = 0; i < op.steps_size(); ++i) steps += (i ? ", " : "") + op.steps(i);
  std::fprintf(ctx->out(), "added operator %s for region %llu: %s\n", op.desc().c_str(),
               static_cast<unsigned long long>(op.region_id()), steps.c_str());
  return Status::OK();
}

struct StoreDeleteFlags {
  uint64_t store = 0;
};

Status RunStoreDelete(KvctlContext* ctx, const StoreDeleteFlags& f) {
  ASSIGN_OR_RETURN(client::PdClient * pd, ctx->Pd());
  ASSIGN_OR_RETURN(metapb::Store store, pd->DeleteStore(f.store));
  if (store.state() == metapb::Tombstone) {
    std::fprintf(ctx->out(), "store %llu is Tombstone (it held no replicas)\n",
                 static_cast<unsigned long long>(f.store));
  } else {
    std::fprintf(ctx->out(),
                 "store %llu is Offline: PD moves its replicas to other stores, then marks it "
                 "Tombstone (watch with kvctl stores)\n",
                 static_cast<unsigned long long>(f.store));
  }
  return Status::OK();
}

}  // namespace

void AddOperatorCommands(CLI::App* app, KvctlContext* ctx) {
  auto* op = app->add_subcommand("operator",
                                 "Show PD's operators or add one by hand (like pd-ctl operator)");
  op->require_subcommand(1);

  auto sf = std::make_shared<ShowFlags>();
  auto* show = op->add_subcommand(
      "show", "List running operators, then finished ones (newest first): of REGION, or all");
  show->add_option("region", sf->region, "region id (default: every region)");
  show->callback([ctx, sf] { ctx->set_action([ctx, sf] { return RunShow(ctx, *sf); }); });

  auto* add = op->add_subcommand("add", "Start an operator on a region");
  add->require_subcommand(1);
  struct Kind {
    const char* name;
    brkvpb::OperatorType type;
    const char* help;
  };
  for (const Kind& k :
       {Kind{"transfer-leader", brkvpb::OPERATOR_TRANSFER_LEADER,
             "Make the region's peer on STORE its leader"},
        Kind{"add-peer", brkvpb::OPERATOR_ADD_PEER,
             "Add a voter on STORE (a learner first, promoted once it caught up)"},
        Kind{"remove-peer", brkvpb::OPERATOR_REMOVE_PEER,
             "Remove the region's peer on STORE (leadership moves first if it leads)"}}) {
    auto af = std::make_shared<AddFlags>();
    auto* sub = add->add_subcommand(k.name, k.help);
    sub->add_option("region", af->region, "region id")->required();
    sub->add_option("store", af->store, "store id")->required();
    brkvpb::OperatorType type = k.type;
    sub->callback(
        [ctx, af, type] { ctx->set_action([ctx, af, type] { return RunAdd(ctx, type, *af); }); });
  }

  auto* store = app->add_subcommand("store", "Store administration");
  store->require_subcommand(1);
  auto df = std::make_shared<StoreDeleteFlags>();
  auto* del = store->add_subcommand(
      "delete",
      "Delete store ID: PD marks it Offline, moves every replica to other stores, then marks it "
      "Tombstone (it may never rejoin)");
  del->add_option("id", df->store, "store id")->required();
  del->callback([ctx, df] { ctx->set_action([ctx, df] { return RunStoreDelete(ctx, *df); }); });
}

}  // namespace brkv::tools
