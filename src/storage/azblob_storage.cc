#include "storage/azblob_storage.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "storage/azblob_client.h"
#include "storage/azure_shared_key.h"
#include "storage/xml_text.h"

namespace brkv::storage {

namespace {

// Headers every blob write / read carries for the backend's tier and encryption settings.
struct BlobHeaders {
  HeaderList write;  // Put Blob, Put Block List
  HeaderList block;  // Put Block
  HeaderList read;   // Get Blob, Get Blob Properties
};

Result<BlobHeaders> MakeBlobHeaders(const AzureBlobBackend& b) {
  BlobHeaders h;
  if (!b.storage_class.empty()) h.write.emplace_back("x-ms-access-tier", b.storage_class);
  if (!b.encryption_scope.empty()) {
    h.write.emplace_back("x-ms-encryption-scope", b.encryption_scope);
    h.block.emplace_back("x-ms-encryption-scope", b.encryption_scope);
  }
  if (!b.encryption_key.empty()) {
    std::string key;
    if (!Base64Decode(b.encryption_key, &key) || key.size() != 32) {
      return Status::InvalidArgument(
          "azblob: encryption-key must be a base64 AES-256 key (32 bytes)");
    }
    HeaderList cpk = {{"x-ms-encryption-key", b.encryption_key},
                      {"x-ms-encryption-key-sha256", AzureEncryptionKeySha256(b.encryption_key)},
                      {"x-ms-encryption-algorithm", "AES256"}};
    for (HeaderList* l : {&h.write, &h.block, &h.read}) l->insert(l->end(), cpk.begin(), cpk.end());
  }
  return h;
}

// Content-MD5 of a request body: Azure checks it and rejects a body damaged in transit
// (400 Md5Mismatch) instead of storing it.
std::string ContentMd5(std::string_view body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_md5(), nullptr);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string UploadNonce() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

class AzblobWriter : public ExternalWriter {
 public:
  AzblobWriter(const AzblobClient* client, const AzblobOptions* options, const BlobHeaders* headers,
               std::string blob, std::string what, Clock::time_point deadline)
      : client_(client),
        options_(options),
        headers_(headers),
        blob_(std::move(blob)),
        what_(std::move(what)),
        deadline_(deadline),
        nonce_(UploadNonce()) {}
  ~AzblobWriter() override {
    if (!done_) (void)Abort();
  }

  Status Append(std::string_view data) override {
    if (done_ || !error_.ok()) return Fail(Status::Aborted(what_ + ": writer is unusable"));
    RETURN_IF_ERROR(Fail(CheckDeadline(deadline_, what_)));
    buffer_.append(data);
    written_ += data.size();
    while (buffer_.size() >= options_->block_size) {
      RETURN_IF_ERROR(Fail(PutBlock(std::string_view(buffer_).substr(0, options_->block_size))));
      buffer_.erase(0, options_->block_size);
    }
    return Status::OK();
  }

  Status Finish() override {
    if (done_ || !error_.ok()) return Fail(Status::Aborted(what_ + ": writer is unusable"));
    RETURN_IF_ERROR(Fail(CheckDeadline(deadline_, what_)));
    HttpResponse resp;
    if (block_ids_.empty()) {
      AzblobRequest req;
      req.method = "PUT";
      req.blob = blob_;
      req.headers = headers_->write;
      req.headers.emplace_back("x-ms-blob-type", "BlockBlob");
      req.headers.emplace_back("Content-MD5", ContentMd5(buffer_));
      req.body = buffer_;
      RETURN_IF_ERROR(Fail(client_->Do(req, deadline_, what_, &resp)));
    } else {
      if (!buffer_.empty()) RETURN_IF_ERROR(Fail(PutBlock(buffer_)));
      std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
      for (const auto& id : block_ids_) xml += "<Latest>" + id + "</Latest>";
      xml += "</BlockList>";
      AzblobRequest req;
      req.method = "PUT";
      req.blob = blob_;
      req.query = {{"comp", "blocklist"}};
      req.headers = headers_->write;
      req.headers.emplace_back("Content-Type", "application/xml");
      req.body = xml;
      RETURN_IF_ERROR(Fail(client_->Do(req, deadline_, what_ + " (block list)", &resp)));
    }
    done_ = true;
    buffer_.clear();
    return Status::OK();
  }

