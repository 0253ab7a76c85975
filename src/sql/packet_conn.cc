#include "sql/packet_conn.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "sql/wire.h"

namespace brkv::sql {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits until fd is ready for `events` or the deadline passes.
Status WaitReady(int fd, short events, int64_t deadline_ms) {
  while (true) {
    int64_t left = deadline_ms - NowMs();
    if (left <= 0) return Status::TimedOut("client connection timed out");
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (n > 0) return Status::OK();
    if (n < 0 && errno != EINTR) return Status::IOError(std::strerror(errno));
  }
}

}  // namespace

PacketConn::PacketConn(int fd, PacketConnOptions options) : fd_(fd), options_(options) {}

PacketConn::~PacketConn() {
  if (fd_ >= 0) ::close(fd_);
}

void PacketConn::Shutdown() { ::shutdown(fd_, SHUT_RDWR); }

Status PacketConn::ReadFull(char* buf, size_t n, int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  size_t got = 0;
  while (got < n) {
    RETURN_IF_ERROR(WaitReady(fd_, POLLIN, deadline));
    ssize_t r = ::recv(fd_, buf + got, n - got, 0);
    if (r == 0) return Status::Unavailable("client closed the connection");
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::Unavailable(std::string("read: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(r);
  }
  return Status::OK();
}

Result<std::string> PacketConn::Read() {
  std::string payload;
  bool first = true;
  while (true) {
    unsigned char header[4];
    // Only the very first byte of a command may take the idle timeout.
    if (first) {
      RETURN_IF_ERROR(ReadFull(reinterpret_cast<char*>(header), 1, options_.idle_timeout_ms));
      RETURN_IF_ERROR(ReadFull(reinterpret_cast<char*>(header) + 1, 3, options_.io_timeout_ms));
    } else {
      RETURN_IF_ERROR(ReadFull(reinterpret_cast<char*>(header), 4, options_.io_timeout_ms));
    }
    first = false;
    const size_t len = header[0] | (header[1] << 8) | (static_cast<size_t>(header[2]) << 16);
    if (header[3] != seq_) {
      return Status::InvalidArgument("packets out of order: got sequence id " +
                                     std::to_string(header[3]) + ", expected " +
                                     std::to_string(seq_));
    }
    ++seq_;
    if (payload.size() + len > options_.max_packet_bytes) {
      too_large_ = true;
      return Status::InvalidArgument("packet larger than max_allowed_packet");
    }
    const size_t at = payload.size();
    payload.resize(at + len);
    RETURN_IF_ERROR(ReadFull(payload.data() + at, len, options_.io_timeout_ms));
    if (len < kMaxPacketPart) return payload;
  }
}

void PacketConn::Write(std::string_view payload) { AppendPackets(&out_, payload, &seq_); }

Status PacketConn::Flush() {
  const int64_t deadline = NowMs() + options_.io_timeout_ms;
  size_t sent = 0;
  while (sent < out_.size()) {
    RETURN_IF_ERROR(WaitReady(fd_, POLLOUT, deadline));
    ssize_t r = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      out_.clear();
      return Status::Unavailable(std::string("write: ") + std::strerror(errno));
    }
    sent += static_cast<size_t>(r);
  }
  out_.clear();
  return Status::OK();
}

}  // namespace brkv::sql
