// RaftStore: every region replica a store hosts, driven by one loop (TiKV's raftstore, small).
//
// Each loop turn (RunOnce):
//   1. takes the queued inputs: ticks, Raft messages from other stores, proposals, reads;
//   2. collects the Readies of all peers and persists them in ONE RocksDB write, synced when any
//      Ready needs it (entries, hard state, snapshots with their data);
//   3. hands all outgoing messages to the Transport at once (it batches per store);
//   4. applies committed entries of all peers in one write that also records each region's
//      applied index; epoch checks run here, at apply, as TiKV's (data: version; ChangePeer:
//      conf_ver; BatchSplit: both);
//   5. completes proposals and reads, creates the regions a split made, destroys removed peers,
//      and compacts Raft logs.
// Writes are raft_cmdpb.RaftCmdRequests proposed on the leader; a follower answers NotLeader
// with the leader it knows. Reads go through ReadIndex on the leader (no lease), so a deposed
// leader never serves a stale read. A snapshot is the region's data as one SST per data CF
// (snap_files.h), sent beside its message (Transport::SendSnapshot) and ingested on install.
// A replica that cannot apply a committed entry (an SST to ingest is missing on its store)
// stops applying and serving, and catches up from a snapshot it asks its leader for.
//
// Inputs are thread-safe (queued); RunOnce and the introspection methods may be called from any
// thread but RunOnce runs one turn at a time. Start() runs the loop and a ticker on a thread.
// Callbacks run on the loop's thread with no store lock held; they must not block.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "raftstore/consistency.h"
#include "raftstore/engines.h"
#include "raftstore/peer.h"
#include "raftstore/snap_files.h"
#include "raftstore/transport.h"
#include "proto/import_sstpb.pb.h"

namespace brkv::raftstore {

struct StoreOptions {
  uint64_t store_id = 0;
  Engines engines;
  Transport* transport = nullptr;
  // Raft timing in ticks. Defaults: election 10, heartbeat 2 (TiKV's).
  int election_tick = 10;
  int heartbeat_tick = 2;
  // Flow control. Defaults: 1 MiB per append message, 256 in flight (TiKV's).
  uint64_t max_size_per_msg = 1 << 20;
  int max_inflight_msgs = 256;
  // A peer compacts its Raft log once it keeps more than this many applied entries, keeping
  // the newest half for followers that lag a little. Default: 1000.
  uint64_t raft_log_gc_count_limit = 1000;
  // A replica the leader has not heard from for this many ticks is reported down. Default: 100.
  uint64_t down_after_ticks = 100;
  // Where this store keeps the staged copy of an SST named by an IngestSST command (the
  // importer's download put it there, on every replica's store). NotFound when it has none.
  // Unset: IngestSST is refused.
  std::function<Result<std::string>(const import_sstpb::SSTMeta&)> sst_locator;
  // Called once an ingested SST's apply is durable, so its staged copy can go. Default: the
  // staged file is removed.
  std::function<void(const import_sstpb::SSTMeta&, const std::string& path)> sst_ingested;
  // Where region snapshot files are generated and received (snap_files.h). Default:
  // <the engine's RocksDB directory>/snap.
  std::string snap_dir;
};

// Counters of the loop's work (monotonic; for tests, benchmarks and metrics).
struct StoreStats {
  uint64_t turns = 0;            // RunOnce calls that did something
  uint64_t raft_writes = 0;      // writes of Raft state (one per turn at most)
  uint64_t synced_writes = 0;    // of which needed a sync (synced unless Engines::sync is off)
  uint64_t readies = 0;          // Readies persisted (one per region per turn at most)
  uint64_t entries_persisted = 0;
  uint64_t entries_applied = 0;
  uint64_t messages_sent = 0;
  uint64_t transport_sends = 0;  // Transport::Send calls (one per turn at most)
  uint64_t snapshots_installed = 0;  // snapshots whose files were ingested here
};

struct PeerInfo {
  metapb::Region region;
  uint64_t peer_id = 0;
  uint64_t leader_id = 0;
  raft::StateRole role = raft::StateRole::kFollower;
  uint64_t term = 0;
  uint64_t commit = 0;
  uint64_t applied = 0;
  uint64_t last_index = 0;
  uint64_t first_index = 0;
  bool initialized = false;
  bool blocked = false;  // waiting for an SST to ingest (see IngestSST)
  // Leader only, for PD's region heartbeat: replicas not heard from for `down_after_ticks`
  // (with how many ticks), and replicas that need a snapshot to catch up.
  std::vector<std::pair<metapb::Peer, uint64_t>> down_peers;
  std::vector<metapb::Peer> pending_peers;
};

class RaftStore {
 public:
  // Loads every region replica recorded in CF raft. Errors: storage failures, corrupt state.
  static Result<std::unique_ptr<RaftStore>> Open(const StoreOptions& options);
  ~RaftStore();

