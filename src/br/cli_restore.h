// br restore full | db | table | raw: the command group cmd/br_main.cc registers.
// Flags → RestoreConfig → RunRestore → one summary line on stdout (progress too); failures
// are one "br: error: ..." line from main.
// Thread-safety: single-threaded (one command per process).
#pragma once

namespace CLI {
class App;
}

namespace brkv::br {

class BrCli;

// Adds `restore` and its subcommands to `app`; the chosen one stores its action in `cli`.
void AddRestoreCommands(CLI::App* app, BrCli* cli);

}  // namespace brkv::br
