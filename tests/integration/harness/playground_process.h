// PlaygroundProcess: the `playground` binary run as a child, for tests of the tool itself and
// for scenarios happy with a cluster they do not need to take apart.
//
// Start() picks free ports, runs `playground --kv N --data-dir DIR --port-base P`, and reads its
// stdout until "PD: <addr>" and "READY" (or an error / exit / the deadline). The destructor
// SIGKILLs the playground if it still runs (its servers die with it through PR_SET_PDEATHSIG).
// Thread-safety: not thread-safe; owned by one test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "tools/subprocess.h"

namespace brkv::itest {

struct PlaygroundProcessOptions {
  int kv_count = 1;
  // Data directory. REQUIRES: non-empty (re-use it to restart the same cluster).
  std::string data_dir;
  // Port base; 0 picks a free range.
  int port_base = 0;
  // kv-server config contents (written to data_dir/../<name>.toml) when non-empty.
  std::string kv_config_toml;
  // How long to wait for READY. Default: 60 s.
  int64_t ready_timeout_ms = 60000;
};

class PlaygroundProcess {
 public:
  static Result<std::unique_ptr<PlaygroundProcess>> Start(const PlaygroundProcessOptions& o);
  ~PlaygroundProcess();

  pid_t pid() const { return proc_->pid(); }
  int port_base() const { return port_base_; }
  // The address printed on the "PD:" line.
  const std::string& pd_address() const { return pd_address_; }
  // The stdout lines read so far.
  const std::vector<std::string>& lines() const { return lines_; }
  // The playground's stderr (its own messages).
  std::string StderrText() const;

  // Sends SIGTERM and waits up to `timeout` for the playground to exit.
  Result<tools::ExitInfo> Terminate(std::chrono::milliseconds timeout);
  // SIGKILL (the servers die through PR_SET_PDEATHSIG).
  tools::ExitInfo Kill() { return proc_->Kill(); }

 private:
  PlaygroundProcess() = default;
  std::unique_ptr<tools::Subprocess> proc_;
  int port_base_ = 0;
  std::string pd_address_;
  std::string stderr_path_;
  std::vector<std::string> lines_;
};

}  // namespace brkv::itest
