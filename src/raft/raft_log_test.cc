// RaftLog and Unstable: conflicts, hints, slices across storage and the unstable tail, the
// persisted index after truncation, committed entries bounded by what is durable, restore.
#include "raft/raft_log.h"

#include <gtest/gtest.h>

#include "raft/memory_storage.h"

namespace brkv::raft {
namespace {

eraftpb::Entry Ent(uint64_t index, uint64_t term, const std::string& data = "") {
  eraftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(data);
  return e;
}

std::vector<uint64_t> Terms(const std::vector<eraftpb::Entry>& ents) {
  std::vector<uint64_t> t;
  for (auto& e : ents) t.push_back(e.term());
  return t;
}

TEST(RaftLogTest, FindConflict) {
  MemoryStorage st;
  RaftLog log(&st);
  log.Append({Ent(1, 1), Ent(2, 2), Ent(3, 3)});
  EXPECT_EQ(log.FindConflict({}), 0u);
  EXPECT_EQ(log.FindConflict({Ent(1, 1), Ent(2, 2)}), 0u);          // all match
  EXPECT_EQ(log.FindConflict({Ent(2, 2), Ent(3, 3), Ent(4, 4)}), 4u);  // new entry
  EXPECT_EQ(log.FindConflict({Ent(2, 1), Ent(3, 4)}), 2u);          // conflicting term
}

TEST(RaftLogTest, FindConflictByTermSkipsAWholeTerm) {
  MemoryStorage st;
  RaftLog log(&st);
  log.Append({Ent(1, 1), Ent(2, 1), Ent(3, 2), Ent(4, 2), Ent(5, 4)});
  EXPECT_EQ(log.FindConflictByTerm(5, 3), (std::pair<uint64_t, uint64_t>{4, 2}));
  EXPECT_EQ(log.FindConflictByTerm(5, 4), (std::pair<uint64_t, uint64_t>{5, 4}));
  EXPECT_EQ(log.FindConflictByTerm(4, 1), (std::pair<uint64_t, uint64_t>{2, 1}));
  EXPECT_EQ(log.FindConflictByTerm(9, 9).first, 9u);  // beyond the log: unchanged
}

TEST(RaftLogTest, MaybeAppendTruncatesConflictsAndLowersPersisted) {
  MemoryStorage st;
  ASSERT_TRUE(st.Append({Ent(1, 1), Ent(2, 1), Ent(3, 1)}).ok());
  RaftLog log(&st);
  EXPECT_EQ(log.persisted(), 3u);
  // Mismatch at the probe point: nothing happens.
  EXPECT_FALSE(log.MaybeAppend(3, 2, 3, {Ent(4, 2)}).has_value());
  // Conflict at 3: the suffix is replaced and index 3 is no longer durable.
  auto last = log.MaybeAppend(2, 1, 2, {Ent(3, 2), Ent(4, 2)});
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 4u);
  EXPECT_EQ(log.persisted(), 2u);
  EXPECT_EQ(log.committed(), 2u);
  EXPECT_EQ(log.TermOrZero(3), 2u);
  // Committed is bounded by the last new entry, not the leader's commit.
  log.MaybeAppend(4, 2, 100, {});
  EXPECT_EQ(log.committed(), 4u);
}

TEST(RaftLogTest, CommittedEntriesWaitForPersistence) {
  MemoryStorage st;
  RaftLog log(&st);
  log.Append({Ent(1, 1), Ent(2, 1)});
  log.CommitTo(2);
  EXPECT_TRUE(log.NextCommittedEntries(0, UINT64_MAX).empty());  // nothing durable yet
  EXPECT_FALSE(log.HasNextCommittedEntries(0));
  ASSERT_TRUE(st.Append(log.UnstableEntries()).ok());
  log.StableTo(2, 1);
  EXPECT_EQ(log.NextCommittedEntries(0, UINT64_MAX).size(), 2u);
  EXPECT_EQ(log.NextCommittedEntries(1, UINT64_MAX).size(), 1u);
}

TEST(RaftLogTest, StableToIgnoresAReplacedEntry) {
  MemoryStorage st;
  RaftLog log(&st);
  log.Append({Ent(1, 1), Ent(2, 1)});
  log.Append({Ent(2, 2)});  // replaced before the first write finished
  log.StableTo(2, 1);       // the old entry's persistence says nothing about the new one
  EXPECT_EQ(log.persisted(), 0u);
  EXPECT_EQ(log.UnstableEntries().size(), 2u);
}

TEST(RaftLogTest, SliceSpansStorageAndUnstableWithASizeLimit) {
  MemoryStorage st;
  ASSERT_TRUE(st.Append({Ent(1, 1, "aaaa"), Ent(2, 1, "bbbb")}).ok());
  RaftLog log(&st);
  log.Append({Ent(3, 2, "cccc"), Ent(4, 2, "dddd")});
  auto all = log.Slice(1, 5, UINT64_MAX);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Terms(*all), (std::vector<uint64_t>{1, 1, 2, 2}));
  uint64_t one = EntrySize(Ent(1, 1, "aaaa"));
  auto two = log.Slice(1, 5, 2 * one);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  auto at_least_one = log.Slice(3, 5, 1);
  ASSERT_TRUE(at_least_one.ok());
  EXPECT_EQ(at_least_one->size(), 1u);
  ASSERT_TRUE(st.Compact(2).ok());
  EXPECT_TRUE(IsCompacted(log.Slice(1, 3, UINT64_MAX).status()));
}

