// br command-line plumbing shared by every command group (backup, validate, restore).
//
// cmd/br_main.cc builds the CLI11 app and calls one Add*Commands(app, cli) per group; each
// registers its subcommands and, in their parse callbacks, stores the work to run with
// cli->set_action(). main runs that action after parsing succeeded, so a usage error never
// touches the cluster or the storage, and prints a non-OK Status as one "br: error: ..." line.
// A new group (restore) is added the same way: write AddRestoreCommands in cli_restore.cc,
// declare it below and call it from main.
//
// The flag helpers give every command the same spelling, defaults and help text for the flags
// BR shares between backup and restore (--pd, -s, --crypter.*, --log-file, ...). Secrets given
// on the command line (the crypter key, storage credentials in the URL) are never echoed.
// Thread-safety: single-threaded (one command per process).
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sst/compression.h"
#include "sst/crypter.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace brkv::br {

class Interrupt;

class BrCli {
 public:
  // The command to run, chosen by a subcommand's parse callback.
  void set_action(std::function<Status()> action) { action_ = std::move(action); }
  bool has_action() const { return static_cast<bool>(action_); }
  Status RunAction() { return action_(); }

  // Results (summaries, JSON, progress) go to out(); err() is for the error line. Tests may
  // redirect both.
  std::FILE* out() const { return out_; }
  std::FILE* err() const { return err_; }
  void set_out(std::FILE* f) { out_ = f; }
  void set_err(std::FILE* f) { err_ = f; }
  // SIGINT/SIGTERM turned into a clean stop (main installs it); nullptr in tests.
  Interrupt* interrupt() const { return interrupt_; }
  void set_interrupt(Interrupt* i) { interrupt_ = i; }

 private:
  Interrupt* interrupt_ = nullptr;
  std::function<Status()> action_;
  std::FILE* out_ = stdout;
  std::FILE* err_ = stderr;
};

// Flags every cluster command takes.
struct ClusterFlags {
  // PD address HOST:PORT. Default: 127.0.0.1:2379.
  std::string pd = "127.0.0.1:2379";
  // Seconds br waits for PD (each call's retries). Default: 30.
  double pd_timeout_s = 30;
  // Refuse to start when the cluster looks unhealthy (a store down). Default: true.
  bool check_requirements = true;
};

// -s/--storage and how credentials travel.
struct StorageFlags {
  // REQUIRED: the backup location URL.
  std::string storage;
  // Send the storage credentials to the nodes. Default: true.
  bool send_credentials = true;
};

// --crypter.method / --crypter.key / --crypter.key-file.
struct CrypterFlags {
  // Default: plaintext.
  std::string method = "plaintext";
  // Hex key (secret).
  std::string key;
  // A file holding the hex key (whitespace around it ignored).
  std::string key_file;
};

// --log-file / --log-level.
struct LogFlags {
  // Default: empty = a new file br.log.<time> in $TMPDIR (or /tmp), named on stdout.
  std::string file;
  // Default: info.
  std::string level = "info";
  // Backup and restore only: also write the summary as JSON here (see summary_json.h).
  // Default: empty (none).
  std::string summary_json;
};

void AddClusterFlags(CLI::App* cmd, ClusterFlags* f);
void AddStorageFlags(CLI::App* cmd, StorageFlags* f);
void AddCrypterFlags(CLI::App* cmd, CrypterFlags* f);
void AddLogFlags(CLI::App* cmd, LogFlags* f);

// A BR-style boolean flag: `--name` (true), `--name=true|false|1|0`.
CLI::Option* AddBoolFlag(CLI::App* cmd, const std::string& name, bool* value,
                         const std::string& help);

// The cipher the crypter flags describe. InvalidArgument for an unknown method, a key that is
// not hex, a key of the wrong length for the method, both --crypter.key and
// --crypter.key-file, a key with plaintext, or an AES method without a key. The key itself is
// never part of a message.
Result<sst::CipherInfo> CipherFromFlags(const CrypterFlags& f);

// Decodes a key flag given in --format raw|hex|escaped; `flag` names it in errors.
Result<std::string> DecodeKeyFlag(const std::string& text, const std::string& format,
                                  const std::string& flag);
// A flag value in seconds as a duration.
std::chrono::milliseconds SecondsFlag(double seconds);

// Sends logs to --log-file (or a fresh temp file). *path gets the file used.
Status SetupLogging(const LogFlags& f, std::string* path);

// A Status as the single line main prints after "br: error: " (newlines flattened).
std::string ErrorLine(const Status& s);

// The secret values on a command line: the values of secret query parameters of every
// URL-looking argument (access-key, secret-access-key, session-token, account-key, sas-token,
// encryption-key, credentials-blob, a userinfo password), raw and percent-decoded, and the
// value of --crypter.key. Values shorter than 4 characters are left out (they would redact
// ordinary words and cannot be told apart from them anyway).
std::vector<std::string> CommandLineSecrets(const std::vector<std::string>& args);
// `text` with every occurrence of each of `secrets` replaced by "redacted". For messages that
// may echo command-line input verbatim (CLI11's parse errors), which no URL parser has seen.
std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets);

// Command groups.
void AddBackupCommands(CLI::App* app, BrCli* cli);    // backup full|db|table|raw
void AddValidateCommands(CLI::App* app, BrCli* cli);  // validate checksum|decode

}  // namespace brkv::br
