#include "br/range_tree.h"

#include <algorithm>

#include "common/codec.h"

namespace brkv::br {
namespace {

// Is key `k` (a start key) strictly before the end bound `end` (empty = +inf)?
bool KeyBeforeEnd(std::string_view k, std::string_view end) { return end.empty() || k < end; }

// Is end bound `a` strictly before end bound `b`? (+inf is never before anything.)
bool EndBefore(std::string_view a, std::string_view b) {
  if (a.empty()) return false;
  if (b.empty()) return true;
  return a < b;
}

}  // namespace

bool IsEmptyRange(const KeyRange& r) { return !r.end.empty() && r.end <= r.start; }

bool RangesOverlap(const KeyRange& a, const KeyRange& b) {
  if (IsEmptyRange(a) || IsEmptyRange(b)) return false;
  return KeyBeforeEnd(a.start, b.end) && KeyBeforeEnd(b.start, a.end);
}

std::string RangeToString(const KeyRange& r) {
  return "[" + codec::ToHex(r.start) + ", " +
         (r.end.empty() ? std::string("+inf") : codec::ToHex(r.end)) +
         ")";
}

std::vector<const FinishedRange*> RangeTree::FindOverlapping(const KeyRange& r) const {
  std::vector<const FinishedRange*> out;
  if (IsEmptyRange(r)) return out;
  auto it = ranges_.upper_bound(r.start);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (RangesOverlap(prev->second.range, r)) out.push_back(&prev->second);
  }
  for (; it != ranges_.end() && KeyBeforeEnd(it->first, r.end); ++it) {
    out.push_back(&it->second);
  }
  return out;
}

Status RangeTree::Insert(KeyRange r, std::vector<backup::File> files) {
  if (IsEmptyRange(r)) {
    return Status::InvalidArgument("range tree: empty range " + RangeToString(r));
  }
  auto overlaps = FindOverlapping(r);
  if (!overlaps.empty()) {
    return Status::AlreadyExists("range " + RangeToString(r) +
                                 " overlaps the already finished range " +
                                 RangeToString(overlaps.front()->range) +
                                 ": the same keys were backed up twice");
  }
  std::string key = r.start;
  ranges_.emplace(std::move(key), FinishedRange{std::move(r), std::move(files)});
  return Status::OK();
}

std::vector<FinishedRange> RangeTree::RemoveOverlapping(const KeyRange& r) {
  std::vector<std::string> keys;
  for (const FinishedRange* fr : FindOverlapping(r)) keys.push_back(fr->range.start);
  std::vector<FinishedRange> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    auto node = ranges_.extract(k);
    out.push_back(std::move(node.mapped()));
  }
  return out;
}

std::vector<KeyRange> RangeTree::GetIncompleteRanges(const std::vector<KeyRange>& wanted) const {
  // Union of the requested ranges first, so overlapping requests yield each gap once.
  std::vector<KeyRange> req;
  for (const auto& r : wanted) {
    if (!IsEmptyRange(r)) req.push_back(r);
  }
  std::sort(req.begin(), req.end(),
            [](const KeyRange& a, const KeyRange& b) { return a.start < b.start; });
  std::vector<KeyRange> merged;
  for (auto& r : req) {
    if (!merged.empty() && !EndBefore(merged.back().end, r.start)) {
      // Touching or overlapping the previous one: extend it.
      if (EndBefore(merged.back().end, r.end) || r.end.empty()) {
        merged.back().end = r.end;
      }
      continue;
    }
    merged.push_back(std::move(r));
  }

  std::vector<KeyRange> gaps;
  auto add_gap = [&gaps](std::string start, std::string end) {
    if (!gaps.empty() && gaps.back().end == start && !start.empty()) {
      gaps.back().end = std::move(end);
    } else {
      gaps.push_back(KeyRange{std::move(start), std::move(end)});
    }
  };
  for (const auto& want : merged) {
    std::string cursor = want.start;
    bool reached_inf = false;
    for (const FinishedRange* fr : FindOverlapping(want)) {
      if (fr->range.start > cursor) add_gap(cursor, fr->range.start);
      if (fr->range.end.empty()) {
        reached_inf = true;
        break;
      }
      if (fr->range.end > cursor) cursor = fr->range.end;
    }
    if (reached_inf) continue;
    if (KeyBeforeEnd(cursor, want.end)) add_gap(std::move(cursor), want.end);
  }
  return gaps;
}

}  // namespace brkv::br
