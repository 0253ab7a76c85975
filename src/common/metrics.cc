#include "common/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace brkv::metrics {

namespace {

void AtomicAdd(std::atomic<double>* a, double d) {
  double cur = a->load(std::memory_order_relaxed);
  while (!a->compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

std::string EscapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} with `extra` (e.g. le="0.5") appended; "" when there are no labels at all.
std::string LabelText(const Labels& names, const Labels& values, const std::string& extra = "") {
  std::string s;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!s.empty()) s += ',';
    s += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) {
    if (!s.empty()) s += ',';
    s += extra;
  }
  return s.empty() ? "" : "{" + s + "}";
}

const char* TypeName(int t) {
  switch (t) {
    case 0:
      return "counter";
    case 1:
      return "gauge";
    default:
      return "histogram";
  }
}

}  // namespace

void Gauge::Add(double d) { AtomicAdd(&v_, d); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                 bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(&sum_, v);
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) b.push_back(v);
  return b;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <typename M>
M& Family<M>::With(const Labels& values) {
  std::lock_guard<std::mutex> l(mu_);
  auto& slot = children_[values];
  if (!slot) slot = make_();
  return *slot;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

CallbackHandle& CallbackHandle::operator=(CallbackHandle&& o) noexcept {
  if (this != &o) {
    if (reg_) reg_->RemoveCallback(id_);
    reg_ = o.reg_;
    id_ = o.id_;
    o.reg_ = nullptr;
  }
  return *this;
}

CallbackHandle::~CallbackHandle() {
  if (reg_) reg_->RemoveCallback(id_);
}

Registry::Entry& Registry::Find(const std::string& name, Type type, const std::string& help,
                                const Labels& label_names) {
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    if (it->second.type != type) {
      std::fprintf(stderr, "metrics: %s registered twice with different types\n", name.c_str());
      std::abort();
    }
    return it->second;
  }
  Entry& e = entries_[name];
  e.type = type;
  e.help = help;
  e.label_names = label_names;
  return e;
}

Family<Counter>& Registry::Counter(const std::string& name, const std::string& help,
                                   const Labels& label_names) {
  std::lock_guard<std::mutex> l(mu_);
  Entry& e = Find(name, Type::kCounter, help, label_names);
  if (!e.counter) {
    e.counter.reset(new Family<metrics::Counter>(
        name, help, label_names, [] { return std::make_unique<metrics::Counter>(); }));
  }
  return *e.counter;
}

Family<Gauge>& Registry::Gauge(const std::string& name, const std::string& help,
                               const Labels& label_names) {
  std::lock_guard<std::mutex> l(mu_);
  Entry& e = Find(name, Type::kGauge, help, label_names);
  if (!e.gauge) {
    e.gauge.reset(new Family<metrics::Gauge>(name, help, label_names,
                                             [] { return std::make_unique<metrics::Gauge>(); }));
  }
  return *e.gauge;
}

Family<Histogram>& Registry::Histogram(const std::string& name, const std::string& help,
                                       const Labels& label_names, std::vector<double> bounds) {
  std::lock_guard<std::mutex> l(mu_);
  Entry& e = Find(name, Type::kHistogram, help, label_names);
  if (!e.histogram) {
    e.histogram.reset(new Family<metrics::Histogram>(
        name, help, label_names,
        [bounds] { return std::make_unique<metrics::Histogram>(bounds); }));
  }
  return *e.histogram;
}

CallbackHandle Registry::GaugeFunc(const std::string& name, const std::string& help,
                                   const Labels& label_names, const Labels& values,
                                   std::function<double()> fn) {
  std::lock_guard<std::mutex> l(mu_);
  Entry& e = Find(name, Type::kGauge, help, label_names);
  const uint64_t id = next_callback_++;
  e.callbacks[id] = {values, std::move(fn)};
  return CallbackHandle(this, id);
}

void Registry::RemoveCallback(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [name, e] : entries_) e.callbacks.erase(id);
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> l(mu_);
  std::string out;
  for (const auto& [name, e] : entries_) {
    std::string body;
    if (e.counter) {
      std::lock_guard<std::mutex> fl(e.counter->mu_);
      for (const auto& [values, c] : e.counter->children_) {
        body += name + LabelText(e.label_names, values) + " " +
                FormatValue(static_cast<double>(c->value())) + "\n";
      }
    }
    if (e.gauge) {
      std::lock_guard<std::mutex> fl(e.gauge->mu_);
      for (const auto& [values, g] : e.gauge->children_) {
        body += name + LabelText(e.label_names, values) + " " + FormatValue(g->value()) + "\n";
      }
    }
    for (const auto& [id, cb] : e.callbacks) {
      body += name + LabelText(e.label_names, cb.first) + " " + FormatValue(cb.second()) + "\n";
    }
    if (e.histogram) {
      std::lock_guard<std::mutex> fl(e.histogram->mu_);
      for (const auto& [values, h] : e.histogram->children_) {
        uint64_t cum = 0;
        for (size_t i = 0; i <= h->bounds().size(); ++i) {
          cum += h->bucket(i);
          const std::string le =
              i < h->bounds().size() ? FormatValue(h->bounds()[i]) : std::string("+Inf");
          body += name + "_bucket" + LabelText(e.label_names, values, "le=\"" + le + "\"") + " " +
                  std::to_string(cum) + "\n";
        }
        body += name + "_sum" + LabelText(e.label_names, values) + " " + FormatValue(h->sum()) +
                "\n";
        body += name + "_count" + LabelText(e.label_names, values) + " " +
                std::to_string(cum) + "\n";
      }
    }
    out += "# HELP " + name + " " + EscapeHelp(e.help) + "\n";
    out += "# TYPE " + name + " " + TypeName(static_cast<int>(e.type)) + "\n";
    out += body;
  }
  return out;
}

Registry& Default() {
  static Registry* r = new Registry();  // never destroyed: metrics may be updated at exit
  return *r;
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  // The shortest form that reads back to the same double.
  for (int prec = 1; prec <= 17; ++prec) {
    char b[32];
    std::snprintf(b, sizeof(b), "%.*g", prec, v);
    if (std::strtod(b, nullptr) == v) return b;
  }
  return buf;
}

}  // namespace brkv::metrics
