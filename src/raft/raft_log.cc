#include "raft/raft_log.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>


namespace brkv::raft {

void RaftFatal(const std::string& msg) {
  std::fprintf(stderr, "raft: fatal: %s\n", msg.c_str());
  std::fflush(stderr);
  std::abort();
}

RaftLog::RaftLog(const Storage* storage) : storage_(storage) {
  uint64_t first = storage->FirstIndex();
  uint64_t last = storage->LastIndex();
  unstable_.offset = last + 1;
  committed_ = first - 1;
  applied_ = first - 1;
  persisted_ = last;
}

uint64_t RaftLog::FirstIndex() const {
  if (auto i = unstable_.MaybeFirstIndex()) return *i;
  return storage_->FirstIndex();
}

uint64_t RaftLog::LastIndex() const {
  if (auto i = unstable_.MaybeLastIndex()) return *i;
  return storage_->LastIndex();
}

uint64_t RaftLog::LastTerm() const { return TermOrZero(LastIndex()); }

Result<uint64_t> RaftLog::Term(uint64_t i) const {
  uint64_t dummy = FirstIndex() - 1;
  if (i < dummy || i > LastIndex()) return uint64_t{0};
  if (auto t = unstable_.MaybeTerm(i)) return *t;
  return storage_->Term(i);
}

uint64_t RaftLog::TermOrZero(uint64_t i) const {
  auto t = Term(i);
  return t.ok() ? *t : 0;
}

bool RaftLog::MatchTerm(uint64_t i, uint64_t t) const {
  auto got = Term(i);
  return got.ok() && *got == t;
}

bool RaftLog::IsUpToDate(uint64_t lasti, uint64_t term) const {
  uint64_t lt = LastTerm();
  return term > lt || (term == lt && lasti >= LastIndex());
}

std::optional<uint64_t> RaftLog::MaybeAppend(uint64_t index, uint64_t log_term,
                                             uint64_t committed,
                                             const std::vector<eraftpb::Entry>& ents) {
  if (!MatchTerm(index, log_term)) return std::nullopt;
  uint64_t last_new = index + ents.size();
  uint64_t ci = FindConflict(ents);
  if (ci != 0) {
    if (ci <= committed_) {
      RaftFatal("entry " + std::to_string(ci) + " conflicts with committed entry (committed " +
                std::to_string(committed_) + ")");
    }
    std::vector<eraftpb::Entry> rest(ents.begin() + static_cast<long>(ci - (index + 1)),
                                     ents.end());
    Append(rest);
  }
  CommitTo(std::min(committed, last_new));
  return last_new;
}

uint64_t RaftLog::Append(const std::vector<eraftpb::Entry>& ents) {
  if (ents.empty()) return LastIndex();
  uint64_t after = ents.front().index() - 1;
  if (after < committed_) {
    RaftFatal("append after " + std::to_string(after) + " is below committed " +
              std::to_string(committed_));
  }
  // Entries from `after + 1` on are replaced; anything persisted there is no longer ours.
  if (persisted_ > after) persisted_ = after;
  unstable_.TruncateAndAppend(ents);
  return LastIndex();
}

uint64_t RaftLog::FindConflict(const std::vector<eraftpb::Entry>& ents) const {
  for (const auto& e : ents) {
    if (!MatchTerm(e.index(), e.term())) return e.index();
  }
  return 0;
}

std::pair<uint64_t, uint64_t> RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  uint64_t li = LastIndex();
  if (index > li) return {index, 0};
  while (true) {
    auto t = Term(index);
    if (!t.ok()) return {index, 0};  // compacted: the hint cannot go lower
    if (*t <= term) return {index, *t};
    if (index == 0) return {0, 0};
    --index;
  }
}

