#include "raftstore/raft_client.h"

#include <grpcpp/grpcpp.h>

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <condition_variable>
#include <deque>
#include <thread>

#include "common/logging.h"
#include "proto/tikvpb.grpc.pb.h"

namespace brkv::raftstore {

class RaftClient::Conn {
 public:
  Conn(const RaftClientOptions* o, uint64_t store_id, std::atomic<uint64_t>* dropped)
      : o_(o), store_id_(store_id), dropped_(dropped), thread_([this] { Run(); }) {}

  ~Conn() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
      if (ctx_) ctx_->TryCancel();
    }
    cv_.notify_all();
    thread_.join();
  }

  void Push(std::vector<raft_serverpb::RaftMessage>& msgs) {
    {
      std::lock_guard<std::mutex> l(mu_);
      for (auto& m : msgs) {
        if (q_.size() >= o_->queue_limit) {
          q_.pop_front();
          dropped_->fetch_add(1);
        }
        q_.push_back(std::move(m));
      }
    }
    cv_.notify_one();
  }

 private:
  void DropQueue() {
    std::lock_guard<std::mutex> l(mu_);
    dropped_->fetch_add(q_.size());
    q_.clear();
  }

  // Waits up to `ms` or until stopped; returns false when stopped.
  bool Pause(int ms) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::milliseconds(ms), [&] { return stop_; });
    return !stop_;
  }

  void Run() {
    while (true) {
      {
        std::lock_guard<std::mutex> l(mu_);
        if (stop_) return;
      }
      auto addr = o_->resolve(store_id_);
      if (!addr.ok()) {
        DropQueue();
        if (!Pause(o_->reconnect_backoff_ms)) return;
        continue;
      }
      grpc::ChannelArguments args;
      args.SetMaxSendMessageSize(256 << 20);
      auto channel = grpc::CreateCustomChannel(*addr, grpc::InsecureChannelCredentials(), args);
      auto stub = tikvpb::Tikv::NewStub(channel);
      auto ctx = std::make_unique<grpc::ClientContext>();
      raft_serverpb::Done done;
      {
        std::lock_guard<std::mutex> l(mu_);
        if (stop_) return;
        ctx_ = ctx.get();
      }
      auto writer = stub->BatchRaft(ctx.get(), &done);
      bool healthy = true;
      while (healthy) {
        tikvpb::BatchRaftMessage batch;
        {
          std::unique_lock<std::mutex> l(mu_);
          cv_.wait(l, [&] { return stop_ || !q_.empty(); });
          if (stop_) break;
          while (!q_.empty() && static_cast<size_t>(batch.msgs_size()) < o_->max_batch) {
            *batch.add_msgs() = std::move(q_.front());
            q_.pop_front();
          }
        }
        if (!writer->Write(batch)) {
          dropped_->fetch_add(static_cast<uint64_t>(batch.msgs_size()));
          healthy = false;
        }
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        ctx_ = nullptr;
      }
      ctx->TryCancel();
      (void)writer->Finish();
      if (healthy) return;  // stopped
      LOG_DEBUG("raft client: stream to store {} at {} broke; reconnecting", store_id_, *addr);
      DropQueue();
      if (!Pause(o_->reconnect_backoff_ms)) return;
    }
  }

  const RaftClientOptions* o_;
  const uint64_t store_id_;
  std::atomic<uint64_t>* dropped_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<raft_serverpb::RaftMessage> q_;  // GUARDED_BY(mu_)
  bool stop_ = false;                         // GUARDED_BY(mu_)
  grpc::ClientContext* ctx_ = nullptr;        // GUARDED_BY(mu_)
  std::thread thread_;                        // last: starts after the fields above
};

class RaftClient::SnapshotSender {
 public:
  explicit SnapshotSender(const RaftClientOptions* o) : o_(o), thread_([this] { Run(); }) {}

