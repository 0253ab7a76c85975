#include "harness/playground_process.h"

#include <signal.h>

#include <filesystem>

#include "harness/test_env.h"
#include "tools/net_util.h"

namespace brkv::itest {

Result<std::unique_ptr<PlaygroundProcess>> PlaygroundProcess::Start(
    const PlaygroundProcessOptions& o) {
  if (o.data_dir.empty()) return Status::InvalidArgument("data_dir is required");
  std::unique_ptr<PlaygroundProcess> p(new PlaygroundProcess());
  p->port_base_ = o.port_base;
  if (p->port_base_ == 0) {
    ASSIGN_OR_RETURN(p->port_base_, tools::PickFreePortRange(o.kv_count + 1));
  }
  std::filesystem::path dir(o.data_dir);
  std::string stem = dir.filename().string();
  std::string side = dir.parent_path().string();
  std::vector<std::string> argv = {BinPath("playground"),
                                   "--kv",
                                   std::to_string(o.kv_count),
                                   "--data-dir",
                                   o.data_dir,
                                   "--port-base",
                                   std::to_string(p->port_base_)};
  if (!o.kv_config_toml.empty()) {
    std::string cfg = side + "/" + stem + ".kv.toml";
    RETURN_IF_ERROR(WriteFile(cfg, o.kv_config_toml));
    argv.push_back("--kv-config");
    argv.push_back(cfg);
  }
  p->stderr_path_ = side + "/" + stem + ".playground.stderr";
  tools::SubprocessOptions so;
  so.argv = argv;
  so.pipe_stdout = true;
  so.stderr_path = p->stderr_path_;
  ASSIGN_OR_RETURN(p->proc_, tools::Subprocess::Start(so));

  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.ready_timeout_ms);
  while (true) {
    auto line = p->proc_->ReadLine(deadline);
    if (!line.ok()) {
      std::string why = line.status().IsNotFound() ? "playground closed stdout before READY"
                                                   : "no READY before the deadline";
      p->proc_->Kill();
      return Status::Aborted(why + "; stdout so far: " + std::to_string(p->lines_.size()) +
                             " lines; stderr: " + p->StderrText());
    }
    p->lines_.push_back(*line);
    if (line->rfind("PD: ", 0) == 0) p->pd_address_ = line->substr(4);
    if (*line == "READY") break;
  }
  if (p->pd_address_.empty()) {
    p->proc_->Kill();
    return Status::Aborted("playground printed READY without a PD: line first");
  }
  return p;
}

PlaygroundProcess::~PlaygroundProcess() {
  if (proc_) proc_->Kill();
}

std::string PlaygroundProcess::StderrText() const { return ReadFile(stderr_path_); }

Result<tools::ExitInfo> PlaygroundProcess::Terminate(std::chrono::milliseconds timeout) {
  RETURN_IF_ERROR(proc_->Signal(SIGTERM));
  return proc_->Wait(timeout);
}

}  // namespace brkv::itest
