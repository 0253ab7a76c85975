// Staged files of a restore job on the target's nodes: how they are named and how br clears
// them (docs/restore.md "Staged files").
//
// A node stages every file br downloads as <data-dir>/import/<uuid>_<cf>.sst, the uuid (16
// bytes, SSTMeta.uuid) in its 8-4-4-4-12 hex text form. br makes the first 4 bytes of every
// uuid of one restore job the same (StagedUuidPrefix: the first 4 bytes of SHA-256 of the job
// id) and the other 12 random, so the staged files of every run of the job start with the same
// 8 hex digits (StagedNamePrefix) and ImportSST ClearFiles with them removes exactly those:
// at the start of a resumed run (what a killed run left) and at the end of every run.
//
// Another job's files share the prefix with probability 2^-32; a node never removes a file a
// download or an ingest is working on.
// Thread-safety: the functions are thread-safe when the ImporterClient is.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "br/restore_importer.h"

namespace brkv::br {

// Bytes of a uuid taken from the job: 4 (8 hex digits of the staged file name).
inline constexpr size_t kStagedUuidPrefixBytes = 4;

// The first kStagedUuidPrefixBytes bytes of SHA-256 of `job_id` (RestoreJobId).
std::string StagedUuidPrefix(std::string_view job_id);

// A fresh 16-byte uuid: `prefix` (at most 16 bytes; empty = none) followed by random bytes.
// The RFC 4122 version-4 and variant bits are set where they fall outside the prefix, so the
// text form of a job's uuid still reads as a random uuid.
std::string NewStagedUuid(std::string_view prefix);

// The lower-case hex text a node's staged file names start with for uuids beginning with
// `uuid_prefix` (at most 4 bytes, which lie before the first '-' of the text form).
std::string StagedNamePrefix(std::string_view uuid_prefix);

struct ClearStagedReport {
  size_t stores = 0;                // stores asked
  std::vector<std::string> failed;  // "address: error" of the stores that did not answer OK
};

struct ClearStagedOptions {
  // Deadline of each ClearFiles call. Default: 10 s.
  std::chrono::milliseconds timeout{10000};
  // Stores asked at once. Default: 16.
  int concurrency = 16;
};

// Asks every store at `addresses` to remove its staged files of the job whose uuids start with
// `uuid_prefix` (ImportSST ClearFiles). Never fails: a store that cannot be reached or refuses
// is logged as a warning and listed in the report (its node's sweep removes the files later).
// REQUIRES: uuid_prefix is kStagedUuidPrefixBytes bytes.
ClearStagedReport ClearStagedFiles(ImporterClient* client,
                                   const std::vector<std::string>& addresses,
                                   std::string_view uuid_prefix,
                                   const ClearStagedOptions& options = {});

}  // namespace brkv::br
