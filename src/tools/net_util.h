// Small address and port helpers shared by kvctl, playground and the test harness.
// Thread-safety: pure functions (the port helpers touch only sockets they own).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::tools {

struct HostPort {
  std::string host;
  int port = 0;
};

// Parses "host:port" (host non-empty, no spaces; "[v6]:port" accepted; port 1..65535).
// InvalidArgument with a message naming the bad part otherwise.
Result<HostPort> ParseHostPort(std::string_view address);

// True when a TCP socket can bind 127.0.0.1:port right now (without SO_REUSEPORT, so a
// gRPC server holding the port with SO_REUSEPORT still counts as busy).
bool IsLocalPortFree(int port);

// A base port P such that 127.0.0.1 ports P..P+count-1 are all free right now, chosen at
// random in [20000, 60000) so that concurrent tests rarely collide. Unavailable after many
// failed attempts. The ports are not reserved: a caller must tolerate a lost race.
Result<int> PickFreePortRange(int count);

}  // namespace brkv::tools
