// RegionManager: the regions this store hosts, their write latches, and the one seam through
// which every write to region data goes (Propose).
//
// State is persisted in CF raft (see local_keys.h): the store ident and one metapb::Region per
// hosted region. Open() loads both; every change (bootstrap, TransferIn, split, TransferOut) is
// written durably before it becomes visible in memory.
//
// Write path. A writer takes the region's write latch (LockRegion), prepares a
// rocksdb::WriteBatch (reads it makes under the latch are stable because every other writer of
// the region waits), and hands the batch to Propose, which re-checks the region epoch under the
// latch and applies the batch durably. Today Propose writes the engine directly; Raft
// replication slots in underneath it later without touching callers. Meta changes of a region
// (split, removal) take the same latch, so a batch prepared against an old epoch is rejected
// with EpochNotMatch instead of landing in the wrong region.
//
// Errors. Region errors come back as Status::RegionError; when the caller passes a non-null
// errorpb::Error*, it is filled with TiKV's detail (RegionNotFound, NotLeader, EpochNotMatch,
// KeyNotInRegion, StoreNotMatch) for the RPC's region_error field.
//
// Thread-safety: thread-safe. Lock order: a region latch before the manager's internal mutex;
// a thread holds at most one region latch. The change listener runs with no lock held.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/write_batch.h>

#include "common/status.h"
#include "proto/errorpb.pb.h"
#include "proto/kvrpcpb.pb.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"
#include "server/engine.h"
#include "server/region.h"

namespace brkv::server {

// Who this store is; assigned once by PD and kept forever in the data directory.
struct StoreIdent {
  uint64_t store_id = 0;
  uint64_t cluster_id = 0;
};

struct RegionState;  // internal: one hosted region (defined in region_manager.cc)

// Proof that the caller holds a region's write latch. Move-only; releases on destruction.
class RegionWriteLatch {
 public:
  RegionWriteLatch(RegionWriteLatch&&) noexcept = default;
  RegionWriteLatch& operator=(RegionWriteLatch&&) = delete;
  ~RegionWriteLatch();
  uint64_t region_id() const { return region_id_; }

 private:
  friend class RegionManager;
  RegionWriteLatch(std::shared_ptr<RegionState> state, uint64_t region_id);
  std::shared_ptr<RegionState> state_;
  std::unique_lock<std::mutex> lock_;
  uint64_t region_id_ = 0;
};

class RegionManager {
 public:
  // Called after regions changed (added, split, removed), with the regions as they are now;
  // removed regions are reported with `removed` = true.
  using ChangeListener =
      std::function<void(const std::vector<metapb::Region>& changed, bool removed)>;

  // Loads the store ident and the hosted regions from CF raft. Corruption if a stored region
  // cannot be parsed. `engine` must outlive the manager.
  static Result<std::unique_ptr<RegionManager>> Open(Engine* engine);
  ~RegionManager();

  // ---- store ident ----
  std::optional<StoreIdent> store_ident() const;
  // 0 until the ident is set.
  uint64_t store_id() const { return store_id_.load(std::memory_order_acquire); }
  // Persists the ident (durably). InvalidArgument if an ident with a different store id is
  // already stored.
  Status SaveStoreIdent(const StoreIdent& ident);

  // ---- lookups (copies; may be stale by the time the caller uses them) ----
  std::optional<metapb::Region> GetRegion(uint64_t region_id) const;
  // Hosted regions in start-key order.
  std::vector<metapb::Region> GetAllRegions() const;
  size_t RegionCount() const;

  // ---- request admission ----
  // Finds the region named by ctx and checks the epoch (both conf_ver and version must equal
  // the current ones) and, when ctx.peer.store_id is set, the store. On success copies the
  // region into *region. Errors: RegionNotFound (never hosted here), NotLeader (moved away),
  // EpochNotMatch (with the current region), StoreNotMatch.
  Status CheckContext(const kvrpcpb::Context& ctx, metapb::Region* region,
                      errorpb::Error* err) const;
  // KeyNotInRegion unless region_key lies in the region.
  static Status CheckKeyInRegion(const metapb::Region& region, std::string_view region_key,
                                 errorpb::Error* err);

