// RegionManager: the regions this store hosts, their write latches, and the one seam through
// which every write to region data goes (Propose). Underneath, every region is a Raft group
// (src/raftstore): RegionManager owns the store's RaftStore and turns the request paths'
// calls into Raft proposals and linearizable reads.
//
// State. The store ident lives in CF raft (local_keys.h); the regions are the RaftStore's
// replicas (their RegionLocalState, raftstore/raft_keys.h). The RaftStore starts once the store
// id is known: at Open when the ident is stored, else at SaveStoreIdent. A data directory from
// before replication (region states at 0x01 0x03 id, no Raft state) is converted at that start:
// each region becomes a single-replica Raft group, its data untouched.
//
// Serving. Only a region's leader serves it: other replicas answer NotLeader naming the leader
// they know. Reads (CheckRead) wait for a ReadIndex, so they see every write acknowledged
// before they began, even right after a leader change.
//
// Write path. A writer takes the region's write latch (LockRegion: the latch, then a ReadIndex,
// so reads made under the latch see every committed write), prepares a rocksdb::WriteBatch of
// data keys, and hands it to Propose, which proposes it as one Raft command carrying the
// latch's term and waits until it is applied here. A command is refused if leadership changed
// since the latch's read (StaleCommand) or the epoch changed (EpochNotMatch), so a batch
// prepared against an old view never lands. Splits and SST ingests are Raft commands too.
//
// Errors. Region errors come back as Status::RegionError; when the caller passes a non-null
// errorpb::Error*, it is filled with TiKV's detail (RegionNotFound, NotLeader, EpochNotMatch,
// KeyNotInRegion, StoreNotMatch, StaleCommand) for the RPC's region_error field. TimedOut when
// Raft gave no answer within RaftOptions::propose_timeout_ms (a write may still apply later).
//
// Thread-safety: thread-safe. A thread holds at most one region latch. The change listener runs
// with no lock held.
#pragma once

#include <atomic>
#include <chrono>
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
#include "raftstore/consistency.h"
#include "proto/pdpb.pb.h"
#include "proto/import_sstpb.pb.h"
#include "server/engine.h"
#include "server/region.h"

namespace brkv::raftstore {
class RaftStore;
class Transport;
}  // namespace brkv::raftstore

namespace brkv::server {

// How the regions' Raft groups run.
struct RegionRaftOptions {
  // Carries Raft messages to other stores. Null: messages to other stores are dropped (a store
  // whose regions have one replica each, tests). Must outlive the manager.
  raftstore::Transport* transport = nullptr;
  // Raft's clock: one tick every tick_ms; a follower that hears nothing for election_ticks
  // (randomized up to twice that) campaigns; a leader sends heartbeats every heartbeat_ticks.
  // Defaults: 200 ms, 10, 2 (a dead leader is replaced within 2-4 s).
  int64_t tick_ms = 200;
  int election_ticks = 10;
  int heartbeat_ticks = 2;
  // A replica the leader has not heard from this long is reported down to PD. Default: 10 min.
  int64_t peer_down_ms = 10 * 60 * 1000;
  // Longest a write waits to be applied, and a read for its ReadIndex. Default: 15 s.
  int64_t propose_timeout_ms = 15000;
  // Where the staged copy of an SST to ingest is on this store (NotFound: not here), and what to
  // do with it once ingested (default: remove it). Unset locator: SST ingest is refused.
  std::function<Result<std::string>(const import_sstpb::SSTMeta&)> sst_locator;
  std::function<void(const import_sstpb::SSTMeta&, const std::string&)> sst_ingested;
};

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
  // The region as of the latch's ReadIndex.
  const metapb::Region& region() const { return region_; }

 private:
  friend class RegionManager;
  RegionWriteLatch(std::shared_ptr<RegionState> state, uint64_t region_id);
  std::shared_ptr<RegionState> state_;
  std::unique_lock<std::mutex> lock_;
  uint64_t region_id_ = 0;
  metapb::Region region_;
  uint64_t term_ = 0;  // the leader's term of the latch's ReadIndex
};

class RegionManager {
 public:
  // Called after regions changed (added, split, removed), with the regions as they are now;
  // removed regions are reported with `removed` = true.
  using ChangeListener =
      std::function<void(const std::vector<metapb::Region>& changed, bool removed)>;

