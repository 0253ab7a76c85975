// Shared by the SQL integration tests: a sql-server process in front of a test cluster, and the
// command line of the real `mariadb` client talking to it.
// Thread-safety: plain functions; a SqlServerProcess is owned by one test.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "tools/subprocess.h"

namespace brkv::itest {

inline constexpr const char* kMariadbPath = "/usr/bin/mariadb";

// A running sql-server process.
struct SqlServerProcess {
  std::unique_ptr<tools::Subprocess> proc;
  int port = 0;
};

// Starts `sql-server --pd pd` on a free port, logging to dir/name.log (stderr to
// dir/name.stderr), with dir/name.toml as its config when `config_toml` is not empty; returns
// once it printed "listening on".
Result<SqlServerProcess> StartSqlServer(const std::string& pd, const std::string& dir,
                                        const std::string& name, const std::string& config_toml);

// `mariadb -h127.0.0.1 -P port -uroot --batch [extra…] -e script`.
std::vector<std::string> MariadbArgv(int port, const std::string& script,
                                     const std::vector<std::string>& extra = {});

}  // namespace brkv::itest
