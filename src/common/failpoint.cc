#include "common/failpoint.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace brkv::failpoint {

namespace {

enum class Kind { kOff, kReturn, kSleep, kPanic };

struct Action {
  Kind kind = Kind::kOff;
  std::string message;  // kReturn
  int64_t sleep_ms = 0;  // kSleep
  int64_t remaining = -1;  // fires left; -1 = unlimited
};

struct FailPoint {
  Action action;
  uint64_t hits = 0;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> ParseNonNegative(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// Parses "[N*]off|return|return(msg)|sleep(ms)|panic".
Result<Action> ParseAction(std::string_view text) {
  std::string_view s = Trim(text);
  Action a;
  if (size_t star = s.find('*'); star != std::string_view::npos) {
    auto n = ParseNonNegative(Trim(s.substr(0, star)));
    if (!n) return Status::InvalidArgument("bad failpoint count in \"" + std::string(text) + "\"");
    a.remaining = *n;
    s = Trim(s.substr(star + 1));
  }
  std::string_view verb = s;
  std::optional<std::string_view> arg;
  if (size_t open = s.find('('); open != std::string_view::npos) {
    if (s.back() != ')') {
      return Status::InvalidArgument("unbalanced parenthesis in failpoint action \"" +
                                     std::string(text) + "\"");
    }
    verb = Trim(s.substr(0, open));
    arg = s.substr(open + 1, s.size() - open - 2);
  }
  if (verb == "off" && !arg) {
    a.kind = Kind::kOff;
  } else if (verb == "return") {
    a.kind = Kind::kReturn;
    if (arg) a.message = std::string(*arg);
  } else if (verb == "sleep" && arg) {
    auto ms = ParseNonNegative(Trim(*arg));
    if (!ms) return Status::InvalidArgument("bad sleep duration in \"" + std::string(text) + "\"");
    a.kind = Kind::kSleep;
    a.sleep_ms = *ms;
  } else if (verb == "panic" && !arg) {
    a.kind = Kind::kPanic;
  } else {
    return Status::InvalidArgument("unknown failpoint action \"" + std::string(text) + "\"");
  }
  return a;
}

class Registry {
 public:
  static Registry& Get() {
    static Registry* r = new Registry();  // never destroyed: Eval may run during exit
    return *r;
  }

  void Set(std::string_view name, const Action& a) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = points_.find(name);
    if (a.kind == Kind::kOff || a.remaining == 0) {
      if (it != points_.end()) points_.erase(it);
    } else if (it != points_.end()) {
      it->second.action = a;
    } else {
      points_.emplace(std::string(name), FailPoint{a, 0});
    }
    armed_.store(points_.size(), std::memory_order_relaxed);
  }

  void Clear() {
    std::lock_guard<std::mutex> l(mu_);
    points_.clear();
    hits_.clear();
    armed_.store(0, std::memory_order_relaxed);
  }

  bool AnyArmed() const { return armed_.load(std::memory_order_relaxed) != 0; }

  // Consumes one firing of `name`; nullopt when it is not armed.
  std::optional<Action> Fire(std::string_view name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = points_.find(name);
    if (it == points_.end()) return std::nullopt;
    Action a = it->second.action;
    ++hits_[it->first];
    if (it->second.action.remaining > 0 && --it->second.action.remaining == 0) {
      points_.erase(it);
      armed_.store(points_.size(), std::memory_order_relaxed);
    }
    return a;
  }

  uint64_t Hits(std::string_view name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = hits_.find(name);
    return it == hits_.end() ? 0 : it->second;
  }

 private:
  Registry() = default;

  std::mutex mu_;
  std::map<std::string, FailPoint, std::less<>> points_;  // GUARDED_BY(mu_)
  std::map<std::string, uint64_t, std::less<>> hits_;     // GUARDED_BY(mu_)
  std::atomic<size_t> armed_{0};
};

Status EnableFromSpecImpl(std::string_view spec) {
  // Validate everything before arming anything, so a bad spec changes nothing.
  std::vector<std::pair<std::string, Action>> parsed;
  while (!spec.empty()) {
    size_t semi = spec.find(';');
    std::string_view item = Trim(spec.substr(0, semi));
    spec = semi == std::string_view::npos ? std::string_view() : spec.substr(semi + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("failpoint spec item without '=': \"" + std::string(item) +
                                     "\"");
    }
    std::string_view name = Trim(item.substr(0, eq));
    if (name.empty()) return Status::InvalidArgument("failpoint spec item with empty name");
    auto action = ParseAction(item.substr(eq + 1));
    if (!action.ok()) return action.status().WithContext("failpoint " + std::string(name));
    parsed.emplace_back(std::string(name), *action);
  }
  for (const auto& [name, action] : parsed) Registry::Get().Set(name, action);
  return Status::OK();
}

// Arms BRKV_FAILPOINTS exactly once, before any other failpoint operation takes effect.
void LoadEnvOnce() {
  static const bool loaded = [] {
    const char* env = std::getenv("BRKV_FAILPOINTS");
    if (env != nullptr && *env != '\0') {
      Status s = EnableFromSpecImpl(env);
      if (!s.ok()) {
        std::fprintf(stderr, "ignoring malformed BRKV_FAILPOINTS: %s\n", s.ToString().c_str());
      }
    }
    return true;
  }();
  (void)loaded;
}

}  // namespace

void Enable(std::string_view name, std::string_view action) {
  LoadEnvOnce();
  auto a = ParseAction(action);
  if (!a.ok()) {
    // Enable is for tests with literal actions; a typo there must be loud, not silently off.
    std::fprintf(stderr, "failpoint %.*s: %s\n", static_cast<int>(name.size()), name.data(),
                 a.status().ToString().c_str());
    std::abort();
  }
  Registry::Get().Set(name, *a);
}

void Disable(std::string_view name) {
  LoadEnvOnce();
  Registry::Get().Set(name, Action{});
}

void DisableAll() {
  LoadEnvOnce();
  Registry::Get().Clear();
}

Status EnableFromSpec(std::string_view spec) {
  LoadEnvOnce();
  return EnableFromSpecImpl(spec);
}

uint64_t Hits(std::string_view name) {
  LoadEnvOnce();
  return Registry::Get().Hits(name);
}

Status Eval(std::string_view name) {
  LoadEnvOnce();
  Registry& r = Registry::Get();
  if (!r.AnyArmed()) return Status::OK();
  std::optional<Action> a = r.Fire(name);
  if (!a) return Status::OK();
  switch (a->kind) {
    case Kind::kOff:
      return Status::OK();
    case Kind::kReturn:
      return Status::Internal(a->message.empty() ? "failpoint " + std::string(name)
                                                 : a->message);
    case Kind::kSleep:
      std::this_thread::sleep_for(std::chrono::milliseconds(a->sleep_ms));
      return Status::OK();
    case Kind::kPanic:
      std::fprintf(stderr, "failpoint %.*s: panic\n", static_cast<int>(name.size()),
                   name.data());
      std::fflush(nullptr);
      std::abort();
  }
  return Status::OK();
}

}  // namespace brkv::failpoint