  // Creates a region replica from scratch (cluster bootstrap, tests): Raft state at the init
  // index, the region as given. AlreadyExists if the store hosts the region. A region whose only
  // voter is this replica campaigns at once (also when loaded at Open), so it leads within a
  // loop turn instead of after an election timeout.
  Status BootstrapRegion(const metapb::Region& region);
  // Destroys this store's replica of the region now (its Raft state, its data in the region's
  // range) and leaves a tombstone. For a region that is moved away whole (a single replica);
  // members of a replicated region leave through a ChangePeer RemoveNode. Waiting proposals
  // and reads fail with RegionNotFound. NotFound when not hosted.
  Status DestroyRegion(uint64_t region_id);

  // ---- inputs (thread-safe, queued for the next turn) ----
  void Step(raft_serverpb::RaftMessage msg);
  // Proposes a command to the region named in req.header. The callback runs once: with the
  // applied result, or with a region error (NotLeader with the known leader, EpochNotMatch,
  // RegionNotFound, KeyNotInRegion, StaleCommand when the entry was overwritten).
  void Propose(raft_cmdpb::RaftCmdRequest req, ProposeCallback cb);
  // The transport's word on a snapshot this store sent (Transport::SendSnapshot): delivered
  // (the receiver has its files and the message) or not (Raft sends another one later).
  void ReportSnapshot(uint64_t region_id, uint64_t to_peer_id, bool delivered);
  // Asks for a linearizable read of the region (only the leader grants it).
  void Read(uint64_t region_id, const metapb::RegionEpoch& epoch, ReadCallback cb);
  // One Raft tick for every replica.
  void Tick();

  // Runs one loop turn on the calling thread. Returns whether it did anything.
  bool RunOnce();
  // Runs the loop and a ticker (every `tick`) on a background thread until Stop().
  void Start(std::chrono::milliseconds tick);
  void Stop();

  // The hash this replica computed when it applied the region's ComputeHash command with
  // `context` (see consistency.h). TimedOut when it has not applied it within `timeout`.
  Result<RegionHash> WaitRegionHash(uint64_t region_id, const std::string& context,
                                    std::chrono::milliseconds timeout) {
    return checker_->Wait(region_id, context, timeout);
  }

  // ---- introspection (copies) ----
  std::optional<PeerInfo> GetPeer(uint64_t region_id) const;
  std::vector<PeerInfo> Peers() const;
  StoreStats stats() const;
  uint64_t store_id() const { return opts_.store_id; }
  // Where this store's snapshot files are (received files go here too).
  const std::string& snap_dir() const { return snap_dir_; }

 private:
  explicit RaftStore(const StoreOptions& o);
  struct Inbox {
    int ticks = 0;
    std::vector<raft_serverpb::RaftMessage> msgs;
    std::vector<std::pair<raft_cmdpb::RaftCmdRequest, ProposeCallback>> proposals;
    struct Read {
      uint64_t region_id;
      metapb::RegionEpoch epoch;
      ReadCallback cb;
    };
    std::vector<Read> reads;
    struct SnapshotReport {
      uint64_t region_id;
      uint64_t to_peer_id;
      bool delivered;
    };
    std::vector<SnapshotReport> snapshot_reports;
    bool empty() const {
      return ticks == 0 && msgs.empty() && proposals.empty() && reads.empty() &&
             snapshot_reports.empty();
    }
  };
  // Work that must run after the store lock is released.
  using Deferred = std::vector<std::function<void()>>;

  Status LoadPeers();
  PeerInfo InfoLocked(const Peer& p) const;  // REQUIRES: mu_ held
  void MaybeCampaignAlone(Peer* p);          // REQUIRES: mu_ held
  Result<Peer*> CreatePeer(const metapb::Region& region, uint64_t peer_id, bool bootstrap_state);
  void InstallSnapshotGenerator(Peer* p);
  void HandleMessage(raft_serverpb::RaftMessage& msg, Deferred* d);
  void HandlePropose(raft_cmdpb::RaftCmdRequest& req, ProposeCallback& cb, Deferred* d);
  void HandleRead(Inbox::Read& r, Deferred* d);
  void SendTombstone(const Peer& p, const metapb::Peer& to);
  void SendTombstone(const metapb::Region& region, const metapb::Peer& from,
                     const metapb::Peer& to);
  void DestroyPeer(uint64_t region_id, Deferred* d);
  void FailAll(Peer* p, const errorpb::Error& e, Deferred* d);
  // Installs a snapshot from a Ready: the region's data and Raft state. With keep_log
  // (raft::Ready::snapshot_keeps_log) the log after the snapshot stays, and queued entries up
  // to it are dropped (the snapshot covers them); a stuck replica is then caught up.
  Status PersistSnapshot(Peer* p, const eraftpb::Snapshot& snap, bool keep_log,
                         rocksdb::WriteBatch* wb, Deferred* d);
  // Ingests the files of the snapshots persisted this turn (after the Raft state batch is
  // durable), then records each region as Normal and removes its files. Fatal on failure.
  void IngestPendingSnapshots();
  Status IngestSnapshot(uint64_t region_id, const SnapKey& key,
                        const raft_serverpb::SnapshotMeta& meta);
  // At Open: a region whose state says Applying ingests its snapshot's files again.
  Status RecoverSnapshot(Peer* p);
  bool CheckGeneratedFiles(const SnapKey& key, const raft_serverpb::SnapshotMeta& meta) const;
  // A replica that cannot apply (blocked) asks its leader for a snapshot; a blocked leader
  // first hands leadership to the most up-to-date voter that is not waiting for one itself.
  void CatchUpBlocked(Peer* p);
  raft_serverpb::RaftMessage Wrap(const Peer& p, const eraftpb::Message& m, bool* ok) const;
  // Hands a MsgSnapshot with its files to the transport; its report comes back through
  // ReportSnapshot (also if this store is gone by then: then nowhere).
  void SendSnapshot(const Peer& p, raft_serverpb::RaftMessage rm);
  void ServeReads(Peer* p, Deferred* d);
  void MaybeCompactLog(Peer* p, rocksdb::WriteBatch* wb);
  void LoopMain(std::chrono::milliseconds tick);

