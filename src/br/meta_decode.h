// Human-readable decoding of backup metadata, for `br validate decode`.
//
// The JSON is a logical view of the backup: the root BackupMeta's fields (proto field names),
// with the items of v2 leaves appended to the v1-style lists `files`, `schemas`, `ddls` and
// `raw_ranges`, so v1 and v2 backups decode alike and nothing split into leaves is hidden.
// Rendering:
//   - keys, hashes and IVs (bytes) as lower-case hex;
//   - Schema.db / Schema.table / ddls / stats / policies (JSON stored as bytes) as JSON;
//   - 64-bit integers as JSON numbers; enums by name.
// Secrets never appear: the metadata holds no cipher key or storage credential, and any field
// named like one (cipher_key, secret_access_key, session_token, shared_key, access_sig,
// credentials_blob, encryption_key, access_key) is printed as "<redacted>" should it ever be
// added. The decoder takes no key and no storage, so it cannot leak them.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "proto/brpb.pb.h"

namespace brkv::br {

struct DecodeOptions {
  // Print only this BackupMeta field: "end-version", "start-version", "cluster-id",
  // "cluster-version", "br-version", "version", "is-raw-kv", "files", "schemas", "ddls", ...
  // ('-' or '_' between words). Scalars print bare (a number, or the string without quotes);
  // lists and messages print as JSON. Default: empty = the whole metadata.
  std::string field;
  // Pretty-print with this indent; < 0 = one line. Default: 2.
  int indent = 2;
};

// A v2 leaf MetaFile and its object name, as read (and verified) by MetaReader.
struct DecodedLeaf {
  std::string name;
  backup::MetaFile content;
};

// Renders `meta` plus the contents of its `leaves` (in index order).
// InvalidArgument for an unknown field name (the message lists the valid ones).
Result<std::string> DecodeBackupMetaToJson(const backup::BackupMeta& meta,
                                           const std::vector<DecodedLeaf>& leaves,
                                           const DecodeOptions& options = {});

// The JSON rendering of any backup-format message with the same rules (used for one File or
// Schema in messages and tests).
std::string MessageToDebugJson(const google::protobuf::Message& message, int indent = -1);

}  // namespace brkv::br
