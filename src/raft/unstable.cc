#include "raft/unstable.h"

#include <cassert>

namespace brkv::raft {

std::optional<uint64_t> Unstable::MaybeFirstIndex() const {
  if (snapshot) return snapshot->metadata().index() + 1;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeLastIndex() const {
  if (!entries.empty()) return offset + entries.size() - 1;
  // A snapshot that keeps the log does not end it: storage knows the last index.
  if (snapshot && !snapshot_keeps_log) return snapshot->metadata().index();
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeTerm(uint64_t i) const {
  if (i < offset) {
    if (snapshot && snapshot->metadata().index() == i) return snapshot->metadata().term();
    return std::nullopt;
  }
  auto last = MaybeLastIndex();
  if (!last || i > *last) return std::nullopt;
  if (entries.empty()) return std::nullopt;  // only a snapshot, and i >= offset = snap + 1
  return entries[i - offset].term();
}

void Unstable::StableTo(uint64_t i, uint64_t t) {
  auto gt = MaybeTerm(i);
  if (!gt || *gt != t || i < offset) return;
  entries.erase(entries.begin(), entries.begin() + static_cast<long>(i + 1 - offset));
  offset = i + 1;
}

void Unstable::StableSnapTo(uint64_t i) {
  if (snapshot && snapshot->metadata().index() == i) {
    snapshot.reset();
    snapshot_keeps_log = false;
  }
}

void Unstable::Restore(const eraftpb::Snapshot& s) {
  offset = s.metadata().index() + 1;
  entries.clear();
  snapshot = s;
  snapshot_keeps_log = false;
}

void Unstable::RestoreKeepingLog(const eraftpb::Snapshot& s) {
  assert(s.metadata().index() < offset);
  snapshot = s;
  snapshot_keeps_log = true;
}

void Unstable::TruncateAndAppend(const std::vector<eraftpb::Entry>& ents) {
  if (ents.empty()) return;
  uint64_t after = ents.front().index();
  if (after == offset + entries.size()) {
    entries.insert(entries.end(), ents.begin(), ents.end());
  } else if (after <= offset) {
    // The log is being replaced from `after` on; storage entries at and past it are stale and
    // the unstable part takes precedence for them.
    offset = after;
    entries = ents;
  } else {
    entries.resize(after - offset);
    entries.insert(entries.end(), ents.begin(), ents.end());
  }
}

std::vector<eraftpb::Entry> Unstable::Slice(uint64_t lo, uint64_t hi) const {
  assert(lo >= offset && lo <= hi && hi <= offset + entries.size());
  return std::vector<eraftpb::Entry>(entries.begin() + static_cast<long>(lo - offset),
                                     entries.begin() + static_cast<long>(hi - offset));
}

}  // namespace brkv::raft
