// br: backup & restore client of a brkv cluster. Parses flags, runs one command, exits 0 when
// the job succeeded and was verified, or non-zero with one "br: error: ..." line on stderr.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <google/protobuf/stubs/logging.h>

#include "br/cli_common.h"
#include "br/cli_restore.h"
#include "br/interrupt.h"
#include "br/version.h"
#include "common/logging.h"

namespace {

// libprotobuf reports a failed parse (e.g. a backupmeta read with the wrong key) on stderr by
// itself; br already turns that failure into its one error line, so the library's note goes to
// the log instead.
void ProtobufToLog(google::protobuf::LogLevel level, const char* file, int line,
                   const std::string& message) {
  if (level >= google::protobuf::LOGLEVEL_FATAL) {
    std::fprintf(stderr, "br: fatal: protobuf %s:%d: %s\n", file, line, message.c_str());
    return;
  }
  LOG_WARN("protobuf: {}", message);
}

}  // namespace

int main(int argc, char** argv) {
  google::protobuf::SetLogHandler(&ProtobufToLog);
  brkv::br::BrCli cli;
  CLI::App app{"br: back up and restore a brkv cluster (TiDB BR compatible backups)", "br"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", brkv::br::BrVersionInfo());

  brkv::br::AddBackupCommands(&app, &cli);
  brkv::br::AddValidateCommands(&app, &cli);
  brkv::br::AddRestoreCommands(&app, &cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 may echo an argument verbatim (e.g. one it did not expect): never a secret.
    const std::vector<std::string> secrets =
        brkv::br::CommandLineSecrets(std::vector<std::string>(argv, argv + argc));
    std::fprintf(stderr, "br: error: %s (run with --help for usage)\n",
                 brkv::br::RedactSecrets(e.what(), secrets).c_str());
    return 2;
  }
  // Backup and restore turn SIGINT/SIGTERM into a clean stop (progress saved) through this.
  static brkv::br::Interrupt interrupt;
  cli.set_interrupt(&interrupt);
  brkv::Status s = cli.has_action()
                       ? cli.RunAction()
                       : brkv::Status::InvalidArgument("no command given (run with --help)");
  std::fflush(cli.out());
  if (!s.ok()) {
    std::fprintf(stderr, "br: error: %s\n", brkv::br::ErrorLine(s).c_str());
    return 1;
  }
  return 0;
}