  // Nothing was committed, so nothing is visible; Azure garbage-collects uncommitted blocks.
  Status Abort() override {
    done_ = true;
    buffer_.clear();
    buffer_.shrink_to_fit();
    block_ids_.clear();
    return Status::OK();
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  Status Fail(Status s) {
    if (s.ok()) return s;
    if (error_.ok()) error_ = s;
    if (!done_) (void)Abort();
    return s;
  }

  Status PutBlock(std::string_view block) {
    char id[40];
    std::snprintf(id, sizeof(id), "%s-%06zu", nonce_.c_str(), block_ids_.size());
    std::string block_id = Base64Encode(id);
    AzblobRequest req;
    req.method = "PUT";
    req.blob = blob_;
    req.query = {{"comp", "block"}, {"blockid", block_id}};
    req.headers = headers_->block;
    req.headers.emplace_back("Content-MD5", ContentMd5(block));
    req.body = block;
    HttpResponse resp;
    // Each block is retried on its own (Do's retry loop); the blocks already uploaded stay.
    RETURN_IF_ERROR(
        client_->Do(req, deadline_, what_ + " block " + std::to_string(block_ids_.size()), &resp));
    block_ids_.push_back(std::move(block_id));
    return Status::OK();
  }

  const AzblobClient* client_;
  const AzblobOptions* options_;
  const BlobHeaders* headers_;
  const std::string blob_;
  const std::string what_;
  const Clock::time_point deadline_;
  const std::string nonce_;
  std::string buffer_;
  std::vector<std::string> block_ids_;
  uint64_t written_ = 0;
  bool done_ = false;
  Status error_;
};

class AzblobReader : public ExternalReader {
 public:
  AzblobReader(const AzblobClient* client, const BlobHeaders* headers, std::string blob,
               std::string what, uint64_t size, std::string etag, Clock::time_point deadline)
      : client_(client),
        headers_(headers),
        blob_(std::move(blob)),
        what_(std::move(what)),
        size_(size),
        etag_(std::move(etag)),
        deadline_(deadline) {}

  uint64_t size() const override { return size_; }

  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    out->clear();
    RETURN_IF_ERROR(CheckDeadline(deadline_, what_));
    if (offset >= size_ || n == 0) return Status::OK();
    uint64_t last = std::min<uint64_t>(size_, offset + n) - 1;
    AzblobRequest req;
    req.blob = blob_;
    req.headers = headers_->read;
    req.headers.emplace_back("x-ms-range",
                             "bytes=" + std::to_string(offset) + "-" + std::to_string(last));
    if (!etag_.empty()) req.headers.emplace_back("If-Match", etag_);
    HttpResponse resp;
    RETURN_IF_ERROR(client_->Do(req, deadline_, what_, &resp));
    if (resp.body.size() != last - offset + 1) {
      return Status::Corruption(what_ + ": ranged read returned " +
                                std::to_string(resp.body.size()) + " bytes, wanted " +
                                std::to_string(last - offset + 1));
    }
    *out = std::move(resp.body);
    return Status::OK();
  }

 private:
  const AzblobClient* client_;
  const BlobHeaders* headers_;
  const std::string blob_;
  const std::string what_;
  const uint64_t size_;
  const std::string etag_;
  const Clock::time_point deadline_;
};

class AzblobStorage : public ExternalStorage {
 public:
  AzblobStorage(AzureBlobBackend backend, StorageOptions options, AzblobOptions azblob_options,
                AzblobClient::Config config, BlobHeaders headers)
      : backend_(std::move(backend)),
        options_(options),
        azblob_options_(azblob_options),
        client_(std::move(config)),
        headers_(std::move(headers)),
        uri_(FormatBackendUrl(backend_)) {}

  Status WriteFile(std::string_view name, std::string_view data,
                   const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    if (data.size() > azblob_options_.block_size) {
      // Large objects go up in blocks, so a failure re-sends one block, not the whole object.
      AzblobWriter w(&client_, &azblob_options_, &headers_, Blob(name), What(name), deadline);
      RETURN_IF_ERROR(w.Append(data));
      return w.Finish();
    }
    AzblobRequest req;
    req.method = "PUT";
    req.blob = Blob(name);
    req.headers = headers_.write;
    req.headers.emplace_back("x-ms-blob-type", "BlockBlob");
    req.headers.emplace_back("Content-MD5", ContentMd5(data));
    req.body = data;
    HttpResponse resp;
    return client_.Do(req, deadline, What(name), &resp);
  }

  Result<std::unique_ptr<ExternalWriter>> Create(std::string_view name,
                                                 const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    RETURN_IF_ERROR(CheckDeadline(deadline, What(name)));
    return std::unique_ptr<ExternalWriter>(std::make_unique<AzblobWriter>(
        &client_, &azblob_options_, &headers_, Blob(name), What(name), deadline));
  }

  Result<std::string> ReadFile(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    AzblobRequest req;
    req.blob = Blob(name);
    req.headers = headers_.read;
    HttpResponse resp;
    RETURN_IF_ERROR(client_.Do(req, EffectiveDeadline(options, options_), What(name), &resp));
    return std::move(resp.body);
  }

