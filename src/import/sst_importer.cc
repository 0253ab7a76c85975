#include "import/sst_importer.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

#include "common/metrics.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "import/key_rewriter.h"
#include "kv/keys.h"
#include "server/region.h"
#include "sst/backend_proto.h"
#include "sst/compression.h"
#include "sst/sst_reader.h"

namespace brkv::import {

namespace fs = std::filesystem;

namespace {

// How many KVs are rewritten between two deadline checks.
constexpr uint64_t kDeadlineCheckEvery = 1024;

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  return server::FromRocks(s).WithContext(context);
}

std::string ObjectContext(const std::string& name) { return "backup file \"" + name + "\""; }

// Options of the staged SSTs: bytewise comparator (the engine's), LZ4 when this RocksDB has
// it (the staged file lives minutes at most; fast beats small).
rocksdb::Options StagedSstOptions() {
  rocksdb::Options o;
  auto lz4 = sst::ToRocksCompression(sst::CompressionType::kLz4);
  o.compression = lz4.ok() ? *lz4 : rocksdb::kNoCompression;
  return o;
}

// The first and last data keys of a staged SST.
struct StagedBounds {
  std::string first;
  std::string last;
  uint64_t size = 0;
};

Result<StagedBounds> ReadStagedBounds(const std::string& path) {
  rocksdb::Options o;
  rocksdb::BlockBasedTableOptions t;
  t.no_block_cache = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  rocksdb::SstFileReader reader(o);
  RETURN_IF_ERROR(FromRocks(reader.Open(path), "open staged SST " + path));
  std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(rocksdb::ReadOptions()));
  StagedBounds b;
  it->SeekToFirst();
  if (!it->Valid()) {
    RETURN_IF_ERROR(FromRocks(it->status(), "read staged SST " + path));
    return Status::Corruption("staged SST " + path + " is empty");
  }
  b.first = it->key().ToString();
  it->SeekToLast();
  if (!it->Valid()) {
    RETURN_IF_ERROR(FromRocks(it->status(), "read staged SST " + path));
    return Status::Corruption("staged SST " + path + " has no last key");
  }
  b.last = it->key().ToString();
  std::error_code ec;
  b.size = fs::file_size(path, ec);
  return b;
}

// TiKV's importer metrics (components/sst_importer/src/metrics.rs names).
metrics::Family<metrics::Histogram>& DownloadDuration() {
  static auto& f = metrics::Default().Histogram(
      "tikv_import_download_duration", "Bucketed histogram of importer download duration",
      {"type"}, metrics::ExponentialBuckets(0.01, 2, 20));
  return f;
}
metrics::Histogram& DownloadBytes() {
  static auto& h = metrics::Default()
                       .Histogram("tikv_import_download_bytes",
                                  "Bucketed histogram of importer download bytes", {},
                                  metrics::ExponentialBuckets(1024, 2, 24))
                       .With({});
  return h;
}
metrics::Family<metrics::Histogram>& IngestDuration() {
  static auto& f = metrics::Default().Histogram(
      "tikv_import_ingest_duration", "Bucketed histogram of importer ingest duration", {"type"},
      metrics::ExponentialBuckets(0.001, 2, 20));
  return f;
}
metrics::Histogram& IngestBytes() {
  static auto& h = metrics::Default()
                       .Histogram("tikv_import_ingest_bytes",
                                  "Bucketed histogram of importer ingest bytes", {},
                                  metrics::ExponentialBuckets(1024, 2, 24))
                       .With({});
  return h;
}
metrics::Family<metrics::Counter>& ImportErrors() {
  static auto& f = metrics::Default().Counter("tikv_import_error_counter",
                                              "Total number of importer errors", {"type"});
  return f;
}

Status Cancelled(const std::string& name) {
  return Status::Aborted("download of backup file \"" + name + "\" cancelled");
}

// Storage reads that stop once the request is cancelled, so that a cancelled RPC (or a server
// shutting down) does not keep a thread busy for the rest of a long download.
class CancellableReader : public storage::ExternalReader {
 public:
  CancellableReader(std::unique_ptr<storage::ExternalReader> base, std::string name,
                    const std::function<bool()>* cancelled)
      : base_(std::move(base)), name_(std::move(name)), cancelled_(cancelled) {}
  uint64_t size() const override { return base_->size(); }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    if ((*cancelled_)()) return Cancelled(name_);
    return base_->ReadAt(offset, n, out);
  }

 private:
  std::unique_ptr<storage::ExternalReader> base_;
  std::string name_;
  const std::function<bool()>* cancelled_;
};

