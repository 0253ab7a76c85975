// AzblobStorage: ExternalStorage over Azure Blob Storage's REST API (block blobs), on libcurl,
// authorized with Shared Key or a SAS token (azblob_client.h).
//
// Layout: object `name` is the blob "<prefix>/<name>" (just "<name>" with no prefix) in the
// container. Requests go to `endpoint` (default https://<account>.blob.core.windows.net);
// an endpoint with a path (the emulator's http://127.0.0.1:10000/devstoreaccount1) is used as
// the base of "<endpoint>/<container>/<blob>".
// Credentials (AzblobClient::MakeConfig): account-key (Shared Key) or sas-token from the URL,
// else env AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN; account name from account-name, else
// env AZURE_STORAGE_ACCOUNT.
//
// Writes: WriteFile is one Put Blob up to block_size, and goes up in blocks above it (as a
// writer does). Every Put Blob / Put Block sends Content-MD5, so a body damaged in transit is
// refused by the service rather than stored. A writer (Create) buffers up to block_size; below that
// Finish is one Put Blob, above it each full block goes up with Put Block (retried on its own)
// and Finish commits them with Put Block List, atomically. Block ids are base64 of a fixed-
// length "<random upload nonce>-<index>", so two writers of one name never mix blocks.
// Abort/failure/destruction commits nothing; Azure discards uncommitted blocks itself (after
// a week), so nothing is ever visible under the name.
// The access tier (storage-class / access-tier) goes in x-ms-access-tier on Put Blob and Put
// Block List; encryption-scope in x-ms-encryption-scope; a customer-provided key
// (encryption-key, base64 AES-256) in x-ms-encryption-key/-sha256/-algorithm on every write
// and read.
// Reads: ReadFile is one Get Blob; Open does Get Blob Properties (size, ETag) and ReadAt is a
// ranged Get Blob (x-ms-range) conditional on that ETag (a changed blob gives Corruption).
// Listing: List Blobs with prefix, maxresults and marker paging.
//
// Every request has a timeout and transient failures are retried with backoff and jitter
// under the retry budget and the call's deadline (http_client.h). 403, 404 and other 4xx fail
// at once naming the object. Secrets never appear in errors or logs.
// Thread-safety: thread-safe; a writer or reader is used by one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/external_storage.h"
#include "storage/http_client.h"
#include "storage/storage_backend.h"

namespace brkv::storage {

struct AzblobOptions {
  // Block size of a streaming upload; a writer holding more than this uploads blocks, less is
  // one Put Blob. Default: 8 MiB (Azure allows up to 4000 MiB per block, 50 000 blocks).
  size_t block_size = 8 << 20;
  // maxresults for one List Blobs page. Default: 5000 (Azure's maximum).
  int list_page_size = 5000;
  // Timeouts and retry policy.
  HttpOptions http{};
};

// The x-ms-encryption-key-sha256 value (and brpb.AzureCustomerKey.encryption_key_sha256) of a
// customer-provided key: base64 SHA-256 of the decoded key. Empty when the key is not base64.
std::string AzureEncryptionKeySha256(std::string_view key_base64);

// Builds the Azure Blob storage. InvalidArgument for missing credentials, a malformed key or
// endpoint, or a malformed encryption-key; no request is made here.
Result<std::unique_ptr<ExternalStorage>> NewAzblobStorage(const AzureBlobBackend& backend,
                                                          const StorageOptions& options,
                                                          const AzblobOptions& azblob_options = {});

}  // namespace brkv::storage
