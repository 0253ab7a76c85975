#include "backup/backup_itest_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "br/meta_reader.h"
#include "storage/external_storage.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/sysbench_loader.h"

namespace brkv::backup_itest {

Result<std::unique_ptr<Env>> StartEnv(int tables, int64_t rows, int64_t rows_per_region,
                                      const std::string& failpoints, int max_replicas) {
  auto env = std::make_unique<Env>();
  if (!failpoints.empty()) ::setenv("BRKV_FAILPOINTS", failpoints.c_str(), 1);
  itest::LocalClusterOptions lo;
  lo.kv_count = 3;
  lo.pd_extra_args = {"--max-replicas", std::to_string(max_replicas)};
  auto cluster = itest::LocalCluster::Start(lo);
  ::unsetenv("BRKV_FAILPOINTS");
  if (!cluster.ok()) return cluster.status();
  env->cluster = std::move(cluster).value();
  for (int i = 0; i < env->cluster->kv_count(); ++i) {
    ASSIGN_OR_RETURN(uint64_t id, env->cluster->KvStoreId(i));
    env->store_ids.push_back(id);
  }
  client::ClusterOptions co;
  co.pd_address = env->cluster->pd_address();
  ASSIGN_OR_RETURN(env->client, client::Cluster::Connect(co));
  table::SysbenchOptions so;
  so.db = kDb;
  so.tables = tables;
  so.rows = rows;
  so.rows_per_region = rows_per_region;
  so.threads = 2;
  ASSIGN_OR_RETURN(table::SysbenchReport report, table::LoadSysbench(env->client.get(), so));
  (void)report;
  return env;
}

std::string BrPath() { return itest::BinPath("br"); }

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

Result<BackupContents> ReadBackup(const std::string& dir, const sst::CipherInfo& cipher) {
  ASSIGN_OR_RETURN(auto storage, storage::CreateStorageFromUrl("local://" + dir));
  br::MetaReaderOptions ro;
  ro.cipher = cipher;
  ASSIGN_OR_RETURN(auto reader, br::MetaReader::Open(storage.get(), ro));
  BackupContents c;
  c.meta = reader->meta();
  RETURN_IF_ERROR(reader->ForEachDataFile([&](const ::backup::File& f) {
    c.files.push_back(f);
    return Status::OK();
  }));
  RETURN_IF_ERROR(reader->ForEachSchema([&](const ::backup::Schema& s) {
    c.schemas.push_back(s);
    return Status::OK();
  }));
  RETURN_IF_ERROR(reader->ForEachDdl([&](std::string_view d) {
    c.ddls.emplace_back(d);
    return Status::OK();
  }));
  return c;
}

itest::CommandResult BrRunner::Run(const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {BrPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = itest::RunCommand(argv, timeout, scratch_);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : itest::CommandResult{};
}

void ExpectOneErrorLine(const itest::CommandResult& r, const std::string& must_contain) {
  EXPECT_FALSE(r.exit.success()) << "stdout: " << r.out;
  EXPECT_FALSE(r.exit.signaled) << r.exit.ToString();
  std::vector<std::string> lines;
  for (const auto& l : itest::Lines(r.err)) {
    if (!l.empty()) lines.push_back(l);
  }
  ASSERT_EQ(lines.size(), 1u) << "stderr: " << r.err;
  EXPECT_EQ(lines[0].rfind("br: error:", 0), 0u) << lines[0];
  if (!must_contain.empty()) {
    EXPECT_NE(lines[0].find(must_contain), std::string::npos) << lines[0];
  }
}

Result<std::vector<catalog::TableInfo>> SbTables(client::Cluster* cluster, uint64_t ts) {
  table::SnapshotReader reader(cluster->GetSnapshot(ts));
  table::MetaReader meta(&reader);
  ASSIGN_OR_RETURN(catalog::DBInfo db, meta.FindDatabase(kDb));
  return meta.ListTables(db.id);
}

}  // namespace brkv::backup_itest
