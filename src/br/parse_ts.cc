#include "br/parse_ts.h"

#include <ctime>
#include <string>

#include "kv/txn_types.h"

namespace brkv::br {
namespace {

Status Malformed(std::string_view text, std::string_view why) {
  return Status::InvalidArgument(
      "invalid timestamp '" + std::string(text) + "': " + std::string(why) +
      " (want a TSO such as 459177124841914369, or a datetime such as '2026-11-21 10:00:00' "
      "or '2026-11-21T10:00:00+08:00')");
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n digits from *s.
bool ReadDigits(std::string_view* s, int n, int* out) {
  if (s->size() < static_cast<size_t>(n)) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = (*s)[i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  s->remove_prefix(n);
  *out = v;
  return true;
}

bool Consume(std::string_view* s, char c) {
  if (s->empty() || s->front() != c) return false;
  s->remove_prefix(1);
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Result<uint64_t> ParseTso(std::string_view text) {
  uint64_t v = 0;
  for (char c : text) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return Malformed(text, "TSO does not fit in 64 bits");
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

Result<uint64_t> ParseTS(std::string_view text, const ParseTsOptions& options) {
  if (text.empty()) return Malformed(text, "empty");
  bool all_digits = true;
  for (char c : text) all_digits = all_digits && IsDigit(c);
  if (all_digits) return ParseTso(text);

  std::string_view s = text;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(&s, 4, &year) || !Consume(&s, '-') || !ReadDigits(&s, 2, &month) ||
      !Consume(&s, '-') || !ReadDigits(&s, 2, &day)) {
    return Malformed(text, "expected YYYY-MM-DD");
  }
  int64_t millis = 0;
  if (!s.empty()) {
    if (!Consume(&s, ' ') && !Consume(&s, 'T') && !Consume(&s, 't')) {
      return Malformed(text, "expected ' ' or 'T' after the date");
    }
    if (!ReadDigits(&s, 2, &hour) || !Consume(&s, ':') || !ReadDigits(&s, 2, &minute) ||
        !Consume(&s, ':') || !ReadDigits(&s, 2, &second)) {
      return Malformed(text, "expected HH:MM:SS");
    }
    if (Consume(&s, '.')) {
      int digits = 0;
      int64_t scale = 100;
      while (!s.empty() && IsDigit(s.front())) {
        if (digits < 3) millis += (s.front() - '0') * scale;
        scale /= 10;
        ++digits;
        s.remove_prefix(1);
      }
      if (digits == 0 || digits > 9) return Malformed(text, "bad fractional seconds");
    }
  }
  if (month < 1 || month > 12) return Malformed(text, "month out of range");
  if (day < 1 || day > DaysInMonth(year, month)) return Malformed(text, "day out of range");
  if (hour > 23 || minute > 59 || second > 59) return Malformed(text, "time of day out of range");

  std::optional<int64_t> offset;  // seconds east of UTC
  if (!s.empty()) {
    std::string_view z = s;
    if (z.front() == ' ') z.remove_prefix(1);
    if (z == "Z" || z == "z") {
      offset = 0;
    } else if (!z.empty() && (z.front() == '+' || z.front() == '-')) {
      const int sign = z.front() == '-' ? -1 : 1;
      z.remove_prefix(1);
      int oh = 0, om = 0;
      if (!ReadDigits(&z, 2, &oh)) return Malformed(text, "bad time zone offset");
      if (!z.empty()) {
        Consume(&z, ':');
        if (!ReadDigits(&z, 2, &om) || !z.empty()) return Malformed(text, "bad time zone offset");
      }
      if (oh > 14 || om > 59) return Malformed(text, "time zone offset out of range");
      offset = sign * (oh * 3600 + om * 60);
    } else {
      return Malformed(text, "unexpected trailing characters");
    }
  } else if (options.default_utc_offset_seconds) {
    offset = *options.default_utc_offset_seconds;
  }

  int64_t unix_seconds = 0;
  if (offset) {
    unix_seconds =
        DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - *offset;
  } else {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    tm.tm_isdst = -1;  // let the zone rules decide
    std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1)) {
      return Malformed(text, "not representable in the local time zone");
    }
    unix_seconds = static_cast<int64_t>(t);
  }
  if (unix_seconds < 0) return Malformed(text, "before 1970-01-01 UTC");
  const int64_t physical_ms = unix_seconds * 1000 + millis;
  if (physical_ms >= (int64_t{1} << (64 - kLogicalBits))) {
    return Malformed(text, "too far in the future for a TSO");
  }
  return ComposeTs(physical_ms, 0);
}

}  // namespace brkv::br
