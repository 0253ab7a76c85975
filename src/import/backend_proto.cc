#include "import/backend_proto.h"

#include <type_traits>

namespace brkv::import {

namespace {

constexpr const char* kMemStoreProvider = "memstore";

}  // namespace

Result<storage::StorageBackend> BackendFromProto(const backup::StorageBackend& pb) {
  using BC = backup::StorageBackend::BackendCase;
  switch (pb.backend_case()) {
    case BC::kNoop:
      return storage::StorageBackend(storage::NoopBackend{});
    case BC::kLocal:
      return storage::StorageBackend(storage::LocalBackend{pb.local().path()});
    case BC::kS3: {
      const backup::S3& p = pb.s3();
      storage::S3Backend b;
      b.endpoint = p.endpoint();
      b.region = p.region();
      b.bucket = p.bucket();
      b.prefix = p.prefix();
      b.storage_class = p.storage_class();
      b.sse = p.sse();
      b.acl = p.acl();
      b.access_key = p.access_key();
      b.secret_access_key = p.secret_access_key();
      b.force_path_style = p.force_path_style();
      b.sse_kms_key_id = p.sse_kms_key_id();
      b.role_arn = p.role_arn();
      b.external_id = p.external_id();
      b.object_lock_enabled = p.object_lock_enabled();
      b.session_token = p.session_token();
      b.provider = p.provider();
      b.profile = p.profile();
      return storage::StorageBackend(std::move(b));
    }
    case BC::kGcs: {
      const backup::GCS& p = pb.gcs();
      storage::GcsBackend b;
      b.endpoint = p.endpoint();
      b.bucket = p.bucket();
      b.prefix = p.prefix();
      b.storage_class = p.storage_class();
      b.predefined_acl = p.predefined_acl();
      b.credentials_blob = p.credentials_blob();
      return storage::StorageBackend(std::move(b));
    }
    case BC::kAzureBlobStorage: {
      const backup::AzureBlobStorage& p = pb.azure_blob_storage();
      storage::AzureBlobBackend b;
      b.endpoint = p.endpoint();
      b.bucket = p.bucket();
      b.prefix = p.prefix();
      b.storage_class = p.storage_class();
      b.account_name = p.account_name();
      b.shared_key = p.shared_key();
      b.access_sig = p.access_sig();
      b.encryption_scope = p.encryption_scope();
      b.encryption_key = p.encryption_key().encryption_key();
      return storage::StorageBackend(std::move(b));
    }
    case BC::kHdfs:
      return storage::StorageBackend(storage::HdfsBackend{pb.hdfs().remote()});
    case BC::kCloudDynamic: {
      const backup::CloudDynamic& p = pb.cloud_dynamic();
      if (p.provider_name() != kMemStoreProvider) {
        return Status::NotSupported("storage backend: unsupported cloud provider \"" +
                                    p.provider_name() + "\"");
      }
      return storage::StorageBackend(
          storage::MemStoreBackend{p.bucket().bucket(), p.bucket().prefix()});
    }
    case BC::BACKEND_NOT_SET:
      break;
  }
  return Status::InvalidArgument("storage backend is not set");
}

backup::StorageBackend BackendToProto(const storage::StorageBackend& backend) {
  backup::StorageBackend pb;
  std::visit(
      [&pb](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, storage::NoopBackend>) {
          pb.mutable_noop();
        } else if constexpr (std::is_same_v<T, storage::LocalBackend>) {
          pb.mutable_local()->set_path(b.path);
        } else if constexpr (std::is_same_v<T, storage::S3Backend>) {
          backup::S3* p = pb.mutable_s3();
          p->set_endpoint(b.endpoint);
          p->set_region(b.region);
          p->set_bucket(b.bucket);
          p->set_prefix(b.prefix);
          p->set_storage_class(b.storage_class);
          p->set_sse(b.sse);
          p->set_acl(b.acl);
          p->set_access_key(b.access_key);
          p->set_secret_access_key(b.secret_access_key);
          p->set_force_path_style(b.force_path_style);
          p->set_sse_kms_key_id(b.sse_kms_key_id);
          p->set_role_arn(b.role_arn);
          p->set_external_id(b.external_id);
          p->set_object_lock_enabled(b.object_lock_enabled);
          p->set_session_token(b.session_token);
          p->set_provider(b.provider);
          p->set_profile(b.profile);
        } else if constexpr (std::is_same_v<T, storage::GcsBackend>) {
          backup::GCS* p = pb.mutable_gcs();
          p->set_endpoint(b.endpoint);
          p->set_bucket(b.bucket);
          p->set_prefix(b.prefix);
          p->set_storage_class(b.storage_class);
          p->set_predefined_acl(b.predefined_acl);
          p->set_credentials_blob(b.credentials_blob);
        } else if constexpr (std::is_same_v<T, storage::AzureBlobBackend>) {
          backup::AzureBlobStorage* p = pb.mutable_azure_blob_storage();
          p->set_endpoint(b.endpoint);
          p->set_bucket(b.bucket);
          p->set_prefix(b.prefix);
          p->set_storage_class(b.storage_class);
          p->set_account_name(b.account_name);
          p->set_shared_key(b.shared_key);
          p->set_access_sig(b.access_sig);
          p->set_encryption_scope(b.encryption_scope);
          if (!b.encryption_key.empty()) {
            p->mutable_encryption_key()->set_encryption_key(b.encryption_key);
          }
        } else if constexpr (std::is_same_v<T, storage::HdfsBackend>) {
          pb.mutable_hdfs()->set_remote(b.remote);
        } else if constexpr (std::is_same_v<T, storage::MemStoreBackend>) {
          backup::CloudDynamic* p = pb.mutable_cloud_dynamic();
          p->set_provider_name(kMemStoreProvider);
          p->mutable_bucket()->set_bucket(b.name);
          p->mutable_bucket()->set_prefix(b.prefix);
        }
      },
      backend);
  return pb;
}

Result<sst::CipherInfo> CipherFromProto(const backup::CipherInfo& pb) {
  sst::CipherInfo c;
  const int m = static_cast<int>(pb.cipher_type());
  if (m == 0) {
    c.method = sst::EncryptionMethod::kPlaintext;
  } else if (m >= 1 && m <= 5) {
    c.method = static_cast<sst::EncryptionMethod>(m);
  } else {
    return Status::InvalidArgument("unknown cipher type " + std::to_string(m));
  }
  if (c.encrypted()) c.key = pb.cipher_key();
  RETURN_IF_ERROR(sst::ValidateCipher(c));
  return c;
}

backup::CipherInfo CipherToProto(const sst::CipherInfo& cipher) {
  backup::CipherInfo pb;
  pb.set_cipher_type(static_cast<encryptionpb::EncryptionMethod>(static_cast<int>(cipher.method)));
  pb.set_cipher_key(cipher.key);
  return pb;
}

}  // namespace brkv::import
