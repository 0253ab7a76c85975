#include "raftstore/raft_client.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
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

RaftClient::RaftClient(RaftClientOptions o) : opts_(std::move(o)) {}

RaftClient::~RaftClient() {
  std::map<uint64_t, std::unique_ptr<Conn>> conns;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped_ = true;
    conns.swap(conns_);
  }
  conns.clear();
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
