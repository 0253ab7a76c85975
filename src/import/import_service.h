// ImportSstService: the gRPC face of the SST importer (import_sstpb.ImportSST: Download,
// Ingest, MultiIngest, ClearFiles). Private to kv-server assembly and tests (it pulls in
// grpc++).
//
// Wire mapping of errors (the only place where Status becomes import_sstpb / gRPC errors):
//   Download     always gRPC OK; a failure is DownloadResponse.error with message
//                ("<Code>: <text naming the object>"), code (Status::CodeName) and retryable.
//                Busy also fills store_error.server_is_busy so kvproto-style clients back off.
//   Ingest /     region errors (RegionNotFound, NotLeader, EpochNotMatch, KeyNotInRegion,
//   MultiIngest  StoreNotMatch) → IngestResponse.error with TiKV's detail, gRPC OK. Any other
//                failure → a gRPC status: UNAVAILABLE when retrying may help (retryable codes),
//                NOT_FOUND (staged file missing), INVALID_ARGUMENT, UNIMPLEMENTED, DATA_LOSS
//                (corruption) or INTERNAL, with "<Code>: <text>" as the message.
//   ClearFiles   removes the staged files whose names start with the prefix (ImportDir::Clear)
//                and logs one line with the count; an invalid prefix (empty, or anything but
//                hex digits and '-') → INVALID_ARGUMENT. ClearResponse.error stays empty.
// A Download's deadline is the RPC's deadline when the client set one, and a cancelled RPC
// (or a server past its shutdown grace period) stops the download.
// ImportServiceFactory plugs the service into kv-server (KvServerOptions::extra_services).
// Thread-safety: handlers run concurrently on gRPC's thread pool.
#pragma once

#include <grpcpp/grpcpp.h>

#include "common/status.h"
#include "import/sst_importer.h"
#include "proto/import_sstpb.grpc.pb.h"
#include "server/kv_server.h"

namespace brkv::import {

class ImportSstService final : public import_sstpb::ImportSST::Service {
 public:
  // `importer` must outlive the service.
  explicit ImportSstService(SstImporter* importer);
  // The service owns the importer (kv-server: destroyed after the gRPC server stopped).
  explicit ImportSstService(std::unique_ptr<SstImporter> importer);

  grpc::Status Download(grpc::ServerContext* context, const import_sstpb::DownloadRequest* req,
                        import_sstpb::DownloadResponse* resp) override;
  grpc::Status Ingest(grpc::ServerContext* context, const import_sstpb::IngestRequest* req,
                      import_sstpb::IngestResponse* resp) override;
  grpc::Status MultiIngest(grpc::ServerContext* context,
                           const import_sstpb::MultiIngestRequest* req,
                           import_sstpb::IngestResponse* resp) override;
  grpc::Status ClearFiles(grpc::ServerContext* context, const import_sstpb::ClearRequest* req,
                          import_sstpb::ClearResponse* resp) override;

 private:
  grpc::Status IngestMetas(const kvrpcpb::Context& ctx,
                           const std::vector<import_sstpb::SSTMeta>& metas,
                           import_sstpb::IngestResponse* resp);
  std::unique_ptr<SstImporter> owned_;
  SstImporter* const importer_;
};

// A KvServerOptions::extra_services entry that adds the ImportSST service to a kv-server: an
// SstImporter over the server's regions and engine, staging in <data-dir>/import unless
// options.import_dir is set. Opening it empties that directory (node startup).
server::ServiceFactory ImportServiceFactory(SstImporterOptions options = {});

// Fills a Download error from a non-OK status (message, code, retryable; server_is_busy for
// Busy).
void FillImportError(const Status& s, import_sstpb::Error* out);
// The inverse, for clients: a Status with the code and retryable flag the node reported (a
// store_error becomes RegionError). Internal for an unknown code name.
Status StatusFromImportError(const import_sstpb::Error& e);

}  // namespace brkv::import