  // Apply (apply.cc).
  struct ApplyResult {
    std::vector<metapb::Region> split_regions;  // regions created by a split (new ids)
    bool removed_self = false;
  };
  // Applies entries in order; stops early (keeping the rest in p->unapplied) when a replica
  // cannot apply an entry yet (an SST to ingest is missing here).
  void ApplyEntries(Peer* p, std::vector<eraftpb::Entry> ents, rocksdb::WriteBatch* wb,
                    ApplyResult* res, Deferred* d);
  // IngestSST: returns false when the replica must wait (a file is missing).
  bool ApplyIngest(Peer* p, const eraftpb::Entry& e, const raft_cmdpb::RaftCmdRequest& req,
                   rocksdb::WriteBatch* wb, raft_cmdpb::RaftCmdResponse* resp);
  Status CheckIngestMeta(const Peer& p, const import_sstpb::SSTMeta& m) const;
  void ApplyNormal(Peer* p, const eraftpb::Entry& e, rocksdb::WriteBatch* wb, ApplyResult* res,
                   raft_cmdpb::RaftCmdResponse* resp);
  void ApplyComputeHash(Peer* p, const eraftpb::Entry& e, const raft_cmdpb::RaftCmdRequest& req,
                        rocksdb::WriteBatch* wb, raft_cmdpb::RaftCmdResponse* resp);
  void ApplyConfChange(Peer* p, const eraftpb::Entry& e, rocksdb::WriteBatch* wb,
                       ApplyResult* res, raft_cmdpb::RaftCmdResponse* resp);
  void ApplySplit(Peer* p, const raft_cmdpb::RaftCmdRequest& req, rocksdb::WriteBatch* wb,
                  ApplyResult* res, raft_cmdpb::RaftCmdResponse* resp);
  void PutRegionState(const metapb::Region& region, raft_serverpb::PeerState state,
                      rocksdb::WriteBatch* wb);
  void Complete(Peer* p, const eraftpb::Entry& e, raft_cmdpb::RaftCmdResponse resp, Deferred* d);

  const StoreOptions opts_;
  const std::string snap_dir_;
  const std::unique_ptr<ConsistencyChecker> checker_;
  std::mutex inbox_mu_;
  std::condition_variable inbox_cv_;
  Inbox inbox_;  // GUARDED_BY(inbox_mu_)

  mutable std::mutex mu_;  // held for a whole turn and by introspection
  std::map<uint64_t, std::unique_ptr<Peer>> peers_;  // GUARDED_BY(mu_)
  // Regions whose replica here was destroyed: the destroyed peer's id (messages to it or older
  // never recreate it) and the region as this replica last knew it.
  struct Tombstone {
    uint64_t peer_id = 0;
    metapb::Region region;
  };
  std::map<uint64_t, Tombstone> tombstones_;  // GUARDED_BY(mu_)
  // A message to a destroyed replica from one that the region had removed before this one
  // was destroyed: tell the sender it is gone (it may know no replica that still exists).
  void MaybeTellStaleSender(const raft_serverpb::RaftMessage& msg, const Tombstone& t);
  bool applying_ = false;                    // snapshots are not generated mid-apply
  struct PendingSnapshot {
    uint64_t region_id;
    SnapKey key;
    raft_serverpb::SnapshotMeta meta;
  };
  std::vector<PendingSnapshot> pending_snapshots_;  // persisted this turn, to ingest
  bool halted_ = false;  // a test failpoint stopped the store as a crash would (GUARDED_BY(mu_))
  // Where a transport's snapshot reports go; cleared when the store is destroyed.
  struct ReportSink {
    std::mutex mu;
    RaftStore* store = nullptr;  // GUARDED_BY(mu)
  };
  std::shared_ptr<ReportSink> report_sink_ = std::make_shared<ReportSink>();
  StoreStats stats_;                         // GUARDED_BY(mu_)
  uint64_t ticks_ = 0;                       // GUARDED_BY(mu_)
  uint64_t next_read_ = 0;

  std::atomic<bool> stop_{false};
  std::mutex ticker_mu_;
  std::condition_variable ticker_cv_;
  std::thread loop_;
  std::thread ticker_;
};

}  // namespace brkv::raftstore
