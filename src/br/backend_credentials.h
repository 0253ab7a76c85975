// What of a storage backend is sent to the storage nodes (`--send-credentials-to-tikv`).
//
// BR sends the nodes the backend it parsed from `-s URL`, credentials included, so they can
// upload (or download) the SSTs themselves. With --send-credentials-to-tikv=false the secrets
// are removed first and each node must find its own credentials (environment, instance
// profile). Which fields are secrets follows storage_backend.h; bucket, prefix, endpoint and
// the other non-secret settings are always kept.
// Thread-safety: pure functions.
#pragma once

#include "storage/storage_backend.h"

namespace brkv::br {

// `backend` without credentials: S3 access_key / secret_access_key / session_token; GCS
// credentials_blob and credentials_file; Azure shared_key / access_sig / encryption_key.
// Other backends are returned unchanged.
storage::StorageBackend WithoutCredentials(const storage::StorageBackend& backend);

}  // namespace brkv::br
