// The conformance suite every ExternalStorage backend must pass.
//
// Backends are parameters: local and memstore always run. More run from the environment:
// BRKV_STORAGE_TEST_URLS="s3://bucket/p?endpoint=…,azblob://c/p?…" adds one parameter per URL;
// each test works under a fresh sub-prefix of it and deletes what it wrote. A backend that is
// not built yet (NotSupported) is skipped, so cloud backends join by setting the variable.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/external_storage.h"
#include "storage/mem_storage.h"

namespace brkv::storage {
namespace {

namespace fs = std::filesystem;

// Appends `sub` to the backend's root (path or prefix).
StorageBackend WithSubPrefix(StorageBackend b, const std::string& sub) {
  auto join = [&](std::string* p) { *p = p->empty() ? sub : *p + "/" + sub; };
  std::visit(
      [&](auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, LocalBackend>) {
          join(&v.path);
        } else if constexpr (std::is_same_v<T, S3Backend> || std::is_same_v<T, GcsBackend> ||
                             std::is_same_v<T, AzureBlobBackend> ||
                             std::is_same_v<T, MemStoreBackend>) {
          join(&v.prefix);
        }
      },
      b);
  return b;
}

std::string UniqueSuffix() {
  static std::atomic<int> n{0};
  return "conformance-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

struct Backend {
  std::string label;
  // Either a URL (cloud, from the environment) or empty for the built-in kinds below.
  std::string url;
  enum Kind { kLocal, kMem, kUrl } kind;
};

std::vector<Backend> Backends() {
  std::vector<Backend> out = {{"local", "", Backend::kLocal}, {"memstore", "", Backend::kMem}};
  if (const char* env = std::getenv("BRKV_STORAGE_TEST_URLS")) {
    std::string s = env;
    size_t begin = 0;
    int i = 0;
    while (begin <= s.size()) {
      size_t comma = s.find(',', begin);
      std::string url =
          s.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
      if (!url.empty()) out.push_back({"env" + std::to_string(i++), url, Backend::kUrl});
      if (comma == std::string::npos) break;
      begin = comma + 1;
    }
  }
  return out;
}

class StorageConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    const Backend& b = GetParam();
    std::string suffix = UniqueSuffix();
    StorageOptions options;
    options.sync = true;
    switch (b.kind) {
      case Backend::kLocal: {
        const char* tmp = std::getenv("TMPDIR");
        local_root_ = fs::path(tmp ? tmp : "/tmp") / ("brkv-storage-" + suffix);
        storage_ = CreateStorage(LocalBackend{local_root_.string()}, options).value();
        break;
      }
      case Backend::kMem:
        mem_name_ = suffix;
        storage_ = CreateStorage(MemStoreBackend{mem_name_, "root"}, options).value();
        break;
      case Backend::kUrl: {
        auto parsed = ParseBackend(b.url);
        ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
        options.default_timeout = std::chrono::seconds(60);
        auto created = CreateStorage(WithSubPrefix(*parsed, suffix), options);
        if (created.status().code() == Status::Code::kNotSupported) {
          GTEST_SKIP() << created.status().ToString();
        }
        ASSERT_TRUE(created.ok()) << created.status().ToString();
        storage_ = std::move(created).value();
        break;
      }
    }
  }

  void TearDown() override {
    if (storage_ && GetParam().kind == Backend::kUrl) {
      std::vector<std::string> names;
      (void)storage_->WalkDir("", [&](std::string_view n, uint64_t) {
        names.emplace_back(n);
        return Status::OK();
      });
      for (const auto& n : names) (void)storage_->DeleteFile(n);
    }
    if (!local_root_.empty()) fs::remove_all(local_root_);
    if (!mem_name_.empty()) ResetMemStore(mem_name_);
  }

