#include "backup/backup_service.h"

#include <atomic>

#include "common/logging.h"

namespace brkv::backup {

BackupService::BackupService(std::unique_ptr<BackupEndpoint> endpoint)
    : endpoint_(std::move(endpoint)) {}

BackupService::~BackupService() = default;

grpc::Status BackupService::backup(grpc::ServerContext* context,
                                   const brpb::BackupRequest* request,
                                   grpc::ServerWriter<brpb::BackupResponse>* writer) {
  std::atomic<bool> client_gone{false};
  endpoint_->Backup(
      *request,
      [&](const brpb::BackupResponse& resp) {
        if (writer->Write(resp)) return true;
        client_gone.store(true);
        return false;
      },
      [context] { return context->IsCancelled(); });
  if (client_gone.load() || context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "backup stopped: the client went away");
  }
  return grpc::Status::OK;
}

Result<std::unique_ptr<BackupService>> NewBackupService(server::Engine* engine,
                                                        server::RegionManager* regions,
                                                        const std::string& data_dir,
                                                        BackupEndpointOptions options) {
  if (options.temp_dir.empty()) {
    if (data_dir.empty()) {
      return Status::InvalidArgument("backup service needs a data directory for staged files");
    }
    options.temp_dir = data_dir + "/backup-tmp";
  }
  ASSIGN_OR_RETURN(std::unique_ptr<BackupEndpoint> endpoint,
                   BackupEndpoint::Open(engine, regions, std::move(options)));
  return std::make_unique<BackupService>(std::move(endpoint));
}

server::ServiceFactory BackupServiceFactory(BackupEndpointOptions options) {
  return [options](const server::ServiceContext& ctx) -> Result<std::unique_ptr<grpc::Service>> {
    ASSIGN_OR_RETURN(std::unique_ptr<BackupService> service,
                     NewBackupService(ctx.engine, ctx.regions, ctx.config->data_dir, options));
    return std::unique_ptr<grpc::Service>(std::move(service));
  };
}

}  // namespace brkv::backup
