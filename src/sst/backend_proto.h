// The one mapping between the wire form of a backup destination and cipher (brpb.StorageBackend,
// brpb.CipherInfo, brpb.CompressionType — formats.md 1.8, 1.6) and their C++ structs
// (storage::StorageBackend, sst::CipherInfo, sst::CompressionType), shared by br (requests it
// sends to nodes), the backup endpoint (BackupRequest parsing) and the importer (Download).
//
// storage::StorageBackend mirrors the proto field for field. Two struct-only details:
//   - MemStoreBackend (an in-process test store) travels as CloudDynamic with
//     provider_name "memstore", bucket.bucket = the store name, bucket.prefix = the prefix. It
//     only means something inside one process (in-process servers in tests).
//   - GcsBackend::credentials_file is not sent (nodes get credentials_blob only). An HMAC key
//     (the URL's access-key/secret-access-key, or a credentials file holding one) travels in
//     credentials_blob as {"type":"gcs_hmac_key","access_id":…,"secret":…}
//     (storage/gcs_storage.h), so nodes sign GCS requests with the same key;
//   - AzureCustomerKey.encryption_key_sha256 is computed from the key when sending and
//     ignored when receiving (the storage recomputes it);
//     S3Backend::use_accelerate_endpoint becomes the accelerate endpoint when no endpoint is set.
// Backends carry credentials: never log a converted message; use FormatBackendUrl.
// The proto package is `backup`; inside namespace brkv::backup name it `::backup::`.
// Thread-safety: pure functions.
#pragma once

#include "common/status.h"
#include "proto/brpb.pb.h"
#include "sst/compression.h"
#include "sst/crypter.h"
#include "storage/storage_backend.h"

namespace brkv::sst {

// InvalidArgument when no variant is set; NotSupported for a CloudDynamic provider other than
// "memstore".
Result<storage::StorageBackend> BackendFromProto(const ::backup::StorageBackend& proto);
::backup::StorageBackend BackendToProto(const storage::StorageBackend& backend);

// An unset or UNKNOWN cipher type means plaintext. The result is validated
// (ValidateCipher): InvalidArgument / NotSupported without ever quoting the key.
Result<CipherInfo> CipherFromProto(const ::backup::CipherInfo& proto);
::backup::CipherInfo CipherToProto(const CipherInfo& cipher);

// InvalidArgument for a value outside the enum.
Result<CompressionType> CompressionFromProto(int value);

}  // namespace brkv::sst
