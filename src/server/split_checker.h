// Size-based region splitting.
//
// RegionManager counts the bytes written to each region. A background SplitChecker wakes up
// periodically, takes the regions that received at least split_size / 4 bytes since their last
// check (or were marked for checking, e.g. at startup), scans them and, when a region holds at
// least `split_size` bytes, splits it into ceil(size / split_size) (at least two) roughly equal
// parts at user-key boundaries: the ts suffix of write/default CF keys is stripped, so all
// versions of a key stay in one region.
// Thread-safety: ComputeSplitKeys is a pure read of the engine; SplitChecker is thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "proto/metapb.pb.h"
#include "server/engine.h"
#include "server/region_manager.h"
#include "server/splitter.h"

namespace brkv::server {

// What a scan of a region found.
struct RegionSizeInfo {
  uint64_t bytes = 0;  // key + value bytes in CFs default, write and lock
  uint64_t keys = 0;   // entries in those CFs
};

// Scans the region (through a snapshot) and returns the split keys (region key space, strictly
// inside the region, increasing) that cut it into parts of about size / parts bytes, or an empty
// vector when the region is smaller than split_size or has no usable boundary. Fills *info when
// non-null.
Result<std::vector<std::string>> ComputeSplitKeys(Engine* engine, const metapb::Region& region,
                                                  uint64_t split_size, RegionSizeInfo* info);

struct SplitCheckerOptions {
  // Split regions at or above this size. Default: 96 MiB.
  uint64_t split_size = 96ull << 20;
  // How often to look for regions to check. Default: 1 s.
  int64_t interval_ms = 1000;
};

class SplitChecker {
 public:
  // All must outlive the checker.
  SplitChecker(const SplitCheckerOptions& options, RegionManager* regions,
               RegionSplitter* splitter);
  ~SplitChecker();  // Stop()s

  void Start();
  // Stops the thread and waits for it. Idempotent.
  void Stop();
  // Checks now (also used by tests); returns the number of regions split.
  int RunOnce();
  // The size found by the last scan of the region, if any.
  bool LastSize(uint64_t region_id, RegionSizeInfo* info) const;

 private:
  void Loop();

  const SplitCheckerOptions options_;
  RegionManager* const regions_;
  RegionSplitter* const splitter_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                                  // GUARDED_BY(mu_)
  std::map<uint64_t, RegionSizeInfo> last_sizes_;      // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace brkv::server
