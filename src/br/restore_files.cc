#include "br/restore_files.h"

#include <algorithm>
#include <thread>

#include "br/restore_staged.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "kv/keys.h"

namespace brkv::br {

namespace {

using Clock = std::chrono::steady_clock;

// Larger of two lower bounds; smaller of two upper bounds ("" = +infinity).
const std::string& MaxStart(const std::string& a, const std::string& b) { return a < b ? b : a; }
std::string MinEnd(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return std::string(std::min(a, b));
}

bool Contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

kvrpcpb::Context ContextOf(const client::KeyLocation& loc) {
  kvrpcpb::Context ctx;
  ctx.set_region_id(loc.id());
  *ctx.mutable_region_epoch() = loc.region.region_epoch();
  *ctx.mutable_peer() = loc.leader;
  return ctx;
}

}  // namespace

uint64_t RestoreFileGroup::total_kvs() const {
  uint64_t n = 0;
  for (const auto& f : files) n += f.total_kvs();
  return n;
}

uint64_t RestoreFileGroup::total_bytes() const {
  uint64_t n = 0;
  for (const auto& f : files) n += f.total_bytes();
  return n;
}

uint64_t RestoreFileGroup::size() const {
  uint64_t n = 0;
  for (const auto& f : files) n += f.size();
  return n;
}

std::string RestoreFileGroup::Names() const {
  std::string out;
  for (const auto& f : files) out += (out.empty() ? "" : ", ") + f.name();
  return out;
}

bool AddToGroup(RestoreFileGroup* group, const ::backup::File& file) {
  if (group->files.empty()) {
    group->start_key = file.start_key();
    group->end_key = file.end_key();
  } else if (group->start_key != file.start_key() || group->end_key != file.end_key()) {
    return false;
  } else {
    // A second file of a CF the group already has is another piece of the same range (an
    // over-size piece cut in two); it is ingested with the group all the same.
  }
  group->files.push_back(file);
  return true;
}

std::string CfOfFile(const ::backup::File& file) {
  const std::string& name = file.name();
  // Look at the base name only: a directory name could contain either word.
  const size_t slash = name.find_last_of('/');
  std::string_view base = slash == std::string::npos ? std::string_view(name)
                                                     : std::string_view(name).substr(slash + 1);
  if (Contains(base, "write")) return "write";
  if (Contains(base, "default")) return "default";
  if (file.cf() == "write" || file.cf() == "default") return file.cf();
  return "default";
}

RegionKeyRange TargetRegionRange(const RestoreFileGroup& group, const GroupTarget& target) {
  RegionKeyRange r;
  if (target.is_raw_kv) {
    const std::string& start = MaxStart(group.start_key, target.raw_start);
    const std::string end = MinEnd(group.end_key, target.raw_end);
    r.start = keys::RawRegionKey(start);
    r.end = keys::RawRegionEndKey(end);
    return r;
  }
  const std::string new_start = RewriteRangeStart(group.start_key, target.rule);
  const std::string new_end = RewriteRangeEnd(group.end_key, target.rule);
  const std::string prefix = codec::EncodeKeyPrefix(target.rule.new_prefix);
  r.start = MaxStart(keys::TxnRegionKey(new_start), prefix);
  r.end = MinEnd(new_end.empty() ? "" : keys::TxnRegionKey(new_end), codec::PrefixNext(prefix));
  return r;
}

std::optional<RegionKeyRange> ClipToRegion(const RegionKeyRange& range,
                                           std::string_view region_start,
                                           std::string_view region_end) {
  RegionKeyRange out;
  out.start = MaxStart(range.start, std::string(region_start));
  out.end = MinEnd(range.end, region_end);
  if (out.Empty()) return std::nullopt;
  return out;
}

FileImporter::FileImporter(client::RegionCache* regions, ImporterClient* client,
                           FileImporterOptions options)
    : regions_(regions), client_(client), options_(std::move(options)) {}

void FileImporter::OnRegionError(const client::KeyLocation& loc, const errorpb::Error& e) {
  if (e.has_not_leader() && e.not_leader().has_leader()) {
    regions_->OnNotLeader(loc.id(), e.not_leader().leader());
  } else if (e.has_epoch_not_match()) {
    std::vector<metapb::Region> current(e.epoch_not_match().current_regions().begin(),
                                        e.epoch_not_match().current_regions().end());
    regions_->OnEpochNotMatch(loc.id(), loc.leader.store_id(), current);
  } else {
    regions_->Invalidate(loc.id());
  }
}

void FileImporter::Discard(const std::string& address, const client::KeyLocation& loc,
                           std::vector<import_sstpb::SSTMeta> metas) {
  if (metas.empty()) return;
  // The node removes the staged files of any ingest it refuses; epoch {0, 0} is older than
  // any region's (they start at {1, 1}), so the node refuses it as stale before touching the
  // engine. Files that were never staged are fine: the node removes the others and answers
  // NotFound.
  import_sstpb::MultiIngestRequest req;
  *req.mutable_context() = ContextOf(loc);
  metapb::RegionEpoch never;
  never.set_conf_ver(0);
  never.set_version(0);
  *req.mutable_context()->mutable_region_epoch() = never;
  for (auto& m : metas) {
    *m.mutable_region_epoch() = never;
    *req.add_ssts() = std::move(m);
  }
  // A busy node (all RPC threads taken) refuses the request before reading it: a few quick
  // retries, then the node's staged-file sweep is the backstop.
  Backoffer bo(options_.discard_retry);
  while (true) {
    import_sstpb::IngestResponse resp;
    Status s = failpoint::Eval("br.restore.before-discard");
    if (s.ok()) {
      s = client_->MultiIngest(address, req, Clock::now() + options_.ingest_timeout, &resp);
    }
    if (s.ok() || s.IsNotFound()) return;
    if (s.retryable() && bo.Backoff(s).ok()) continue;
    LOG_WARN("could not discard {} staged SSTs of {} on {}: {} (the node's sweep removes them)",
             req.ssts_size(), loc.Describe(), address, s.ToString());
    return;
  }
}

Status FileImporter::ImportIntoRegion(const RestoreFileGroup& group, const GroupTarget& target,
                                      const client::KeyLocation& loc, const RegionKeyRange& range,
                                      GroupImportStats* stats) {
  const kvrpcpb::Context ctx = ContextOf(loc);
  // Every replica's store downloads (and rewrites) its own copy under the same uuid; the
  // leader then proposes the ingest through Raft and each replica ingests its copy.
  std::vector<std::string> addresses{loc.address};
  for (const auto& p : loc.region.peers()) {
    if (p.store_id() == loc.leader.store_id()) continue;
    auto addr = regions_->StoreAddress(p.store_id());
    if (!addr.ok()) {
      regions_->Invalidate(loc.id());
      return addr.status().WithContext("address of store " + std::to_string(p.store_id()) +
                                       " holding a replica of " + loc.Describe());
    }
    addresses.push_back(*addr);
  }
  // staged[i]: what store addresses[i] may hold (for Discard).
  std::vector<std::vector<import_sstpb::SSTMeta>> staged(addresses.size());
  auto discard_all = [&] {
    for (size_t i = 0; i < addresses.size(); ++i) Discard(addresses[i], loc, std::move(staged[i]));
  };
  std::vector<import_sstpb::SSTMeta> to_ingest;
  for (const ::backup::File& f : group.files) {
    import_sstpb::DownloadRequest req;
    import_sstpb::SSTMeta* sst = req.mutable_sst();
    sst->set_uuid(NewStagedUuid(options_.uuid_prefix));
    sst->mutable_range()->set_start(range.start);
    sst->mutable_range()->set_end(range.end);
    sst->set_end_key_exclusive(true);
    sst->set_cf_name(CfOfFile(f));
    sst->set_region_id(loc.id());
    *sst->mutable_region_epoch() = loc.region.region_epoch();
    sst->set_cipher_iv(f.cipher_iv());
    sst->set_length(f.size());
    req.set_name(f.name());
    if (!target.is_raw_kv) *req.mutable_rewrite_rule() = ToDownloadRule(target.rule);
    *req.mutable_storage_backend() = options_.backend;
    req.set_is_raw_kv(target.is_raw_kv);
    *req.mutable_cipher_info() = options_.cipher;
    *req.mutable_context() = ctx;
    req.set_sha256(f.sha256());
    req.set_rate_limit(options_.rate_limit);

    const auto deadline = Clock::now() + options_.download_timeout;
    std::vector<import_sstpb::DownloadResponse> resps(addresses.size());
    std::vector<Status> results(addresses.size());
    auto one = [&](size_t i) {
      results[i] = client_->Download(addresses[i], req, deadline, &resps[i]);
      // A call that failed in transport (deadline, lost connection) may still have staged it.
      if (results[i].ok()) results[i] = StatusFromDownloadError(resps[i].error());
      if (!results[i].ok() || !resps[i].is_empty()) staged[i].push_back(req.sst());
    };
    std::vector<std::thread> others;
    for (size_t i = 1; i < addresses.size(); ++i) others.emplace_back(one, i);
    one(0);
    for (auto& t : others) t.join();
    for (size_t i = 0; i < addresses.size(); ++i) {
      const Status& s = results[i];
      if (s.ok()) continue;
      discard_all();
      if (s.IsRegionError()) regions_->Invalidate(loc.id());
      return s.WithContext("download of backup file " + f.name() + " to " +
                           (i == 0 ? loc.Describe()
                                   : "store " + addresses[i] + " (a replica of " +
                                         loc.Describe() + ")"));
    }
    if (resps[0].is_empty()) continue;
    to_ingest.push_back(req.sst());
  }
  if (to_ingest.empty()) {
    discard_all();
    ++stats->regions;
    return Status::OK();
  }
  LOG_DEBUG("{} files of {} staged for {} on {} stores; ingesting", to_ingest.size(), group.Names(),
            loc.Describe(), addresses.size());
  if (Status fp = failpoint::Eval("br.restore.after-download"); !fp.ok()) {
    discard_all();
    return fp.WithContext("ingest of " + group.Names() + " into " + loc.Describe());
  }

  import_sstpb::MultiIngestRequest req;
  *req.mutable_context() = ctx;
  for (const auto& m : to_ingest) *req.add_ssts() = m;
  import_sstpb::IngestResponse resp;
  Status s = client_->MultiIngest(loc.address, req, Clock::now() + options_.ingest_timeout, &resp);
  if (!s.ok()) {
    // The leader's node removes the staged files of every ingest it runs, but a call refused
    // before it ran (all RPC threads busy, lost connection, deadline) leaves them: discard
    // them, the retry downloads afresh. The other replicas' copies go too.
    if (s.IsNotFound()) staged[0].clear();
    discard_all();
    // A staged file gone missing (node restarted, TTL sweep) is fixed by downloading again.
    if (s.IsNotFound()) s = s.WithRetryable(true);
    return s.WithContext("ingest of " + group.Names() + " into " + loc.Describe());
  }
  if (resp.has_error()) {
    // Refused (not leader, epoch changed): nobody ingested, every copy goes.
    staged[0].clear();
    discard_all();
    OnRegionError(loc, resp.error());
    return Status::RegionError("ingest into " + loc.Describe() + ": " + resp.error().message());
  }
  ++stats->regions;
  stats->ingested_ssts += to_ingest.size();
  return Status::OK();
}

Result<GroupImportStats> FileImporter::Import(const RestoreFileGroup& group,
                                              const GroupTarget& target) {
  GroupImportStats stats;
  const RegionKeyRange range = TargetRegionRange(group, target);
  if (range.Empty()) return stats;
  auto fail = [&](const Status& s) {
    return s.WithContext("restore of backup file(s) " + group.Names() + " failed");
  };

  std::string cursor = range.start;
  Backoffer bo(options_.retry);
  while (true) {
    auto locs = regions_->LocateRange(cursor, range.end);
    if (!locs.ok()) {
      if (!locs.status().retryable()) return fail(locs.status());
      ++stats.retries;
      if (Status b = bo.Backoff(locs.status()); !b.ok()) return fail(b);
      continue;
    }
    Status last;
    bool progressed = false;
    for (const client::KeyLocation& loc : *locs) {
      auto clip = ClipToRegion(RegionKeyRange{cursor, range.end}, loc.start_key(), loc.end_key());
      if (!clip) continue;
      last = ImportIntoRegion(group, target, loc, *clip, &stats);
      if (!last.ok()) break;
      // Progress: a fresh retry budget for the next region.
      bo = Backoffer(options_.retry);
      progressed = true;
      if (loc.end_key().empty() || (!range.end.empty() && loc.end_key() >= range.end)) {
        return stats;
      }
      cursor = loc.end_key();
    }
    if (last.ok()) {
      // The located regions ended before the range did (a concurrent split or merge): locate
      // the rest again.
      if (progressed) continue;
      last = Status::RegionError("no region found for " + codec::Escape(cursor));
    }
    if (!last.retryable()) return fail(last);
    ++stats.retries;
    LOG_INFO("restore of {}: retrying after {}", group.Names(), last.ToString());
    if (Status b = bo.Backoff(last); !b.ok()) return fail(b);
  }
}

}  // namespace brkv::br
