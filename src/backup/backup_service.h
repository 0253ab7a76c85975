// BackupService: the gRPC `backup.Backup` service of kv-server (rpc `backup`, a server stream of
// BackupResponse; formats.md 1.6). A thin adapter over BackupEndpoint: every response the
// endpoint produces is written to the stream as soon as it is ready, and a client that cancels
// or disconnects (or a server shutting down past its grace period) stops the job.
// The rpc itself always ends with OK unless the client cancelled (CANCELLED): failures are
// reported inside the responses, where BR expects them.
// Thread-safety: thread-safe (gRPC calls handlers concurrently).
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "backup/backup_endpoint.h"
#include "common/status.h"
#include "proto/brpb.grpc.pb.h"
#include "server/engine.h"
#include "server/kv_server.h"
#include "server/region_manager.h"

namespace brkv::backup {

class BackupService final : public brpb::Backup::Service {
 public:
  explicit BackupService(std::unique_ptr<BackupEndpoint> endpoint);
  ~BackupService() override;

  grpc::Status backup(grpc::ServerContext* context, const brpb::BackupRequest* request,
                      grpc::ServerWriter<brpb::BackupResponse>* writer) override;

  BackupEndpoint* endpoint() { return endpoint_.get(); }

 private:
  std::unique_ptr<BackupEndpoint> endpoint_;
};

// The kv-server's Backup service over its engine and regions, staging files in
// <data_dir>/backup-tmp. `options.temp_dir`, when set, wins over the data-dir default.
Result<std::unique_ptr<BackupService>> NewBackupService(server::Engine* engine,
                                                        server::RegionManager* regions,
                                                        const std::string& data_dir,
                                                        BackupEndpointOptions options = {});

// A KvServerOptions::extra_services entry that adds the Backup service to a kv-server
// (NewBackupService over the server's engine, regions and data directory).
server::ServiceFactory BackupServiceFactory(BackupEndpointOptions options = {});

}  // namespace brkv::backup
