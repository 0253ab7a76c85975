#include "sst/backend_proto.h"

#include <string>
#include <type_traits>
#include <variant>

#include "storage/azblob_storage.h"

namespace brkv::sst {

namespace {

constexpr std::string_view kMemStoreProvider = "memstore";
// What BR substitutes for `use-accelerate-endpoint` before sending an S3 backend to nodes.
constexpr std::string_view kS3AccelerateEndpoint = "https://s3-accelerate.amazonaws.com";

}  // namespace

Result<storage::StorageBackend> BackendFromProto(const ::backup::StorageBackend& p) {
  using B = ::backup::StorageBackend;
  switch (p.backend_case()) {
    case B::kNoop:
      return storage::StorageBackend(storage::NoopBackend{});
    case B::kLocal: {
      if (p.local().path().empty()) {
        return Status::InvalidArgument("local storage backend has an empty path");
      }
      return storage::StorageBackend(storage::LocalBackend{p.local().path()});
    }
    case B::kS3: {
      const auto& s = p.s3();
      storage::S3Backend b;
      b.endpoint = s.endpoint();
      b.region = s.region();
      b.bucket = s.bucket();
      b.prefix = s.prefix();
      b.storage_class = s.storage_class();
      b.sse = s.sse();
      b.acl = s.acl();
      b.access_key = s.access_key();
      b.secret_access_key = s.secret_access_key();
      b.force_path_style = s.force_path_style();
      b.sse_kms_key_id = s.sse_kms_key_id();
      b.role_arn = s.role_arn();
      b.external_id = s.external_id();
      b.object_lock_enabled = s.object_lock_enabled();
      b.session_token = s.session_token();
      b.provider = s.provider();
      b.profile = s.profile();
      return storage::StorageBackend(std::move(b));
    }
    case B::kGcs: {
      const auto& g = p.gcs();
      storage::GcsBackend b;
      b.endpoint = g.endpoint();
      b.bucket = g.bucket();
      b.prefix = g.prefix();
      b.storage_class = g.storage_class();
      b.predefined_acl = g.predefined_acl();
      b.credentials_blob = g.credentials_blob();
      return storage::StorageBackend(std::move(b));
    }
    case B::kAzureBlobStorage: {
      const auto& a = p.azure_blob_storage();
      storage::AzureBlobBackend b;
      b.endpoint = a.endpoint();
      b.bucket = a.bucket();
      b.prefix = a.prefix();
      b.storage_class = a.storage_class();
      b.account_name = a.account_name();
      b.shared_key = a.shared_key();
      b.access_sig = a.access_sig();
      b.encryption_scope = a.encryption_scope();
      b.encryption_key = a.encryption_key().encryption_key();
      return storage::StorageBackend(std::move(b));
    }
    case B::kHdfs:
      return storage::StorageBackend(storage::HdfsBackend{p.hdfs().remote()});
    case B::kCloudDynamic: {
      const auto& c = p.cloud_dynamic();
      if (c.provider_name() == kMemStoreProvider) {
        return storage::StorageBackend(
            storage::MemStoreBackend{c.bucket().bucket(), c.bucket().prefix()});
      }
      return Status::NotSupported("cloud_dynamic storage provider \"" + c.provider_name() +
                                  "\" is not supported");
    }
    case B::BACKEND_NOT_SET:
      break;
  }
  return Status::InvalidArgument("request has no storage backend");
}

::backup::StorageBackend BackendToProto(const storage::StorageBackend& backend) {
  ::backup::StorageBackend p;
  std::visit(
      [&p](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, storage::NoopBackend>) {
          p.mutable_noop();
        } else if constexpr (std::is_same_v<T, storage::LocalBackend>) {
          p.mutable_local()->set_path(b.path);
        } else if constexpr (std::is_same_v<T, storage::S3Backend>) {
          auto* s = p.mutable_s3();
          s->set_endpoint(b.endpoint.empty() && b.use_accelerate_endpoint
                              ? std::string(kS3AccelerateEndpoint)
                              : b.endpoint);
          s->set_region(b.region);
          s->set_bucket(b.bucket);
          s->set_prefix(b.prefix);
          s->set_storage_class(b.storage_class);
          s->set_sse(b.sse);
          s->set_acl(b.acl);
          s->set_access_key(b.access_key);
          s->set_secret_access_key(b.secret_access_key);
          s->set_force_path_style(b.force_path_style);
          s->set_sse_kms_key_id(b.sse_kms_key_id);
          s->set_role_arn(b.role_arn);
          s->set_external_id(b.external_id);
          s->set_object_lock_enabled(b.object_lock_enabled);
          s->set_session_token(b.session_token);
          s->set_provider(b.provider);
          s->set_profile(b.profile);
        } else if constexpr (std::is_same_v<T, storage::GcsBackend>) {
          auto* g = p.mutable_gcs();
          g->set_endpoint(b.endpoint);
          g->set_bucket(b.bucket);
          g->set_prefix(b.prefix);
          g->set_storage_class(b.storage_class);
          g->set_predefined_acl(b.predefined_acl);
          g->set_credentials_blob(b.credentials_blob);
        } else if constexpr (std::is_same_v<T, storage::AzureBlobBackend>) {
          auto* a = p.mutable_azure_blob_storage();
          a->set_endpoint(b.endpoint);
          a->set_bucket(b.bucket);
          a->set_prefix(b.prefix);
          a->set_storage_class(b.storage_class);
          a->set_account_name(b.account_name);
          a->set_shared_key(b.shared_key);
          a->set_access_sig(b.access_sig);
          a->set_encryption_scope(b.encryption_scope);
          if (!b.encryption_key.empty()) {
            a->mutable_encryption_key()->set_encryption_key(b.encryption_key);
            a->mutable_encryption_key()->set_encryption_key_sha256(
                storage::AzureEncryptionKeySha256(b.encryption_key));
          }
        } else if constexpr (std::is_same_v<T, storage::HdfsBackend>) {
          p.mutable_hdfs()->set_remote(b.remote);
        } else if constexpr (std::is_same_v<T, storage::MemStoreBackend>) {
          auto* c = p.mutable_cloud_dynamic();
          c->set_provider_name(std::string(kMemStoreProvider));
          c->mutable_bucket()->set_bucket(b.name);
          c->mutable_bucket()->set_prefix(b.prefix);
        }
      },
      backend);
  return p;
}