class CancellableStorage : public storage::ExternalStorage {
 public:
  // Both must outlive this wrapper; `cancelled` must be callable.
  CancellableStorage(storage::ExternalStorage* base, const std::function<bool()>* cancelled)
      : base_(base), cancelled_(cancelled) {}
  Status WriteFile(std::string_view name, std::string_view data,
                   const storage::CallOptions& o) override {
    return base_->WriteFile(name, data, o);
  }
  Result<std::unique_ptr<storage::ExternalWriter>> Create(std::string_view name,
                                                          const storage::CallOptions& o) override {
    return base_->Create(name, o);
  }
  Result<std::string> ReadFile(std::string_view name, const storage::CallOptions& o) override {
    if ((*cancelled_)()) return Cancelled(std::string(name));
    return base_->ReadFile(name, o);
  }
  Result<std::unique_ptr<storage::ExternalReader>> Open(std::string_view name,
                                                        const storage::CallOptions& o) override {
    if ((*cancelled_)()) return Cancelled(std::string(name));
    ASSIGN_OR_RETURN(std::unique_ptr<storage::ExternalReader> r, base_->Open(name, o));
    return std::unique_ptr<storage::ExternalReader>(
        new CancellableReader(std::move(r), std::string(name), cancelled_));
  }
  Result<bool> FileExists(std::string_view name, const storage::CallOptions& o) override {
    return base_->FileExists(name, o);
  }
  Status DeleteFile(std::string_view name, const storage::CallOptions& o) override {
    return base_->DeleteFile(name, o);
  }
  Status WalkDir(std::string_view prefix, const WalkFn& fn,
                 const storage::CallOptions& o) override {
    return base_->WalkDir(prefix, fn, o);
  }
  std::string Uri() const override { return base_->Uri(); }
  const storage::StorageBackend& backend() const override { return base_->backend(); }

 private:
  storage::ExternalStorage* base_;
  const std::function<bool()>* cancelled_;
};

}  // namespace

// ---- lifecycle ----

Result<std::unique_ptr<SstImporter>> SstImporter::Open(SstImporterOptions options,
                                                       server::RegionManager* regions) {
  if (regions == nullptr) return Status::InvalidArgument("SST importer needs the region manager");
  if (options.import_dir.empty()) return Status::InvalidArgument("SST importer: no import dir");
  if (!options.storage_factory) {
    options.storage_factory = [](const storage::StorageBackend& b,
                                 const storage::StorageOptions& o) {
      return storage::CreateStorage(b, o);
    };
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ImportDir> dir, ImportDir::Open(options.import_dir));
  std::unique_ptr<SstImporter> imp(new SstImporter(std::move(options), regions, std::move(dir)));
  if (imp->options_.sweep_interval.count() > 0) {
    imp->sweeper_ = std::thread([p = imp.get()] { p->SweepLoop(); });
  }
  return imp;
}

SstImporter::SstImporter(SstImporterOptions options, server::RegionManager* regions,
                         std::unique_ptr<ImportDir> dir)
    : options_(std::move(options)), regions_(regions), dir_(std::move(dir)) {}

