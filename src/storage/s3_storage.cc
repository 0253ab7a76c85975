#include "storage/s3_storage.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "common/logging.h"
#include "storage/s3_client.h"
#include "storage/s3_compatible.h"

namespace brkv::storage {

namespace {

class S3Storage;

// Headers for object writes from the backend's storage class, canned ACL and SSE settings.
HeaderList S3ObjectHeaders(const S3Backend& b) {
  HeaderList h;
  if (!b.storage_class.empty()) h.emplace_back("x-amz-storage-class", b.storage_class);
  if (!b.acl.empty()) h.emplace_back("x-amz-acl", b.acl);
  if (!b.sse.empty()) h.emplace_back("x-amz-server-side-encryption", b.sse);
  if (!b.sse_kms_key_id.empty()) {
    h.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", b.sse_kms_key_id);
  }
  return h;
}

// The deadline for cleanup requests (AbortMultipartUpload): cleanup runs even when the
// writer's own deadline has passed, but stays bounded.
Clock::time_point CleanupDeadline(const S3Options& o) { return Clock::now() + o.request_timeout; }

class S3Writer : public ExternalWriter {
 public:
  S3Writer(const S3Client* client, const S3Options* options, const HeaderList* put_headers,
           std::string key, std::string what, Clock::time_point deadline)
      : client_(client),
        options_(options),
        put_headers_(put_headers),
        key_(std::move(key)),
        what_(std::move(what)),
        deadline_(deadline) {}
  ~S3Writer() override {
    if (!done_) (void)Abort();
  }

  Status Append(std::string_view data) override {
    if (done_ || !error_.ok()) return Fail(Status::Aborted(what_ + ": writer is unusable"));
    RETURN_IF_ERROR(Fail(CheckDeadline(deadline_, what_)));
    buffer_.append(data);
    written_ += data.size();
    while (buffer_.size() >= options_->part_size) {
      RETURN_IF_ERROR(Fail(UploadPart(std::string_view(buffer_).substr(0, options_->part_size))));
      buffer_.erase(0, options_->part_size);
    }
    return Status::OK();
  }

  Status Finish() override {
    if (done_ || !error_.ok()) return Fail(Status::Aborted(what_ + ": writer is unusable"));
    RETURN_IF_ERROR(Fail(CheckDeadline(deadline_, what_)));
    S3Response resp;
    if (upload_id_.empty()) {
      S3Request req;
      req.method = "PUT";
      req.key = key_;
      req.headers = *put_headers_;
      req.body = buffer_;
      RETURN_IF_ERROR(Fail(client_->Do(req, deadline_, what_, &resp)));
    } else {
      if (!buffer_.empty()) RETURN_IF_ERROR(Fail(UploadPart(buffer_)));
      std::string xml = "<CompleteMultipartUpload>";
      for (size_t i = 0; i < etags_.size(); ++i) {
        xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
               XmlEscape(etags_[i]) + "</ETag></Part>";
      }
      xml += "</CompleteMultipartUpload>";
      S3Request req;
      req.method = "POST";
      req.key = key_;
      req.query = {{"uploadId", upload_id_}};
      req.headers = {{"content-type", "application/xml"}};
      req.body = xml;
      RETURN_IF_ERROR(Fail(client_->Do(req, deadline_, what_, &resp)));
      // S3 may answer 200 and put the error in the body.
      if (resp.body.find("<Error>") != std::string::npos) {
        size_t pos = 0;
        return Fail(Status::IOError(what_ + ": CompleteMultipartUpload failed: " +
                                    XmlTag(resp.body, "Code", &pos).value_or("unknown")));
      }
    }
    done_ = true;
    buffer_.clear();
    return Status::OK();
  }

