// JobFingerprint: the options of a backup that decide what it stores (scope, filters, ts,
// compression, encryption), as ordered name/value pairs. A resumed backup must have the same
// fingerprint as the job it continues; when it differs, DescribeFingerprintDiff says which
// options differ so the message can tell the user what to change.
//
// Values are plain text without newlines (keys are hex, lists are joined with ','); the
// encryption key is represented by a salted sha256 prefix, never by the key.
// Thread-safety: value type and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace brkv::br {

// (option name as the user writes it, e.g. "--db", value).
using JobFingerprint = std::vector<std::pair<std::string, std::string>>;

// "--db: was 'a', now 'b'; --filter: was '', now 'x.*'" for every option whose value differs
// (an option missing on one side counts as the empty value). Empty when equal.
std::string DescribeFingerprintDiff(const JobFingerprint& was, const JobFingerprint& now);

// "name=value" lines, one per option, in order ('\n' and '\\' in values escaped).
std::string EncodeFingerprint(const JobFingerprint& f);
// Inverse of EncodeFingerprint over the lines of `text` that start with `prefix`; other lines
// are ignored. Corruption on a malformed line.
Result<JobFingerprint> DecodeFingerprint(std::string_view text, std::string_view prefix = "");

// A stable short digest of a secret (first 16 hex digits of a salted sha256), for recording
// "which key" without the key.
std::string SecretDigest(std::string_view secret);

}  // namespace brkv::br