SstImporter::~SstImporter() {
  {
    std::lock_guard<std::mutex> l(sweep_mu_);
    stopping_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

void SstImporter::SweepLoop() {
  std::unique_lock<std::mutex> l(sweep_mu_);
  while (!stopping_) {
    if (sweep_cv_.wait_for(l, options_.sweep_interval, [this] { return stopping_; })) break;
    l.unlock();
    dir_->Sweep(options_.staged_file_ttl);
    l.lock();
  }
}

size_t SstImporter::Sweep() { return dir_->Sweep(options_.staged_file_ttl); }
size_t SstImporter::Sweep(std::chrono::milliseconds age) { return dir_->Sweep(age); }

RateLimiter* SstImporter::LimiterFor(uint64_t bytes_per_sec) {
  if (bytes_per_sec == 0) return nullptr;
  std::lock_guard<std::mutex> l(limiter_mu_);
  auto& slot = limiters_[bytes_per_sec];
  if (!slot) slot = std::make_unique<RateLimiter>(bytes_per_sec);
  return slot.get();
}

// ---- Download ----

Result<DownloadResult> SstImporter::Download(const import_sstpb::DownloadRequest& req,
                                             storage::Clock::time_point deadline,
                                             const std::function<bool()>& cancelled) {
  deadline = std::min(deadline, storage::Clock::now() + options_.download_timeout);
  if (req.ssts_size() > 0 || req.sorted_rewrite_rules_size() > 0) {
    return Status::NotSupported("batch download (ssts / sorted_rewrite_rules) is not supported");
  }
  if (req.request_type() != import_sstpb::Legacy) {
    return Status::NotSupported("download request type Keyspace is not supported");
  }
  if (req.name().empty()) return Status::InvalidArgument("download request names no object");
  const int running = downloads_running_.fetch_add(1) + 1;
  struct Slot {
    std::atomic<int>* n;
    ~Slot() { n->fetch_sub(1); }
  } slot{&downloads_running_};
  if (options_.max_concurrent_downloads > 0 && running > options_.max_concurrent_downloads) {
    return Status::Busy("store is running " + std::to_string(running - 1) +
                        " downloads already (limit " +
                        std::to_string(options_.max_concurrent_downloads) + ")");
  }
  ASSIGN_OR_RETURN(ImportDir::Claim claim,
                   dir_->ClaimStaged(req.sst().uuid(), req.sst().cf_name()));
  // A failed or empty download must not leave a staged file, not even an older one of the
  // same uuid (it would be ingested in place of what was asked for).
  claim.RemoveFile();
  static const std::function<bool()> kNever = [] { return false; };
  const auto started = std::chrono::steady_clock::now();
  Result<DownloadResult> r = DownloadImpl(req, deadline, cancelled ? cancelled : kNever, claim);
  DownloadDuration().With({"total"}).Observe(metrics::SecondsSince(started));
  if (r.ok() && !r->is_empty) DownloadBytes().Observe(static_cast<double>(r->length));
  if (!r.ok()) ImportErrors().With({"download"}).Inc();
  if (!r.ok() || r->is_empty) claim.RemoveFile();
  if (!r.ok()) {
    LOG_WARN("download of backup file \"{}\" ({} CF) failed: {}", req.name(), req.sst().cf_name(),
             r.status().ToString());
  }
  return r;
}

Result<DownloadResult> SstImporter::DownloadImpl(const import_sstpb::DownloadRequest& req,
                                                 storage::Clock::time_point deadline,
                                                 const std::function<bool()>& cancelled,
                                                 const ImportDir::Claim& claim) {
  const import_sstpb::SSTMeta& sst = req.sst();
  const std::string& name = req.name();
  const import_sstpb::RewriteRule& rule = req.rewrite_rule();

  RegionRange range{sst.range().start(), sst.range().end(), !sst.end_key_exclusive()};
  RewriteSpec spec{rule.old_key_prefix(),          rule.new_key_prefix(),
                   rule.new_timestamp(),           rule.ignore_after_timestamp(),
                   rule.ignore_before_timestamp(), req.is_raw_kv()};
  auto rewriter = KeyRewriter::New(spec, sst.cf_name(), range);
  if (!rewriter.ok()) return rewriter.status().WithContext(ObjectContext(name));
  const KeyRewriter& rw = *rewriter;
  if (rw.range_is_empty()) return DownloadResult{};

  auto backend = sst::BackendFromProto(req.storage_backend());
  if (!backend.ok()) return backend.status().WithContext(ObjectContext(name));
  storage::StorageOptions so;
  so.default_timeout = options_.download_timeout;  // calls below all carry the deadline anyway
  auto storage = options_.storage_factory(*backend, so);
  if (!storage.ok()) return storage.status().WithContext(ObjectContext(name));

  ASSIGN_OR_RETURN(ImportDir::WorkDir work, dir_->NewWorkDir());
  sst::SstReaderOptions ro;
  ro.temp_dir = work.path();
  auto cipher = sst::CipherFromProto(req.cipher_info());
  if (!cipher.ok()) return cipher.status().WithContext(ObjectContext(name));
  ro.cipher = std::move(cipher).value();
  ro.rate_limiter = LimiterFor(req.rate_limit());
  ro.call_options.deadline = deadline;
  ro.chunk_size = options_.read_chunk_size;
  ro.require_sha256 = false;  // kvproto clients send none; ours always do
  const sst::SstFileRef ref{name, req.sha256(), sst.cipher_iv(), 0};
  CancellableStorage cancellable(storage->get(), &cancelled);
  ASSIGN_OR_RETURN(std::unique_ptr<sst::SstReader> reader,
                   sst::SstReader::Open(&cancellable, ref, ro));

  std::unique_ptr<sst::SstIterator> it = reader->NewIterator();
  if (rw.seek_key().empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(rw.seek_key());
  }
  const std::string out_path = work.path() + "/staged.sst";
  const rocksdb::Options wopts = StagedSstOptions();
  std::unique_ptr<rocksdb::SstFileWriter> writer;
  DownloadResult res;
  std::string new_key, new_value, last_key;
  uint64_t scanned = 0;
  for (; it->Valid(); it->Next()) {
    if (++scanned % kDeadlineCheckEvery == 0) {
      RETURN_IF_ERROR(storage::CheckDeadline(deadline, "rewrite " + ObjectContext(name)));
      if (cancelled()) return Cancelled(name);
    }
    auto act = rw.Rewrite(it->key(), it->value(), &new_key, &new_value);
    if (!act.ok()) return act.status().WithContext(ObjectContext(name));
    if (*act == KeyRewriter::Action::kStop) break;
    if (*act == KeyRewriter::Action::kSkip) continue;
    // new_ts collapses the versions of a key onto one key: keep the first (newest).
    if (res.kvs > 0 && new_key == last_key) continue;
    if (!writer) {
      writer = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), wopts);
      RETURN_IF_ERROR(FromRocks(writer->Open(out_path), "create staged SST " + out_path));
      res.start_key = std::string(rw.RegionKeyOf(new_key));
    }
    RETURN_IF_ERROR(FromRocks(writer->Put(new_key, new_value), "write staged SST " + out_path));
    last_key.swap(new_key);
    ++res.kvs;
  }
  RETURN_IF_ERROR(it->status().WithContext(ObjectContext(name)));
  if (res.kvs == 0) return DownloadResult{};

  rocksdb::ExternalSstFileInfo info;
  RETURN_IF_ERROR(FromRocks(writer->Finish(&info), "finish staged SST " + out_path));
  writer.reset();
  res.end_key = std::string(rw.RegionKeyOf(last_key));
  res.length = info.file_size;
  res.is_empty = false;
  FAIL_POINT("import.download.before-stage");
  std::error_code ec;
  fs::rename(out_path, claim.path(), ec);
  if (ec) {
    return Status::IOError("cannot stage " + claim.path() + " for " + ObjectContext(name) + ": " +
                           ec.message());
  }
  LOG_DEBUG("staged {} ({} KVs, {} bytes) from backup file \"{}\"", claim.path(), res.kvs,
            res.length, name);
  return res;
}