  // Loads the store ident and, when it is stored, starts the RaftStore with the hosted regions.
  // Corruption if stored state cannot be parsed. `engine` must outlive the manager.
  static Result<std::unique_ptr<RegionManager>> Open(Engine* engine,
                                                     RegionRaftOptions raft_options = {});
  ~RegionManager();  // stops the RaftStore

  // ---- store ident ----
  std::optional<StoreIdent> store_ident() const;
  // 0 until the ident is set.
  uint64_t store_id() const { return store_id_.load(std::memory_order_acquire); }
  // Persists the ident (durably) and starts the RaftStore if it is not running. InvalidArgument
  // if an ident with a different store id is already stored.
  Status SaveStoreIdent(const StoreIdent& ident);
  // The store's Raft groups; null until the store id is known. For the Raft transport service
  // and the node's PD commands (conf changes, leader transfers).
  raftstore::RaftStore* raft() const { return raft_ptr_.load(std::memory_order_acquire); }

  // ---- lookups (copies; may be stale by the time the caller uses them) ----
  // Regions with an initialized replica here (leader or not).
  std::optional<metapb::Region> GetRegion(uint64_t region_id) const;
  // Hosted regions in start-key order.
  std::vector<metapb::Region> GetAllRegions() const;
  // Regions this store's replica leads, in start-key order.
  std::vector<metapb::Region> GetLedRegions() const;
  size_t RegionCount() const;
  size_t LeaderCount() const;

  // ---- request admission ----
  // Finds the region named by ctx and checks the epoch (both conf_ver and version must equal
  // the current ones), that this store's replica leads it, and, when ctx.peer.store_id is set,
  // the store. On success copies the region into *region. Errors: RegionNotFound (not hosted
  // here), NotLeader (with the leader this replica knows), EpochNotMatch (with the current
  // region), StoreNotMatch.
  Status CheckContext(const kvrpcpb::Context& ctx, metapb::Region* region,
                      errorpb::Error* err) const;
  // CheckContext, then waits for a ReadIndex: once OK, reading the engine sees every write
  // acknowledged before the call (linearizable). Region errors as CheckContext; TimedOut.
  Status CheckRead(const kvrpcpb::Context& ctx, metapb::Region* region, errorpb::Error* err);
  // KeyNotInRegion unless region_key lies in the region.
  static Status CheckKeyInRegion(const metapb::Region& region, std::string_view region_key,
                                 errorpb::Error* err);

  // ---- write path ----
  // Blocks until the region's write latch is held and a ReadIndex made the engine current (see
  // above). RegionNotFound / NotLeader if this store does not lead the region; TimedOut.
  Result<RegionWriteLatch> LockRegion(uint64_t region_id, errorpb::Error* err);
  // Replicates `batch` (data keys in CFs default/write/lock; all of it, atomically) through
  // Raft and waits until it is applied here, if the region's epoch still equals `epoch`. An
  // empty batch succeeds without writing. EpochNotMatch / NotLeader / StaleCommand when the
  // region or its leadership changed; TimedOut. Failpoint: "kv.before-propose" (before
  // anything is proposed).
  Status Propose(const RegionWriteLatch& latch, const metapb::RegionEpoch& epoch,
                 rocksdb::WriteBatch* batch, errorpb::Error* err);
  // The Propose seam for SST ingest: re-checks the epoch as Propose does, calls check(region)
  // (the caller's own checks, e.g. the files' keys against the region; it may return a region
  // error, filling *err), then proposes one IngestSST command for all of `ssts` (their
  // region_id and region_epoch are set to the latched region's) and waits until it is applied
  // here. Every replica ingests its own staged copy (RegionRaftOptions::sst_locator). On
  // success `bytes` count toward the region's size check. Failpoint: "kv.before-propose".
  Status ProposeIngest(const RegionWriteLatch& latch, const metapb::RegionEpoch& epoch,
                       std::vector<import_sstpb::SSTMeta> ssts,
                       const std::function<Status(const metapb::Region& region)>& check,
                       uint64_t bytes, errorpb::Error* err);

