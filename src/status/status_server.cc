#include "status/status_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstring>

namespace brkv::status {

struct StatusServer::Daemon {
  MHD_Daemon* d = nullptr;
  ~Daemon() {
    if (d) MHD_stop_daemon(d);
  }
};

struct Handler {
  static MHD_Result Respond(MHD_Connection* c, unsigned code, const std::string& body,
                            const char* type) {
    MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                      MHD_RESPMEM_MUST_COPY);
    if (r == nullptr) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
  }

  static MHD_Result Serve(void* cls, MHD_Connection* c, const char* url, const char* method,
                          const char*, const char*, size_t* upload_size, void** state) {
    auto* self = static_cast<StatusServer*>(cls);
    // The first call only announces the request; answer on the second (headers complete).
    if (*state == nullptr) {
      *state = self;
      return MHD_YES;
    }
    if (*upload_size != 0) {
      *upload_size = 0;  // ignore request bodies
      return MHD_YES;
    }
    const bool get = std::strcmp(method, "GET") == 0 || std::strcmp(method, "HEAD") == 0;
    if (!get) return Respond(c, 405, "only GET\n", "text/plain; charset=utf-8");
    if (std::strcmp(url, "/metrics") == 0) {
      std::string text;
      for (const metrics::Registry* reg : self->registries_) text += reg->Render();
      return Respond(c, 200, text, "text/plain; version=0.0.4; charset=utf-8");
    }
    if (std::strcmp(url, "/status") == 0) {
      return Respond(c, 200, "{\"status\":\"ok\"}\n", "application/json");
    }
    return Respond(c, 404, "not found: try /metrics or /status\n", "text/plain; charset=utf-8");
  }
};

Result<std::unique_ptr<StatusServer>> StatusServer::Start(const StatusServerOptions& options) {
  const std::string& addr = options.addr;
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("status address '" + addr + "' is not host:port");
  }
  std::string host = addr.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(addr.substr(colon + 1), &used);
    if (used != addr.size() - colon - 1) port = -1;
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return Status::InvalidArgument("status address '" + addr + "' has no valid port");
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    return Status::InvalidArgument("status address '" + addr +
                                   "' needs an IPv4 address (e.g. 127.0.0.1:20180)");
  }
  std::unique_ptr<StatusServer> s(new StatusServer());
  s->registries_ = options.registries;
  if (s->registries_.empty()) s->registries_.push_back(&metrics::Default());
  s->daemon_ = std::make_unique<Daemon>();
  s->daemon_->d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, nullptr, nullptr, &Handler::Serve,
      s.get(), MHD_OPTION_SOCK_ADDR, reinterpret_cast<const sockaddr*>(&sa),
      MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
  if (s->daemon_->d == nullptr) {
    return Status::IOError("cannot listen on status address " + addr +
                           " (address in use or not a local address?)");
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(s->daemon_->d, MHD_DAEMON_INFO_BIND_PORT);
  s->host_ = host;
  s->port_ = info != nullptr ? info->port : port;
  return s;
}

StatusServer::~StatusServer() = default;

}  // namespace brkv::status