  Status Abort() override {
    done_ = true;
    buffer_.clear();
    buffer_.shrink_to_fit();
    if (upload_id_.empty()) return Status::OK();
    S3Request req;
    req.method = "DELETE";
    req.key = key_;
    req.query = {{"uploadId", upload_id_}};
    S3Response resp;
    Status s = client_->Do(req, CleanupDeadline(*options_), what_, &resp);
    upload_id_.clear();
    if (s.IsNotFound()) return Status::OK();
    if (!s.ok()) LOG_WARN("s3: abort multipart upload of {} failed: {}", what_, s.ToString());
    return s;
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  // Records the first failure and cleans up the multipart upload, so a failed writer leaves
  // nothing behind even if the caller never calls Abort.
  Status Fail(Status s) {
    if (s.ok()) return s;
    if (error_.ok()) error_ = s;
    if (!done_) (void)Abort();
    return s;
  }

  Status UploadPart(std::string_view part) {
    S3Response resp;
    if (upload_id_.empty()) {
      S3Request req;
      req.method = "POST";
      req.key = key_;
      req.query = {{"uploads", ""}};
      req.headers = *put_headers_;
      RETURN_IF_ERROR(client_->Do(req, deadline_, what_, &resp));
      size_t pos = 0;
      auto id = XmlTag(resp.body, "UploadId", &pos);
      if (!id || id->empty()) {
        return Status::IOError(what_ + ": CreateMultipartUpload returned no UploadId");
      }
      upload_id_ = *id;
    }
    S3Request req;
    req.method = "PUT";
    req.key = key_;
    req.query = {{"partNumber", std::to_string(etags_.size() + 1)}, {"uploadId", upload_id_}};
    req.body = part;
    // Each part is retried on its own (Do's retry loop); the parts already uploaded stay.
    RETURN_IF_ERROR(
        client_->Do(req, deadline_, what_ + " part " + std::to_string(etags_.size() + 1), &resp));
    auto etag = resp.headers.find("etag");
    if (etag == resp.headers.end()) return Status::IOError(what_ + ": UploadPart returned no ETag");
    etags_.push_back(etag->second);
    return Status::OK();
  }

  const S3Client* client_;
  const S3Options* options_;
  const HeaderList* put_headers_;
  const std::string key_;
  const std::string what_;
  const Clock::time_point deadline_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  uint64_t written_ = 0;
  bool done_ = false;
  Status error_;
};

class S3Reader : public ExternalReader {
 public:
  S3Reader(const S3Client* client, std::string key, std::string what, uint64_t size,
           std::string etag, Clock::time_point deadline)
      : client_(client),
        key_(std::move(key)),
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
    S3Request req;
    req.key = key_;
    req.headers = {{"range", "bytes=" + std::to_string(offset) + "-" + std::to_string(last)}};
    if (!etag_.empty()) req.headers.emplace_back("if-match", etag_);
    S3Response resp;
    RETURN_IF_ERROR(client_->Do(req, deadline_, what_, &resp));
    if (resp.body.size() != last - offset + 1) {
      if (resp.status == 200 && resp.body.size() == size_) {
        // The server ignored Range and sent the whole object.
        *out = resp.body.substr(offset, last - offset + 1);
        return Status::OK();
      }
      return Status::Corruption(what_ + ": ranged read returned " +
                                std::to_string(resp.body.size()) + " bytes, wanted " +
                                std::to_string(last - offset + 1));
    }
    *out = std::move(resp.body);
    return Status::OK();
  }

 private:
  const S3Client* client_;
  const std::string key_;
  const std::string what_;
  const uint64_t size_;
  const std::string etag_;
  const Clock::time_point deadline_;
};

class S3Storage : public ExternalStorage {
 public:
  S3Storage(S3CompatibleSpec spec, StorageOptions options, S3Options s3_options,
            S3Client::Config config)
      : spec_(std::move(spec)),
        options_(options),
        s3_options_(s3_options),
        client_(std::move(config)),
        uri_(FormatBackendUrl(spec_.backend)) {}

  Status WriteFile(std::string_view name, std::string_view data,
                   const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    if (data.size() > s3_options_.part_size) {
      // Large objects go up as a multipart upload, so a failure re-sends one part, not the
      // whole object (lessons.md 9).
      S3Writer w(&client_, &s3_options_, &spec_.put_headers, Key(name), What(name), deadline);
      RETURN_IF_ERROR(w.Append(data));
      return w.Finish();
    }
    S3Request req;
    req.method = "PUT";
    req.key = Key(name);
    req.headers = spec_.put_headers;
    req.body = data;
    S3Response resp;
    return client_.Do(req, deadline, What(name), &resp);
  }

  Result<std::unique_ptr<ExternalWriter>> Create(std::string_view name,
                                                 const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    RETURN_IF_ERROR(CheckDeadline(deadline, What(name)));
    return std::unique_ptr<ExternalWriter>(std::make_unique<S3Writer>(
        &client_, &s3_options_, &spec_.put_headers, Key(name), What(name), deadline));
  }

  Result<std::string> ReadFile(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    S3Request req;
    req.key = Key(name);
    S3Response resp;
    RETURN_IF_ERROR(client_.Do(req, EffectiveDeadline(options, options_), What(name), &resp));
    return std::move(resp.body);
  }

