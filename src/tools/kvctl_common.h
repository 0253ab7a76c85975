// kvctl plumbing shared by every command group: global flags, the lazily opened connections,
// key/value formats and table output.
//
// Each command group (kvctl_cluster.cc, kvctl_raw.cc, ...) registers CLI11 subcommands with
// Add*Commands(app, ctx). A subcommand's parse callback stores the work to do in
// ctx->set_action(); main runs it after parsing, so parse errors never touch the network.
// Actions return a Status; main prints a non-OK one as a single "kvctl: error: ..." line.
// Thread-safety: single-threaded (one command per process).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/pd_client.h"
#include "common/status.h"

namespace CLI {
class App;
}

namespace brkv::client {
class Cluster;
}

namespace brkv::tools {

// How keys and values are written on the command line and printed.
//   escaped  printable ASCII as is, other bytes as \xNN, backslash as \\ (input also accepts
//            \n \t \r \" \')
//   hex      lower-case hex digits (input: either case)
//   raw      the bytes as given / as stored
enum class KeyFormat { kEscaped, kHex, kRaw };

// Parses "escaped" | "hex" | "raw".
Result<KeyFormat> ParseKeyFormat(std::string_view name);
// Decodes a command-line key or value. InvalidArgument naming `what` when malformed.
Result<std::string> DecodeArg(std::string_view text, KeyFormat format, std::string_view what);
// Encodes bytes for printing.
std::string EncodeOut(std::string_view bytes, KeyFormat format);

struct KvctlGlobalOptions {
  // PD address "host:port". Default: 127.0.0.1:2379.
  std::string pd = "127.0.0.1:2379";
  // Key/value format name. Default: escaped.
  std::string format = "escaped";
  // Bound on reaching PD and on each command's retries, in seconds. Default: 10.
  double timeout_s = 10;
};

class KvctlContext {
 public:
  KvctlContext();
  ~KvctlContext();

  KvctlGlobalOptions& options() { return options_; }
  const KvctlGlobalOptions& options() const { return options_; }
  int64_t timeout_ms() const { return static_cast<int64_t>(options_.timeout_s * 1000); }

  // The format chosen with --format. REQUIRES: ValidateGlobals() succeeded.
  KeyFormat format() const { return format_; }
  Result<std::string> DecodeArg(std::string_view text, std::string_view what) const {
    return tools::DecodeArg(text, format_, what);
  }
  std::string Out(std::string_view bytes) const { return EncodeOut(bytes, format_); }

  // Checks --pd and --format; called by main before running the action.
  Status ValidateGlobals();

  // The PD client, connected on first use. Unavailable (after at most the --timeout) when
  // PD cannot be reached.
  Result<client::PdClient*> Pd();
  // The cluster client (region cache, txn and raw clients), connected on first use.
  Result<client::Cluster*> GetCluster();

  // The command to run, chosen by a subcommand's parse callback.
  void set_action(std::function<Status()> action) { action_ = std::move(action); }
  bool has_action() const { return static_cast<bool>(action_); }
  Status RunAction() { return action_(); }

  // Where command output goes (stdout; tests may redirect).
  std::FILE* out() const { return out_; }
  void set_out(std::FILE* out) { out_ = out; }

 private:
  KvctlGlobalOptions options_;
  KeyFormat format_ = KeyFormat::kEscaped;
  std::unique_ptr<client::PdClient> pd_;
  std::unique_ptr<client::Cluster> cluster_;
  std::function<Status()> action_;
  std::FILE* out_ = stdout;
};

// A plain-text table: a header row and rows of cells, printed with columns padded to the
// widest cell and two spaces between columns.
class TablePrinter {
 public:
  explicit TablePrinter(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t rows() const { return rows_.size(); }
  void Print(std::FILE* out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Parses a decimal uint64 ("what" names it in the error).
Result<uint64_t> ParseUint64(std::string_view text, std::string_view what);
// "3.2s ago" for a unix time in milliseconds; "never" for <= 0.
std::string AgoMs(int64_t unix_ms);

// Command groups.
void AddClusterCommands(CLI::App* app, KvctlContext* ctx);  // stores, regions, tso
void AddRawCommands(CLI::App* app, KvctlContext* ctx);      // raw put|get|delete|scan
void AddTxnCommands(CLI::App* app, KvctlContext* ctx);      // txn put|get|delete|scan
void AddAdminCommands(CLI::App* app, KvctlContext* ctx);    // split, scatter, gc
void AddOperatorCommands(CLI::App* app, KvctlContext* ctx); // operator show|add, store delete
void AddConsistencyCommands(CLI::App* app, KvctlContext* ctx);  // consistency-check
// Tables, catalog, checksums and loaders: AddTableCommands in kvctl_table.h.

}  // namespace brkv::tools
