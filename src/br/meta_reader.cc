#include "br/meta_reader.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "catalog/tablecodec.h"

namespace brkv::br {
namespace {

// BR writes depth <= 1; allow a little more, but stop pointer cycles in a corrupted index.
constexpr int kMaxIndexDepth = 8;

}  // namespace

Result<std::unique_ptr<MetaReader>> MetaReader::Open(storage::ExternalStorage* storage,
                                                     MetaReaderOptions options) {
  if (storage == nullptr) return Status::InvalidArgument("MetaReader: no storage");
  if (options.cipher.method != sst::EncryptionMethod::kPlaintext) {
    RETURN_IF_ERROR(sst::ValidateCipher(options.cipher).WithContext("backupmeta decryption"));
  }
  auto stored = ReadObjectWithRetry(storage, kMetaFileName, options.io);
  if (!stored.ok()) {
    if (stored.status().IsNotFound()) {
      return Status::NotFound("no backupmeta in " + storage->Uri() +
                              ": the path holds no finished backup");
    }
    return stored.status().WithContext("read backupmeta from " + storage->Uri());
  }
  const bool encrypted = options.cipher.encrypted();
  auto plain = OpenRoot(options.cipher, stored.value());
  if (!plain.ok()) {
    if (encrypted) {
      return Status::InvalidArgument("cannot decrypt backupmeta: wrong --crypter.key? (" +
                                     plain.status().message() + ")");
    }
    return plain.status();
  }
  backup::BackupMeta meta;
  const bool parsed = meta.ParseFromString(plain.value());
  const bool known_version =
      meta.version() == kMetaVersionV1 || meta.version() == kMetaVersionV2;
  if (encrypted && (!parsed || !known_version)) {
    return Status::InvalidArgument(
        "cannot decrypt backupmeta: wrong --crypter.key? (or the backup is not encrypted "
        "with " + std::string(sst::MethodName(options.cipher.method)) + ")");
  }
  if (!parsed) {
    return Status::Corruption("cannot parse backupmeta in " + storage->Uri() +
                              ": the object is corrupted, or the backup is encrypted (pass "
                              "--crypter.method and --crypter.key)");
  }
  if (!known_version) {
    return Status::Corruption("backupmeta in " + storage->Uri() + " has unknown version " +
                              std::to_string(meta.version()));
  }
  return std::unique_ptr<MetaReader>(new MetaReader(storage, std::move(options), std::move(meta)));
}

MetaReader::MetaReader(storage::ExternalStorage* storage, MetaReaderOptions options,
                       backup::BackupMeta meta)
    : storage_(storage), options_(std::move(options)), meta_(std::move(meta)) {}

const backup::MetaFile* MetaReader::IndexFor(LeafKind kind) const {
  switch (kind) {
    case LeafKind::kDataFile:
      return meta_.has_file_index() ? &meta_.file_index() : nullptr;
    case LeafKind::kSchema:
      return meta_.has_schema_index() ? &meta_.schema_index() : nullptr;
    case LeafKind::kDdl:
      return meta_.has_ddl_indexes() ? &meta_.ddl_indexes() : nullptr;
  }
  return nullptr;
}

Result<backup::MetaFile> MetaReader::ReadLeaf(const backup::File& pointer) const {
  if (pointer.name().empty()) {
    return Status::Corruption("backupmeta has a leaf pointer without a name");
  }
  auto stored = ReadObjectWithRetry(storage_, pointer.name(), options_.io);
  if (!stored.ok()) {
    if (stored.status().IsNotFound()) {
      return Status::Corruption("backupmeta leaf " + pointer.name() + " is missing from " +
                                storage_->Uri());
    }
    return stored.status().WithContext("read backupmeta leaf " + pointer.name());
  }
  ASSIGN_OR_RETURN(std::string plain, OpenLeaf(options_.cipher, pointer, stored.value()));
  backup::MetaFile leaf;
  if (!leaf.ParseFromString(plain)) {
    return Status::Corruption("backupmeta leaf " + pointer.name() + " does not parse");
  }
  const uint64_t items = static_cast<uint64_t>(leaf.data_files_size()) + leaf.schemas_size() +
                         leaf.ddls_size() + leaf.raw_ranges_size() + leaf.backup_ranges_size();
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.leaves_read;
    stats_.peak_leaf_items = std::max(stats_.peak_leaf_items, items);
  }
  return leaf;
}

Status MetaReader::WalkIndex(const backup::MetaFile& index, int depth,
                             const std::function<Status(const DecodedLeaf&)>& fn) const {
  if (depth > kMaxIndexDepth) {
    return Status::Corruption("backupmeta index nests deeper than " +
                              std::to_string(kMaxIndexDepth) + " levels");
  }
  for (const backup::File& pointer : index.meta_files()) {
    DecodedLeaf leaf;
    leaf.name = pointer.name();
    ASSIGN_OR_RETURN(leaf.content, ReadLeaf(pointer));
    if (leaf.content.meta_files_size() > 0) {
      RETURN_IF_ERROR(WalkIndex(leaf.content, depth + 1, fn));
    }
    RETURN_IF_ERROR(fn(leaf));
  }
  return Status::OK();
}

Status MetaReader::ForEachLeaf(LeafKind kind, const LeafFn& fn) const {
  const backup::MetaFile* index = IndexFor(kind);
  if (index == nullptr) return Status::OK();
  return WalkIndex(*index, 0, fn);
}

Status MetaReader::ForEachDataFile(const DataFileFn& fn) const {
  for (const auto& f : meta_.files()) RETURN_IF_ERROR(fn(f));
  return ForEachLeaf(LeafKind::kDataFile, [&fn](const DecodedLeaf& leaf) {
    for (const auto& f : leaf.content.data_files()) RETURN_IF_ERROR(fn(f));
    return Status::OK();
  });
}

Status MetaReader::ForEachSchema(const SchemaFn& fn) const {
  for (const auto& s : meta_.schemas()) RETURN_IF_ERROR(fn(s));
  return ForEachLeaf(LeafKind::kSchema, [&fn](const DecodedLeaf& leaf) {
    for (const auto& s : leaf.content.schemas()) RETURN_IF_ERROR(fn(s));
    return Status::OK();
  });
}

Status MetaReader::ForEachDdl(const DdlFn& fn) const {
  if (!meta_.ddls().empty()) {
    auto jobs = nlohmann::json::parse(meta_.ddls(), nullptr, /*allow_exceptions=*/false);
    if (jobs.is_discarded() || !jobs.is_array()) {
      return Status::Corruption("backupmeta ddls is not a JSON array");
    }
    for (const auto& job : jobs) {
      RETURN_IF_ERROR(fn(job.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    }
  }
  return ForEachLeaf(LeafKind::kDdl, [&fn](const DecodedLeaf& leaf) {
    for (const auto& d : leaf.content.ddls()) RETURN_IF_ERROR(fn(d));
    return Status::OK();
  });
}

Result<std::map<int64_t, std::vector<backup::File>>> MetaReader::DataFilesByTable() const {
  std::map<int64_t, std::vector<backup::File>> out;
  Status s = ForEachDataFile([&out](const backup::File& f) {
    out[catalog::DecodeTableID(f.start_key())].push_back(f);
    return Status::OK();
  });
  if (!s.ok()) return s;
  return out;
}

MetaReaderStats MetaReader::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

}  // namespace brkv::br