  std::vector<std::pair<std::string, uint64_t>> Walk(std::string_view prefix) {
    std::vector<std::pair<std::string, uint64_t>> out;
    Status s = storage_->WalkDir(prefix, [&](std::string_view n, uint64_t size) {
      out.emplace_back(std::string(n), size);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  bool Exists(std::string_view name) {
    auto r = storage_->FileExists(name);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }

  std::unique_ptr<ExternalStorage> storage_;
  fs::path local_root_;
  std::string mem_name_;
};

std::string Pattern(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_P(StorageConformanceTest, WriteThenRead) {
  ASSERT_TRUE(storage_->WriteFile("a.txt", "hello").ok());
  auto r = storage_->ReadFile("a.txt");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "hello");
  EXPECT_TRUE(Exists("a.txt"));
  // Overwrite replaces.
  ASSERT_TRUE(storage_->WriteFile("a.txt", "bye").ok());
  EXPECT_EQ(storage_->ReadFile("a.txt").value(), "bye");
}

TEST_P(StorageConformanceTest, BinaryAndEmptyObjects) {
  std::string bin("\0\x01\xff\n\r\0z", 7);
  ASSERT_TRUE(storage_->WriteFile("bin", bin).ok());
  EXPECT_EQ(storage_->ReadFile("bin").value(), bin);
  ASSERT_TRUE(storage_->WriteFile("empty", "").ok());
  EXPECT_TRUE(Exists("empty"));
  EXPECT_EQ(storage_->ReadFile("empty").value(), "");
  auto reader = storage_->Open("empty");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), 0u);
  std::string out = "junk";
  ASSERT_TRUE((*reader)->ReadAt(0, 10, &out).ok());
  EXPECT_EQ(out, "");
}

TEST_P(StorageConformanceTest, MissingObject) {
  auto r = storage_->ReadFile("no/such/object");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("no/such/object"), std::string::npos);
  auto o = storage_->Open("missing");
  ASSERT_FALSE(o.ok());
  EXPECT_TRUE(o.status().IsNotFound());
  EXPECT_FALSE(Exists("missing"));
  // Deleting a missing object is fine.
  EXPECT_TRUE(storage_->DeleteFile("missing").ok());
}

TEST_P(StorageConformanceTest, RangedRead) {
  std::string data = Pattern(1000, 1);
  ASSERT_TRUE(storage_->WriteFile("r", data).ok());
  auto reader = storage_->Open("r");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->size(), 1000u);
  std::string out;
  ASSERT_TRUE((*reader)->ReadAt(0, 10, &out).ok());
  EXPECT_EQ(out, data.substr(0, 10));
  ASSERT_TRUE((*reader)->ReadAt(500, 100, &out).ok());
  EXPECT_EQ(out, data.substr(500, 100));
  ASSERT_TRUE((*reader)->ReadAt(990, 100, &out).ok());  // short at the end
  EXPECT_EQ(out, data.substr(990));
  ASSERT_TRUE((*reader)->ReadAt(1000, 5, &out).ok());
  EXPECT_EQ(out, "");
  ASSERT_TRUE((*reader)->ReadAt(5000, 1, &out).ok());
  EXPECT_EQ(out, "");
  ASSERT_TRUE((*reader)->ReadAt(999, 0, &out).ok());
  EXPECT_EQ(out, "");
}

TEST_P(StorageConformanceTest, Delete) {
  ASSERT_TRUE(storage_->WriteFile("d/x", "1").ok());
  ASSERT_TRUE(storage_->DeleteFile("d/x").ok());
  EXPECT_FALSE(Exists("d/x"));
  EXPECT_TRUE(storage_->ReadFile("d/x").status().IsNotFound());
  EXPECT_TRUE(storage_->DeleteFile("d/x").ok());
  EXPECT_TRUE(Walk("").empty());
}

TEST_P(StorageConformanceTest, WalkListsByPrefixInNameOrder) {
  const std::vector<std::pair<std::string, std::string>> objects = {
      {"a/2", "22"},     {"a/1", "1"},        {"a.b", "333"},
      {"b/c/d", "4444"}, {"backupmeta", "m"}, {"backupmeta.datafile.000000001", "leaf"},
      {"ab", ""}};
  for (const auto& [n, v] : objects) ASSERT_TRUE(storage_->WriteFile(n, v).ok()) << n;

  std::vector<std::pair<std::string, uint64_t>> all = {{"a.b", 3},
                                                       {"a/1", 1},
                                                       {"a/2", 2},
                                                       {"ab", 0},
                                                       {"b/c/d", 4},
                                                       {"backupmeta", 1},
                                                       {"backupmeta.datafile.000000001", 4}};
  EXPECT_EQ(Walk(""), all);
  EXPECT_EQ(Walk("a/"), (std::vector<std::pair<std::string, uint64_t>>{{"a/1", 1}, {"a/2", 2}}));
  EXPECT_EQ(Walk("a"), (std::vector<std::pair<std::string, uint64_t>>{
                           {"a.b", 3}, {"a/1", 1}, {"a/2", 2}, {"ab", 0}}));
  EXPECT_EQ(Walk("backupmeta."),
            (std::vector<std::pair<std::string, uint64_t>>{{"backupmeta.datafile.000000001", 4}}));
  EXPECT_EQ(Walk("b/c"), (std::vector<std::pair<std::string, uint64_t>>{{"b/c/d", 4}}));
  EXPECT_TRUE(Walk("zzz").empty());
  EXPECT_TRUE(Walk("nothing/here/").empty());

  // The callback's error stops the walk and comes back.
  int seen = 0;
  Status s = storage_->WalkDir("", [&](std::string_view, uint64_t) {
    return ++seen == 2 ? Status::Aborted("stop") : Status::OK();
  });
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(seen, 2);
}

