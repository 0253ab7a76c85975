// RaftClient: the Transport between stores over gRPC. One client-streaming tikvpb BatchRaft call
// per destination store, fed by a sender thread that packs queued messages into batches of up
// to `max_batch`. Delivery is best effort, as Raft expects: when a store is unreachable its
// queue is dropped and the stream is re-established with backoff; a full queue drops the oldest
// messages. Snapshots go on their own tikvpb.Tikv/Snapshot calls (the message, then the CF files
// in chunks), one at a time, from a sender thread, each under a deadline that grows with its
// size. No call blocks the raft loop.
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "raftstore/transport.h"

namespace brkv::raftstore {

struct RaftClientOptions {
  // Address ("host:port") of a store; errors mean "unknown for now" and are retried.
  std::function<Result<std::string>(uint64_t store_id)> resolve;
  // Messages per BatchRaft write. Default: 256 (TiKV's raft_msg_max_batch_size).
  size_t max_batch = 256;
  // Queued messages per store beyond which the oldest are dropped. Default: 8192.
  size_t queue_limit = 8192;
  // Pause before reconnecting to a store whose stream failed. Default: 200 ms.
  int reconnect_backoff_ms = 200;
  // Bytes of file data per SnapshotChunk. Default: 1 MiB.
  size_t snapshot_chunk_bytes = 1 << 20;
  // A snapshot send gives up after base + size / min_rate. Defaults: 30 s, 1 MiB/s.
  int snapshot_deadline_base_ms = 30000;
  uint64_t snapshot_min_rate = 1 << 20;
  // Snapshots queued for sending beyond which new ones fail at once. Default: 64.
  size_t snapshot_queue_limit = 64;
};

class RaftClient : public Transport {
 public:
  explicit RaftClient(RaftClientOptions o);
  ~RaftClient() override;  // stops every sender thread and cancels their streams

  void Send(std::vector<raft_serverpb::RaftMessage> msgs) override;
  void SendSnapshot(OutgoingSnapshot snap, std::function<void(bool)> done) override;
  // Messages dropped so far (unreachable store or full queue), for tests and metrics.
  uint64_t dropped() const;

 private:
  class Conn;
  class SnapshotSender;
  Conn* GetConn(uint64_t store_id);

  const RaftClientOptions opts_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;  // GUARDED_BY(mu_)
  bool stopped_ = false;                             // GUARDED_BY(mu_)
  std::atomic<uint64_t> dropped_{0};
  std::unique_ptr<SnapshotSender> snapshots_;  // GUARDED_BY(mu_) (created on first use)
};

}  // namespace brkv::raftstore