  // ---- region lifecycle ----
  // Starts hosting `region` as a new Raft group (cluster bootstrap, TransferIn); `region` must
  // name a peer on this store. When that peer is the only voter, waits until it leads.
  // Idempotent for an identical region. InvalidArgument when it overlaps another hosted region
  // or another copy of the same id is hosted; Aborted before the store id is known.
  Status AddRegion(const metapb::Region& region);
  // Stops hosting a single-replica region that holds no data in any CF (TransferOut): its
  // replica is destroyed. Aborted with "region is not empty" otherwise; Aborted for
  // a region with more than one replica (those move by conf changes); region errors as
  // CheckContext when `epoch` is given and does not match.
  Status RemoveRegionIfEmpty(uint64_t region_id, const metapb::RegionEpoch* epoch,
                             errorpb::Error* err);
  // Splits the region at `split_keys` (region key space, strictly increasing, each strictly
  // inside the region) using the ids PD allocated (one SplitID per key, one new peer id per
  // existing peer, in peer order). The region keeps the leftmost part and its id; new regions
  // take the following parts; every resulting region gets version = old version + number of
  // keys. The split is one Raft admin command (BatchSplit) applied by every replica; waits until
  // it is applied here and, for a while, until the new regions have a leader (failpoint
  // "kv.split.before-persist" before proposing). Returns all resulting regions in key order.
  // EpochNotMatch if `epoch` is not current; InvalidArgument on bad keys or ids.
  Result<std::vector<metapb::Region>> ApplySplit(uint64_t region_id,
                                                 const metapb::RegionEpoch& epoch,
                                                 const std::vector<std::string>& split_keys,
                                                 const std::vector<pdpb::SplitID>& ids,
                                                 errorpb::Error* err);

  // ---- consistency check (see raftstore/consistency.h) ----
  // On the leader: proposes ComputeHash{context} for the region and returns this replica's
  // hash once it applied it (with the log index every replica hashes at). Region errors as
  // CheckContext (NotLeader, EpochNotMatch after a concurrent split); TimedOut.
  Result<raftstore::RegionHash> ComputeHash(uint64_t region_id, const std::string& context,
                                            errorpb::Error* err);
  // On any replica: the hash this replica computed for the check `context`, waiting up to
  // `timeout_ms` for it to apply the command. RegionNotFound when the region has no replica
  // here; TimedOut.
  Result<raftstore::RegionHash> WaitHash(uint64_t region_id, const std::string& context,
                                         int64_t timeout_ms, errorpb::Error* err);

  void SetChangeListener(ChangeListener listener);

  // ---- size accounting for the split checker ----
  // Adds bytes written to a region by a path that does not go through Propose.
  void AddWrittenBytes(uint64_t region_id, uint64_t bytes);
  // Marks every region as worth a size check (at startup, when nothing is known). A region
  // first seen later (split, new leader) is marked too.
  void MarkAllForCheck();
  // Ids of regions led here that had at least `threshold` bytes written (or were marked) since
  // their last check; resets their counters.
  std::vector<uint64_t> TakeRegionsToCheck(uint64_t threshold);

  Engine* engine() const { return engine_; }

 private:
  RegionManager(Engine* engine, RegionRaftOptions o);
  Status Load();
  Status StartRaft(uint64_t store_id);  // REQUIRES: raft_mu_ held
  // Waits (bounded) until each given single-voter region is led here.
  void WaitLeaders(const std::vector<uint64_t>& region_ids, int64_t timeout_ms) const;
  std::shared_ptr<RegionState> State(uint64_t region_id);
  void Notify(const std::vector<metapb::Region>& changed, bool removed);
  std::chrono::milliseconds propose_timeout() const;

  Engine* const engine_;
  const RegionRaftOptions raft_options_;
  std::unique_ptr<raftstore::Transport> null_transport_;
  std::atomic<uint64_t> store_id_{0};

  std::mutex raft_mu_;  // serializes starting the RaftStore
  std::unique_ptr<raftstore::RaftStore> raft_;
  std::atomic<raftstore::RaftStore*> raft_ptr_{nullptr};

  mutable std::mutex mu_;
  std::optional<StoreIdent> ident_;                           // GUARDED_BY(mu_)
  std::map<uint64_t, std::shared_ptr<RegionState>> states_;   // GUARDED_BY(mu_)
  ChangeListener listener_;                                   // GUARDED_BY(mu_)
};

// True when any of CFs default, write and lock holds a data key of the region key range
// [start, end) (empty end = +infinity).
Result<bool> RangeHasData(Engine* engine, std::string_view start, std::string_view end);

}  // namespace brkv::server
