// ImporterClient: the restore's calls to a storage node's ImportSST service (Download,
// MultiIngest, ClearFiles), as Status values.
//
// The node reports (src/import/import_service.h):
//   Download     a DownloadResponse; a failure is DownloadResponse.error with the node's code
//                name (import_sstpb.Error.code) and retryable flag. Mapped by
//                StatusFromDownloadError: the same code (NotFound, Corruption, ...), retryable
//                as the node said; a store_error (server busy) is Busy.
//   MultiIngest  region errors in IngestResponse.error (returned to the caller as is, the
//                caller refreshes its region cache); anything else is a gRPC status
//                "<Code>: text" mapped back to that code.
//   ClearFiles   gRPC OK when the node removed what it could; INVALID_ARGUMENT for a bad
//                prefix, mapped back like MultiIngest's; a ClearResponse.error is mapped by
//                StatusFromDownloadError.
// Transport failures (the node is down, the deadline passed) are Unavailable (retryable) and
// reset the channel so the next call dials again; a node whose RPC threads are all taken
// (RESOURCE_EXHAUSTED) is Busy (retryable).
//
// These messages carry storage credentials and the crypter key: never log them.
// Thread-safety: implementations are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "proto/brpb.pb.h"
#include "proto/import_sstpb.pb.h"
#include "sst/crypter.h"
#include "storage/storage_backend.h"

namespace brkv::client {
class ChannelCache;
}

namespace brkv::br {

class ImporterClient {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~ImporterClient() = default;

  // OK: the node answered; `*resp` may still carry an error (StatusFromDownloadError).
  virtual Status Download(const std::string& address, const import_sstpb::DownloadRequest& req,
                          Clock::time_point deadline, import_sstpb::DownloadResponse* resp) = 0;
  // OK: the node answered; `*resp` may carry a region error. Non-region failures are the
  // returned Status.
  virtual Status MultiIngest(const std::string& address,
                             const import_sstpb::MultiIngestRequest& req,
                             Clock::time_point deadline, import_sstpb::IngestResponse* resp) = 0;
  // OK: the node removed its staged files named by req.prefix that no request was using.
  virtual Status ClearFiles(const std::string& address, const import_sstpb::ClearRequest& req,
                            Clock::time_point deadline) = 0;
};

// The gRPC client over the cluster's shared channels (`channels` must outlive it).
std::unique_ptr<ImporterClient> NewGrpcImporterClient(client::ChannelCache* channels);

// The Status a Download error stands for (see the top of the file). OK when `e` is empty.
Status StatusFromDownloadError(const import_sstpb::Error& e);

// The backup's storage as sent to the nodes in DownloadRequest.storage_backend: with its
// credentials only when `send_credentials` (--send-credentials-to-tikv).
::backup::StorageBackend DownloadBackendProto(const storage::StorageBackend& backend,
                                              bool send_credentials);
// The backup's cipher as sent in DownloadRequest.cipher_info (holds the key).
::backup::CipherInfo DownloadCipherProto(const sst::CipherInfo& cipher);

// A Status from a code name (Status::CodeName) and a message; Internal for an unknown name.
Status StatusFromCodeName(std::string_view code, std::string_view message);

}  // namespace brkv::br