// ---- Ingest ----

Status SstImporter::Ingest(const kvrpcpb::Context& ctx,
                           const std::vector<import_sstpb::SSTMeta>& metas, errorpb::Error* err) {
  const auto started = std::chrono::steady_clock::now();
  Status s = IngestImpl(ctx, metas, err);
  IngestDuration().With({"ingest"}).Observe(metrics::SecondsSince(started));
  if (!s.ok()) ImportErrors().With({s.IsRegionError() ? "region_error" : "ingest"}).Inc();
  return s;
}

Status SstImporter::IngestImpl(const kvrpcpb::Context& ctx,
                               const std::vector<import_sstpb::SSTMeta>& metas,
                               errorpb::Error* err) {
  if (metas.empty()) return Status::InvalidArgument("ingest request has no SST");
  for (const auto& m : metas)
    RETURN_IF_ERROR(ImportDir::StagedName(m.uuid(), m.cf_name()).status());

  std::vector<ImportDir::Claim> claims;
  claims.reserve(metas.size());
  for (const auto& m : metas) {
    // Busy: another request works on the file; it is theirs to keep or remove.
    ASSIGN_OR_RETURN(ImportDir::Claim c, dir_->ClaimStaged(m.uuid(), m.cf_name()));
    claims.push_back(std::move(c));
  }

  // The request's region: the context's, or the SSTs' when the context names none.
  kvrpcpb::Context rctx = ctx;
  if (rctx.region_id() == 0) rctx.set_region_id(metas.front().region_id());
  if (!rctx.has_region_epoch() && metas.front().has_region_epoch()) {
    *rctx.mutable_region_epoch() = metas.front().region_epoch();
  }

  Status s = [&]() -> Status {
    for (const auto& m : metas) {
      if (m.region_id() != 0 && m.region_id() != rctx.region_id()) {
        return Status::InvalidArgument("SST " + ImportDir::UuidText(m.uuid()) + " is for region " +
                                       std::to_string(m.region_id()) + ", request for region " +
                                       std::to_string(rctx.region_id()));
      }
    }
    std::vector<StagedBounds> bounds;
    bounds.reserve(claims.size());
    uint64_t bytes = 0;
    for (const auto& c : claims) {
      std::error_code ec;
      if (!fs::exists(c.path(), ec)) {
        return Status::NotFound("staged SST " + c.path() +
                                " not found: not downloaded on this store, already ingested, or "
                                "removed after the staged-file TTL");
      }
      ASSIGN_OR_RETURN(StagedBounds b, ReadStagedBounds(c.path()));
      bytes += b.size;
      bounds.push_back(std::move(b));
    }

    RETURN_IF_ERROR(regions_->CheckContext(rctx, nullptr, err));
    ASSIGN_OR_RETURN(server::RegionWriteLatch latch, regions_->LockRegion(rctx.region_id(), err));
    server::Engine* engine = regions_->engine();
    auto check = [&](const metapb::Region& region) -> Status {
      for (const auto& m : metas) {
        if (m.has_region_epoch() && !server::EpochEqual(m.region_epoch(), region.region_epoch())) {
          return server::FailWithRegionError(server::EpochNotMatchError(m.region_epoch(), {region}),
                                             err);
        }
        if (engine->cf(m.cf_name()) == nullptr) {
          return Status::InvalidArgument("unknown column family " + m.cf_name());
        }
      }
      const std::string lower = keys::DataKey(region.start_key());
      const std::string upper = region.end_key().empty() ? "" : keys::DataKey(region.end_key());
      for (const auto& b : bounds) {
        if (b.first < lower) {
          return server::FailWithRegionError(
              server::KeyNotInRegionError(std::string_view(b.first).substr(1), region), err);
        }
        if (!upper.empty() && b.last >= upper) {
          return server::FailWithRegionError(
              server::KeyNotInRegionError(std::string_view(b.last).substr(1), region), err);
        }
      }
      FAIL_POINT("import.before-ingest");
      return Status::OK();
    };
    // The command names each staged file by uuid and CF with its real key range (region key
    // space); every replica's store ingests its own copy (RegionRaftOptions::sst_locator).
    std::vector<import_sstpb::SSTMeta> ssts;
    for (size_t i = 0; i < metas.size(); ++i) {
      import_sstpb::SSTMeta m = metas[i];
      m.mutable_range()->set_start(bounds[i].first.substr(1));
      m.mutable_range()->set_end(bounds[i].last.substr(1));
      ssts.push_back(std::move(m));
    }
    Status proposed =
        regions_->ProposeIngest(latch, rctx.region_epoch(), std::move(ssts), check, bytes, err);
    if (proposed.ok()) IngestBytes().Observe(static_cast<double>(bytes));
    return proposed;
  }();

  for (const auto& c : claims) c.RemoveFile();
  if (s.ok()) {
    LOG_DEBUG("ingested {} SSTs into region {}", metas.size(), rctx.region_id());
  } else if (!s.IsRegionError()) {
    LOG_WARN("ingest into region {} failed: {}", rctx.region_id(), s.ToString());
  }
  return s;
}

std::function<Result<std::string>(const import_sstpb::SSTMeta&)> StagedSstLocator(
    std::string import_dir) {
  return [dir = std::move(import_dir)](const import_sstpb::SSTMeta& m) -> Result<std::string> {
    ASSIGN_OR_RETURN(std::string name, ImportDir::StagedName(m.uuid(), m.cf_name()));
    std::string path = dir + "/" + name;
    std::error_code ec;
    if (!fs::exists(path, ec)) return Status::NotFound("staged SST " + path + " is not here");
    return path;
  };
}

}  // namespace brkv::import
