// kvctl: admin and data tool for a brkv cluster. Parses flags, runs one command, exits
// 0 on success or non-zero with one "kvctl: error: ..." line on stderr.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "tools/kvctl_common.h"
#include "tools/kvctl_table.h"

int main(int argc, char** argv) {
  brkv::tools::KvctlContext ctx;
  auto& g = ctx.options();
  CLI::App app{
      "kvctl: inspect and drive a brkv cluster (stores, regions, TSO, raw and "
      "transactional keys, splits, operators, GC, tables, checksums, loaders)",
      "kvctl"};
  // Global flags may also follow the subcommand: kvctl raw get K --format hex.
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--pd", g.pd, "PD address HOST:PORT")->default_val(g.pd);
  app.add_option("--format", g.format,
                 "how keys and values are written and printed: escaped (printable ASCII, "
                 "\\xNN for other bytes), hex, or raw bytes")
      ->default_val(g.format);
  app.add_option("--timeout", g.timeout_s,
                 "seconds to wait for PD and for each command's retries before giving up")
      ->default_val(g.timeout_s);

  brkv::tools::AddClusterCommands(&app, &ctx);
  brkv::tools::AddRawCommands(&app, &ctx);
  brkv::tools::AddTxnCommands(&app, &ctx);
  brkv::tools::AddAdminCommands(&app, &ctx);
  brkv::tools::AddOperatorCommands(&app, &ctx);
  brkv::tools::AddConsistencyCommands(&app, &ctx);
  brkv::tools::AddTableCommands(&app, &ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kvctl: error: %s (run with --help for usage)\n", e.what());
    return 2;
  }
  brkv::Status s = ctx.ValidateGlobals();
  if (s.ok()) {
    if (!ctx.has_action()) {
      s = brkv::Status::InvalidArgument("no command given (run with --help for usage)");
    } else {
      s = ctx.RunAction();
    }
  }
  std::fflush(ctx.out());
  if (!s.ok()) {
    std::string msg = s.ToString();
    for (char& c : msg) {
      if (c == '\n') c = ' ';
    }
    std::fprintf(stderr, "kvctl: error: %s\n", msg.c_str());
    return 1;
  }
  return 0;
}