TEST(RaftLogTest, RestoreMakesTheSnapshotTheNewStart) {
  MemoryStorage st;
  ASSERT_TRUE(st.Append({Ent(1, 1), Ent(2, 1), Ent(3, 1)}).ok());
  RaftLog log(&st);
  eraftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(10);
  snap.mutable_metadata()->set_term(4);
  log.Restore(snap);
  EXPECT_EQ(log.FirstIndex(), 11u);
  EXPECT_EQ(log.LastIndex(), 10u);
  EXPECT_EQ(log.LastTerm(), 4u);
  EXPECT_EQ(log.committed(), 10u);
  EXPECT_EQ(log.persisted(), 3u);  // the snapshot is not durable yet
  // Nothing below the snapshot is handed out for applying.
  EXPECT_TRUE(log.NextCommittedEntries(0, UINT64_MAX).empty());
  log.StableSnapTo(10);
  EXPECT_EQ(log.persisted(), 10u);
  EXPECT_FALSE(log.UnstableSnapshot().has_value());
}

TEST(RaftLogTest, IsUpToDate) {
  MemoryStorage st;
  RaftLog log(&st);
  log.Append({Ent(1, 1), Ent(2, 2), Ent(3, 2)});
  EXPECT_TRUE(log.IsUpToDate(3, 2));
  EXPECT_TRUE(log.IsUpToDate(1, 3));
  EXPECT_FALSE(log.IsUpToDate(2, 2));
  EXPECT_FALSE(log.IsUpToDate(9, 1));
}

TEST(UnstableTest, TruncateAndAppendCases) {
  Unstable u;
  u.offset = 5;
  u.entries = {Ent(5, 1), Ent(6, 1), Ent(7, 1)};
  u.TruncateAndAppend({Ent(8, 1)});  // directly after
  EXPECT_EQ(u.entries.size(), 4u);
  u.TruncateAndAppend({Ent(6, 2), Ent(7, 2)});  // inside: keep 5, replace the rest
  EXPECT_EQ(Terms(u.entries), (std::vector<uint64_t>{1, 2, 2}));
  u.TruncateAndAppend({Ent(4, 3)});  // before the offset: replace all
  EXPECT_EQ(u.offset, 4u);
  EXPECT_EQ(Terms(u.entries), (std::vector<uint64_t>{3}));
}

TEST(MemoryStorageTest, CompactAndSnapshotKeepTheBoundaryTerm) {
  MemoryStorage st;
  ASSERT_TRUE(st.Append({Ent(1, 1), Ent(2, 2), Ent(3, 3)}).ok());
  ASSERT_TRUE(st.Compact(2).ok());
  EXPECT_EQ(st.FirstIndex(), 3u);
  EXPECT_EQ(*st.Term(2), 2u);
  EXPECT_TRUE(IsCompacted(st.Term(1).status()));
  EXPECT_FALSE(st.Compact(9).ok());
  auto snap = st.CreateSnapshot(3, nullptr, "state");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->metadata().term(), 3u);
  EXPECT_FALSE(st.CreateSnapshot(2, nullptr, "older").ok());
  MemoryStorage other;
  ASSERT_TRUE(other.ApplySnapshot(*snap).ok());
  EXPECT_EQ(other.FirstIndex(), 4u);
  EXPECT_FALSE(other.ApplySnapshot(*snap).ok());  // not newer
}

}  // namespace
}  // namespace brkv::raft
