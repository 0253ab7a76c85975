// Noop, memstore and the fault-injection wrapper.
#include <gtest/gtest.h>

#include "storage/external_storage.h"
#include "storage/fault_injection_storage.h"
#include "storage/mem_storage.h"
#include "storage/noop_storage.h"

namespace brkv::storage {
namespace {

TEST(NoopStorageTest, DiscardsWritesAndReadsNothing) {
  auto s = CreateStorageFromUrl("noop://").value();
  EXPECT_EQ(s->Uri(), "noop://");
  EXPECT_TRUE(s->WriteFile("a", "x").ok());
  auto w = s->Create("b/c");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("12345").ok());
  EXPECT_EQ((*w)->bytes_written(), 5u);
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_TRUE(s->ReadFile("a").status().IsNotFound());
  EXPECT_TRUE(s->Open("b/c").status().IsNotFound());
  EXPECT_FALSE(s->FileExists("a").value());
  EXPECT_TRUE(s->DeleteFile("a").ok());
  int n = 0;
  EXPECT_TRUE(s->WalkDir("", [&](std::string_view, uint64_t) {
                 ++n;
                 return Status::OK();
               }).ok());
  EXPECT_EQ(n, 0);
  EXPECT_EQ(s->WriteFile("../x", "x").code(), Status::Code::kInvalidArgument);
}

TEST(MemStorageTest, SharedByNameIsolatedByPrefix) {
  ResetMemStore("mem-test");
  auto a = CreateStorageFromUrl("memstore://mem-test/backup1").value();
  auto b = CreateStorageFromUrl("memstore://mem-test/backup1/").value();
  auto c = CreateStorageFromUrl("memstore://mem-test/backup2").value();
  auto root = CreateStorageFromUrl("memstore://mem-test").value();
  ASSERT_TRUE(a->WriteFile("backupmeta", "m1").ok());
  EXPECT_EQ(b->ReadFile("backupmeta").value(), "m1");
  EXPECT_TRUE(c->ReadFile("backupmeta").status().IsNotFound());
  EXPECT_EQ(root->ReadFile("backup1/backupmeta").value(), "m1");
  EXPECT_EQ(a->Uri(), "memstore://mem-test/backup1");
  // A reader keeps the object it opened even if it is replaced.
  auto r = a->Open("backupmeta").value();
  ASSERT_TRUE(a->WriteFile("backupmeta", "m2-longer").ok());
  std::string out;
  ASSERT_TRUE(r->ReadAt(0, 100, &out).ok());
  EXPECT_EQ(out, "m1");
  ResetMemStore("mem-test");
  EXPECT_TRUE(b->ReadFile("backupmeta").status().IsNotFound());
}

TEST(FaultInjectionStorageTest, FailsChosenCallsAndCounts) {
  ResetMemStore("fis");
  auto base = NewMemStorage("fis");
  FaultInjectionStorage fis(base.get());
  using Op = FaultInjectionStorage::Op;
  fis.FailAfter(Op::kAppend, 1, Status::Unavailable("injected"));
  auto w = fis.Create("x").value();
  EXPECT_TRUE(w->Append("a").ok());
  Status s = w->Append("b");
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_TRUE(s.retryable());
  EXPECT_TRUE(w->Abort().ok());
  EXPECT_FALSE(base->FileExists("x").value());
  EXPECT_EQ(fis.Calls(Op::kAppend), 2u);
  fis.Clear(Op::kAppend);

  fis.FailAfter(Op::kFinish, 0, Status::IOError("finish failed"));
  w = fis.Create("y").value();
  EXPECT_TRUE(w->Append("a").ok());
  EXPECT_EQ(w->Finish().code(), Status::Code::kIOError);
  w.reset();
  EXPECT_FALSE(base->FileExists("y").value());
  fis.ClearAll();

  ASSERT_TRUE(fis.WriteFile("z", std::string("\x10\x20\x30", 3)).ok());
  fis.CorruptReads(1);
  EXPECT_EQ(fis.ReadFile("z").value(), std::string("\x10\x21\x30", 3));
  auto r = fis.Open("z").value();
  std::string out;
  ASSERT_TRUE(r->ReadAt(1, 2, &out).ok());
  EXPECT_EQ(out, std::string("\x21\x30", 2));
  ASSERT_TRUE(r->ReadAt(2, 1, &out).ok());
  EXPECT_EQ(out, std::string("\x30", 1));
  fis.ClearAll();
  EXPECT_EQ(fis.ReadFile("z").value(), std::string("\x10\x20\x30", 3));
}

}  // namespace
}  // namespace brkv::storage