  Result<std::unique_ptr<ExternalReader>> Open(std::string_view name,
                                               const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    S3Response resp;
    RETURN_IF_ERROR(Head(name, deadline, &resp));
    auto cl = resp.headers.find("content-length");
    if (cl == resp.headers.end()) {
      return Status::IOError(What(name) + ": HeadObject returned no Content-Length");
    }
    auto etag = resp.headers.find("etag");
    return std::unique_ptr<ExternalReader>(std::make_unique<S3Reader>(
        &client_, Key(name), What(name), std::strtoull(cl->second.c_str(), nullptr, 10),
        etag == resp.headers.end() ? "" : etag->second, deadline));
  }

  Result<bool> FileExists(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    S3Response resp;
    Status s = Head(name, EffectiveDeadline(options, options_), &resp);
    if (s.IsNotFound()) return false;
    RETURN_IF_ERROR(s);
    return true;
  }

  Status DeleteFile(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    S3Request req;
    req.method = "DELETE";
    req.key = Key(name);
    S3Response resp;
    Status s = client_.Do(req, EffectiveDeadline(options, options_), What(name), &resp);
    return s.IsNotFound() ? Status::OK() : s;
  }

  Status WalkDir(std::string_view prefix, const WalkFn& fn, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    std::string root = spec_.prefix.empty() ? "" : spec_.prefix + "/";
    std::string token;
    while (true) {
      S3Request req;
      req.query = {{"list-type", "2"},
                   {"prefix", root + std::string(prefix)},
                   {"max-keys", std::to_string(s3_options_.list_page_size)}};
      if (!token.empty()) req.query.emplace_back("continuation-token", token);
      S3Response resp;
      Status s = client_.Do(req, deadline, What(prefix) + " (list)", &resp);
      if (s.IsNotFound()) return Status::IOError(s.ToString());  // the bucket is missing
      RETURN_IF_ERROR(s);
      size_t pos = 0;
      std::vector<std::pair<std::string, uint64_t>> page;
      while (auto contents = XmlTag(resp.body, "Contents", &pos, /*decode=*/false)) {
        size_t p = 0;
        std::string key = XmlTag(*contents, "Key", &p).value_or("");
        p = 0;
        uint64_t size =
            std::strtoull(XmlTag(*contents, "Size", &p).value_or("0").c_str(), nullptr, 10);
        if (key.size() <= root.size() || key.compare(0, root.size(), root) != 0) continue;
        page.emplace_back(key.substr(root.size()), size);
      }
      // S3 returns keys in byte order; some S3-compatible servers (s3rver) order '/' before
      // '.', so each page is put in byte order before it is handed out.
      std::sort(page.begin(), page.end());
      for (const auto& [name, size] : page) RETURN_IF_ERROR(fn(name, size));
      pos = 0;
      bool truncated = XmlTag(resp.body, "IsTruncated", &pos).value_or("false") == "true";
      pos = 0;
      token = XmlTag(resp.body, "NextContinuationToken", &pos).value_or("");
      if (!truncated) return Status::OK();
      if (token.empty()) {
        return Status::IOError(What(prefix) + ": truncated listing without a continuation token");
      }
    }
  }

  std::string Uri() const override { return uri_; }
  const StorageBackend& backend() const override { return spec_.backend; }

 private:
  std::string Key(std::string_view name) const {
    return spec_.prefix.empty() ? std::string(name) : spec_.prefix + "/" + std::string(name);
  }
  std::string What(std::string_view name) const {
    return spec_.scheme + "://" + spec_.bucket + "/" + Key(name);
  }
  Status Head(std::string_view name, Clock::time_point deadline, S3Response* resp) {
    S3Request req;
    req.method = "HEAD";
    req.head = true;
    req.key = Key(name);
    return client_.Do(req, deadline, What(name), resp);
  }

  const S3CompatibleSpec spec_;
  const StorageOptions options_;
  const S3Options s3_options_;
  const S3Client client_;
  const std::string uri_;
};

}  // namespace

std::unique_ptr<ExternalStorage> NewS3CompatibleStorage(S3CompatibleSpec spec,
                                                        S3Client::Config config,
                                                        const StorageOptions& options,
                                                        const S3Options& s3_options) {
  return std::make_unique<S3Storage>(std::move(spec), options, s3_options, std::move(config));
}

Result<std::unique_ptr<ExternalStorage>> NewS3Storage(const S3Backend& backend,
                                                      const StorageOptions& options,
                                                      const S3Options& s3_options) {
  if (backend.bucket.empty()) return Status::InvalidArgument("s3 storage without a bucket");
  ASSIGN_OR_RETURN(S3Client::Config config, S3Client::MakeConfig(backend, s3_options));
  S3CompatibleSpec spec{backend, "s3", backend.bucket, backend.prefix, S3ObjectHeaders(backend)};
  return NewS3CompatibleStorage(std::move(spec), std::move(config), options, s3_options);
}

}  // namespace brkv::storage