  ~SnapshotSender() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
      if (ctx_) ctx_->TryCancel();
    }
    cv_.notify_all();
    thread_.join();
    for (auto& j : q_) j.done(false);
  }

  void Push(OutgoingSnapshot snap, std::function<void(bool)> done) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!stop_ && q_.size() < o_->snapshot_queue_limit) {
        q_.push_back({std::move(snap), std::move(done)});
        cv_.notify_one();
        return;
      }
    }
    done(false);
  }

 private:
  struct Job {
    OutgoingSnapshot snap;
    std::function<void(bool)> done;
  };

  void Run() {
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || !q_.empty(); });
        if (stop_) return;
        job = std::move(q_.front());
        q_.pop_front();
      }
      Status s = SendOne(job.snap);
      if (!s.ok()) {
        LOG_WARN("raft client: snapshot of region {} to store {} not delivered: {}",
                 job.snap.msg.region_id(), job.snap.msg.to_peer().store_id(), s.ToString());
      }
      job.done(s.ok());
    }
  }

  Status SendOne(const OutgoingSnapshot& snap) {
    const uint64_t store = snap.msg.to_peer().store_id();
    ASSIGN_OR_RETURN(std::string addr, o_->resolve(store));
    uint64_t total = 0;
    struct Closer {
      void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::vector<std::unique_ptr<std::FILE, Closer>> files;
    for (const auto& path : snap.files) {
      if (path.empty()) continue;
      std::FILE* f = std::fopen(path.c_str(), "rb");
      if (f == nullptr) return Status::NotFound("snapshot file " + path + " is gone");
      files.emplace_back(f);
      struct stat st;
      if (::fstat(::fileno(f), &st) == 0) total += static_cast<uint64_t>(st.st_size);
    }
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(64 << 20);
    auto channel = grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
    auto stub = tikvpb::Tikv::NewStub(channel);
    grpc::ClientContext ctx;
    const auto budget = std::chrono::milliseconds(o_->snapshot_deadline_base_ms) +
                        std::chrono::milliseconds(total * 1000 / std::max<uint64_t>(1, o_->snapshot_min_rate));
    ctx.set_deadline(std::chrono::system_clock::now() + budget);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) return Status::Aborted("the raft client is stopping");
      ctx_ = &ctx;
    }
    struct Clear {
      SnapshotSender* s;
      ~Clear() {
        std::lock_guard<std::mutex> l(s->mu_);
        s->ctx_ = nullptr;
      }
    } clear{this};
    raft_serverpb::Done done;
    auto writer = stub->Snapshot(&ctx, &done);
    raft_serverpb::SnapshotChunk head;
    *head.mutable_message() = snap.msg;
    bool ok = writer->Write(head);
    std::string buf(o_->snapshot_chunk_bytes, '\0');
    for (auto& f : files) {
      while (ok) {
        size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
        if (n == 0) {
          if (std::ferror(f.get())) {
            ctx.TryCancel();
            (void)writer->Finish();
            return Status::IOError("cannot read a snapshot file of region " +
                                   std::to_string(snap.msg.region_id()));
          }
          break;
        }
        raft_serverpb::SnapshotChunk c;
        c.set_data(buf.data(), n);
        ok = writer->Write(c);
      }
    }
    if (ok) ok = writer->WritesDone();
    grpc::Status gs = writer->Finish();
    if (!gs.ok()) {
      return Status::Unavailable("store " + std::to_string(store) + " at " + addr + ": " +
                                 gs.error_message());
    }
    if (!ok) return Status::Unavailable("store " + std::to_string(store) + " closed the stream");
    return Status::OK();
  }

  const RaftClientOptions* o_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> q_;                   // GUARDED_BY(mu_)
  bool stop_ = false;                   // GUARDED_BY(mu_)
  grpc::ClientContext* ctx_ = nullptr;  // GUARDED_BY(mu_)
  std::thread thread_;                  // last: starts after the fields above
};

RaftClient::RaftClient(RaftClientOptions o) : opts_(std::move(o)) {}

RaftClient::~RaftClient() {
  std::map<uint64_t, std::unique_ptr<Conn>> conns;
  std::unique_ptr<SnapshotSender> snapshots;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped_ = true;
    conns.swap(conns_);
    snapshots.swap(snapshots_);
  }
  conns.clear();
  snapshots.reset();
}

void RaftClient::SendSnapshot(OutgoingSnapshot snap, std::function<void(bool)> done) {
  std::unique_lock<std::mutex> l(mu_);
  if (stopped_) {
    l.unlock();
    return done(false);
  }
  if (!snapshots_) snapshots_ = std::make_unique<SnapshotSender>(&opts_);
  snapshots_->Push(std::move(snap), std::move(done));  // does not block
}

RaftClient::Conn* RaftClient::GetConn(uint64_t store_id) {
  auto it = conns_.find(store_id);
  if (it != conns_.end()) return it->second.get();
  auto c = std::make_unique<Conn>(&opts_, store_id, &dropped_);
  Conn* raw = c.get();
  conns_[store_id] = std::move(c);
  return raw;
}

void RaftClient::Send(std::vector<raft_serverpb::RaftMessage> msgs) {
  std::map<uint64_t, std::vector<raft_serverpb::RaftMessage>> by_store;
  for (auto& m : msgs) by_store[m.to_peer().store_id()].push_back(std::move(m));
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return;
  for (auto& [store, v] : by_store) GetConn(store)->Push(v);
}

uint64_t RaftClient::dropped() const { return dropped_.load(); }

}  // namespace brkv::raftstore
