// raft-sim: runs the seeded Raft cluster simulator over many seeds (a soak outside CI).
// A failing seed is printed and replays exactly: raft-sim --first SEED --seeds 1.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "raft/sim/simulator.h"

int main(int argc, char** argv) {
  CLI::App app{"raft-sim: seeded fault simulation of Raft clusters (safety and liveness checks)"};
  brkv::raft::sim::SimOptions o;
  uint64_t first = 1, seeds = 100;
  bool verbose = false;
  app.add_option("--first", first, "first seed")->capture_default_str();
  app.add_option("--seeds", seeds, "number of seeds to run")->capture_default_str();
  app.add_option("--nodes", o.nodes, "initial voters")->capture_default_str();
  app.add_option("--spares", o.spares, "extra node ids that join by membership change")
      ->capture_default_str();
  app.add_option("--steps", o.steps, "fault steps per seed")->capture_default_str();
  app.add_option("--drop", o.drop_pct, "message drop percent")->capture_default_str();
  app.add_option("--dup", o.dup_pct, "message duplicate percent")->capture_default_str();
  app.add_option("--max-delay", o.max_delay, "maximum message delay in steps")
      ->capture_default_str();
  app.add_flag("--conf-changes", o.conf_changes, "add and remove members during the run");
  app.add_flag("--no-pre-vote", [&](int64_t) { o.pre_vote = false; }, "disable pre-vote");
  app.add_flag("--no-check-quorum", [&](int64_t) { o.check_quorum = false; },
               "disable check-quorum");
  app.add_flag(
      "--no-snapshot-requests", [&](int64_t) { o.snapshot_requests = false; },
      "no follower asks for a snapshot (RequestSnapshot)");
  app.add_flag("-v,--verbose", verbose, "print each seed's statistics");
  CLI11_PARSE(app, argc, argv);

  auto start = std::chrono::steady_clock::now();
  uint64_t failed = 0, released = 0;
  for (uint64_t s = first; s < first + seeds; ++s) {
    o.seed = s;
    brkv::raft::sim::Simulator sim(o);
    auto r = sim.Run();
    if (r.stuck_released > 0) ++released;
    if (!r.ok) {
      ++failed;
      std::printf("FAIL seed %llu: %s\n", static_cast<unsigned long long>(s), r.violation.c_str());
    } else if (verbose) {
      std::printf(
          "seed %llu: acked %llu reads %llu crashes %llu snapshots %llu requests %llu kept-log "
          "%llu leaders %llu conf %llu applied %llu\n",
          static_cast<unsigned long long>(s), static_cast<unsigned long long>(r.proposals_acked),
          static_cast<unsigned long long>(r.reads_served),
          static_cast<unsigned long long>(r.crashes),
          static_cast<unsigned long long>(r.snapshots_sent),
          static_cast<unsigned long long>(r.snapshot_requests),
          static_cast<unsigned long long>(r.snapshots_kept_log),
          static_cast<unsigned long long>(r.leaders_elected),
          static_cast<unsigned long long>(r.conf_changes),
          static_cast<unsigned long long>(r.final_applied));
    }
  }
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu seeds, %llu failed, %.1f s", static_cast<unsigned long long>(seeds),
              static_cast<unsigned long long>(failed), el);
  if (released > 0) {
    std::printf(" (%llu released a stuck node holding unapplied membership changes)",
                static_cast<unsigned long long>(released));
  }
  std::printf("\n");
  return failed == 0 ? 0 : 1;
}
