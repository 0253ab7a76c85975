#include "br/validate.h"

#include <algorithm>

#include "common/codec.h"
#include "common/sha256.h"

namespace brkv::br {

namespace {

constexpr size_t kChunk = 4 << 20;

}  // namespace

Result<std::string> CheckBackupFile(storage::ExternalStorage* storage, const ::backup::File& f,
                                    uint64_t* bytes) {
  auto reader = storage->Open(f.name());
  if (!reader.ok()) {
    if (reader.status().IsNotFound()) return std::string("missing from the storage");
    return reader.status().WithContext("reading backup file " + f.name());
  }
  const uint64_t size = (*reader)->size();
  if (f.size() != 0 && size != f.size()) {
    return "size is " + std::to_string(size) + " bytes, backupmeta says " +
           std::to_string(f.size());
  }
  Sha256Hasher hasher;
  std::string chunk;
  for (uint64_t off = 0; off < size; off += chunk.size()) {
    Status s = (*reader)->ReadAt(off, kChunk, &chunk);
    if (!s.ok()) return s.WithContext("reading backup file " + f.name());
    if (chunk.empty()) return std::string("ends early at byte ") + std::to_string(off);
    hasher.Update(chunk);
    *bytes += chunk.size();
  }
  const std::string got = hasher.Finish();
  if (f.sha256().empty()) return std::string("backupmeta has no sha256 for it");
  if (got != f.sha256()) {
    return "sha256 mismatch: backupmeta has " + codec::ToHex(f.sha256()) + ", the file has " +
           codec::ToHex(got);
  }
  return std::string();
}

Result<ValidateChecksumReport> ValidateChecksum(storage::ExternalStorage* storage,
                                                const MetaReaderOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<MetaReader> reader, MetaReader::Open(storage, options));
  ValidateChecksumReport report;
  Status s = reader->ForEachDataFile([&](const ::backup::File& f) -> Status {
    ++report.files;
    ASSIGN_OR_RETURN(std::string problem, CheckBackupFile(storage, f, &report.bytes));
    if (!problem.empty()) report.failures.push_back(f.name() + ": " + problem);
    return Status::OK();
  });
  if (!s.ok()) return s;
  return report;
}

Status ChecksumReportStatus(const ValidateChecksumReport& r) {
  if (r.failures.empty()) return Status::OK();
  std::string msg = std::to_string(r.failures.size()) + " of " + std::to_string(r.files) +
                    " backup files failed validation: ";
  const size_t shown = std::min<size_t>(r.failures.size(), 5);
  for (size_t i = 0; i < shown; ++i) msg += (i == 0 ? "" : "; ") + r.failures[i];
  if (r.failures.size() > shown) {
    msg += "; and " + std::to_string(r.failures.size() - shown) + " more";
  }
  msg += ". Do not restore this backup; take a new one";
  return Status::Corruption(msg);
}

Result<std::string> DecodeBackup(storage::ExternalStorage* storage,
                                 const MetaReaderOptions& options, const DecodeOptions& decode) {
  ASSIGN_OR_RETURN(std::unique_ptr<MetaReader> reader, MetaReader::Open(storage, options));
  std::vector<DecodedLeaf> leaves;
  for (LeafKind kind : {LeafKind::kDataFile, LeafKind::kSchema, LeafKind::kDdl}) {
    RETURN_IF_ERROR(reader->ForEachLeaf(kind, [&](const DecodedLeaf& leaf) {
      leaves.push_back(leaf);
      return Status::OK();
    }));
  }
  return DecodeBackupMetaToJson(reader->meta(), leaves, decode);
}

}  // namespace brkv::br
