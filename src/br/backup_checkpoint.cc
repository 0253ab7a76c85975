#include "br/backup_checkpoint.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstdio>

#include "common/backoff.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "common/sha256.h"

namespace brkv::br {

namespace {

constexpr std::string_view kRangesPrefix = "checkpoints/backup/ranges.";
constexpr std::string_view kOptionPrefix = "option.";
constexpr size_t kShaSize = 32;

std::string RangesName(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%09llu", static_cast<unsigned long long>(seq));
  return std::string(kRangesPrefix) + buf;
}

Status ListWithRetry(storage::ExternalStorage* storage, std::string_view prefix,
                     std::vector<std::string>* names, const MetaIoOptions& io) {
  Status s = RetryMetaOp(io, [&] {
    names->clear();
    return storage->WalkDir(
        prefix,
        [names](std::string_view name, uint64_t) {
          names->emplace_back(name);
          return Status::OK();
        },
        MetaCallOptions(io));
  });
  return s.WithContext("list " + std::string(prefix) + "*");
}

}  // namespace

std::string EncodeCheckpointMeta(const BackupCheckpointMeta& m) {
  std::string out = "brkv backup checkpoint v1\n";
  out += "job=" + m.job_id + "\n";
  out += "backup-ts=" + std::to_string(m.backup_ts) + "\n";
  out += "last-backup-ts=" + std::to_string(m.last_backup_ts) + "\n";
  out += "cluster-id=" + std::to_string(m.cluster_id) + "\n";
  out += "service-safe-point=" + m.service_id + "\n";
  out += "gcttl-resume=" + std::to_string(m.resume_gcttl_seconds) + "\n";
  JobFingerprint prefixed;
  for (const auto& [k, v] : m.fingerprint) prefixed.emplace_back(std::string(kOptionPrefix) + k, v);
  out += EncodeFingerprint(prefixed);
  return out;
}

Result<BackupCheckpointMeta> DecodeCheckpointMeta(std::string_view text) {
  if (text.substr(0, text.find('\n')) != "brkv backup checkpoint v1") {
    return Status::Corruption(std::string(kBackupCheckpointMetaName) +
                              " is not a brkv backup checkpoint (v1)");
  }
  ASSIGN_OR_RETURN(JobFingerprint all, DecodeFingerprint(text.substr(text.find('\n') + 1)));
  BackupCheckpointMeta m;
  for (const auto& [k, v] : all) {
    if (k == "job") {
      m.job_id = v;
    } else if (k == "backup-ts") {
      m.backup_ts = std::strtoull(v.c_str(), nullptr, 10);
    } else if (k == "last-backup-ts") {
      m.last_backup_ts = std::strtoull(v.c_str(), nullptr, 10);
    } else if (k == "cluster-id") {
      m.cluster_id = std::strtoull(v.c_str(), nullptr, 10);
    } else if (k == "service-safe-point") {
      m.service_id = v;
    } else if (k == "gcttl-resume") {
      m.resume_gcttl_seconds = std::strtoll(v.c_str(), nullptr, 10);
    } else if (k.rfind(kOptionPrefix, 0) == 0) {
      m.fingerprint.emplace_back(k.substr(kOptionPrefix.size()), v);
    }
  }
  if (m.job_id.empty() || m.backup_ts == 0) {
    return Status::Corruption(std::string(kBackupCheckpointMetaName) +
                              " lacks the job id or the backup ts");
  }
  return m;
}

Result<std::optional<BackupCheckpointMeta>> LoadCheckpointMeta(storage::ExternalStorage* storage,
                                                               const MetaIoOptions& io) {
  auto text = ReadObjectWithRetry(storage, kBackupCheckpointMetaName, io);
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) {
      return std::optional<BackupCheckpointMeta>();
    }
    return text.status().WithContext("read " + std::string(kBackupCheckpointMetaName));
  }
  ASSIGN_OR_RETURN(BackupCheckpointMeta m, DecodeCheckpointMeta(*text));
  return std::optional<BackupCheckpointMeta>(std::move(m));
}

Status SaveCheckpointMeta(storage::ExternalStorage* storage, const BackupCheckpointMeta& m,
                          const MetaIoOptions& io) {
  return WriteObjectWithRetry(storage, kBackupCheckpointMetaName, EncodeCheckpointMeta(m), io)
      .WithContext("write " + std::string(kBackupCheckpointMetaName));
}

Result<std::string> SealRanges(const sst::CipherInfo& cipher,
                               const std::vector<::backup::BackupResponse>& ranges) {
  std::string plain;
  {
    google::protobuf::io::StringOutputStream raw(&plain);
    google::protobuf::io::CodedOutputStream out(&raw);
    for (const ::backup::BackupResponse& r : ranges) {
      const std::string bytes = r.SerializeAsString();
      out.WriteVarint32(static_cast<uint32_t>(bytes.size()));
      out.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
    }
  }
  plain += Sha256(plain);
  return SealRoot(cipher, plain);
}