Result<CipherInfo> CipherFromProto(const ::backup::CipherInfo& proto) {
  CipherInfo info;
  const int method = static_cast<int>(proto.cipher_type());
  if (method == static_cast<int>(EncryptionMethod::kUnknown)) {
    info.method = EncryptionMethod::kPlaintext;
  } else if (method < 0 || method > static_cast<int>(EncryptionMethod::kSm4Ctr)) {
    return Status::InvalidArgument("unknown cipher type " + std::to_string(method));
  } else {
    info.method = static_cast<EncryptionMethod>(method);
  }
  if (info.encrypted()) info.key = proto.cipher_key();
  RETURN_IF_ERROR(ValidateCipher(info));
  return info;
}

::backup::CipherInfo CipherToProto(const CipherInfo& cipher) {
  ::backup::CipherInfo p;
  p.set_cipher_type(static_cast<encryptionpb::EncryptionMethod>(static_cast<int>(cipher.method)));
  if (cipher.encrypted()) p.set_cipher_key(cipher.key);
  return p;
}

Result<CompressionType> CompressionFromProto(int value) {
  if (value < static_cast<int>(CompressionType::kUnknown) ||
      value > static_cast<int>(CompressionType::kZstd)) {
    return Status::InvalidArgument("unknown compression type " + std::to_string(value));
  }
  return static_cast<CompressionType>(value);
}

}  // namespace brkv::sst