  // ---- write path ----
  // Blocks until the region's write latch is held. RegionNotFound / NotLeader if the region is
  // not (or no longer) hosted here.
  Result<RegionWriteLatch> LockRegion(uint64_t region_id, errorpb::Error* err);
  // Applies `batch` (all of it, atomically and durably) to the latched region if its epoch
  // still equals `epoch`. An empty batch succeeds without writing. EpochNotMatch / NotLeader
  // when the region changed or left; IOError etc. from the engine. Failpoint:
  // "kv.before-propose" (before anything is written).
  Status Propose(const RegionWriteLatch& latch, const metapb::RegionEpoch& epoch,
                 rocksdb::WriteBatch* batch, errorpb::Error* err);
  // The Propose seam for writes that are files rather than a batch (SST ingest). Under the
  // latch, re-checks the region exactly as Propose does (NotLeader when it left, EpochNotMatch
  // when `epoch` is not current), then calls apply(current region). `apply` does the write
  // and may itself return a region error (e.g. KeyNotInRegion, filling *err) or an engine
  // error; its status is returned. On success `bytes` count toward the region's size check.
  // Failpoint: "kv.before-propose" (before apply).
  Status ProposeIngest(const RegionWriteLatch& latch, const metapb::RegionEpoch& epoch,
                       const std::function<Status(const metapb::Region& region)>& apply,
                       uint64_t bytes, errorpb::Error* err);

  // ---- region lifecycle ----
  // Starts hosting `region` (bootstrap, TransferIn). Idempotent for an identical region.
  // InvalidArgument when it overlaps another hosted region or an older/newer copy of the same
  // id is hosted with a different range or epoch.
  Status AddRegion(const metapb::Region& region);
  // Stops hosting the region if it holds no data in any CF (TransferOut). Aborted with
  // "region is not empty" otherwise; region errors as CheckContext when `epoch` is given and
  // does not match.
  Status RemoveRegionIfEmpty(uint64_t region_id, const metapb::RegionEpoch* epoch,
                             errorpb::Error* err);
  // Splits the region at `split_keys` (region key space, strictly increasing, each strictly
  // inside the region) using the ids PD allocated (one SplitID per key, one new peer id per
  // existing peer, in peer order). The region keeps the leftmost part and its id; new regions
  // take the following parts; every resulting region gets version = old version + number of
  // keys. All states are persisted in one batch under the latch (failpoint
  // "kv.split.before-persist"). Returns all resulting regions in key order.
  // EpochNotMatch if `epoch` is not current; InvalidArgument on bad keys or ids.
  Result<std::vector<metapb::Region>> ApplySplit(uint64_t region_id,
                                                 const metapb::RegionEpoch& epoch,
                                                 const std::vector<std::string>& split_keys,
                                                 const std::vector<pdpb::SplitID>& ids,
                                                 errorpb::Error* err);

  void SetChangeListener(ChangeListener listener);

  // ---- size accounting for the split checker ----
  // Adds bytes written to a region by a path that does not go through Propose (SST ingest).
  void AddWrittenBytes(uint64_t region_id, uint64_t bytes);
  // Marks every region as worth a size check (at startup, when nothing is known).
  void MarkAllForCheck();
  // Ids of regions that had at least `threshold` bytes written (or were marked) since their
  // last check; resets their counters.
  std::vector<uint64_t> TakeRegionsToCheck(uint64_t threshold);

  Engine* engine() const { return engine_; }

 private:
  explicit RegionManager(Engine* engine) : engine_(engine) {}
  Status Load();
  void Notify(const std::vector<metapb::Region>& changed, bool removed);
  Status RegionMissing(uint64_t region_id, errorpb::Error* err) const;  // REQUIRES: mu_ held

  Engine* const engine_;
  std::atomic<uint64_t> store_id_{0};

  mutable std::mutex mu_;
  std::optional<StoreIdent> ident_;                                  // GUARDED_BY(mu_)
  std::map<uint64_t, std::shared_ptr<RegionState>> regions_;         // GUARDED_BY(mu_)
  std::set<uint64_t> removed_;                                       // GUARDED_BY(mu_)
  ChangeListener listener_;                                          // GUARDED_BY(mu_)
};

// True when any of CFs default, write and lock holds a data key of the region key range
// [start, end) (empty end = +infinity).
Result<bool> RangeHasData(Engine* engine, std::string_view start, std::string_view end);

}  // namespace brkv::server
