// Connections to storage nodes.
//
// ChannelCache keeps one gRPC channel per store address; Reset drops it after a failure so the
// next call dials again (a node may have restarted). TikvTransport sends one unary
// tikvpb.Tikv RPC to an address; it is the seam tests replace with an in-memory fake.
// grpc++ headers stay out of this header on purpose (br and kvctl include it).
// Thread-safety: both are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/status.h"

namespace google::protobuf {
class Message;
}
namespace grpc {
class Channel;
}

namespace brkv::client {

class ChannelCache {
 public:
  ChannelCache() = default;
  ChannelCache(const ChannelCache&) = delete;
  ChannelCache& operator=(const ChannelCache&) = delete;

  // The channel to address, created on first use (insecure, keepalive on, no message size cap
  // on receive, fail fast when the peer is down).
  std::shared_ptr<grpc::Channel> Get(const std::string& address);
  // Forgets the channel to address; calls already holding it finish on the old one.
  void Reset(const std::string& address);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<grpc::Channel>> channels_;  // GUARDED_BY(mu_)
};

class TikvTransport {
 public:
  virtual ~TikvTransport() = default;
  // Sends the tikvpb.Tikv (or brkvpb.Debug) RPC whose request type is req's
  // (kvrpcpb::GetRequest → KvGet, …, brkvpb::ChecksumRequest → Checksum) to the store at
  // address, to finish by deadline.
  // OK: *resp holds the answer (which may carry a region or key error).
  // Unavailable (retryable): the store did not answer (down, refused, deadline passed).
  // NotSupported / Internal: any other gRPC failure, or an unknown request type.
  virtual Status Call(const std::string& address, const google::protobuf::Message& req,
                      google::protobuf::Message* resp,
                      std::chrono::steady_clock::time_point deadline) = 0;
  // Drops the connection to address (after Unavailable).
  virtual void ResetConnection(const std::string& address) = 0;
};

// The gRPC transport over `channels` (must outlive it).
std::unique_ptr<TikvTransport> NewGrpcTikvTransport(ChannelCache* channels);

}  // namespace brkv::client
