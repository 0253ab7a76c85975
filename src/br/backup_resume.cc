#include "br/backup_resume.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "br/meta_names.h"
#include "br/validate.h"
#include "common/backoff.h"
#include "common/codec.h"
#include "common/logging.h"

namespace brkv::br {

namespace {

Status List(storage::ExternalStorage* storage, std::string_view prefix,
            std::vector<std::string>* names, const MetaIoOptions& io) {
  return RetryMetaOp(io, [&]() -> Status {
    names->clear();
    return storage->WalkDir(
        prefix,
        [names](std::string_view name, uint64_t) {
          names->emplace_back(name);
          return Status::OK();
        },
        MetaCallOptions(io));
  });
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

JobFingerprint BackupFingerprint(const BackupConfig& c) {
  JobFingerprint f;
  f.emplace_back("kind", std::string(BackupKindName(c.scope.kind)));
  f.emplace_back("--db", c.scope.db);
  f.emplace_back("--table", c.scope.table);
  f.emplace_back("--filter", Join(c.scope.filters));
  f.emplace_back("--case-sensitive", c.scope.case_sensitive ? "true" : "false");
  if (c.scope.kind == BackupKind::kRaw) {
    f.emplace_back("--start", codec::ToHex(c.raw_start));
    f.emplace_back("--end", codec::ToHex(c.raw_end));
    f.emplace_back("--cf", c.raw_cf);
  }
  f.emplace_back("--backupts", c.backup_ts);
  f.emplace_back("--lastbackupts", c.last_backup_ts);
  f.emplace_back("--compression", std::string(sst::CompressionName(c.compression)));
  f.emplace_back("--compression-level", std::to_string(c.compression_level));
  f.emplace_back("--crypter.method", std::string(sst::MethodName(c.cipher.method)));
  f.emplace_back("--crypter.key (digest)", SecretDigest(c.cipher.key));
  return f;
}

Result<ReusedRanges> VerifyReusedRanges(storage::ExternalStorage* storage,
                                        std::vector<::backup::BackupResponse> saved,
                                        int concurrency) {
  std::vector<bool> ok(saved.size(), true);
  std::vector<std::pair<size_t, const ::backup::File*>> work;
  for (size_t i = 0; i < saved.size(); ++i) {
    for (const ::backup::File& f : saved[i].files()) work.emplace_back(i, &f);
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> bytes{0};
  std::mutex mu;
  Status first_error;
  auto worker = [&] {
    while (true) {
      const size_t k = next.fetch_add(1);
      if (k >= work.size()) return;
      uint64_t read = 0;
      auto problem = CheckBackupFile(storage, *work[k].second, &read);
      bytes.fetch_add(read);
      std::lock_guard<std::mutex> l(mu);
      if (!problem.ok()) {
        if (first_error.ok()) first_error = problem.status();
        next.store(work.size());
        return;
      }
      if (!problem->empty()) {
        LOG_WARN("resume: {} is not reused ({}); its range is backed up again",
                 work[k].second->name(), *problem);
        ok[work[k].first] = false;
      }
    }
  };
  const int threads = std::max(1, std::min<int>(concurrency, static_cast<int>(work.size())));
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  RETURN_IF_ERROR(first_error.WithContext("checking the files of the saved progress"));
  ReusedRanges out;
  out.bytes_read = bytes.load();
  for (size_t i = 0; i < saved.size(); ++i) {
    if (!ok[i]) {
      ++out.dropped;
      continue;
    }
    out.files += static_cast<uint64_t>(saved[i].files_size());
    out.kept.push_back(std::move(saved[i]));
  }
  return out;
}

Status DeleteStaleMetaLeaves(storage::ExternalStorage* storage, const MetaIoOptions& io) {
  std::vector<std::string> names;
  RETURN_IF_ERROR(List(storage, std::string(kMetaFileName) + ".", &names, io));
  for (const std::string& name : names) {
    RETURN_IF_ERROR(RetryMetaOp(io, [&] {
                      return storage->DeleteFile(name, MetaCallOptions(io));
                    }).WithContext("delete " + name));
  }
  if (!names.empty()) LOG_INFO("resume: deleted {} uncommitted backupmeta leaves", names.size());
  return Status::OK();
}

Result<size_t> DeleteOrphanFiles(storage::ExternalStorage* storage,
                                 const std::unordered_set<std::string>& keep,
                                 const MetaIoOptions& io) {
  std::vector<std::string> names;
  RETURN_IF_ERROR(List(storage, "", &names, io));
  size_t deleted = 0;
  for (const std::string& name : names) {
    if (!EndsWith(name, ".sst") || keep.count(name) != 0) continue;
    RETURN_IF_ERROR(RetryMetaOp(io, [&] {
                      return storage->DeleteFile(name, MetaCallOptions(io));
                    }).WithContext("delete " + name));
    ++deleted;
  }
  return deleted;
}

}  // namespace brkv::br
