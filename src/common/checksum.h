// The crc64xor / total_kvs / total_bytes checksum of TiKV's backup and ADMIN CHECKSUM
// (formats.md 5.4): per KV, d = CRC64(raw_key || user_value); crc64xor ^= d;
// total_kvs += 1; total_bytes += len(raw_key) + len(user_value). Order-independent.
#pragma once

#include <cstdint>
#include <string_view>

namespace brkv {

struct Checksum {
  uint64_t crc64xor = 0;
  uint64_t total_kvs = 0;
  uint64_t total_bytes = 0;

  void Update(std::string_view raw_key, std::string_view user_value);
  // Folds another partial checksum in (XOR and sums).
  void Merge(const Checksum& other);
  bool operator==(const Checksum& o) const = default;
};

}  // namespace brkv
