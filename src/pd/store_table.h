// StoreTable: registered storage nodes and their liveness.
//
// A store is registered by PutStore (address required, id != 0). Liveness is the time of the
// last heartbeat (or registration); a store with none for longer than the down threshold is
// "down". Liveness is kept in memory only: after a PD restart every known store gets a fresh
// grace period starting at load time, as in PD, instead of being declared down at once.
// Thread-safety: not thread-safe; the owner (Cluster) serialises access.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "common/status.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace brkv::pd {

class StoreTable {
 public:
  // Registers or updates a store. InvalidArgument for id 0 / empty address; Aborted when the
  // store is a tombstone; AlreadyExists when another live (non-tombstone) store already uses
  // the address. A store PD marked Offline stays Offline whatever the request says. Returns
  // the stored copy (with last_heartbeat filled in).
  Result<metapb::Store> Put(const metapb::Store& store, int64_t now_ms);
  // Loads a persisted store at startup (no checks).
  void Load(const metapb::Store& store, int64_t now_ms);
  // Records a heartbeat. NotFound for an unknown store; Aborted for a tombstone.
  Status Heartbeat(const pdpb::StoreStats& stats, int64_t now_ms);

  const metapb::Store* Get(uint64_t id) const;
  bool IsDown(uint64_t id, int64_t now_ms) const;
  // Milliseconds since the store's last heartbeat (or registration / PD start); 0 if unknown.
  int64_t SinceLastSeenMs(uint64_t id, int64_t now_ms) const;
  // Sets the state of a known store (no checks). NotFound for an unknown store.
  Result<metapb::Store> SetState(uint64_t id, metapb::StoreState state);
  // True when the store exists, is Up (not Offline/Tombstone) and is not down.
  bool IsServing(uint64_t id, int64_t now_ms) const;
  // StoreInfo of one store (region_count left for the caller to fill).
  brkvpb::StoreInfo Info(uint64_t id, int64_t now_ms) const;
  std::vector<uint64_t> Ids() const;

  void set_down_threshold_ms(int64_t ms) { down_threshold_ms_ = ms; }
  int64_t down_threshold_ms() const { return down_threshold_ms_; }

 private:
  struct Entry {
    metapb::Store store;
    int64_t last_seen_ms = 0;
    pdpb::StoreStats stats;
  };
  std::map<uint64_t, Entry> stores_;
  int64_t down_threshold_ms_ = 10000;
};

}  // namespace brkv::pd
