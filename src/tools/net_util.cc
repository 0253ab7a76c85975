#include "tools/net_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <random>

namespace brkv::tools {

Result<HostPort> ParseHostPort(std::string_view address) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("invalid address '" + std::string(address) +
                                   "': " + std::string(why) + " (expected HOST:PORT)");
  };
  if (address.empty()) return bad("empty");
  for (char c : address) {
    if (std::isspace(static_cast<unsigned char>(c))) return bad("contains whitespace");
  }
  if (address.find("://") != std::string_view::npos) return bad("no scheme allowed");
  HostPort hp;
  std::string_view port_part;
  if (address.front() == '[') {
    auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return bad("malformed [IPv6]:port");
    }
    hp.host = std::string(address.substr(0, close + 1));
    port_part = address.substr(close + 2);
  } else {
    auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    if (address.substr(0, colon).find(':') != std::string_view::npos) {
      return bad("IPv6 hosts need brackets");
    }
    hp.host = std::string(address.substr(0, colon));
    port_part = address.substr(colon + 1);
  }
  if (hp.host.empty() || hp.host == "[]") return bad("missing host");
  if (port_part.empty()) return bad("missing port");
  int port = 0;
  auto [ptr, ec] = std::from_chars(port_part.data(), port_part.data() + port_part.size(), port);
  if (ec != std::errc() || ptr != port_part.data() + port_part.size() || port < 1 || port > 65535) {
    return bad("port must be a number in 1..65535");
  }
  hp.port = port;
  return hp;
}

bool IsLocalPortFree(int port) {
  if (port < 1 || port > 65535) return false;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  // SO_REUSEADDR only skips TIME_WAIT leftovers of earlier runs; a listener still conflicts.
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

Result<int> PickFreePortRange(int count) {
  if (count < 1 || count > 1000) return Status::InvalidArgument("port range size out of bounds");
  std::random_device rd;
  std::mt19937 rng(rd() ^ static_cast<unsigned>(getpid()));
  std::uniform_int_distribution<int> dist(20000, 60000 - count);
  for (int attempt = 0; attempt < 200; ++attempt) {
    int base = dist(rng);
    bool all = true;
    for (int i = 0; i < count && all; ++i) all = IsLocalPortFree(base + i);
    if (all) return base;
  }
  return Status::Unavailable("no free range of " + std::to_string(count) + " ports on 127.0.0.1");
}

}  // namespace brkv::tools
