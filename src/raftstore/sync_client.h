// Synchronous use of a RaftStore from request threads (the kv-server's write and read paths):
// turn a RocksDB write batch of data keys into a RaftCmdRequest, propose it and wait, or wait
// for a linearizable read — each with a deadline, each answering with a Status plus TiKV's
// errorpb detail for the RPC's region_error.
// Thread-safety: thread-safe (RaftStore's inputs are).
#pragma once

#include <chrono>

#include <rocksdb/write_batch.h>

#include "raftstore/store.h"

namespace brkv::raftstore {

// The writes of `batch` (data keys: 'z' + region key, in CFs default/write/lock) as one
// command for the region. Errors: InvalidArgument for a key without the data prefix, a CF that
// is not a data CF, or an operation Raft does not carry (merge).
Result<raft_cmdpb::RaftCmdRequest> BatchToCommand(const Engines& engines, uint64_t region_id,
                                                  const metapb::RegionEpoch& epoch,
                                                  const rocksdb::WriteBatch& batch);

// Proposes and waits for the applied result. OK when applied; RegionError (with *err set when
// non-null) for NotLeader / EpochNotMatch / KeyNotInRegion / StaleCommand / RegionNotFound;
// TimedOut when no answer came within `timeout` (the command may still apply later).
Status ProposeAndWait(RaftStore* store, raft_cmdpb::RaftCmdRequest req,
                      std::chrono::milliseconds timeout, errorpb::Error* err,
                      raft_cmdpb::RaftCmdResponse* resp = nullptr);

// Waits until the local engine may be read linearizably for the region (ReadIndex on the
// leader). OK with *region and *term (the leader's term; see ReadCallback) set when non-null;
// RegionError / TimedOut as above.
Status ReadIndexAndWait(RaftStore* store, uint64_t region_id, const metapb::RegionEpoch& epoch,
                        std::chrono::milliseconds timeout, errorpb::Error* err,
                        metapb::Region* region, uint64_t* term = nullptr);

}  // namespace brkv::raftstore
