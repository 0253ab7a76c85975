#include "import/import_service.h"

#include <chrono>
#include <string_view>

#include "common/logging.h"
#include "server/region.h"

namespace brkv::import {

namespace {

grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  if (s.retryable()) {
    code = grpc::StatusCode::UNAVAILABLE;
  } else {
    switch (s.code()) {
      case Status::Code::kNotFound:
        code = grpc::StatusCode::NOT_FOUND;
        break;
      case Status::Code::kInvalidArgument:
        code = grpc::StatusCode::INVALID_ARGUMENT;
        break;
      case Status::Code::kNotSupported:
        code = grpc::StatusCode::UNIMPLEMENTED;
        break;
      case Status::Code::kCorruption:
        code = grpc::StatusCode::DATA_LOSS;
        break;
      default:
        break;
    }
  }
  return grpc::Status(code, s.ToString());
}

// The RPC deadline as a steady-clock time point (max when the client set none).
storage::Clock::time_point DeadlineOf(const grpc::ServerContext* context) {
  const auto d = context->deadline();
  if (d == std::chrono::system_clock::time_point::max()) return storage::Clock::time_point::max();
  const auto left = d - std::chrono::system_clock::now();
  // A far-future deadline (some clients send "infinite" as a huge value) means none.
  if (left > std::chrono::hours(24 * 365)) return storage::Clock::time_point::max();
  return storage::Clock::now() + std::chrono::duration_cast<storage::Clock::duration>(left);
}

}  // namespace

void FillImportError(const Status& s, import_sstpb::Error* out) {
  out->set_message(s.ToString());
  out->set_code(Status::CodeName(s.code()));
  out->set_retryable(s.retryable());
  if (s.code() == Status::Code::kBusy) {
    *out->mutable_store_error() = server::ServerIsBusyError(s.message(), 0);
  }
}

Status StatusFromImportError(const import_sstpb::Error& e) {
  if (e.has_store_error() && !e.store_error().has_server_is_busy()) {
    return server::RegionErrorStatus(e.store_error());
  }
  std::string_view msg = e.message();
  const std::string prefix = e.code() + ": ";
  if (!e.code().empty() && msg.substr(0, prefix.size()) == prefix) msg.remove_prefix(prefix.size());
  using Make = Status (*)(std::string_view);
  static constexpr Make kMakers[] = {
      &Status::NotFound,   &Status::Corruption,    &Status::InvalidArgument,
      &Status::IOError,    &Status::Unavailable,   &Status::RegionError,
      &Status::KeyLocked,  &Status::WriteConflict, &Status::AlreadyExists,
      &Status::TxnAborted, &Status::Busy,          &Status::TimedOut,
      &Status::Aborted,    &Status::NotSupported,  &Status::Internal};
  Status s = Status::Internal(msg);
  for (Make make : kMakers) {
    Status candidate = make(msg);
    if (e.code() == Status::CodeName(candidate.code())) {
      s = candidate;
      break;
    }
  }
  return s.WithRetryable(e.retryable());
}

ImportSstService::ImportSstService(SstImporter* importer) : importer_(importer) {}

ImportSstService::ImportSstService(std::unique_ptr<SstImporter> importer)
    : owned_(std::move(importer)), importer_(owned_.get()) {}

server::ServiceFactory ImportServiceFactory(SstImporterOptions options) {
  return [options](const server::ServiceContext& ctx) -> Result<std::unique_ptr<grpc::Service>> {
    SstImporterOptions o = options;
    if (o.import_dir.empty()) o.import_dir = ctx.config->data_dir + "/import";
    auto importer = SstImporter::Open(std::move(o), ctx.regions);
    if (!importer.ok()) return importer.status().WithContext("cannot start the SST importer");
    return std::unique_ptr<grpc::Service>(new ImportSstService(std::move(importer).value()));
  };
}

grpc::Status ImportSstService::Download(grpc::ServerContext* context,
                                        const import_sstpb::DownloadRequest* req,
                                        import_sstpb::DownloadResponse* resp) {
  Result<DownloadResult> r =
      importer_->Download(*req, DeadlineOf(context), [context] { return context->IsCancelled(); });
  if (!r.ok()) {
    FillImportError(r.status(), resp->mutable_error());
    return grpc::Status::OK;
  }
  resp->set_is_empty(r->is_empty);
  if (!r->is_empty) {
    resp->mutable_range()->set_start(r->start_key);
    resp->mutable_range()->set_end(r->end_key);
    resp->set_length(r->length);
  }
  return grpc::Status::OK;
}

grpc::Status ImportSstService::Ingest(grpc::ServerContext*, const import_sstpb::IngestRequest* req,
                                      import_sstpb::IngestResponse* resp) {
  return IngestMetas(req->context(), {req->sst()}, resp);
}

grpc::Status ImportSstService::MultiIngest(grpc::ServerContext*,
                                           const import_sstpb::MultiIngestRequest* req,
                                           import_sstpb::IngestResponse* resp) {
  return IngestMetas(req->context(), {req->ssts().begin(), req->ssts().end()}, resp);
}

grpc::Status ImportSstService::ClearFiles(grpc::ServerContext* context,
                                          const import_sstpb::ClearRequest* req,
                                          import_sstpb::ClearResponse*) {
  Result<size_t> removed = importer_->dir()->Clear(req->prefix());
  if (!removed.ok()) {
    LOG_WARN("ClearFiles from {} refused: {}", context->peer(), removed.status().ToString());
    return ToGrpc(removed.status());
  }
  LOG_INFO("ClearFiles: removed {} staged SSTs with prefix {} from {}", *removed, req->prefix(),
           importer_->dir()->path());
  return grpc::Status::OK;
}

grpc::Status ImportSstService::IngestMetas(const kvrpcpb::Context& ctx,
                                           const std::vector<import_sstpb::SSTMeta>& metas,
                                           import_sstpb::IngestResponse* resp) {
  errorpb::Error region_error;
  Status s = importer_->Ingest(ctx, metas, &region_error);
  if (s.IsRegionError()) {
    *resp->mutable_error() = std::move(region_error);
    return grpc::Status::OK;
  }
  return ToGrpc(s);
}

}  // namespace brkv::import
