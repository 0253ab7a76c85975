// A seeded nemesis run over the in-process RaftStore cluster: writes of unique keys and
// linearizable reads while stores are isolated, restarted, leaders moved, regions split and
// replicas moved to other stores. Checked: every acknowledged write is on every replica of its
// region at the end; no replica holds a key that was never written; every read granted by a
// leader sees every write acknowledged before the read began; replicas of each region agree.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::Cluster;

std::string Key(uint64_t id) {
  char b[24];
  std::snprintf(b, sizeof(b), "w%06llu", static_cast<unsigned long long>(id));
  return b;
}

class Nemesis {
 public:
  Nemesis(uint64_t seed, int stores) : rng_(seed), c_(stores, /*gc_limit=*/40), stores_(stores) {
    c_.Bootstrap({1, 2, 3});
  }

  uint64_t R(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  // A random running store whose replica of the region believes it leads (possibly a deposed
  // leader that has not noticed yet: exactly what must not serve stale reads).
  uint64_t AnyClaimedLeader(uint64_t rid) {
    std::vector<uint64_t> ls;
    for (uint64_t s = 1; s <= static_cast<uint64_t>(stores_); ++s) {
      if (!c_.Up(s)) continue;
      auto p = c_.Store(s).GetPeer(rid);
      if (p && p->role == raft::StateRole::kLeader) ls.push_back(s);
    }
    return ls.empty() ? 0 : ls[R(ls.size())];
  }

  // The freshest view of a region any running store has (by epoch).
  std::optional<PeerInfo> View(uint64_t rid) {
    std::optional<PeerInfo> best;
    for (uint64_t s = 1; s <= static_cast<uint64_t>(stores_); ++s) {
      if (!c_.Up(s)) continue;
      auto p = c_.Store(s).GetPeer(rid);
      if (!p || !p->initialized) continue;
      if (!best || p->region.region_epoch().version() > best->region.region_epoch().version() ||
          (p->region.region_epoch().version() == best->region.region_epoch().version() &&
           p->region.region_epoch().conf_ver() > best->region.region_epoch().conf_ver())) {
        best = p;
      }
    }
    return best;
  }

  // All regions known anywhere, freshest view of each.
  std::vector<metapb::Region> Regions() {
    std::set<uint64_t> ids;
    for (uint64_t s = 1; s <= static_cast<uint64_t>(stores_); ++s) {
      if (!c_.Up(s)) continue;
      for (auto& p : c_.Store(s).Peers()) {
        if (p.initialized) ids.insert(p.region.id());
      }
    }
    std::vector<metapb::Region> out;
    for (uint64_t id : ids) {
      if (auto v = View(id)) out.push_back(v->region);
    }
    return out;
  }

  std::optional<metapb::Region> RegionFor(const std::string& key) {
    std::optional<metapb::Region> best;
    for (auto& r : Regions()) {
      if (key >= r.start_key() && (r.end_key().empty() || key < r.end_key())) {
        if (!best || r.region_epoch().version() > best->region_epoch().version()) best = r;
      }
    }
    return best;
  }

  void Write() {
    uint64_t id = next_++;
    std::string k = Key(id);
    auto region = RegionFor(k);
    if (!region) return;
    uint64_t l = AnyClaimedLeader(region->id());
    if (!l) return;
    raft_cmdpb::RaftCmdRequest req;
    req.mutable_header()->set_region_id(region->id());
    *req.mutable_header()->mutable_region_epoch() = c_.Store(l).GetPeer(region->id())->region.region_epoch();
    auto* r = req.add_requests();
    r->set_cmd_type(raft_cmdpb::Put);
    r->mutable_put()->set_key(k);
    r->mutable_put()->set_value("v");
    proposed_.insert(k);
    c_.Store(l).Propose(req, [this, k](const raft_cmdpb::RaftCmdResponse& resp) {
      if (!resp.header().has_error()) acked_.insert(k);
    });
  }

  void ReadCheck() {
    auto regions = Regions();
    if (regions.empty()) return;
    const auto& region = regions[R(regions.size())];
    uint64_t l = AnyClaimedLeader(region.id());
    if (!l) return;
    // Writes acknowledged before the read begins, in this region.
    std::vector<std::string> must;
    for (const auto& k : acked_) {
      if (k >= region.start_key() && (region.end_key().empty() || k < region.end_key())) {
        must.push_back(k);
      }
    }
    auto epoch = c_.Store(l).GetPeer(region.id())->region.region_epoch();
    c_.Store(l).Read(region.id(), epoch,
                     [this, l, must](const errorpb::Error* e, const metapb::Region& r, uint64_t) {
                       if (e) return;
                       ++reads_;
                       auto data = c_.Disk(l).Data();
                       for (const auto& k : must) {
                         if (!(k >= r.start_key() && (r.end_key().empty() || k < r.end_key()))) {
                           continue;  // moved to another region by a split since
                         }
                         if (!data.count(k)) {
                           failures_.push_back("stale read on store " + std::to_string(l) +
                                               ": " + k + " was acknowledged before the read");
                         }
                       }
                     });
  }

  void Split() {
    auto regions = Regions();
    if (regions.size() >= 8) return;
    const auto& region = regions[R(regions.size())];
    std::string sk = Key(R(next_ + 1) + 1);
    if (sk <= region.start_key() || (!region.end_key().empty() && sk >= region.end_key())) return;
    uint64_t l = c_.LeaderStore(region.id());
    if (!l) return;
    raft_cmdpb::RaftCmdRequest req;
    req.mutable_header()->set_region_id(region.id());
    *req.mutable_header()->mutable_region_epoch() = c_.Store(l).GetPeer(region.id())->region.region_epoch();
    auto* a = req.mutable_admin_request();
    a->set_cmd_type(raft_cmdpb::BatchSplit);
    auto* s = a->mutable_splits()->add_requests();
    s->set_split_key(sk);
    s->set_new_region_id(next_region_++);
    for (int i = 0; i < region.peers_size(); ++i) s->add_new_peer_ids(next_peer_++);
    c_.Store(l).Propose(req, [](const raft_cmdpb::RaftCmdResponse&) {});
  }

  void MoveReplica() {
    auto regions = Regions();
    const auto& region = regions[R(regions.size())];
    uint64_t l = c_.LeaderStore(region.id());
    if (!l) return;
    std::set<uint64_t> on;
    for (const auto& p : region.peers()) on.insert(p.store_id());
    auto propose = [&](eraftpb::ConfChangeType t, uint64_t peer, uint64_t store) {
      raft_cmdpb::RaftCmdRequest req;
      req.mutable_header()->set_region_id(region.id());
      *req.mutable_header()->mutable_region_epoch() = region.region_epoch();
      auto* a = req.mutable_admin_request();
      a->set_cmd_type(raft_cmdpb::ChangePeer);
      a->mutable_change_peer()->set_change_type(t);
      a->mutable_change_peer()->mutable_peer()->set_id(peer);
      a->mutable_change_peer()->mutable_peer()->set_store_id(store);
      c_.Store(l).Propose(req, [](const raft_cmdpb::RaftCmdResponse&) {});
    };
    for (const auto& p : region.peers()) {
      if (p.role() == metapb::Learner) return propose(eraftpb::AddNode, p.id(), p.store_id());
    }
    if (region.peers_size() > 3) {
      // Remove a voter that is not the leader.
      for (const auto& p : region.peers()) {
        if (p.store_id() != l) return propose(eraftpb::RemoveNode, p.id(), p.store_id());
      }
    }
    for (uint64_t s = 1; s <= static_cast<uint64_t>(stores_); ++s) {
      if (!on.count(s)) return propose(eraftpb::AddLearnerNode, next_peer_++, s);
    }
  }

  void Step() {
    uint64_t roll = R(1000);
    if (roll < 500) {
      Write();
    } else if (roll < 620) {
      ReadCheck();
    } else if (roll < 800) {
      c_.Tick();
    } else if (roll < 815) {
      Split();
    } else if (roll < 830) {
      MoveReplica();
    } else if (roll < 840) {
      auto regions = Regions();
      const auto& region = regions[R(regions.size())];
      uint64_t l = c_.LeaderStore(region.id());
      if (l) {
        raft_cmdpb::RaftCmdRequest req;
        req.mutable_header()->set_region_id(region.id());
        auto* a = req.mutable_admin_request();
        a->set_cmd_type(raft_cmdpb::TransferLeader);
        *a->mutable_transfer_leader()->mutable_peer() = region.peers(static_cast<int>(R(region.peers_size())));
        c_.Store(l).Propose(req, [](const raft_cmdpb::RaftCmdResponse&) {});
      }
    } else if (roll < 846) {
      c_.Heal();
      if (R(2)) c_.Isolate(1 + R(stores_));
    } else if (roll < 849) {
      // Pause a store (often a leader) and resume it later: a paused leader wakes up still
      // believing it leads.
      c_.Resume();
      if (R(3)) {
        auto regions = Regions();
        uint64_t l = regions.empty() ? 0 : c_.LeaderStore(regions[R(regions.size())].id());
        c_.Pause(l ? l : 1 + R(stores_));
      }
    } else if (roll < 852) {
      uint64_t s = 1 + R(stores_);
      if (!c_.Paused(s)) c_.RestartStore(s);
    }
    c_.Pump(50);
  }

  void Run(int steps) {
    for (int i = 0; i < steps; ++i) Step();
    c_.Heal();
    c_.Resume();
    for (int i = 0; i < 200; ++i) c_.Tick();
    // Every region: replicas agree, acknowledged writes are there, nothing unknown is.
    for (const auto& region : Regions()) {
      std::map<std::string, std::string> first;
      bool have_first = false;
      for (const auto& p : region.peers()) {
        if (p.role() == metapb::Learner) continue;
        auto info = c_.Store(p.store_id()).GetPeer(region.id());
        if (!info) {
          failures_.push_back("store " + std::to_string(p.store_id()) + " lacks region " +
                              std::to_string(region.id()));
          continue;
        }
        std::map<std::string, std::string> in;
        for (auto& [k, v] : c_.Disk(p.store_id()).Data()) {
          if (k >= region.start_key() && (region.end_key().empty() || k < region.end_key())) {
            in[k] = v;
          }
        }
        if (!have_first) {
          first = in;
          have_first = true;
        } else if (in != first) {
          failures_.push_back("replicas of region " + std::to_string(region.id()) + " differ");
        }
        for (const auto& k : acked_) {
          if (k >= region.start_key() && (region.end_key().empty() || k < region.end_key()) &&
              !in.count(k)) {
            failures_.push_back("acknowledged " + k + " missing on store " +
                                std::to_string(p.store_id()));
          }
        }
        for (const auto& [k, v] : in) {
          if (!proposed_.count(k)) failures_.push_back("unknown key " + k);
        }
      }
    }
  }

  std::mt19937_64 rng_;
  Cluster c_;
  int stores_;
  uint64_t next_ = 1;
  uint64_t next_region_ = 1000;
  uint64_t next_peer_ = 10000;
  std::set<std::string> proposed_, acked_;
  uint64_t reads_ = 0;
  std::vector<std::string> failures_;
};

TEST(RaftStoreNemesisTest, WritesReadsSplitsMovesPartitionsRestarts) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    Nemesis n(seed, 4);
    n.Run(1500);
    std::printf("seed %llu: %zu acked of %zu proposed, %llu reads, %zu regions\n",
                static_cast<unsigned long long>(seed), n.acked_.size(), n.proposed_.size(),
                static_cast<unsigned long long>(n.reads_), n.Regions().size());
    EXPECT_GT(n.acked_.size(), 100u) << "seed " << seed;
    EXPECT_GT(n.reads_, 20u) << "seed " << seed;
    for (const auto& f : n.failures_) ADD_FAILURE() << "seed " << seed << ": " << f;
    if (!n.failures_.empty()) break;
  }
}

}  // namespace
}  // namespace brkv::raftstore
