// ScriptedHttpServer: a tiny HTTP/1.1 server on 127.0.0.1 that answers each request with the
// next scripted response, for testing how clients handle faults a real server rarely shows on
// demand: 5xx/429 bursts, bodies cut short, servers that never answer. It records every request
// (method, target, headers, body) so tests can check what was sent.
//
// One connection at a time; every response carries "Connection: close". Not a general server.
// Thread-safety: Push/requests/port may be called from any thread while the server runs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"

namespace brkv::testing {

struct RecordedRequest {
  std::string method;
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // When set, Content-Length announces this many bytes but only `body` is sent before the
  // connection closes (a cut connection / short read).
  int64_t announced_length = -1;
  // Never answer: hold the connection until the client gives up or the server stops.
  bool hang = false;
};

class ScriptedHttpServer {
 public:
  // Answers requests the script does not cover. Default: 200 with an empty body.
  using Fallback = std::function<ScriptedResponse(const RecordedRequest&)>;

  ScriptedHttpServer() = default;
  ~ScriptedHttpServer();  // Stop()
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  // Binds a free 127.0.0.1 port and starts serving. Unavailable if the socket cannot be set up.
  Status Start();
  // Stops serving and joins the thread; a hanging response is released. Idempotent.
  void Stop();

  uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Appends a response to the script (served in order, one per request).
  void Push(ScriptedResponse response);
  void SetFallback(Fallback fallback);
  // Every request received so far.
  std::vector<RecordedRequest> requests() const;

 private:
  void Serve();
  void HandleConnection(int fd);
  ScriptedResponse Next(const RecordedRequest& request);

  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::deque<ScriptedResponse> script_;    // GUARDED_BY(mu_)
  Fallback fallback_;                      // GUARDED_BY(mu_)
  std::vector<RecordedRequest> requests_;  // GUARDED_BY(mu_)
};

}  // namespace brkv::testing
