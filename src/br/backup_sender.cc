#include "br/backup_sender.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "client/store_client.h"
#include "common/logging.h"
#include "proto/brpb.grpc.pb.h"

namespace brkv::br {

namespace {

using Clock = std::chrono::steady_clock;

// Cancels a call once no response arrived for `idle` (lessons.md 7: a stream that stops making
// progress must become an error, never a hang).
class IdleWatchdog {
 public:
  IdleWatchdog(grpc::ClientContext* ctx, std::chrono::milliseconds idle)
      : ctx_(ctx), idle_(idle), last_(Clock::now()) {
    thread_ = std::thread([this] { Run(); });
  }
  ~IdleWatchdog() { Stop(); }

  void Touch() {
    std::lock_guard<std::mutex> l(mu_);
    last_ = Clock::now();
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool fired() const {
    std::lock_guard<std::mutex> l(mu_);
    return fired_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> l(mu_);
    while (!stop_) {
      const Clock::time_point due = last_ + idle_;
      if (Clock::now() >= due) {
        fired_ = true;
        ctx_->TryCancel();
        return;
      }
      cv_.wait_until(l, due);
    }
  }

  grpc::ClientContext* const ctx_;
  const std::chrono::milliseconds idle_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Clock::time_point last_;  // GUARDED_BY(mu_)
  bool stop_ = false;       // GUARDED_BY(mu_)
  bool fired_ = false;      // GUARDED_BY(mu_)
  std::thread thread_;
};

class GrpcBackupSender final : public BackupSender {
 public:
  GrpcBackupSender(client::ChannelCache* channels, GrpcBackupSenderOptions options)
      : channels_(channels), options_(options) {}

  Status Send(const StoreTarget& store, const ::backup::BackupRequest& request,
              Clock::time_point deadline, const ResponseFn& on_response) override {
    const std::string what =
        "backup stream to store " + std::to_string(store.id) + " (" + store.address + ")";
    if (store.address.empty()) return Status::Unavailable(what + ": store has no address");
    auto stub = ::backup::Backup::NewStub(channels_->Get(store.address));
    grpc::ClientContext ctx;
    if (!Track(&ctx)) return Status::Aborted(what + ": cancelled (br is stopping)");
    struct Untrack {
      GrpcBackupSender* self;
      grpc::ClientContext* ctx;
      ~Untrack() { self->Forget(ctx); }
    } untrack{this, &ctx};
    if (deadline != Clock::time_point::max()) {
      const auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(left));
    }
    std::unique_ptr<grpc::ClientReader<::backup::BackupResponse>> reader =
        stub->backup(&ctx, request);
    IdleWatchdog watchdog(&ctx, options_.idle_timeout);
    Status callback_error;
    ::backup::BackupResponse resp;
    while (reader->Read(&resp)) {
      watchdog.Touch();
      if (!callback_error.ok()) continue;  // draining after a cancel
      callback_error = on_response(resp);
      if (!callback_error.ok()) ctx.TryCancel();
    }
    grpc::Status gs = reader->Finish();
    watchdog.Stop();
    if (!callback_error.ok()) return callback_error;
    if (cancelled()) return Status::Aborted(what + ": cancelled (br is stopping)");
    if (watchdog.fired()) {
      return Status::TimedOut(what + ": no response for " +
                              std::to_string(options_.idle_timeout.count() / 1000) +
                              " s; cancelled");
    }
    if (gs.ok()) return Status::OK();
    const std::string detail = what + ": " + gs.error_message();
    switch (gs.error_code()) {
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::CANCELLED:
      case grpc::StatusCode::ABORTED:
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        channels_->Reset(store.address);
        return Status::Unavailable(detail);
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        channels_->Reset(store.address);
        return Status::TimedOut(detail);
      case grpc::StatusCode::UNIMPLEMENTED:
        return Status::NotSupported(detail + " (the node has no backup service)");
      default:
        return Status::Internal(detail);
    }
  }

  void CancelAll() override {
    std::lock_guard<std::mutex> l(mu_);
    cancelled_ = true;
    for (grpc::ClientContext* ctx : active_) ctx->TryCancel();
  }

 private:
  bool Track(grpc::ClientContext* ctx) {
    std::lock_guard<std::mutex> l(mu_);
    if (cancelled_) return false;
    active_.insert(ctx);
    return true;
  }
  void Forget(grpc::ClientContext* ctx) {
    std::lock_guard<std::mutex> l(mu_);
    active_.erase(ctx);
  }
  bool cancelled() const {
    std::lock_guard<std::mutex> l(mu_);
    return cancelled_;
  }

  client::ChannelCache* const channels_;
  const GrpcBackupSenderOptions options_;
  mutable std::mutex mu_;
  bool cancelled_ = false;                 // GUARDED_BY(mu_)
  std::set<grpc::ClientContext*> active_;  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<BackupSender> NewGrpcBackupSender(client::ChannelCache* channels,
                                                  GrpcBackupSenderOptions options) {
  return std::make_unique<GrpcBackupSender>(channels, options);
}

}  // namespace brkv::br