  Result<std::unique_ptr<ExternalReader>> Open(std::string_view name,
                                               const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    HttpResponse resp;
    RETURN_IF_ERROR(Head(name, deadline, &resp));
    auto cl = resp.headers.find("content-length");
    if (cl == resp.headers.end()) {
      return Status::IOError(What(name) + ": Get Blob Properties returned no Content-Length");
    }
    auto etag = resp.headers.find("etag");
    return std::unique_ptr<ExternalReader>(std::make_unique<AzblobReader>(
        &client_, &headers_, Blob(name), What(name), std::strtoull(cl->second.c_str(), nullptr, 10),
        etag == resp.headers.end() ? "" : etag->second, deadline));
  }

  Result<bool> FileExists(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    HttpResponse resp;
    Status s = Head(name, EffectiveDeadline(options, options_), &resp);
    if (s.IsNotFound()) return false;
    RETURN_IF_ERROR(s);
    return true;
  }

  Status DeleteFile(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    AzblobRequest req;
    req.method = "DELETE";
    req.blob = Blob(name);
    HttpResponse resp;
    Status s = client_.Do(req, EffectiveDeadline(options, options_), What(name), &resp);
    return s.IsNotFound() ? Status::OK() : s;
  }

  Status WalkDir(std::string_view prefix, const WalkFn& fn, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    std::string root = backend_.prefix.empty() ? "" : backend_.prefix + "/";
    std::string marker;
    while (true) {
      AzblobRequest req;
      req.query = {{"restype", "container"},
                   {"comp", "list"},
                   {"prefix", root + std::string(prefix)},
                   {"maxresults", std::to_string(azblob_options_.list_page_size)}};
      if (!marker.empty()) req.query.emplace_back("marker", marker);
      HttpResponse resp;
      RETURN_IF_ERROR(client_.Do(req, deadline, What(prefix) + " (list)", &resp));
      size_t pos = 0;
      std::vector<std::pair<std::string, uint64_t>> page;
      while (auto blob = XmlTag(resp.body, "Blob", &pos, /*decode=*/false)) {
        size_t p = 0;
        std::string key = XmlTag(*blob, "Name", &p).value_or("");
        p = 0;
        uint64_t size =
            std::strtoull(XmlTag(*blob, "Content-Length", &p).value_or("0").c_str(), nullptr, 10);
        if (key.size() <= root.size() || key.compare(0, root.size(), root) != 0) continue;
        page.emplace_back(key.substr(root.size()), size);
      }
      // Azure lists in name order; sorting the page keeps the byte-order promise regardless.
      std::sort(page.begin(), page.end());
      for (const auto& [name, size] : page) RETURN_IF_ERROR(fn(name, size));
      pos = 0;
      marker = XmlTag(resp.body, "NextMarker", &pos).value_or("");
      if (marker.empty()) return Status::OK();
    }
  }

  std::string Uri() const override { return uri_; }
  const StorageBackend& backend() const override { return backend_variant_; }

 private:
  std::string Blob(std::string_view name) const {
    return backend_.prefix.empty() ? std::string(name) : backend_.prefix + "/" + std::string(name);
  }
  std::string What(std::string_view name) const {
    return "azblob://" + backend_.bucket + "/" + Blob(name);
  }
  Status Head(std::string_view name, Clock::time_point deadline, HttpResponse* resp) {
    AzblobRequest req;
    req.method = "HEAD";
    req.head = true;
    req.blob = Blob(name);
    req.headers = headers_.read;
    return client_.Do(req, deadline, What(name), resp);
  }

  const AzureBlobBackend backend_;
  const StorageBackend backend_variant_{backend_};
  const StorageOptions options_;
  const AzblobOptions azblob_options_;
  const AzblobClient client_;
  const BlobHeaders headers_;
  const std::string uri_;
};

}  // namespace

std::string AzureEncryptionKeySha256(std::string_view key_base64) {
  std::string key;
  if (!Base64Decode(key_base64, &key)) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), md, &len, EVP_sha256(), nullptr);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

Result<std::unique_ptr<ExternalStorage>> NewAzblobStorage(const AzureBlobBackend& backend,
                                                          const StorageOptions& options,
                                                          const AzblobOptions& azblob_options) {
  if (backend.bucket.empty()) return Status::InvalidArgument("azblob storage without a container");
  if (azblob_options.block_size == 0 || azblob_options.list_page_size <= 0) {
    return Status::InvalidArgument("azblob: block_size and list_page_size must be positive");
  }
  ASSIGN_OR_RETURN(AzblobClient::Config config,
                   AzblobClient::MakeConfig(backend, azblob_options.http));
  ASSIGN_OR_RETURN(BlobHeaders headers, MakeBlobHeaders(backend));
  return std::unique_ptr<ExternalStorage>(std::make_unique<AzblobStorage>(
      backend, options, azblob_options, std::move(config), std::move(headers)));
}

}  // namespace brkv::storage
