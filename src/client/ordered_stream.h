// OrderedStream: unary calls over one long-lived bidirectional gRPC stream whose server answers
// every request with exactly one response, in order — PD's Tso and RegionHeartbeat streams as
// pd-server serves them.
//
// Call writes a request and waits for its response until a deadline. The stream is opened on
// first use and reopened by the next Call after it breaks: PD restarted, the network failed,
// or a call missed its deadline (the stream is then cancelled, since an answer may never come;
// calls in flight on it fail with UNAVAILABLE and their callers retry).
// A Write blocks only while the transport's flow-control window is full; calls on a stream
// that broke return at once.
// Thread-safety: thread-safe; calls may overlap (responses are matched to requests in order).
// Internal to the PD client (includes grpc++).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace brkv::client {

template <typename Req, typename Resp>
class OrderedStream {
 public:
  using Stream = grpc::ClientReaderWriter<Req, Resp>;
  // Opens the stream on ctx (e.g. a bound Stub::Tso) once the server can be reached, or
  // returns null when it cannot be by `deadline`.
  using Opener = std::function<std::unique_ptr<Stream>(grpc::ClientContext*,
                                                       std::chrono::system_clock::time_point)>;

  // `name` is for logs and error messages ("PD Tso stream").
  OrderedStream(std::string name, Opener open) : name_(std::move(name)), open_(std::move(open)) {}
  OrderedStream(const OrderedStream&) = delete;
  OrderedStream& operator=(const OrderedStream&) = delete;
  // Cancels the stream and waits for its reader thread.
  ~OrderedStream() {
    std::shared_ptr<Conn> last;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
      last = std::move(conn_);
    }
    Retire(last);
  }

  // OK: *resp is the server's answer to req. DEADLINE_EXCEEDED: none came by `deadline`.
  // UNAVAILABLE: the stream could not be opened by `deadline` or broke before the answer came.
  // Opening happens under the stream's lock: concurrent first calls wait for it.
  grpc::Status Call(const Req& req, Resp* resp, std::chrono::system_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    while (conn_ == nullptr || conn_->broken) {
      if (stopped_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, name_ + " is closed");
      if (conn_ != nullptr) {
        std::shared_ptr<Conn> old = std::move(conn_);
        lock.unlock();
        Retire(old);
        lock.lock();
        continue;  // another caller may have opened a new stream meanwhile
      }
      conn_ = Open(deadline);
      if (conn_ == nullptr) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, name_ + ": cannot connect");
      }
    }
    std::shared_ptr<Conn> conn = conn_;
    auto slot = std::make_shared<Slot>();
    conn->waiting.push_back(slot);
    lock.unlock();
    bool written;
    {
      std::lock_guard<std::mutex> wlock(conn->write_mu);
      written = conn->rw->Write(req);
    }
    lock.lock();
    // A failed Write means the stream is over: the reader fails every waiting slot.
    if (!written) Break(conn.get());
    if (!cv_.wait_until(lock, deadline, [&] { return slot->done; })) {
      Break(conn.get());
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, name_ + ": no answer in time");
    }
    if (slot->status.ok()) *resp = std::move(slot->resp);
    return slot->status;
  }

 private:
  struct Slot {
    bool done = false;
    grpc::Status status;
    Resp resp;
  };
  struct Conn {
    grpc::ClientContext ctx;
    std::mutex write_mu;         // one writer at a time; Finish after the last Write
    std::unique_ptr<Stream> rw;  // written under write_mu, read by the reader thread
    std::thread reader;
    bool broken = false;                        // GUARDED_BY(mu_)
    std::deque<std::shared_ptr<Slot>> waiting;  // GUARDED_BY(mu_), in request order
  };

  // REQUIRES: mu_ held. Null when the server cannot be reached by deadline.
  std::shared_ptr<Conn> Open(std::chrono::system_clock::time_point deadline) {
    auto conn = std::make_shared<Conn>();
    conn->rw = open_(&conn->ctx, deadline);
    if (conn->rw == nullptr) return nullptr;
    conn->reader = std::thread([this, c = conn.get()] { ReadLoop(c); });
    return conn;
  }

  // REQUIRES: mu_ held. Cancels the stream; its reader then fails the waiting slots.
  void Break(Conn* conn) {
    conn->broken = true;
    conn->ctx.TryCancel();
  }

  void ReadLoop(Conn* conn) {
    Resp r;
    while (conn->rw->Read(&r)) {
      std::lock_guard<std::mutex> lock(mu_);
      if (conn->waiting.empty()) continue;  // not ours to answer: the server broke the order
      auto slot = std::move(conn->waiting.front());
      conn->waiting.pop_front();
      slot->resp = std::move(r);
      slot->done = true;
      cv_.notify_all();
    }
    grpc::Status end;
    {
      std::lock_guard<std::mutex> wlock(conn->write_mu);
      end = conn->rw->Finish();
    }
    std::lock_guard<std::mutex> lock(mu_);
    conn->broken = true;
    grpc::Status failed(
        grpc::StatusCode::UNAVAILABLE,
        name_ + " ended: " + (end.ok() ? "closed by the server" : end.error_message()));
    for (auto& slot : conn->waiting) {
      slot->status = failed;
      slot->done = true;
    }
    conn->waiting.clear();
    cv_.notify_all();
  }

  // Cancels a stream no longer in use and joins its reader. REQUIRES: mu_ not held.
  static void Retire(const std::shared_ptr<Conn>& conn) {
    if (conn == nullptr) return;
    conn->ctx.TryCancel();
    if (conn->reader.joinable()) conn->reader.join();
  }

  const std::string name_;
  const Opener open_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Conn> conn_;  // GUARDED_BY(mu_)
  bool stopped_ = false;        // GUARDED_BY(mu_)
};

}  // namespace brkv::client
