#include "storage/mem_storage.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace brkv::storage {

namespace {

using Object = std::shared_ptr<const std::string>;

struct Store {
  std::mutex mu;
  std::map<std::string, Object, std::less<>> objects;  // GUARDED_BY(mu)
};

std::mutex g_registry_mu;
std::map<std::string, std::shared_ptr<Store>, std::less<>>& Registry() {
  static auto* r = new std::map<std::string, std::shared_ptr<Store>, std::less<>>();
  return *r;
}

std::shared_ptr<Store> GetStore(std::string_view name) {
  std::lock_guard<std::mutex> l(g_registry_mu);
  auto& r = Registry();
  auto it = r.find(name);
  if (it == r.end()) it = r.emplace(std::string(name), std::make_shared<Store>()).first;
  return it->second;
}

class MemWriter : public ExternalWriter {
 public:
  MemWriter(std::shared_ptr<Store> store, std::string key, std::string uri, std::string name,
            Clock::time_point deadline)
      : store_(std::move(store)),
        key_(std::move(key)),
        uri_(std::move(uri)),
        name_(std::move(name)),
        deadline_(deadline) {}

  Status Append(std::string_view data) override {
    if (closed_) return Status::Aborted(uri_ + ": writer of \"" + name_ + "\" is closed");
    if (Status s = CheckDeadline(deadline_, uri_ + ": write \"" + name_ + "\""); !s.ok()) {
      closed_ = true;
      return s;
    }
    buf_.append(data);
    return Status::OK();
  }
  Status Finish() override {
    if (closed_) return Status::Aborted(uri_ + ": writer of \"" + name_ + "\" is closed");
    closed_ = true;
    RETURN_IF_ERROR(CheckDeadline(deadline_, uri_ + ": finish \"" + name_ + "\""));
    auto obj = std::make_shared<const std::string>(std::move(buf_));
    std::lock_guard<std::mutex> l(store_->mu);
    store_->objects[key_] = std::move(obj);
    return Status::OK();
  }
  Status Abort() override {
    closed_ = true;
    buf_.clear();
    buf_.shrink_to_fit();
    return Status::OK();
  }
  uint64_t bytes_written() const override { return buf_.size(); }

 private:
  std::shared_ptr<Store> store_;
  const std::string key_, uri_, name_;
  const Clock::time_point deadline_;
  std::string buf_;
  bool closed_ = false;
};

class MemReader : public ExternalReader {
 public:
  MemReader(Object obj, std::string uri, std::string name, Clock::time_point deadline)
      : obj_(std::move(obj)), uri_(std::move(uri)), name_(std::move(name)), deadline_(deadline) {}
  uint64_t size() const override { return obj_->size(); }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    out->clear();
    RETURN_IF_ERROR(CheckDeadline(deadline_, uri_ + ": read \"" + name_ + "\""));
    if (offset >= obj_->size()) return Status::OK();
    out->assign(*obj_, static_cast<size_t>(offset), n);
    return Status::OK();
  }

 private:
  const Object obj_;
  const std::string uri_, name_;
  const Clock::time_point deadline_;
};

class MemStorage : public ExternalStorage {
 public:
  MemStorage(std::string_view name, std::string_view prefix, const StorageOptions& options)
      : store_(GetStore(name)), options_(options) {
    while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    key_prefix_ = prefix.empty() ? "" : std::string(prefix) + "/";
    backend_ = MemStoreBackend{std::string(name), std::string(prefix)};
    uri_ = FormatBackendUrl(backend_);
  }

  Status WriteFile(std::string_view name, std::string_view data,
                   const CallOptions& options) override {
    ASSIGN_OR_RETURN(std::unique_ptr<ExternalWriter> w, Create(name, options));
    RETURN_IF_ERROR(w->Append(data));
    return w->Finish();
  }
  Result<std::unique_ptr<ExternalWriter>> Create(std::string_view name,
                                                 const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    return std::unique_ptr<ExternalWriter>(std::make_unique<MemWriter>(
        store_, Key(name), uri_, std::string(name), EffectiveDeadline(options, options_)));
  }
  Result<std::string> ReadFile(std::string_view name, const CallOptions& options) override {
    ASSIGN_OR_RETURN(Object obj, Get(name, options));
    return std::string(*obj);
  }
  Result<std::unique_ptr<ExternalReader>> Open(std::string_view name,
                                               const CallOptions& options) override {
    Clock::time_point deadline = EffectiveDeadline(options, options_);
    ASSIGN_OR_RETURN(Object obj, Get(name, options));
    return std::unique_ptr<ExternalReader>(
        std::make_unique<MemReader>(std::move(obj), uri_, std::string(name), deadline));
  }
  Result<bool> FileExists(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    RETURN_IF_ERROR(CheckDeadline(EffectiveDeadline(options, options_), uri_ + ": stat"));
    std::lock_guard<std::mutex> l(store_->mu);
    return store_->objects.count(Key(name)) > 0;
  }
  Status DeleteFile(std::string_view name, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    RETURN_IF_ERROR(CheckDeadline(EffectiveDeadline(options, options_), uri_ + ": delete"));
    std::lock_guard<std::mutex> l(store_->mu);
    store_->objects.erase(Key(name));
    return Status::OK();
  }
  Status WalkDir(std::string_view prefix, const WalkFn& fn, const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
    RETURN_IF_ERROR(CheckDeadline(EffectiveDeadline(options, options_), uri_ + ": list"));
    std::string full = key_prefix_ + std::string(prefix);
    std::vector<std::pair<std::string, uint64_t>> found;
    {
      std::lock_guard<std::mutex> l(store_->mu);
      for (auto it = store_->objects.lower_bound(full);
           it != store_->objects.end() && it->first.compare(0, full.size(), full) == 0; ++it) {
        found.emplace_back(it->first.substr(key_prefix_.size()), it->second->size());
      }
    }
    for (const auto& [name, size] : found) RETURN_IF_ERROR(fn(name, size));
    return Status::OK();
  }
  std::string Uri() const override { return uri_; }
  const StorageBackend& backend() const override { return backend_; }

 private:
  std::string Key(std::string_view name) const { return key_prefix_ + std::string(name); }
  Result<Object> Get(std::string_view name, const CallOptions& options) {
    RETURN_IF_ERROR(ValidateObjectName(name));
    RETURN_IF_ERROR(CheckDeadline(EffectiveDeadline(options, options_),
                                  uri_ + ": read \"" + std::string(name) + "\""));
    std::lock_guard<std::mutex> l(store_->mu);
    auto it = store_->objects.find(Key(name));
    if (it == store_->objects.end()) {
      return Status::NotFound(uri_ + ": \"" + std::string(name) + "\" does not exist");
    }
    return it->second;
  }

  std::shared_ptr<Store> store_;
  const StorageOptions options_;
  std::string key_prefix_;
  StorageBackend backend_;
  std::string uri_;
};

}  // namespace

std::unique_ptr<ExternalStorage> NewMemStorage(std::string_view name, std::string_view prefix,
                                               const StorageOptions& options) {
  return std::make_unique<MemStorage>(name, prefix, options);
}

void ResetMemStore(std::string_view name) {
  std::shared_ptr<Store> store = GetStore(name);
  std::lock_guard<std::mutex> l(store->mu);
  store->objects.clear();
}

}  // namespace brkv::storage
