// Helpers shared by the `br backup` end-to-end tests (backup_test.cc, backup_fault_test.cc):
// a 3-node cluster loaded with sysbench tables, running br as a process, and reading a
// finished backup back with the br library.
// Thread-safety: for the test's main thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "catalog/schema.h"
#include "client/cluster.h"
#include "common/status.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "proto/brpb.pb.h"
#include "sst/crypter.h"

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    ::brkv::Status _s = (expr);                             \
    ASSERT_TRUE(_s.ok()) << #expr << ": " << _s.ToString(); \
  } while (0)

namespace brkv::backup_itest {

// The database the sysbench tables are loaded into.
inline constexpr char kDb[] = "sbtest";

// A cluster, a client on it and sysbench data spread over every store.
struct Env {
  std::unique_ptr<itest::LocalCluster> cluster;
  std::unique_ptr<client::Cluster> client;
  std::vector<uint64_t> store_ids;  // of kv-server 0, 1, 2
};

// Starts 3 kv-servers with PD's --max-replicas `max_replicas` (the nodes get BRKV_FAILPOINTS
// = `failpoints` when not empty) and loads `tables` sysbench tables of `rows` rows into kDb,
// pre-split every `rows_per_region` rows. The first error of any step.
Result<std::unique_ptr<Env>> StartEnv(int tables, int64_t rows, int64_t rows_per_region,
                                      const std::string& failpoints = "", int max_replicas = 3);

// The br binary of this build.
std::string BrPath();

bool Exists(const std::string& path);

// A finished backup as the br library reads it.
struct BackupContents {
  ::backup::BackupMeta meta;
  std::vector<::backup::File> files;
  std::vector<::backup::Schema> schemas;
  std::vector<std::string> ddls;
};

// Reads the backup under local directory `dir` (decrypting its metadata with `cipher`).
Result<BackupContents> ReadBackup(const std::string& dir, const sst::CipherInfo& cipher = {});

// Runs br to completion with its working directory in `scratch`.
class BrRunner {
 public:
  explicit BrRunner(std::string scratch) : scratch_(std::move(scratch)) {}

  // br's exit, stdout and stderr; a failure to run it at all fails the test (and returns an
  // empty result).
  itest::CommandResult Run(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(180));

 private:
  std::string scratch_;
};

// Expects exactly one non-empty stderr line, "br: error: ..." (containing `must_contain` when
// not empty), and a non-zero exit without a signal.
void ExpectOneErrorLine(const itest::CommandResult& r, const std::string& must_contain = "");

// The tables of kDb as of `ts`.
Result<std::vector<catalog::TableInfo>> SbTables(client::Cluster* cluster, uint64_t ts);

}  // namespace brkv::backup_itest
