#include "br/progress.h"

#include <algorithm>
#include <cmath>

namespace brkv::br {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kTtyMinRedraw{100};
constexpr milliseconds kTtyTick{1000};

std::string Percent(uint64_t done, uint64_t total) {
  const double p = total == 0 ? 100.0 : 100.0 * static_cast<double>(done) / total;
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.2f%%", std::min(p, 100.0));
  return buf;
}

std::string Eta(uint64_t done, uint64_t total, milliseconds elapsed) {
  if (done >= total) return "0s";
  if (done == 0) return "?";
  const double per_unit = static_cast<double>(elapsed.count()) / static_cast<double>(done);
  const auto left = milliseconds(static_cast<int64_t>(per_unit * (total - done)));
  // Whole seconds are enough for an estimate.
  return FormatDuration(milliseconds((left.count() + 999) / 1000 * 1000));
}

}  // namespace

std::string FormatDuration(milliseconds d) {
  int64_t ms = std::max<int64_t>(0, d.count());
  if (ms < 1000) return std::to_string(ms) + "ms";
  const int64_t h = ms / 3600000;
  ms %= 3600000;
  const int64_t m = ms / 60000;
  ms %= 60000;
  std::string out;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  const int64_t s = ms / 1000;
  const int64_t frac = ms % 1000;
  out += std::to_string(s);
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += "s";
  return out;
}

std::string FormatProgressBar(const std::string& title, uint64_t done, uint64_t total,
                              milliseconds elapsed, int width) {
  width = std::max(width, 4);
  const double frac = total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / total);
  const int filled = static_cast<int>(std::floor(frac * width));
  std::string bar = "<";
  for (int i = 0; i < width; ++i) {
    if (i < filled) {
      bar += '=';
    } else if (i == filled) {
      bar += '>';
    } else {
      bar += '-';
    }
  }
  bar += ">";
  return title + " " + bar + " " + Percent(done, total) + " ETA " + Eta(done, total, elapsed);
}

std::string FormatProgressLine(const std::string& title, uint64_t done, uint64_t total,
                               milliseconds elapsed, const std::string& unit) {
  return title + " progress: " + std::to_string(done) + "/" + std::to_string(total) + " " + unit +
         " (" + Percent(done, total) + "), elapsed " + FormatDuration(elapsed) + ", ETA " +
         Eta(done, total, elapsed);
}

Progress::Progress(ProgressOptions options) : options_(std::move(options)), start_(Clock::now()) {
  if (options_.on_update) options_.on_update(options_.title, 0, options_.total);
  ticker_ = std::thread([this] { Tick(); });
}

Progress::~Progress() { Finish(); }

void Progress::Update(uint64_t done) {
  std::lock_guard<std::mutex> l(mu_);
  if (finished_ || done <= done_) return;
  done_ = done;
  if (options_.on_update) options_.on_update(options_.title, done_, options_.total);
  if (options_.tty && Clock::now() - last_draw_ >= kTtyMinRedraw) DrawLocked(false);
}

uint64_t Progress::done() const {
  std::lock_guard<std::mutex> l(mu_);
  return done_;
}

void Progress::Tick() {
  std::unique_lock<std::mutex> l(mu_);
  const milliseconds period = options_.tty ? kTtyTick : options_.interval;
  while (!finished_) {
    cv_.wait_for(l, period);
    if (finished_) break;
    DrawLocked(false);
  }
}

void Progress::DrawLocked(bool final) {
  last_draw_ = Clock::now();
  if (options_.out == nullptr) return;
  const auto elapsed = std::chrono::duration_cast<milliseconds>(last_draw_ - start_);
  if (options_.tty) {
    // "\033[K" clears what a longer previous bar left on the line.
    std::fprintf(options_.out, "\r%s\033[K%s",
                 FormatProgressBar(options_.title, done_, options_.total, elapsed).c_str(),
                 final ? "\n" : "");
  } else {
    std::fprintf(
        options_.out, "%s\n",
        FormatProgressLine(options_.title, done_, options_.total, elapsed, options_.unit).c_str());
  }
  std::fflush(options_.out);
}

void Progress::Finish() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (finished_) return;
    finished_ = true;
    DrawLocked(true);
    if (options_.on_update) options_.on_update(options_.title, done_, options_.total);
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

std::string FormatBackupSummary(const BackupSummary& s) {
  const double secs = std::max<double>(0.001, s.take.count() / 1000.0);
  char speed[32];
  std::snprintf(speed, sizeof(speed), "%.2fMB/s", static_cast<double>(s.total_bytes) / 1e6 / secs);
  std::string out = s.title + " success summary: total ranges=" + std::to_string(s.ranges) +
                    ", total kvs=" + std::to_string(s.total_kvs) +
                    ", total bytes=" + std::to_string(s.total_bytes) +
                    ", backup-ts=" + std::to_string(s.backup_ts);
  if (s.last_backup_ts != 0) out += ", last-backup-ts=" + std::to_string(s.last_backup_ts);
  out += ", total-take=" + FormatDuration(s.take) + ", average-speed=" + speed +
         ", backup-data-size(after-compressed)=" + std::to_string(s.data_size) +
         ", total files=" + std::to_string(s.files);
  return out;
}

}  // namespace brkv::br
