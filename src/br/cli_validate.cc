// br validate checksum | decode: offline checks of a finished backup (br/validate.h).
#include <CLI/CLI.hpp>
#include <memory>

#include "br/cli_common.h"
#include "br/validate.h"
#include "common/logging.h"
#include "storage/external_storage.h"

namespace brkv::br {

namespace {

struct ValidateFlags {
  StorageFlags storage;
  CrypterFlags crypter;
  LogFlags log;
  std::string field;
  bool compact = false;
};

struct OpenedBackup {
  std::unique_ptr<storage::ExternalStorage> storage;
  MetaReaderOptions reader;
};

Result<OpenedBackup> Open(const ValidateFlags& f) {
  OpenedBackup b;
  ASSIGN_OR_RETURN(b.reader.cipher, CipherFromFlags(f.crypter));
  auto storage = storage::CreateStorageFromUrl(f.storage.storage);
  if (!storage.ok()) return storage.status().WithContext("-s/--storage");
  b.storage = std::move(storage).value();
  return b;
}

Status RunChecksum(BrCli* cli, const ValidateFlags& f) {
  ASSIGN_OR_RETURN(OpenedBackup b, Open(f));
  std::string log_path;
  RETURN_IF_ERROR(SetupLogging(f.log, &log_path));
  auto report = ValidateChecksum(b.storage.get(), b.reader);
  if (!report.ok()) {
    return report.status().WithContext("validate checksum of " + b.storage->Uri());
  }
  for (const std::string& line : report->failures) LOG_ERROR("validate checksum: {}", line);
  RETURN_IF_ERROR(ChecksumReportStatus(*report));
  std::fprintf(cli->out(), "validate checksum: %llu files, %llu bytes, every sha256 matches\n",
               static_cast<unsigned long long>(report->files),
               static_cast<unsigned long long>(report->bytes));
  return Status::OK();
}

Status RunDecode(BrCli* cli, const ValidateFlags& f) {
  ASSIGN_OR_RETURN(OpenedBackup b, Open(f));
  DecodeOptions d;
  d.field = f.field;
  d.indent = f.compact ? -1 : 2;
  auto json = DecodeBackup(b.storage.get(), b.reader, d);
  if (!json.ok()) return json.status().WithContext("validate decode of " + b.storage->Uri());
  std::fprintf(cli->out(), "%s\n", json->c_str());
  return Status::OK();
}

}  // namespace

void AddValidateCommands(CLI::App* app, BrCli* cli) {
  CLI::App* validate = app->add_subcommand("validate",
                                           "check or inspect a finished backup (reads the storage "
                                           "only)");
  validate->require_subcommand(1);

  {
    CLI::App* cmd = validate->add_subcommand(
        "checksum",
        "re-hash every data file and compare size and sha256 with backupmeta; "
        "exits non-zero naming each file that does not match");
    auto f = std::make_shared<ValidateFlags>();
    AddStorageFlags(cmd, &f->storage);
    AddCrypterFlags(cmd, &f->crypter);
    AddLogFlags(cmd, &f->log);
    cmd->callback([cli, f] { cli->set_action([cli, f] { return RunChecksum(cli, *f); }); });
  }
  {
    CLI::App* cmd = validate->add_subcommand(
        "decode", "print the backup metadata as JSON (keys in hex; never any secret)");
    auto f = std::make_shared<ValidateFlags>();
    AddStorageFlags(cmd, &f->storage);
    AddCrypterFlags(cmd, &f->crypter);
    cmd->add_option("--field", f->field,
                    "print one field: end-version, start-version, cluster-id, cluster-version, "
                    "br-version, version, is-raw-kv, files, schemas, ddls, raw-ranges, ...");
    cmd->add_flag("--compact", f->compact, "one-line JSON");
    cmd->callback([cli, f] { cli->set_action([cli, f] { return RunDecode(cli, *f); }); });
  }
}

}  // namespace brkv::br
