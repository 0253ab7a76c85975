// RangeTree: the set of key ranges a backup has finished, with the files each produced.
//
// The backup client records every range a node reports as done, then asks for the gaps of the
// ranges it wanted (GetIncompleteRanges) and retries them region by region. A tree with
// nothing in it reports every requested range as incomplete: "complete" is only ever the
// result of ranges actually recorded (the TiKV-BR bug in tikv/migration#191 was the opposite).
//
// Keys are raw keys. A range is [start, end); an empty `end` means +infinity. An empty `start`
// is the smallest key. Ranges held by the tree never overlap: a second report of an
// overlapping range is refused (Insert) because keeping both would store those KVs twice and
// break the table checksum (XOR cancels, counts double).
//
// Thread-safety: not thread-safe; the owner serialises access.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/tablecodec.h"
#include "common/status.h"
#include "proto/brpb.pb.h"

namespace brkv::br {

// [start, end) raw keys; end empty = +inf.
using KeyRange = catalog::KeyRange;

// True when [start, end) holds no key: end is finite and end <= start.
bool IsEmptyRange(const KeyRange& r);
// True when the two ranges share at least one key.
bool RangesOverlap(const KeyRange& a, const KeyRange& b);
// "[hex(start), hex(end))" with "+inf" for an empty end; for error messages.
std::string RangeToString(const KeyRange& r);

// A finished range and the files backed up for it.
struct FinishedRange {
  KeyRange range;
  std::vector<backup::File> files;
};

class RangeTree {
 public:
  RangeTree() = default;

  // Records `r` as finished with `files`.
  // Success: the range is held and later queries see it as covered.
  // InvalidArgument if `r` is empty. AlreadyExists (naming both ranges) if `r` overlaps a
  // range already held; the tree is then unchanged, so the caller can decide which result to
  // keep (see RemoveOverlapping).
  Status Insert(KeyRange r, std::vector<backup::File> files = {});

  // Ranges held that overlap `r`, in key order.
  std::vector<const FinishedRange*> FindOverlapping(const KeyRange& r) const;

  // Removes and returns every held range overlapping `r` (with their files), in key order.
  std::vector<FinishedRange> RemoveOverlapping(const KeyRange& r);

  // The parts of `wanted` not covered by held ranges, sorted by start key and merged where
  // they touch. Empty requested ranges are ignored; overlapping requested ranges are fine.
  // An untouched tree returns the (non-empty) requested ranges themselves.
  std::vector<KeyRange> GetIncompleteRanges(const std::vector<KeyRange>& wanted) const;

  // True when every key of every range in `wanted` is covered.
  bool Covers(const std::vector<KeyRange>& wanted) const {
    return GetIncompleteRanges(wanted).empty();
  }

  // Number of held ranges.
  size_t size() const { return ranges_.size(); }
  bool empty() const { return ranges_.empty(); }

  // Calls fn(const FinishedRange&) for each held range in key order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [start, fr] : ranges_) fn(fr);
  }

 private:
  // Keyed by start key; values never overlap.
  std::map<std::string, FinishedRange, std::less<>> ranges_;
};

}  // namespace brkv::br
