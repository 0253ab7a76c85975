#include "br/restore_importer.h"

#include <grpcpp/grpcpp.h>

#include "br/backend_credentials.h"
#include "client/store_client.h"
#include "proto/import_sstpb.grpc.pb.h"
#include "sst/backend_proto.h"

namespace brkv::br {

Status StatusFromCodeName(std::string_view code, std::string_view message) {
  using C = Status::Code;
  static constexpr C kCodes[] = {
      C::kNotFound,    C::kCorruption, C::kInvalidArgument, C::kIOError,       C::kUnavailable,
      C::kRegionError, C::kKeyLocked,  C::kWriteConflict,   C::kAlreadyExists, C::kTxnAborted,
      C::kBusy,        C::kTimedOut,   C::kAborted,         C::kNotSupported,  C::kInternal};
  for (C c : kCodes) {
    if (code != Status::CodeName(c)) continue;
    switch (c) {
      case C::kNotFound:
        return Status::NotFound(message);
      case C::kCorruption:
        return Status::Corruption(message);
      case C::kInvalidArgument:
        return Status::InvalidArgument(message);
      case C::kIOError:
        return Status::IOError(message);
      case C::kUnavailable:
        return Status::Unavailable(message);
      case C::kRegionError:
        return Status::RegionError(message);
      case C::kKeyLocked:
        return Status::KeyLocked(message);
      case C::kWriteConflict:
        return Status::WriteConflict(message);
      case C::kAlreadyExists:
        return Status::AlreadyExists(message);
      case C::kTxnAborted:
        return Status::TxnAborted(message);
      case C::kBusy:
        return Status::Busy(message);
      case C::kTimedOut:
        return Status::TimedOut(message);
      case C::kAborted:
        return Status::Aborted(message);
      case C::kNotSupported:
        return Status::NotSupported(message);
      default:
        return Status::Internal(message);
    }
  }
  return Status::Internal(message);
}

namespace {

// "Code: text" → (Code, text); the whole message as text when there is no known prefix.
Status FromCodedMessage(std::string_view msg, Status fallback) {
  const size_t colon = msg.find(": ");
  if (colon != std::string_view::npos) {
    Status s = StatusFromCodeName(msg.substr(0, colon), msg.substr(colon + 2));
    if (s.code() != Status::Code::kInternal || msg.substr(0, colon) == "Internal") return s;
  }
  return fallback;
}

}  // namespace

Status StatusFromDownloadError(const import_sstpb::Error& e) {
  if (e.message().empty() && e.code().empty() && !e.has_store_error()) return Status::OK();
  if (e.has_store_error()) {
    const std::string msg = e.message().empty() ? e.store_error().message() : e.message();
    if (e.store_error().has_server_is_busy() || e.code() == "Busy") return Status::Busy(msg);
    return Status::RegionError(msg);
  }
  std::string_view msg = e.message();
  const std::string prefix = e.code() + ": ";
  if (!e.code().empty() && msg.substr(0, prefix.size()) == prefix) msg.remove_prefix(prefix.size());
  Status s = e.code().empty() ? FromCodedMessage(e.message(), Status::Internal(e.message()))
                              : StatusFromCodeName(e.code(), msg);
  return s.WithRetryable(e.retryable() || s.retryable());
}

namespace {

std::chrono::system_clock::time_point ToSystem(ImporterClient::Clock::time_point deadline) {
  const auto left = deadline - ImporterClient::Clock::now();
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(left);
}

class GrpcImporterClient final : public ImporterClient {
 public:
  explicit GrpcImporterClient(client::ChannelCache* channels) : channels_(channels) {}

  Status Download(const std::string& address, const import_sstpb::DownloadRequest& req,
                  Clock::time_point deadline, import_sstpb::DownloadResponse* resp) override {
    auto stub = import_sstpb::ImportSST::NewStub(channels_->Get(address));
    grpc::ClientContext ctx;
    ctx.set_deadline(ToSystem(deadline));
    return FromGrpc(address, "Download", stub->Download(&ctx, req, resp));
  }

  Status MultiIngest(const std::string& address, const import_sstpb::MultiIngestRequest& req,
                     Clock::time_point deadline, import_sstpb::IngestResponse* resp) override {
    auto stub = import_sstpb::ImportSST::NewStub(channels_->Get(address));
    grpc::ClientContext ctx;
    ctx.set_deadline(ToSystem(deadline));
    return FromGrpc(address, "MultiIngest", stub->MultiIngest(&ctx, req, resp));
  }

  Status ClearFiles(const std::string& address, const import_sstpb::ClearRequest& req,
                    Clock::time_point deadline) override {
    auto stub = import_sstpb::ImportSST::NewStub(channels_->Get(address));
    grpc::ClientContext ctx;
    ctx.set_deadline(ToSystem(deadline));
    import_sstpb::ClearResponse resp;
    RETURN_IF_ERROR(FromGrpc(address, "ClearFiles", stub->ClearFiles(&ctx, req, &resp)));
    return StatusFromDownloadError(resp.error()).WithContext("ClearFiles on " + address);
  }

 private:
  Status FromGrpc(const std::string& address, const char* rpc, const grpc::Status& g) {
    if (g.ok()) return Status::OK();
    const std::string where = std::string(rpc) + " on " + address;
    // The node's own failures come with a coded message ("Corruption: ..."); UNAVAILABLE
    // marks the retryable ones.
    Status coded = FromCodedMessage(g.error_message(), Status::OK());
    if (!coded.ok() && g.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      if (g.error_code() == grpc::StatusCode::UNAVAILABLE) coded = coded.WithRetryable(true);
      return coded.WithContext(where);
    }
    switch (g.error_code()) {
      case grpc::StatusCode::UNAVAILABLE:
        channels_->Reset(address);
        return Status::Unavailable(where + ": " + g.error_message());
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        return Status::Unavailable(where + ": deadline exceeded");
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        // The node's RPC threads are all busy: back off and come again.
        return Status::Busy(where + ": " + g.error_message());
      case grpc::StatusCode::UNIMPLEMENTED:
        return Status::NotSupported(where + ": the node has no ImportSST service (" +
                                    g.error_message() + "); is it a kv-server of this release?");
      default:
        return Status::Internal(where + ": " + g.error_message());
    }
  }

  client::ChannelCache* const channels_;
};

}  // namespace

::backup::StorageBackend DownloadBackendProto(const storage::StorageBackend& backend,
                                              bool send_credentials) {
  return brkv::sst::BackendToProto(send_credentials ? backend : WithoutCredentials(backend));
}

::backup::CipherInfo DownloadCipherProto(const sst::CipherInfo& cipher) {
  return brkv::sst::CipherToProto(cipher);
}

std::unique_ptr<ImporterClient> NewGrpcImporterClient(client::ChannelCache* channels) {
  return std::make_unique<GrpcImporterClient>(channels);
}

}  // namespace brkv::br
