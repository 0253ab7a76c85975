// Metrics in Prometheus' data model, rendered in its text exposition format (version 0.0.4).
//
// A Registry holds metric families by name: counters, gauges and histograms, each with a fixed
// list of label names; a family's child for one set of label values is created on first use
// and lives as long as the registry. Updating a child is lock-free (atomics); only the first
// lookup of a label set takes the family's lock, so hot paths keep the child reference:
//
//   static auto& bytes = metrics::Default().Counter("tikv_import_download_bytes_total",
//                                                   "Bytes downloaded", {}).With({});
//   bytes.Inc(n);
//
// Names follow TiKV's and PD's where they exist. Registering a name again returns the existing
// family (same type required: a different type is a programming error and aborts).
// GaugeFunc families read their value at render time (region counts, leader counts); their
// callbacks must be removed (the returned handle) before what they read goes away.
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace brkv::metrics {

using Labels = std::vector<std::string>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Set(double v) { v_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, strictly increasing (+Inf is implicit).
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative count of bucket i (i == bounds().size() is the +Inf bucket).
  uint64_t bucket(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// start, start*factor, ... (count bounds).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// Seconds since `start` on the steady clock, for Observe().
double SecondsSince(std::chrono::steady_clock::time_point start);

template <typename M>
class Family {
 public:
  // The child for these label values (one per label name), created on first use.
  M& With(const Labels& values);

 private:
  friend class Registry;
  Family(std::string name, std::string help, Labels label_names,
         std::function<std::unique_ptr<M>()> make)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
        make_(std::move(make)) {}
  const std::string name_;
  const std::string help_;
  const Labels label_names_;
  const std::function<std::unique_ptr<M>()> make_;
  mutable std::mutex mu_;
  std::map<Labels, std::unique_ptr<M>> children_;  // GUARDED_BY(mu_)
};

class Registry;

// Removes a GaugeFunc's callback when destroyed. Move-only.
class CallbackHandle {
 public:
  CallbackHandle() = default;
  CallbackHandle(CallbackHandle&& o) noexcept : reg_(o.reg_), id_(o.id_) { o.reg_ = nullptr; }
  CallbackHandle& operator=(CallbackHandle&& o) noexcept;
  ~CallbackHandle();

 private:
  friend class Registry;
  CallbackHandle(Registry* reg, uint64_t id) : reg_(reg), id_(id) {}
  Registry* reg_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family<metrics::Counter>& Counter(const std::string& name, const std::string& help,
                                    const Labels& label_names);
  Family<metrics::Gauge>& Gauge(const std::string& name, const std::string& help,
                                const Labels& label_names);
  Family<metrics::Histogram>& Histogram(const std::string& name, const std::string& help,
                                        const Labels& label_names, std::vector<double> bounds);
  // A gauge sample computed at render time, under `name` with these label values. Several
  // callbacks may share a name (with different label values); help and label names must agree.
  [[nodiscard]] CallbackHandle GaugeFunc(const std::string& name, const std::string& help,
                                         const Labels& label_names, const Labels& values,
                                         std::function<double()> fn);

  // Every family in name order, in the text exposition format.
  std::string Render() const;

 private:
  friend class CallbackHandle;
  enum class Type { kCounter, kGauge, kHistogram };
  struct Entry {
    Type type;
    std::string help;
    Labels label_names;
    std::unique_ptr<Family<metrics::Counter>> counter;
    std::unique_ptr<Family<metrics::Gauge>> gauge;
    std::unique_ptr<Family<metrics::Histogram>> histogram;
    std::map<uint64_t, std::pair<Labels, std::function<double()>>> callbacks;
  };
  Entry& Find(const std::string& name, Type type, const std::string& help,
              const Labels& label_names);  // REQUIRES: mu_ held
  void RemoveCallback(uint64_t id);

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
  uint64_t next_callback_ = 1;            // GUARDED_BY(mu_)
};

// The process-wide registry the status server renders.
Registry& Default();

// Text-format helpers (exposed for tests): a label value or HELP text escaped as the format
// requires, and a sample value ("+Inf", "NaN", shortest round-trip decimal).
std::string EscapeLabelValue(const std::string& v);
std::string FormatValue(double v);

}  // namespace brkv::metrics
