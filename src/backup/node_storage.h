// How a storage node opens the external storage a backup or restore request names
// (`--send-credentials-to-tikv`, architecture.md "External storage").
//
// br sends the nodes the backend it parsed from `-s URL`: with its credentials by default,
// without them when --send-credentials-to-tikv=false. A node then has to find its own, from
// its environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/ AWS_SESSION_TOKEN] for S3;
// GCS_HMAC_ACCESS_ID / GCS_HMAC_SECRET for GCS; AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN
// [+ AZURE_STORAGE_ACCOUNT] for Azure Blob), which
// the storage backends read when the backend carries none. A backend with no credentials
// and an environment without them is refused here with one clear line, instead of sending
// anonymous requests that a real object store answers with a bare "access denied" (and that
// a permissive test server would even accept).
//
// Nothing here logs or returns a secret: errors name the storage by its redacted URL and
// name the environment variables, never their values.
// Thread-safety: pure functions (they read the process environment).
#pragma once

#include <functional>
#include <memory>

#include "common/status.h"
#include "storage/external_storage.h"
#include "storage/storage_backend.h"

namespace brkv::backup {

// OK when the node can authenticate to `backend`: the backend carries credentials, or the
// node's environment has them, or the backend needs none (local, noop, memstore, hdfs, and
// the backends whose credentials are resolved by the storage layer itself).
// InvalidArgument (not retryable) otherwise: "access denied: no credentials for
// s3://bucket/prefix?... on this node: br sent none (--send-credentials-to-tikv=false) and the
// node's environment has no AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; ...".
Status CheckNodeCredentials(const storage::StorageBackend& backend);

// CheckNodeCredentials, then storage::CreateStorage(backend, options). The shape of
// SstImporterOptions::storage_factory.
Result<std::unique_ptr<storage::ExternalStorage>> OpenNodeStorage(
    const storage::StorageBackend& backend, const storage::StorageOptions& options);

// OpenNodeStorage with fixed `options`, as a shared storage: the shape of
// BackupEndpointOptions::storage_factory.
std::function<Result<std::shared_ptr<storage::ExternalStorage>>(const storage::StorageBackend&)>
NodeBackupStorageFactory(storage::StorageOptions options);

}  // namespace brkv::backup
