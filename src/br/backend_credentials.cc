#include "br/backend_credentials.h"

#include <variant>

namespace brkv::br {

storage::StorageBackend WithoutCredentials(const storage::StorageBackend& backend) {
  storage::StorageBackend out = backend;
  if (auto* s3 = std::get_if<storage::S3Backend>(&out)) {
    s3->access_key.clear();
    s3->secret_access_key.clear();
    s3->session_token.clear();
  } else if (auto* gcs = std::get_if<storage::GcsBackend>(&out)) {
    gcs->credentials_blob.clear();
    gcs->credentials_file.clear();
  } else if (auto* az = std::get_if<storage::AzureBlobBackend>(&out)) {
    az->shared_key.clear();
    az->access_sig.clear();
    az->encryption_key.clear();
  }
  return out;
}

}  // namespace brkv::br
