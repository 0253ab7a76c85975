// Small value types shared by the transactional, raw and admin clients.
// Thread-safety: plain values.
#pragma once

#include <string>

namespace brkv::client {

// One key and its value, as returned by scans.
struct KvPair {
  std::string key;
  std::string value;
  bool operator==(const KvPair&) const = default;
};

// A half-open key range [start, end). An empty end means +infinity. Which key form (raw TiDB
// key, raw-KV user key, region key) is stated by the API that takes it.
struct KeyRange {
  std::string start;
  std::string end;
  bool operator==(const KeyRange&) const = default;
};

}  // namespace brkv::client
