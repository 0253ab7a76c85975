// Region snapshots: the raftstore's snapshot generator (the region's data at the applied index,
// as raft::Storage::Snapshot hands it to the Raft core) and the install of an incoming snapshot
// (RaftStore::PersistSnapshot). Both are RaftStore members defined in snapshot.cc; this header
// holds what they share with the rest of the store.
// Thread-safety: the functions here are pure.
#pragma once

#include <string>
#include <utility>

#include "proto/metapb.pb.h"

namespace brkv::raftstore {

// Data-key bounds of a region: ['z' + start, 'z' + end) with an empty end meaning the end of
// the data keys ('z' + 1).
std::pair<std::string, std::string> DataRange(const metapb::Region& r);

}  // namespace brkv::raftstore
