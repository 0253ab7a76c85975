// Peer: one region's replica on this store, as the RaftStore drives it: the region's metadata
// (as of the applied index), its Raft node and log storage, and the requests waiting on it.
// Thread-safety: none; owned and used by the RaftStore's loop.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proto/errorpb.pb.h"
#include "proto/metapb.pb.h"
#include "proto/raft_cmdpb.pb.h"
#include "raft/raw_node.h"
#include "raftstore/peer_storage.h"
#include "raftstore/snap_files.h"

namespace brkv::raftstore {

// Completion of a proposed command: the response's header.error is set when it failed.
using ProposeCallback = std::function<void(const raft_cmdpb::RaftCmdResponse&)>;
// Completion of a linearizable read: err is null when the local engine may now be read for
// `region` (it has applied every write committed before the read began); `term` is the
// leader's term the read was granted in (0 on error). A write whose reads were made after such
// a read proposes with header.term = term, so it is refused if leadership changed in between.
using ReadCallback =
    std::function<void(const errorpb::Error* err, const metapb::Region& region, uint64_t term)>;

struct Proposal {
  uint64_t index = 0;
  uint64_t term = 0;
  ProposeCallback cb;
};

struct PendingRead {
  std::string ctx;
  uint64_t index = 0;  // 0 until Raft granted the read
  uint64_t term = 0;   // the leader's term when the read was asked
  ReadCallback cb;
};

struct Peer {
  metapb::Region region;  // as of the applied index
  metapb::Peer meta;      // this replica
  std::unique_ptr<PeerStorage> storage;
  std::unique_ptr<raft::RawNode> raft;
  std::deque<Proposal> proposals;
  std::vector<PendingRead> reads;
  // Peers this one has talked to, by id (also those no longer in the region), for routing.
  std::map<uint64_t, metapb::Peer> peer_cache;
  bool was_leader = false;
  // Store tick at which each peer was last heard from (for down-peer reports).
  std::map<uint64_t, uint64_t> last_heard;
  // Committed entries handed out by Raft but not applied yet: the replica is blocked on the
  // first one (an IngestSST whose file is not on this store). It serves nothing and leads
  // nothing until it can apply it or a snapshot from the leader covers it (it asks for one,
  // raft::RawNode::RequestSnapshot).
  std::vector<eraftpb::Entry> unapplied;
  bool blocked() const { return !unapplied.empty(); }
  // The index of the entry the replica got stuck on (0: not stuck), for the log lines that
  // say when it got stuck and when it caught up.
  uint64_t stuck_at = 0;
  // The snapshot files this replica generated last (while it leads): reused for another
  // follower as long as nothing was applied since.
  std::optional<std::pair<SnapKey, raft_serverpb::SnapshotMeta>> last_snapshot;

  uint64_t id() const { return meta.id(); }
  uint64_t region_id() const { return region.id(); }
  bool initialized() const { return storage->initialized(); }
  bool IsLeader() const { return raft->raft().state() == raft::StateRole::kLeader; }
  // The leader as this replica knows it (nullptr if unknown).
  const metapb::Peer* Leader() const;
  const metapb::Peer* Lookup(uint64_t peer_id) const;
};

}  // namespace brkv::raftstore
