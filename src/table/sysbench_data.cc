#include "table/sysbench_data.h"

namespace brkv::table {

std::string SysbenchTableName(int table_no) { return "sbtest" + std::to_string(table_no); }

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t SplitMix64::Uniform(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (span == 0) return static_cast<int64_t>(Next());  // the whole int64 range
  return lo + static_cast<int64_t>(Next() % span);
}

std::string SysbenchDigits(SplitMix64* rng, int groups) {
  std::string out;
  out.reserve(static_cast<size_t>(groups) * 12);
  for (int g = 0; g < groups; ++g) {
    if (g > 0) out.push_back('-');
    // 11 digits from one 64-bit draw (10^11 < 2^64; the modulo bias is negligible here).
    uint64_t v = rng->Next() % 100000000000ull;
    char digits[11];
    for (int i = 10; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    out.append(digits, 11);
  }
  return out;
}

std::vector<catalog::Datum> SysbenchRow(uint64_t seed, int table_no, int64_t id, int64_t rows) {
  // Mix the coordinates into one seed so rows are independent of each other.
  SplitMix64 mix(seed ^ (static_cast<uint64_t>(table_no) * 0xD6E8FEB86659FD93ull));
  SplitMix64 rng(mix.Next() ^ (static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull));
  rng.Next();
  std::vector<catalog::Datum> row;
  row.reserve(4);
  row.push_back(catalog::Datum::Int(id));
  row.push_back(catalog::Datum::Int(rng.Uniform(1, rows < 1 ? 1 : rows)));
  row.push_back(catalog::Datum::Bytes(SysbenchDigits(&rng, 10)));
  row.push_back(catalog::Datum::Bytes(SysbenchDigits(&rng, 5)));
  return row;
}

}  // namespace brkv::table
