#include "status/status_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace brkv::status {
namespace {

// One HTTP/1.0 request to 127.0.0.1:port; the whole response.
std::string Http(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return "";
  }
  (void)!write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST(StatusServerTest, ServesMetricsStatusAndRefusesTheRest) {
  metrics::Registry reg;
  reg.Counter("x_things_total", "Things.", {}).With({}).Inc(5);
  StatusServerOptions o;
  o.addr = "127.0.0.1:0";
  o.registries = {&reg};
  auto s = StatusServer::Start(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_GT((*s)->port(), 0);
  std::string m = Http((*s)->port(), "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(m.rfind("HTTP/1.1 200", 0), 0u) << m;
  EXPECT_NE(m.find("text/plain; version=0.0.4"), std::string::npos) << m;
  EXPECT_NE(m.find("\r\n\r\n# HELP x_things_total Things.\n# TYPE x_things_total counter\n"
                   "x_things_total 5\n"),
            std::string::npos)
      << m;
  EXPECT_NE(Http((*s)->port(), "GET /status HTTP/1.0\r\n\r\n").find("{\"status\":\"ok\"}"),
            std::string::npos);
  EXPECT_EQ(Http((*s)->port(), "GET /nope HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Http((*s)->port(), "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
                .rfind("HTTP/1.1 405", 0),
            0u);
}

TEST(StatusServerTest, BadAndBusyAddressesAreClearErrors) {
  StatusServerOptions o;
  o.addr = "localhost";
  EXPECT_EQ(StatusServer::Start(o).status().code(), Status::Code::kInvalidArgument);
  o.addr = "nohost:12";
  EXPECT_EQ(StatusServer::Start(o).status().code(), Status::Code::kInvalidArgument);
  o.addr = "127.0.0.1:0";
  auto a = StatusServer::Start(o);
  ASSERT_TRUE(a.ok());
  o.addr = "127.0.0.1:" + std::to_string((*a)->port());
  auto b = StatusServer::Start(o);
  EXPECT_EQ(b.status().code(), Status::Code::kIOError) << b.status().ToString();
}

}  // namespace
}  // namespace brkv::status