TEST_P(StorageConformanceTest, NamesWithSubdirectories) {
  const std::string name = "1/2/3/7_12_e3b0c442_1700000000000_write.sst";
  ASSERT_TRUE(storage_->WriteFile(name, "sst").ok());
  EXPECT_TRUE(Exists(name));
  EXPECT_EQ(storage_->ReadFile(name).value(), "sst");
  EXPECT_EQ(Walk("1/"), (std::vector<std::pair<std::string, uint64_t>>{{name, 3}}));
  // A "directory" is not an object.
  EXPECT_FALSE(Exists("1"));
  EXPECT_FALSE(Exists("1/2"));
  EXPECT_TRUE(storage_->ReadFile("1/2").status().IsNotFound());
  // A sibling in an existing directory.
  ASSERT_TRUE(storage_->WriteFile("1/2/other", "o").ok());
  EXPECT_EQ(Walk("1/2/").size(), 2u);
}

TEST_P(StorageConformanceTest, StreamingWriterPublishesOnlyOnFinish) {
  auto w = storage_->Create("s/obj");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Append("abc").ok());
  ASSERT_TRUE((*w)->Append("").ok());
  ASSERT_TRUE((*w)->Append("def").ok());
  EXPECT_EQ((*w)->bytes_written(), 6u);
  EXPECT_FALSE(Exists("s/obj"));
  EXPECT_TRUE(storage_->ReadFile("s/obj").status().IsNotFound());
  EXPECT_TRUE(Walk("").empty());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_EQ(storage_->ReadFile("s/obj").value(), "abcdef");
  EXPECT_EQ(Walk(""), (std::vector<std::pair<std::string, uint64_t>>{{"s/obj", 6}}));
  // A finished writer takes no more data.
  EXPECT_FALSE((*w)->Append("x").ok());
  EXPECT_TRUE((*w)->Abort().ok());  // no-op after Finish
  EXPECT_EQ(storage_->ReadFile("s/obj").value(), "abcdef");
}

TEST_P(StorageConformanceTest, AbortLeavesNothing) {
  {
    auto w = storage_->Create("aborted");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(Pattern(100000, 2)).ok());
    ASSERT_TRUE((*w)->Abort().ok());
    EXPECT_TRUE((*w)->Abort().ok());  // idempotent
    EXPECT_FALSE((*w)->Finish().ok());
  }
  {
    auto w = storage_->Create("dropped/obj");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("partial").ok());
    // Destroyed without Finish.
  }
  EXPECT_FALSE(Exists("aborted"));
  EXPECT_FALSE(Exists("dropped/obj"));
  EXPECT_TRUE(Walk("").empty());

  // Aborting a rewrite keeps the old object.
  ASSERT_TRUE(storage_->WriteFile("keep", "old").ok());
  auto w = storage_->Create("keep");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("new").ok());
  ASSERT_TRUE((*w)->Abort().ok());
  EXPECT_EQ(storage_->ReadFile("keep").value(), "old");
  EXPECT_EQ(Walk("").size(), 1u);
}

TEST_P(StorageConformanceTest, LargeObjectInPieces) {
  const size_t kSize = 6 * 1024 * 1024 + 12345;
  std::string data = Pattern(kSize, 3);
  auto w = storage_->Create("big/object.sst");
  ASSERT_TRUE(w.ok());
  std::mt19937 rng(4);
  size_t off = 0;
  int pieces = 0;
  while (off < kSize) {
    size_t n = std::min<size_t>(kSize - off, 1 + rng() % (1 << 20));
    ASSERT_TRUE((*w)->Append(std::string_view(data).substr(off, n)).ok());
    off += n;
    ++pieces;
  }
  EXPECT_GT(pieces, 5);
  ASSERT_TRUE((*w)->Finish().ok());

  auto reader = storage_->Open("big/object.sst");
  ASSERT_TRUE(reader.ok());
  ASSERT_EQ((*reader)->size(), kSize);
  std::string got, chunk;
  for (uint64_t pos = 0; pos < kSize; pos += chunk.size()) {
    ASSERT_TRUE((*reader)->ReadAt(pos, 1 << 20, &chunk).ok());
    ASSERT_FALSE(chunk.empty());
    got += chunk;
  }
  EXPECT_TRUE(got == data);
  auto whole = storage_->ReadFile("big/object.sst");
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(*whole == data);
  EXPECT_EQ(Walk("big/"),
            (std::vector<std::pair<std::string, uint64_t>>{{"big/object.sst", kSize}}));
}

