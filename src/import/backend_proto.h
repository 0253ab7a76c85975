// Conversions between the wire forms a restore sends to nodes (brpb.StorageBackend,
// brpb.CipherInfo) and the library's values (storage::StorageBackend, sst::CipherInfo).
//
// The same mapping as src/backup/backend_proto.h (the backup side's copy).
// Field-for-field for local, noop, S3, GCS, Azure Blob and HDFS. The in-process test store
// (memstore://name/prefix) has no kvproto counterpart; it travels as
// CloudDynamic{provider_name: "memstore", bucket: {bucket: name, prefix: prefix}}. GCS's
// credentials_file is a path on the sender's machine and is not sent (credentials_blob is).
// The results hold credentials: never log them (use storage::FormatBackendUrl).
// Thread-safety: pure functions.
#pragma once

#include "common/status.h"
#include "proto/brpb.pb.h"
#include "sst/crypter.h"
#include "storage/storage_backend.h"

namespace brkv::import {

// InvalidArgument for an unset backend; NotSupported for a CloudDynamic provider other than
// "memstore".
Result<storage::StorageBackend> BackendFromProto(const backup::StorageBackend& pb);
backup::StorageBackend BackendToProto(const storage::StorageBackend& backend);

// An unset or UNKNOWN cipher type means plaintext. The result is validated
// (sst::ValidateCipher): InvalidArgument / NotSupported, never quoting the key.
Result<sst::CipherInfo> CipherFromProto(const backup::CipherInfo& pb);
backup::CipherInfo CipherToProto(const sst::CipherInfo& cipher);

}  // namespace brkv::import
