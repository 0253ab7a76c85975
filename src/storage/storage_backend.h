// StorageBackend: where a backup lives, parsed from a storage URL (the `-s URL` flag).
//
// The struct mirrors kvproto brpb.StorageBackend (formats.md 1.8): one variant per backend with
// the proto's fields, so it converts field for field when it is sent to nodes. Two additions
// that have no proto counterpart are marked below (MemStoreBackend, and GCS credentials_file).
//
// Accepted URLs (BR's documented URI formats; query parameters as in TiDB's "URI Formats of
// External Storage Services"):
//   local:///abs/path   file:///abs/path   /abs/path   relative/path (made absolute)
//   noop://
//   memstore://name[/prefix]            in-process store for tests, shared by name
//   s3://bucket[/prefix]?access-key=&secret-access-key=&session-token=&region=&endpoint=
//        &force-path-style=&storage-class=&sse=&sse-kms-key-id=&acl=&role-arn=&external-id=
//        &provider=&profile=&use-accelerate-endpoint=&object-lock-enabled=
//   gcs://bucket[/prefix] (also gs://)?endpoint=&storage-class=&predefined-acl=&credentials-file=
//        &access-key=&secret-access-key=   (an HMAC key; stored as an HMAC credentials_blob,
//        see gcs_storage.h — an extension over BR)
//   azblob://container[/prefix] (also azure://)?account-name=&account-key=&sas-token=&endpoint=
//        &access-tier=&encryption-scope=&encryption-key=
//   hdfs://host/path
// Query values are percent-decoded; '+' stays a literal plus (secret keys often contain one).
// An unknown parameter is an error rather than being ignored, so a typo in a credential name
// cannot silently fall back to other credentials.
//
// Secrets (secret keys, session tokens, account keys, SAS tokens, encryption keys, credential
// blobs, a URL password) never appear in an error message or in FormatBackendUrl's output.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.h"

namespace brkv::storage {

struct NoopBackend {
  bool operator==(const NoopBackend&) const = default;
};

// brpb.Local{#1 path}. `path` is absolute after ParseBackend.
struct LocalBackend {
  std::string path{};
  bool operator==(const LocalBackend&) const = default;
};

// brpb.S3 (#1..#17). `prefix` has no leading or trailing '/'.
struct S3Backend {
  std::string endpoint{};
  std::string region{};
  std::string bucket{};
  std::string prefix{};
  std::string storage_class{};
  std::string sse{};
  std::string acl{};
  std::string access_key{};
  std::string secret_access_key{};  // secret
  bool force_path_style = true;     // BR's default is path style
  std::string sse_kms_key_id{};
  std::string role_arn{};
  std::string external_id{};
  bool object_lock_enabled = false;
  std::string session_token{};  // secret
  std::string provider{};
  std::string profile{};
  // Not in the proto: BR turns it into the accelerate endpoint before sending the backend.
  bool use_accelerate_endpoint = false;
  bool operator==(const S3Backend&) const = default;
};

// brpb.GCS (#1..#6).
struct GcsBackend {
  std::string endpoint{};
  std::string bucket{};
  std::string prefix{};
  std::string storage_class{};
  std::string predefined_acl{};
  // secret. The URL's access-key/secret-access-key become an HMAC blob here
  // (GcsHmacCredentialsBlob); the GCS storage's backend() has it filled from credentials_file.
  std::string credentials_blob{};
  // Not in the proto: the path given by `credentials-file`, read when the backend is built.
  std::string credentials_file{};
  bool operator==(const GcsBackend&) const = default;
};

// brpb.AzureBlobStorage. `bucket` is the container; `storage_class` is the access tier.
struct AzureBlobBackend {
  std::string endpoint{};
  std::string bucket{};
  std::string prefix{};
  std::string storage_class{};
  std::string account_name{};
  std::string shared_key{};  // secret (account-key)
  std::string access_sig{};  // secret (sas-token)
  std::string encryption_scope{};
  std::string encryption_key{};  // secret (customer-provided key, base64)
  bool operator==(const AzureBlobBackend&) const = default;
};

// brpb.HDFS{#1 remote}: the whole hdfs:// URL.
struct HdfsBackend {
  std::string remote{};
  bool operator==(const HdfsBackend&) const = default;
};

// Not in the proto: an in-process object store shared by every storage created with the same
// `name` in this process (tests and single-process tools only; nothing survives the process).
struct MemStoreBackend {
  std::string name{};
  std::string prefix{};
  bool operator==(const MemStoreBackend&) const = default;
};

using StorageBackend = std::variant<NoopBackend, LocalBackend, S3Backend, GcsBackend,
                                    AzureBlobBackend, HdfsBackend, MemStoreBackend>;

// Values from command-line flags (BR's --s3.*, --gcs.*, --azblob.*). Empty/unset fields leave
// the URL's values alone; a URL query parameter wins over a flag for the same field.
struct BackendOptions {
  struct S3 {
    std::string endpoint, region, storage_class, sse, sse_kms_key_id, acl, access_key,
        secret_access_key, session_token, role_arn, external_id, provider, profile;
    // Default: unset (the URL, else true, decides).
    std::optional<bool> force_path_style;
    // Default: unset (false).
    std::optional<bool> use_accelerate_endpoint;
    std::optional<bool> object_lock_enabled;
  } s3;
  struct Gcs {
    std::string endpoint, storage_class, predefined_acl, credentials_file;
  } gcs;
  struct Azblob {
    std::string endpoint, account_name, account_key, sas_token, access_tier, encryption_scope,
        encryption_key;
  } azblob;
};

// Parses a storage URL. On success the variant matching the scheme is set; a bare path (no
// "scheme://") is a local path, made absolute against the current directory.
// InvalidArgument (with the URL, secrets redacted) for: an empty URL, an unknown scheme, a
// missing bucket/container, a local URL whose path is not absolute ("local://rel" — write
// "local:///abs" or a plain path), an unknown or malformed query parameter, a bad boolean,
// or a bad percent escape.
Result<StorageBackend> ParseBackend(std::string_view url, const BackendOptions& options = {});

// "local", "noop", "s3", "gcs", "azblob", "hdfs" or "memstore".
std::string_view BackendScheme(const StorageBackend& backend);

// Renders the backend as a URL that ParseBackend accepts, with every secret value replaced by
// "redacted" (so the output is for people and logs, and does not round-trip secrets).
// Non-default fields are emitted as query parameters in a fixed order.
std::string FormatBackendUrl(const StorageBackend& backend);

// Redacts a URL string that may not even parse: the values of secret query parameters and a
// userinfo password are replaced by "redacted". Use it on user input before logging or
// returning it in an error.
std::string RedactUrl(std::string_view url);

}  // namespace brkv::storage
