#include "sql/sql_itest_util.h"

#include <chrono>

#include "harness/test_env.h"
#include "tools/net_util.h"

namespace brkv::itest {

Result<SqlServerProcess> StartSqlServer(const std::string& pd, const std::string& dir,
                                        const std::string& name, const std::string& config_toml) {
  ASSIGN_OR_RETURN(int port, tools::PickFreePortRange(1));
  std::vector<std::string> argv = {BinPath("sql-server"), "--pd", pd, "--addr",
                                   "127.0.0.1:" + std::to_string(port), "--log-file",
                                   dir + "/" + name + ".log"};
  if (!config_toml.empty()) {
    RETURN_IF_ERROR(WriteFile(dir + "/" + name + ".toml", config_toml));
    argv.push_back("--config");
    argv.push_back(dir + "/" + name + ".toml");
  }
  tools::SubprocessOptions o;
  o.argv = argv;
  o.pipe_stdout = true;
  o.stderr_path = dir + "/" + name + ".stderr";
  SqlServerProcess p;
  ASSIGN_OR_RETURN(p.proc, tools::Subprocess::Start(o));
  ASSIGN_OR_RETURN(std::string line,
                   p.proc->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(60)));
  if (line.find("listening on") == std::string::npos) {
    return Status::Internal("unexpected sql-server output: " + line);
  }
  p.port = port;
  return p;
}

std::vector<std::string> MariadbArgv(int port, const std::string& script,
                                     const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {kMariadbPath, "-h127.0.0.1", "-P" + std::to_string(port),
                                   "-uroot", "--batch"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("-e");
  argv.push_back(script);
  return argv;
}

}  // namespace brkv::itest
