#include "br/backup_topology.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "client/pd_client.h"
#include "kv/keys.h"

namespace brkv::br {

namespace {

class PdBackupTopology final : public BackupTopology {
 public:
  explicit PdBackupTopology(client::PdClient* pd) : pd_(pd) {}

  Result<std::vector<StoreTarget>> Stores() override {
    ASSIGN_OR_RETURN(std::vector<brkvpb::StoreInfo> infos, pd_->GetAllStores());
    std::vector<StoreTarget> out;
    std::lock_guard<std::mutex> l(mu_);
    for (const brkvpb::StoreInfo& info : infos) {
      const metapb::Store& s = info.store();
      if (s.state() == metapb::Tombstone) continue;
      addresses_[s.id()] = s.address();
      out.push_back(StoreTarget{s.id(), s.address(), info.is_down(), s.version()});
    }
    std::sort(out.begin(), out.end(),
              [](const StoreTarget& a, const StoreTarget& b) { return a.id < b.id; });
    return out;
  }

  Result<std::vector<RegionTarget>> Regions(const std::string& region_start,
                                            const std::string& region_end) override {
    ASSIGN_OR_RETURN(std::vector<client::RegionInfo> infos,
                     pd_->ScanRegions(region_start, region_end));
    std::vector<RegionTarget> out;
    out.reserve(infos.size());
    for (client::RegionInfo& info : infos) {
      RegionTarget t;
      uint64_t store = info.leader.store_id();
      // One replica per region today: a region without a known leader is served by its peer.
      if (store == 0 && info.region.peers_size() == 1) store = info.region.peers(0).store_id();
      t.store_id = store;
      if (store != 0) {
        auto addr = Address(store);
        if (addr.ok()) t.address = *addr;
      }
      t.region = std::move(info.region);
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  Result<std::string> Address(uint64_t store_id) {
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = addresses_.find(store_id);
      if (it != addresses_.end()) return it->second;
    }
    ASSIGN_OR_RETURN(metapb::Store s, pd_->GetStore(store_id));
    std::lock_guard<std::mutex> l(mu_);
    addresses_[store_id] = s.address();
    return s.address();
  }

  client::PdClient* const pd_;
  std::mutex mu_;
  std::map<uint64_t, std::string> addresses_;  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<BackupTopology> NewPdBackupTopology(client::PdClient* pd) {
  return std::make_unique<PdBackupTopology>(pd);
}

KeyRange RegionBoundsOf(const KeyRange& raw, bool is_raw_kv) {
  if (is_raw_kv) return {keys::RawRegionKey(raw.start), keys::RawRegionEndKey(raw.end)};
  return {raw.start.empty() ? std::string() : keys::TxnRegionKey(raw.start),
          raw.end.empty() ? std::string() : keys::TxnRegionKey(raw.end)};
}

}  // namespace brkv::br
