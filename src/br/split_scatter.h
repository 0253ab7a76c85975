// Split & scatter before a restore moves data (architecture.md "Restore flow" step 3;
// lessons.md 3 and 4).
//
// SplitPlanner collects the keys the target's regions must be split at:
//   - every restored table's boundaries, [t{new}, t{new+1}), so no region is shared by two
//     tables: ingesting into a region whose epoch keeps changing because a neighbour table is
//     still being split is BR's classic EpochNotMatch storm (tidb#42972);
//   - the rewritten start and end of every data file group, so each group lands in regions of
//     its own and a Download touches one region in the common case.
// Keys are raw TiDB keys (or raw-KV user keys for a raw restore); "" (+infinity) is ignored.
//
// SplitAndScatter splits at those keys (client::Admin::SplitRegions, in batches) and then asks
// PD to scatter the new, still EMPTY regions over all stores (client::Admin::ScatterRegions),
// retrying the ids PD could not move with backoff. A region that still cannot be moved is a
// balance problem, not a correctness one: it is reported (log + report) and the restore goes
// on. PD moves only empty regions, which is why this runs before any Download.
//
// Thread-safety: SplitPlanner is not thread-safe; SplitAndScatter is (it only uses the
// thread-safe cluster client).
#pragma once

#include <chrono>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/admin.h"
#include "client/cluster.h"
#include "common/backoff.h"
#include "common/status.h"

namespace brkv::br {

class SplitPlanner {
 public:
  // Table boundaries TablePrefix(new_table_id) and TablePrefix(new_table_id + 1).
  void AddTable(int64_t new_table_id);
  // The bounds of one rewritten file range (raw keys of the new key space).
  void AddRange(std::string_view start, std::string_view end);
  // Adds one key ("" is ignored).
  void AddKey(std::string_view key);
  // The keys, sorted and without duplicates.
  std::vector<std::string> Keys() const;
  size_t added() const { return keys_.size(); }

 private:
  std::vector<std::string> keys_;
};

struct SplitScatterOptions {
  // Form of the planned keys. Default: raw TiDB keys.
  client::SplitKeyForm form = client::SplitKeyForm::kTxnRawKey;
  // Keys per SplitRegions call. Default: 1024.
  size_t batch_keys = 1024;
  // Region ids per ScatterRegions call. Default: 256.
  size_t scatter_batch = 256;
  // Rounds of scatter retries for ids PD could not move. Default: 3.
  int scatter_rounds = 3;
  // Pauses between scatter rounds. Default: 200 ms growing to 2 s.
  BackoffOptions scatter_backoff{200, 2000, 60000, 0};
  // A replicated region is scattered by PD operators that run after ScatterRegions returns
  // (adding and removing peers, moving leaders); wait this long for them to finish before the
  // data moves in (BR's WaitForScatterRegions), then go on regardless. 0 = do not wait.
  // Default: 60 s.
  std::chrono::milliseconds scatter_wait{60000};
};

struct SplitScatterReport {
  size_t split_keys = 0;                 // keys asked for
  size_t new_regions = 0;                // regions the splits produced
  size_t scattered = 0;                  // regions PD moved (or had nowhere to move: one store)
  std::vector<uint64_t> scatter_failed;  // regions left where they were
};

// Splits `cluster`'s regions at `keys` and scatters the resulting regions; see the top of the
// file. Errors: a split that fails (the node's refusal, or the retry budget spent on region
// errors) — nothing has been written by the restore at that point. Scatter failures are not
// errors.
Result<SplitScatterReport> SplitAndScatter(client::Cluster* cluster,
                                           const std::vector<std::string>& keys,
                                           const SplitScatterOptions& options = {});

}  // namespace brkv::br
