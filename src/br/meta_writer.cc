#include "br/meta_writer.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>

#include "common/failpoint.h"

namespace brkv::br {
namespace {

// Encoded size of one element of a repeated length-delimited field with a 1-byte tag.
uint64_t ElementSize(uint64_t payload) {
  return 1 + google::protobuf::io::CodedOutputStream::VarintSize64(payload) + payload;
}

}  // namespace

Result<std::unique_ptr<MetaWriter>> MetaWriter::Open(storage::ExternalStorage* storage,
                                                     MetaWriterOptions options) {
  if (storage == nullptr) return Status::InvalidArgument("MetaWriter: no storage");
  if (options.leaf_size_limit == 0) {
    return Status::InvalidArgument("MetaWriter: leaf_size_limit must be positive");
  }
  RETURN_IF_ERROR(sst::ValidateCipher(options.cipher).WithContext("backupmeta encryption"));
  return std::unique_ptr<MetaWriter>(new MetaWriter(storage, std::move(options)));
}

MetaWriter::MetaWriter(storage::ExternalStorage* storage, MetaWriterOptions options)
    : storage_(storage), options_(std::move(options)) {}

MetaWriter::~MetaWriter() = default;

MetaWriter::Leaf& MetaWriter::LeafFor(LeafKind kind) {
  switch (kind) {
    case LeafKind::kDataFile:
      return data_;
    case LeafKind::kSchema:
      return schema_;
    case LeafKind::kDdl:
      return ddl_;
  }
  return data_;
}

Status MetaWriter::CheckUsableLocked() const {
  if (!error_.ok()) return error_;
  if (finished_) return Status::InvalidArgument("MetaWriter: already finished");
  return Status::OK();
}

Status MetaWriter::AppendDataFiles(std::span<const backup::File> files) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckUsableLocked());
  for (const auto& f : files) {
    *data_.items.add_data_files() = f;
    data_.bytes += ElementSize(f.ByteSizeLong());
    ++data_.count;
    stats_.data_bytes += f.size();
  }
  stats_.data_files += files.size();
  return AfterAppendLocked(LeafKind::kDataFile);
}

Status MetaWriter::AppendSchemas(std::span<const backup::Schema> schemas) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckUsableLocked());
  for (const auto& s : schemas) {
    *schema_.items.add_schemas() = s;
    schema_.bytes += ElementSize(s.ByteSizeLong());
    ++schema_.count;
  }
  stats_.schemas += schemas.size();
  return AfterAppendLocked(LeafKind::kSchema);
}

Status MetaWriter::AppendDdl(std::string_view job_json) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckUsableLocked());
  ddl_.items.add_ddls(std::string(job_json));
  ddl_.bytes += ElementSize(job_json.size());
  ++ddl_.count;
  ++stats_.ddls;
  return AfterAppendLocked(LeafKind::kDdl);
}

Status MetaWriter::AfterAppendLocked(LeafKind kind) {
  const uint64_t items = data_.count + schema_.count + ddl_.count;
  const uint64_t bytes = data_.bytes + schema_.bytes + ddl_.bytes;
  stats_.peak_buffered_items = std::max(stats_.peak_buffered_items, items);
  stats_.peak_buffered_bytes = std::max(stats_.peak_buffered_bytes, bytes);
  if (LeafFor(kind).bytes < options_.leaf_size_limit) return Status::OK();
  Status s = FlushLeafLocked(kind);
  if (!s.ok()) error_ = s;
  return s;
}

Status MetaWriter::FlushLeafLocked(LeafKind kind) {
  Leaf& leaf = LeafFor(kind);
  if (leaf.count == 0) return Status::OK();
  const std::string name = LeafName(kind, next_seq_++);
  std::string plain;
  if (!leaf.items.SerializeToString(&plain)) {
    return Status::Internal("cannot serialize backupmeta leaf " + name);
  }
  backup::File pointer;
  ASSIGN_OR_RETURN(std::string stored, SealLeaf(options_.cipher, name, plain, &pointer));
  FAIL_POINT("br.meta.before-write-leaf");
  RETURN_IF_ERROR(WriteObjectWithRetry(storage_, name, stored, options_.io));
  *leaf.index.add_meta_files() = std::move(pointer);
  leaf.items.Clear();
  leaf.bytes = 0;
  leaf.count = 0;
  ++stats_.leaves_written;
  stats_.meta_bytes += stored.size();
  return Status::OK();
}

Status MetaWriter::Finish(backup::BackupMeta root) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckUsableLocked());
  finished_ = true;
  if (root.files_size() > 0 || root.schemas_size() > 0) {
    error_ = Status::InvalidArgument(
        "MetaWriter writes backupmeta v2: data files and schemas go through Append*, not "
        "inline in the root");
    return error_;
  }
  auto fail = [this](Status s) {
    error_ = s;
    return s;
  };
  for (LeafKind kind : {LeafKind::kDataFile, LeafKind::kSchema, LeafKind::kDdl}) {
    Status s = FlushLeafLocked(kind);
    if (!s.ok()) return fail(s);
  }
  root.set_version(kMetaVersionV2);
  *root.mutable_file_index() = data_.index;
  *root.mutable_schema_index() = schema_.index;
  *root.mutable_ddl_indexes() = ddl_.index;
  if (root.ddls().empty()) root.set_ddls("[]");
  if (root.new_collations_enabled().empty()) root.set_new_collations_enabled("False");

  // backup_size counts the root too, whose size depends on backup_size: iterate to the
  // fixed point (the varint grows at most a couple of times).
  const uint64_t iv_bytes = options_.cipher.encrypted() ? sst::kIvSize : 0;
  const uint64_t base = stats_.data_bytes + stats_.meta_bytes + iv_bytes;
  uint64_t total = base;
  for (int i = 0; i < 4; ++i) {
    root.set_backup_size(total);
    const uint64_t next = base + root.ByteSizeLong();
    if (next == total) break;
    total = next;
  }
  root.set_backup_size(total);

  std::string plain;
  if (!root.SerializeToString(&plain)) return fail(Status::Internal("cannot serialize backupmeta"));
  auto stored = SealRoot(options_.cipher, plain);
  if (!stored.ok()) return fail(stored.status());
  Status fp = failpoint::Eval("br.meta.before-write-backupmeta");
  if (!fp.ok()) return fail(fp);
  if (options_.before_commit) {
    Status check = options_.before_commit();
    if (!check.ok()) return fail(check);
  }
  Status s = WriteObjectWithRetry(storage_, kMetaFileName, stored.value(), options_.io);
  if (!s.ok()) return fail(s);
  stats_.meta_bytes += stored.value().size();
  return Status::OK();
}

MetaWriterStats MetaWriter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace brkv::br
