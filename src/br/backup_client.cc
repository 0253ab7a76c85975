#include "br/backup_client.h"

#include <algorithm>
#include <functional>
#include <set>
#include <thread>

#include "br/progress.h"
#include "catalog/tablecodec.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"

namespace brkv::br {

namespace {

using Clock = std::chrono::steady_clock;

bool EndsAfter(const std::string& end, const std::string& key) { return end.empty() || end > key; }

std::string DescribeKeyError(const kvrpcpb::KeyError& e) {
  std::string out = e.ShortDebugString();
  if (out.size() > 300) out.resize(300);
  return out;
}

// " (table 12 index 1)" / " (table 12 rows)" for a range inside one table's data, else "".
std::string TableHint(const KeyRange& r) {
  const int64_t table_id = catalog::DecodeTableID(r.start);
  if (table_id <= 0) return "";
  if (catalog::IsIndexKey(r.start) && r.start.size() >= catalog::kIndexPrefixLen) {
    std::string_view idx = std::string_view(r.start).substr(catalog::kRecordPrefixLen, 8);
    auto id = codec::DecodeInt(&idx);
    if (id.ok()) {
      return " (table " + std::to_string(table_id) + " index " + std::to_string(*id) + ")";
    }
  }
  if (catalog::IsRecordKey(r.start)) return " (table " + std::to_string(table_id) + " rows)";
  return " (table " + std::to_string(table_id) + ")";
}

}  // namespace

std::string DescribeRange(const KeyRange& r) {
  return "[" + codec::Escape(r.start) + ", " + (r.end.empty() ? "+inf" : codec::Escape(r.end)) +
         ")";
}

BackupClient::BackupClient(BackupTopology* topology, BackupSender* sender,
                           BackupClientOptions options, BackupClientHooks hooks)
    : topology_(topology),
      sender_(sender),
      options_(std::move(options)),
      hooks_(std::move(hooks)) {}

void BackupClient::Fail(const Status& s) {
  std::lock_guard<std::mutex> l(mu_);
  if (fatal_.ok()) fatal_ = s;
}

void BackupClient::Cancel(const Status& reason) {
  Fail(reason);
  sender_->CancelAll();
}

Status BackupClient::fatal() const {
  std::lock_guard<std::mutex> l(mu_);
  return fatal_;
}

Result<BackupClientStats> BackupClient::BackupRanges(const std::vector<KeyRange>& ranges) {
  wanted_.clear();
  for (const KeyRange& r : ranges) {
    if (IsEmptyRange(r)) continue;
    wanted_.push_back(r);
  }
  std::sort(wanted_.begin(), wanted_.end(),
            [](const KeyRange& a, const KeyRange& b) { return a.start < b.start; });
  for (const KeyRange& r : wanted_) {
    Status s = wanted_tree_.Insert(r);
    if (!s.ok()) return s.WithContext("backup ranges overlap");
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    wanted_done_.assign(wanted_.size(), false);
    stats_.ranges = wanted_.size();
  }
  if (wanted_.empty()) return stats_;

  // 1. Push-down: every store gets every range.
  ASSIGN_OR_RETURN(std::vector<StoreTarget> stores, topology_->Stores());
  if (stores.empty()) return Status::Unavailable("PD lists no store to back up from");
  std::vector<StoreWork> work;
  for (const StoreTarget& s : stores) work.push_back(StoreWork{s, wanted_});
  {
    std::lock_guard<std::mutex> l(mu_);
    stats_.stores = stores.size();
  }
  LOG_INFO("backup push-down: {} ranges to {} stores", wanted_.size(), stores.size());
  SendAll(work, Clock::now() + options_.stream_timeout);
  RETURN_IF_ERROR(fatal());

  // 2. Fine-grained phase: retry the gaps region by region until done or the deadline.
  const Clock::time_point deadline = Clock::now() + options_.fine_grained_timeout;
  BackoffOptions bo_opts;
  bo_opts.base_ms = options_.backoff_base_ms;
  bo_opts.max_ms = options_.backoff_max_ms;
  bo_opts.budget_ms = options_.fine_grained_timeout.count();
  Backoffer bo(bo_opts);
  std::vector<StoreWork> last_round;
  while (true) {
    RETURN_IF_ERROR(fatal());
    std::vector<KeyRange> gaps;
    {
      std::lock_guard<std::mutex> l(mu_);
      gaps = done_.GetIncompleteRanges(wanted_);
    }
    if (gaps.empty()) break;
    if (Clock::now() >= deadline) return MissingRangesError(gaps, last_round);
    size_t pieces_before;
    {
      std::lock_guard<std::mutex> l(mu_);
      pieces_before = stats_.pieces;
    }
    bool lock_alive = false;
    RETURN_IF_ERROR(ResolvePendingLocks(&lock_alive));
    auto round = PlanRound(gaps);
    if (round.ok()) {
      last_round = *round;
      {
        std::lock_guard<std::mutex> l(mu_);
        ++stats_.fine_grained_rounds;
      }
      LOG_INFO("backup fine-grained round: {} gaps, {} stores", gaps.size(), round->size());
      RETURN_IF_ERROR(failpoint::Eval("br.backup.before-fine-grained-round"));
      SendAll(*round, deadline);
      RETURN_IF_ERROR(fatal());
    } else {
      LOG_WARN("backup fine-grained round: cannot read regions: {}", round.status().ToString());
    }
    bool progressed;
    {
      std::lock_guard<std::mutex> l(mu_);
      progressed = stats_.pieces > pieces_before;
    }
    if (!progressed || lock_alive || !round.ok()) {
      Status b = bo.Backoff(Status::Unavailable("backup ranges still missing"));
      if (!b.ok()) {
        {
          std::lock_guard<std::mutex> l(mu_);
          gaps = done_.GetIncompleteRanges(wanted_);
        }
        if (gaps.empty()) break;
        return MissingRangesError(gaps, last_round);
      }
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

void BackupClient::SendAll(const std::vector<StoreWork>& work, Clock::time_point deadline) {
  auto run = [this, deadline](const StoreWork& w) {
    ::backup::BackupRequest req = options_.request;
    req.clear_sub_ranges();
    req.set_start_key(w.ranges.front().start);
    req.set_end_key(w.ranges.back().end);
    for (const KeyRange& r : w.ranges) {
      kvrpcpb::KeyRange* k = req.add_sub_ranges();
      k->set_start_key(r.start);
      k->set_end_key(r.end);
    }
    Status s = sender_->Send(w.store, req, deadline, [this, &w](const ::backup::BackupResponse& r) {
      return OnResponse(w.store, r);
    });
    if (s.ok()) return;
    if (!fatal().ok()) return;  // the stream was cancelled because of the fatal error
    if (s.code() == Status::Code::kNotSupported) {
      Fail(s);
      return;
    }
    LOG_WARN("backup on store {} ({}) did not finish: {}; its ranges will be retried", w.store.id,
             w.store.address, s.ToString());
    std::lock_guard<std::mutex> l(mu_);
    ++stats_.failed_streams;
    last_store_error_[w.store.id] = s.ToString();
  };
  if (work.size() == 1) {
    run(work.front());
    return;
  }
  std::vector<std::thread> threads;
  threads.reserve(work.size());
  for (const StoreWork& w : work) threads.emplace_back(run, std::cref(w));
  for (auto& t : threads) t.join();
}

Status BackupClient::OnResponse(const StoreTarget& store, const ::backup::BackupResponse& resp) {
  std::lock_guard<std::mutex> l(mu_);
  if (!fatal_.ok()) return fatal_;
  const std::string where = "store " + std::to_string(store.id) + " (" + store.address + ")";
  if (resp.has_error()) {
    const ::backup::Error& e = resp.error();
    const KeyRange r{resp.start_key(), resp.end_key()};
    if (e.has_cluster_id_error()) {
      fatal_ = Status::InvalidArgument(
          where + " belongs to cluster " + std::to_string(e.cluster_id_error().current()) +
          ", not to cluster " + std::to_string(e.cluster_id_error().request()) +
          " that PD reports; check --pd");
      return fatal_;
    }
    if (e.has_region_error()) {
      ++stats_.region_errors;
      LOG_INFO("{} left {} for the fine-grained phase: {}", where, DescribeRange(r), e.msg());
      last_store_error_[store.id] = "region error: " + e.msg();
      return Status::OK();
    }
    if (e.has_kv_error()) {
      if (e.kv_error().has_locked()) {
        ++stats_.locks_met;
        locks_.push_back(e.kv_error().locked());
        LOG_INFO("{} met a lock in {}; it will be resolved and the range retried", where,
                 DescribeRange(r));
        return Status::OK();
      }
      fatal_ = Status::Internal(where + " failed to back up " + DescribeRange(r) +
                                " with a key error: " + DescribeKeyError(e.kv_error()));
      return fatal_;
    }
    const int n = ++range_errors_[r.start];
    last_store_error_[store.id] = e.msg();
    last_range_error_ = {store.id, e.msg()};
    LOG_WARN("{} failed to back up {} (attempt {}): {}", where, DescribeRange(r), n, e.msg());
    if (n >= options_.max_range_errors) {
      fatal_ = Status::Internal(where + " failed to back up " + DescribeRange(r) + " " +
                                std::to_string(n) + " times: " + e.msg());
      return fatal_;
    }
    return Status::OK();
  }
  const KeyRange r{resp.start_key(), resp.end_key()};
  if (IsEmptyRange(r) || !wanted_tree_.Covers({r})) {
    fatal_ = Status::Internal(where + " answered " + DescribeRange(r) +
                              ", which is not (entirely) part of the backup; refusing a "
                              "backup that could hold unwanted or duplicate data");
    return fatal_;
  }
  Status s = done_.Insert(r);
  if (!s.ok()) {
    fatal_ = Status::Internal("BUG: " + where + " answered " + DescribeRange(r) +
                              ", which overlaps a range already backed up (" + s.message() +
                              "); its keys would be stored twice. The backup is not usable");
    return fatal_;
  }
  if (hooks_.on_piece) {
    s = hooks_.on_piece(resp);
    if (!s.ok()) {
      fatal_ = s;
      return fatal_;
    }
  }
  ++stats_.pieces;
  for (const ::backup::File& f : resp.files()) {
    ++stats_.files;
    stats_.total_kvs += f.total_kvs();
    stats_.total_bytes += f.total_bytes();
    stats_.total_size += f.size();
  }
  UpdateProgressLocked(r);
  return Status::OK();
}

void BackupClient::UpdateProgressLocked(const KeyRange& r) {
  // wanted_ is sorted and non-overlapping: the first range that may overlap r is the last one
  // starting at or before r.start.
  auto it = std::upper_bound(wanted_.begin(), wanted_.end(), r.start,
                             [](const std::string& k, const KeyRange& w) { return k < w.start; });
  size_t i = it == wanted_.begin() ? 0 : static_cast<size_t>(it - wanted_.begin()) - 1;
  bool changed = false;
  for (; i < wanted_.size(); ++i) {
    const KeyRange& w = wanted_[i];
    if (!r.end.empty() && w.start >= r.end) break;
    if (wanted_done_[i] || !EndsAfter(w.end, r.start)) continue;
    if (done_.Covers({w})) {
      wanted_done_[i] = true;
      ++wanted_done_count_;
      changed = true;
    }
  }
  if (changed && hooks_.on_progress) hooks_.on_progress(wanted_done_count_, wanted_.size());
}

Status BackupClient::ResolvePendingLocks(bool* alive) {
  std::vector<kvrpcpb::LockInfo> locks;
  {
    std::lock_guard<std::mutex> l(mu_);
    locks.swap(locks_);
  }
  *alive = false;
  std::set<std::pair<std::string, uint64_t>> seen;
  for (const kvrpcpb::LockInfo& lock : locks) {
    if (!seen.emplace(lock.key(), lock.lock_version()).second) continue;
    if (!hooks_.resolve_lock) {
      *alive = true;
      continue;
    }
    Status s = hooks_.resolve_lock(lock);
    if (s.ok()) continue;
    if (s.IsKeyLocked() || s.retryable()) {
      *alive = true;
      continue;
    }
    return s.WithContext("cannot resolve the lock on " + codec::Escape(lock.key()) +
                         " that blocks the backup");
  }
  return Status::OK();
}

Result<std::vector<BackupClient::StoreWork>> BackupClient::PlanRound(
    const std::vector<KeyRange>& gaps) {
  const bool raw = options_.request.is_raw_kv();
  std::map<uint64_t, StoreWork> by_store;
  for (const KeyRange& gap : gaps) {
    const KeyRange bounds = RegionBoundsOf(gap, raw);
    ASSIGN_OR_RETURN(std::vector<RegionTarget> regions,
                     topology_->Regions(bounds.start, bounds.end));
    for (const RegionTarget& region : regions) {
      if (region.store_id == 0) continue;  // no leader known now; the next round asks again
      StoreWork& w = by_store[region.store_id];
      w.store.id = region.store_id;
      w.store.address = region.address;
      // A gap spanning several regions of one store is sent once; the store clips it to
      // the regions it leads.
      if (w.ranges.empty() || !(w.ranges.back() == gap)) w.ranges.push_back(gap);
    }
  }
  std::vector<StoreWork> out;
  for (auto& [id, w] : by_store) out.push_back(std::move(w));
  return out;
}

Status BackupClient::MissingRangesError(const std::vector<KeyRange>& gaps,
                                        const std::vector<StoreWork>& last_round) const {
  std::string msg = "backup incomplete: " + std::to_string(gaps.size()) +
                    " range(s) were not backed up within " +
                    FormatDuration(options_.fine_grained_timeout) + ": ";
  const size_t shown = std::min<size_t>(gaps.size(), 3);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) msg += ", ";
    msg += DescribeRange(gaps[i]);
    if (!options_.request.is_raw_kv()) msg += TableHint(gaps[i]);
    // Name the stores that were asked for it in the last round.
    std::vector<std::string> stores;
    for (const StoreWork& w : last_round) {
      for (const KeyRange& r : w.ranges) {
        if (RangesOverlap(r, gaps[i])) {
          stores.push_back(std::to_string(w.store.id) + " (" + w.store.address + ")");
          break;
        }
      }
    }
    if (!stores.empty()) {
      msg += " on store";
      for (size_t k = 0; k < stores.size(); ++k) msg += (k == 0 ? " " : ", ") + stores[k];
    }
  }
  if (gaps.size() > shown) msg += " and " + std::to_string(gaps.size() - shown) + " more";
  {
    std::lock_guard<std::mutex> l(mu_);
    if (last_range_error_.first != 0) {
      // A node said why it could not back up a range: that is the cause to show (a later
      // stream error is often only the deadline cutting the retry short).
      msg += "; store " + std::to_string(last_range_error_.first) +
             " failed to back up a range: " + last_range_error_.second +
             "; no backupmeta was written. Check that every store can reach the storage and "
             "is up (kvctl stores), then back up again to a new storage path";
      return Status::TimedOut(msg);
    }
    if (!last_store_error_.empty()) {
      const auto& [id, err] = *last_store_error_.rbegin();
      msg += "; last error from store " + std::to_string(id) + ": " + err;
    }
  }
  msg +=
      "; no backupmeta was written. Check that every store is up (kvctl stores), then back "
      "up again to a new storage path";
  return Status::TimedOut(msg);
}

}  // namespace brkv::br
