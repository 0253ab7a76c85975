// `br validate`: offline checks of a finished backup, reading only the storage.
//
//   checksum  re-reads every data file listed in backupmeta (v1 inline and v2 leaves) and checks
//             its size and the SHA-256 of its stored bytes (ciphertext when encrypted) against
//             the metadata. Every file is checked; all failures are reported, each naming the
//             file (lessons.md 10: a corrupt file must never restore "successfully").
//   decode    the metadata as JSON (br/meta_decode.h), whole or one field.
// Neither prints a secret: the metadata holds no key or credential, and the storage is only
// ever named by its redacted URL.
// Thread-safety: one call per thread; the storage must outlive the call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "br/meta_decode.h"
#include "br/meta_reader.h"
#include "common/status.h"
#include "storage/external_storage.h"

namespace brkv::br {

struct ValidateChecksumReport {
  uint64_t files = 0;  // data files checked
  uint64_t bytes = 0;  // bytes read
  // One line per bad file: "<name>: <what is wrong>".
  std::vector<std::string> failures;
};

// Checks every data file of the backup in `storage`. Errors: the metadata cannot be read
// (NotFound: no backupmeta; wrong key; corrupt leaf) or the storage fails in a way that is not
// about one file. File problems (missing, wrong size, sha256 mismatch) go into the report.
// Reads one data file whole and compares its size and sha256 with `f`. Returns an empty string
// when it matches, else what is wrong ("missing from the storage", "sha256 mismatch: ...");
// storage errors other than NotFound are returned as errors. Adds the bytes read to *bytes.
Result<std::string> CheckBackupFile(storage::ExternalStorage* storage, const ::backup::File& f,
                                    uint64_t* bytes);

Result<ValidateChecksumReport> ValidateChecksum(storage::ExternalStorage* storage,
                                                const MetaReaderOptions& options = {});

// The report as the error `br validate checksum` exits with: OK when nothing failed, else
// Corruption "N of M backup files failed validation: <first failures>; ...".
Status ChecksumReportStatus(const ValidateChecksumReport& report);

// The backup's metadata as JSON (DecodeOptions: one field or all).
Result<std::string> DecodeBackup(storage::ExternalStorage* storage,
                                 const MetaReaderOptions& options, const DecodeOptions& decode);

}  // namespace brkv::br