TEST_P(StorageConformanceTest, ReaderSeesTheObjectAsOpened) {
  ASSERT_TRUE(storage_->WriteFile("v", "version-1").ok());
  auto reader = storage_->Open("v");
  ASSERT_TRUE(reader.ok());
  std::string out;
  ASSERT_TRUE((*reader)->ReadAt(0, 100, &out).ok());
  EXPECT_EQ(out, "version-1");
}

TEST_P(StorageConformanceTest, InvalidNames) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("/abs"), std::string_view("../x"),
        std::string_view("a/../b"), std::string_view("a//b"), std::string_view("a/"),
        std::string_view("."), std::string_view("a/./b"), std::string_view("nul\0x", 5)}) {
    SCOPED_TRACE(std::string(bad));
    EXPECT_EQ(storage_->WriteFile(bad, "x").code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(storage_->Create(bad).status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(storage_->ReadFile(bad).status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(storage_->Open(bad).status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(storage_->FileExists(bad).status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(storage_->DeleteFile(bad).code(), Status::Code::kInvalidArgument);
  }
  auto noop = [](std::string_view, uint64_t) { return Status::OK(); };
  EXPECT_EQ(storage_->WalkDir("../", noop).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(storage_->WalkDir("/x", noop).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(storage_->WalkDir("a/..", noop).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(Walk("").empty());
}

TEST_P(StorageConformanceTest, PassedDeadlineTimesOut) {
  CallOptions past;
  past.deadline = Clock::now() - std::chrono::seconds(1);
  ASSERT_TRUE(storage_->WriteFile("t", "x").ok());
  Status w = storage_->WriteFile("t2", "x", past);
  EXPECT_EQ(w.code(), Status::Code::kTimedOut) << w.ToString();
  EXPECT_TRUE(w.retryable());
  EXPECT_EQ(storage_->ReadFile("t", past).status().code(), Status::Code::kTimedOut);
  EXPECT_EQ(storage_->Open("t", past).status().code(), Status::Code::kTimedOut);
  EXPECT_EQ(storage_->FileExists("t", past).status().code(), Status::Code::kTimedOut);
  EXPECT_EQ(storage_->DeleteFile("t", past).code(), Status::Code::kTimedOut);
  EXPECT_EQ(storage_
                ->WalkDir(
                    "", [](std::string_view, uint64_t) { return Status::OK(); }, past)
                .code(),
            Status::Code::kTimedOut);
  EXPECT_FALSE(Exists("t2"));
  EXPECT_EQ(storage_->ReadFile("t").value(), "x");

  // A writer's deadline covers every call on it.
  auto writer = storage_->Create("t3", CallOptions::WithTimeout(std::chrono::milliseconds(50)));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("a").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ((*writer)->Append("b").code(), Status::Code::kTimedOut);
  EXPECT_FALSE((*writer)->Finish().ok());
  EXPECT_TRUE((*writer)->Abort().ok());
  EXPECT_FALSE(Exists("t3"));
}

TEST_P(StorageConformanceTest, ConcurrentWriters) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string name = std::to_string(t) + "/" + std::to_string(i);
        if (!storage_->WriteFile(name, Pattern(1000 + i, t * 100 + i)).ok()) ++failures;
        // Every thread also rewrites one shared name; the last writer wins, whole.
        if (!storage_->WriteFile("shared", Pattern(5000, t)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Walk("").size(), 81u);
  std::string shared = storage_->ReadFile("shared").value();
  bool matches_one = false;
  for (int t = 0; t < 8; ++t) matches_one |= shared == Pattern(5000, t);
  EXPECT_TRUE(matches_one);
}

TEST_P(StorageConformanceTest, UriParsesBackToTheSameKindOfBackend) {
  std::string uri = storage_->Uri();
  auto parsed = ParseBackend(uri);
  ASSERT_TRUE(parsed.ok()) << uri << ": " << parsed.status().ToString();
  EXPECT_EQ(BackendScheme(*parsed), BackendScheme(storage_->backend()));
  if (GetParam().kind != Backend::kUrl) {
    EXPECT_EQ(*parsed, storage_->backend());
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageConformanceTest, ::testing::ValuesIn(Backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param.label;
                         });

}  // namespace
}  // namespace brkv::storage