Result<std::vector<::backup::BackupResponse>> OpenRanges(const sst::CipherInfo& cipher,
                                                         std::string_view name,
                                                         std::string_view stored) {
  const std::string bad = "checkpoint object " + std::string(name) +
                          " does not verify (damaged, or the backup's --crypter.key differs)";
  auto opened = OpenRoot(cipher, stored);
  if (!opened.ok()) return Status::Corruption(bad + ": " + opened.status().message());
  const std::string& plain = *opened;
  if (plain.size() < kShaSize) return Status::Corruption(bad);
  const std::string_view body(plain.data(), plain.size() - kShaSize);
  if (Sha256(body) != std::string_view(plain).substr(body.size())) {
    return Status::Corruption(bad);
  }
  std::vector<::backup::BackupResponse> ranges;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  while (in.CurrentPosition() < static_cast<int>(body.size())) {
    uint32_t len = 0;
    std::string bytes;
    if (!in.ReadVarint32(&len) || !in.ReadString(&bytes, static_cast<int>(len))) {
      return Status::Corruption(bad + ": truncated entry");
    }
    ::backup::BackupResponse r;
    if (!r.ParseFromString(bytes)) return Status::Corruption(bad + ": unparsable entry");
    ranges.push_back(std::move(r));
  }
  return ranges;
}

Result<LoadedRanges> LoadFinishedRanges(storage::ExternalStorage* storage,
                                        const sst::CipherInfo& cipher, const MetaIoOptions& io) {
  std::vector<std::string> names;
  RETURN_IF_ERROR(ListWithRetry(storage, kRangesPrefix, &names, io));
  LoadedRanges out;
  for (const std::string& name : names) {
    const uint64_t seq = std::strtoull(name.c_str() + kRangesPrefix.size(), nullptr, 10);
    if (seq == 0) continue;  // not ours
    ASSIGN_OR_RETURN(std::string stored, ReadObjectWithRetry(storage, name, io));
    ASSIGN_OR_RETURN(std::vector<::backup::BackupResponse> ranges,
                     OpenRanges(cipher, name, stored));
    for (auto& r : ranges) out.ranges.push_back(std::move(r));
    out.next_seq = std::max(out.next_seq, seq + 1);
    ++out.objects;
  }
  return out;
}

Status RemoveBackupCheckpoint(storage::ExternalStorage* storage, const MetaIoOptions& io) {
  std::vector<std::string> names;
  RETURN_IF_ERROR(ListWithRetry(storage, kBackupCheckpointPrefix, &names, io));
  for (const std::string& name : names) {
    Backoffer bo(io.retry);
    while (true) {
      Status s = storage->DeleteFile(name, MetaCallOptions(io));
      if (s.ok()) break;
      if (!s.retryable()) return s.WithContext("delete " + name);
      RETURN_IF_ERROR(bo.Backoff(s));
    }
  }
  return Status::OK();
}

CheckpointWriter::CheckpointWriter(storage::ExternalStorage* storage,
                                   CheckpointWriterOptions options)
    : storage_(storage), options_(std::move(options)), next_seq_(options_.first_seq) {
  thread_ = std::thread([this] { Run(); });
}

CheckpointWriter::~CheckpointWriter() {
  Status s = Close();
  if (!s.ok()) LOG_WARN("backup checkpoint: {}", s.ToString());
}

void CheckpointWriter::Add(const ::backup::BackupResponse& finished) {
  ::backup::BackupResponse r;
  r.set_start_key(finished.start_key());
  r.set_end_key(finished.end_key());
  *r.mutable_files() = finished.files();
  std::lock_guard<std::mutex> l(mu_);
  pending_.push_back(std::move(r));
}

Status CheckpointWriter::FlushLocked(std::unique_lock<std::mutex>* lock) {
  // One flush at a time, so objects are written in sequence order.
  cv_.wait(*lock, [this] { return !flushing_; });
  if (!error_.ok()) return error_;
  if (pending_.empty()) return Status::OK();
  std::vector<::backup::BackupResponse> batch;
  batch.swap(pending_);
  const uint64_t seq = next_seq_++;
  flushing_ = true;
  lock->unlock();
  Status s = failpoint::Eval("br.checkpoint.before-flush");
  if (s.ok()) {
    auto sealed = SealRanges(options_.cipher, batch);
    s = sealed.ok() ? WriteObjectWithRetry(storage_, RangesName(seq), *sealed, options_.io)
                    : sealed.status();
  }
  lock->lock();
  flushing_ = false;
  cv_.notify_all();
  if (!s.ok()) {
    error_ = s.WithContext("saving the backup checkpoint " + RangesName(seq));
    return error_;
  }
  saved_ += batch.size();
  LOG_INFO("backup checkpoint: saved {} finished ranges as {}", batch.size(), RangesName(seq));
  return Status::OK();
}

Status CheckpointWriter::Flush() {
  std::unique_lock<std::mutex> l(mu_);
  return FlushLocked(&l);
}

Status CheckpointWriter::Close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return error_;
    closed_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  return Flush();
}

uint64_t CheckpointWriter::ranges_saved() const {
  std::lock_guard<std::mutex> l(mu_);
  return saved_;
}

void CheckpointWriter::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, options_.interval, [this] { return stop_; });
    if (stop_) break;
    Status s = FlushLocked(&l);
    if (!s.ok()) {
      LOG_WARN("{}", s.ToString());
      continue;
    }
    if (options_.after_flush) {
      l.unlock();
      Status h = options_.after_flush();
      if (!h.ok()) LOG_WARN("backup checkpoint: {}", h.ToString());
      l.lock();
    }
  }
}

}  // namespace brkv::br