Result<std::vector<eraftpb::Entry>> RaftLog::Slice(uint64_t lo, uint64_t hi,
                                                   uint64_t max_size) const {
  if (lo > hi) RaftFatal("invalid slice " + std::to_string(lo) + " > " + std::to_string(hi));
  uint64_t fi = FirstIndex();
  if (lo < fi) return ErrCompacted();
  if (hi > LastIndex() + 1) {
    RaftFatal("slice [" + std::to_string(lo) + "," + std::to_string(hi) + ") out of bound " +
              std::to_string(LastIndex()));
  }
  std::vector<eraftpb::Entry> out;
  if (lo == hi) return out;
  if (lo < unstable_.offset) {
    auto stored = storage_->Entries(lo, std::min(hi, unstable_.offset), max_size);
    if (!stored.ok()) {
      if (IsCompacted(stored.status())) return stored.status();
      RaftFatal("storage entries [" + std::to_string(lo) + "," +
                std::to_string(std::min(hi, unstable_.offset)) +
                "): " + stored.status().ToString());
    }
    out = std::move(*stored);
    // Storage stopped early because of the size limit.
    if (out.size() < std::min(hi, unstable_.offset) - lo) return out;
  }
  if (hi > unstable_.offset) {
    auto un = unstable_.Slice(std::max(lo, unstable_.offset), hi);
    out.insert(out.end(), un.begin(), un.end());
  }
  // Apply the size limit across both parts (at least one entry).
  uint64_t size = 0;
  size_t keep = 0;
  for (; keep < out.size(); ++keep) {
    size += EntrySize(out[keep]);
    if (keep > 0 && size > max_size) break;
  }
  out.resize(keep);
  return out;
}

Result<std::vector<eraftpb::Entry>> RaftLog::EntriesFrom(uint64_t i, uint64_t max_size) const {
  if (i > LastIndex()) return std::vector<eraftpb::Entry>{};
  return Slice(i, LastIndex() + 1, max_size);
}

std::vector<eraftpb::Entry> RaftLog::NextCommittedEntries(uint64_t since, uint64_t max_size) const {
  uint64_t lo = std::max(since + 1, FirstIndex());
  uint64_t hi = std::min(committed_, persisted_) + 1;
  if (lo >= hi) return {};
  auto ents = Slice(lo, hi, max_size);
  if (!ents.ok()) RaftFatal("committed entries unavailable: " + ents.status().ToString());
  return std::move(*ents);
}

bool RaftLog::HasNextCommittedEntries(uint64_t since) const {
  uint64_t lo = std::max(since + 1, FirstIndex());
  return std::min(committed_, persisted_) + 1 > lo;
}

Result<eraftpb::Snapshot> RaftLog::Snapshot(uint64_t request_index) const {
  if (unstable_.snapshot) return *unstable_.snapshot;
  return storage_->Snapshot(request_index);
}

bool RaftLog::MaybeCommit(uint64_t max_index, uint64_t term) {
  if (max_index > committed_ && TermOrZero(max_index) == term) {
    CommitTo(max_index);
    return true;
  }
  return false;
}

void RaftLog::CommitTo(uint64_t to_commit) {
  if (committed_ >= to_commit) return;
  if (LastIndex() < to_commit) {
    RaftFatal("commit " + std::to_string(to_commit) + " is out of range [last index " +
              std::to_string(LastIndex()) + "]");
  }
  committed_ = to_commit;
}

void RaftLog::AppliedTo(uint64_t i) {
  if (i == 0) return;
  if (committed_ < i || i < applied_) {
    RaftFatal("applied " + std::to_string(i) + " is out of range [prev applied " +
              std::to_string(applied_) + ", committed " + std::to_string(committed_) + "]");
  }
  applied_ = i;
}

void RaftLog::StableTo(uint64_t i, uint64_t t) {
  // Only entries that are still ours (same term at i) count as persisted.
  if (!MatchTerm(i, t)) return;
  unstable_.StableTo(i, t);
  if (i > persisted_) persisted_ = i;
}

void RaftLog::StableSnapTo(uint64_t i) {
  unstable_.StableSnapTo(i);
  if (i > persisted_) persisted_ = i;
}

void RaftLog::Restore(const eraftpb::Snapshot& s) {
  uint64_t index = s.metadata().index();
  if (persisted_ > index) persisted_ = index;
  committed_ = index;
  unstable_.Restore(s);
}

void RaftLog::RestoreKeepingLog(const eraftpb::Snapshot& s) {
  const auto& meta = s.metadata();
  if (!MatchTerm(meta.index(), meta.term()) || meta.index() > persisted_) {
    RaftFatal("snapshot " + std::to_string(meta.index()) + " (term " + std::to_string(meta.term()) +
              ") cannot keep the log: entry not held or not " + "persisted (persisted " +
              std::to_string(persisted_) + ")");
  }
  if (meta.index() > committed_) committed_ = meta.index();
  unstable_.RestoreKeepingLog(s);
}

}  // namespace brkv::raft
