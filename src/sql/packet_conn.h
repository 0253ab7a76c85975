// PacketConn: MySQL packets over one connected socket, with deadlines on every read and write.
//
// Read() returns one logical packet (parts of 0xFFFFFF bytes joined), checking that sequence
// ids follow on. The wait for the first byte of a packet is bounded by idle_timeout_ms (a
// client may sit idle between commands); the rest of a packet, and every write, by
// io_timeout_ms. A packet larger than max_packet_bytes is refused without reading it whole:
// Read() fails with InvalidArgument and too_large() is true (the caller sends 1153 and closes,
// as the stream can no longer be trusted).
// Writes are buffered until Flush(). Thread-safety: not thread-safe; one connection thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::sql {

struct PacketConnOptions {
  // Longest wait for a client's next command. Default: 8 hours (MySQL's wait_timeout).
  int64_t idle_timeout_ms = 8LL * 3600 * 1000;
  // Longest wait for the rest of a packet or for the socket to take a write. Default: 30 s.
  int64_t io_timeout_ms = 30000;
  // Largest accepted packet payload. Default: 64 MiB (max_allowed_packet).
  size_t max_packet_bytes = 64u << 20;
};

class PacketConn {
 public:
  // Takes ownership of the connected socket `fd` (closed by the destructor).
  PacketConn(int fd, PacketConnOptions options);
  ~PacketConn();
  PacketConn(const PacketConn&) = delete;
  PacketConn& operator=(const PacketConn&) = delete;

  // One logical packet. Unavailable when the peer closed, TimedOut at a deadline,
  // InvalidArgument for a sequence-id mismatch or an oversized packet.
  Result<std::string> Read();
  // Frames and buffers one payload with the next sequence id.
  void Write(std::string_view payload);
  // Sends everything buffered.
  Status Flush();

  // A new command starts: the next packet read must carry sequence id 0.
  void ResetSequence() { seq_ = 0; }
  bool too_large() const { return too_large_; }
  int fd() const { return fd_; }
  // Shuts the socket down (both ways) so a blocked Read returns; safe from another thread.
  void Shutdown();

 private:
  Status ReadFull(char* buf, size_t n, int64_t timeout_ms);

  int fd_;
  PacketConnOptions options_;
  uint8_t seq_ = 0;
  bool too_large_ = false;
  std::string out_;
};

}  // namespace brkv::sql
