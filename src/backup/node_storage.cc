#include "backup/node_storage.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <variant>

namespace brkv::backup {

namespace {

bool EnvSet(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

Status Missing(const storage::StorageBackend& backend, const std::string& env) {
  return Status::InvalidArgument(
      "access denied: no credentials for " + storage::FormatBackendUrl(backend) +
      " on this node: br sent none (--send-credentials-to-tikv=false) and the node's "
      "environment has no " +
      env + "; set them in the environment of every kv-server or let br send its own");
}

}  // namespace

Status CheckNodeCredentials(const storage::StorageBackend& backend) {
  if (const auto* s3 = std::get_if<storage::S3Backend>(&backend)) {
    // Credentials by profile or assumed role are not something this node can resolve today;
    // they are passed through so that the S3 layer reports its own error for them.
    if (!s3->access_key.empty() || !s3->profile.empty() || !s3->role_arn.empty()) {
      return Status::OK();
    }
    if (EnvSet("AWS_ACCESS_KEY_ID") && EnvSet("AWS_SECRET_ACCESS_KEY")) return Status::OK();
    return Missing(backend, "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
  }
  if (const auto* gcs = std::get_if<storage::GcsBackend>(&backend)) {
    if (!gcs->credentials_blob.empty() || !gcs->credentials_file.empty()) return Status::OK();
    if (EnvSet("GCS_HMAC_ACCESS_ID") && EnvSet("GCS_HMAC_SECRET")) return Status::OK();
    return Missing(backend, "GCS_HMAC_ACCESS_ID / GCS_HMAC_SECRET");
  }
  if (const auto* az = std::get_if<storage::AzureBlobBackend>(&backend)) {
    if (!az->shared_key.empty() || !az->access_sig.empty()) return Status::OK();
    if (EnvSet("AZURE_STORAGE_KEY") || EnvSet("AZURE_STORAGE_SAS_TOKEN")) return Status::OK();
    return Missing(backend, "AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN");
  }
  return Status::OK();
}

Result<std::unique_ptr<storage::ExternalStorage>> OpenNodeStorage(
    const storage::StorageBackend& backend, const storage::StorageOptions& options) {
  RETURN_IF_ERROR(CheckNodeCredentials(backend));
  return storage::CreateStorage(backend, options);
}

std::function<Result<std::shared_ptr<storage::ExternalStorage>>(const storage::StorageBackend&)>
NodeBackupStorageFactory(storage::StorageOptions options) {
  return [options](const storage::StorageBackend& backend)
             -> Result<std::shared_ptr<storage::ExternalStorage>> {
    ASSIGN_OR_RETURN(std::unique_ptr<storage::ExternalStorage> s,
                     OpenNodeStorage(backend, options));
    return std::shared_ptr<storage::ExternalStorage>(std::move(s));
  };
}

}  // namespace brkv::backup
