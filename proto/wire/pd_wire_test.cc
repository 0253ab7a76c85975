// Wire compatibility of pdpb.PD with kvproto: golden bytes written field by field from
// kvproto's pdpb.proto / metapb.proto numbers, read by our generated code; and the method
// list of kvproto's PD service. See docs/wire-compatibility.md.
#include <gtest/gtest.h>

#include "proto/pdpb.pb.h"
#include "service_shape.h"
#include "wire_builder.h"

namespace brkv::wire {
namespace {

// kvproto pdpb.ResponseHeader: cluster_id = 1, error = 2 (Error: type = 1, message = 2).
WireBuilder Header(uint64_t cluster_id) { return WireBuilder().Varint(1, cluster_id); }

// kvproto metapb.Peer: id = 1, store_id = 2, role = 3.
WireBuilder Peer(uint64_t id, uint64_t store_id) {
  return WireBuilder().Varint(1, id).Varint(2, store_id);
}

TEST(PdWireTest, ServiceMatchesKvproto) {
  auto unary = [](const std::string& req, const std::string& resp) {
    return MethodShape{"pdpb." + req, "pdpb." + resp, false, false};
  };
  ServiceShape pd = {
      {"GetClusterInfo", unary("GetClusterInfoRequest", "GetClusterInfoResponse")},
      {"Tso", {"pdpb.TsoRequest", "pdpb.TsoResponse", true, true}},
      {"Bootstrap", unary("BootstrapRequest", "BootstrapResponse")},
      {"IsBootstrapped", unary("IsBootstrappedRequest", "IsBootstrappedResponse")},
      {"AllocID", unary("AllocIDRequest", "AllocIDResponse")},
      {"GetStore", unary("GetStoreRequest", "GetStoreResponse")},
      {"PutStore", unary("PutStoreRequest", "PutStoreResponse")},
      {"GetAllStores", unary("GetAllStoresRequest", "GetAllStoresResponse")},
      {"StoreHeartbeat", unary("StoreHeartbeatRequest", "StoreHeartbeatResponse")},
      {"RegionHeartbeat",
       {"pdpb.RegionHeartbeatRequest", "pdpb.RegionHeartbeatResponse", true, true}},
      {"GetRegion", unary("GetRegionRequest", "GetRegionResponse")},
      {"GetRegionByID", unary("GetRegionByIDRequest", "GetRegionResponse")},
      {"ScanRegions", unary("ScanRegionsRequest", "ScanRegionsResponse")},
      {"AskBatchSplit", unary("AskBatchSplitRequest", "AskBatchSplitResponse")},
      {"ReportBatchSplit", unary("ReportBatchSplitRequest", "ReportBatchSplitResponse")},
      {"GetClusterConfig", unary("GetClusterConfigRequest", "GetClusterConfigResponse")},
      {"ScatterRegion", unary("ScatterRegionRequest", "ScatterRegionResponse")},
      {"GetGCSafePoint", unary("GetGCSafePointRequest", "GetGCSafePointResponse")},
      {"UpdateGCSafePoint", unary("UpdateGCSafePointRequest", "UpdateGCSafePointResponse")},
      {"UpdateServiceGCSafePoint",
       unary("UpdateServiceGCSafePointRequest", "UpdateServiceGCSafePointResponse")},
      {"GetOperator", unary("GetOperatorRequest", "GetOperatorResponse")},
      {"SplitRegions", unary("SplitRegionsRequest", "SplitRegionsResponse")},
  };
  ExpectServiceMatches("pdpb.PD", pd);
}

TEST(PdWireTest, TsoResponse) {
  // kvproto TsoResponse: header = 1, count = 2, timestamp = 3 (physical = 1, logical = 2).
  std::string golden = WireBuilder()
                           .Message(1, Header(7))
                           .Varint(2, 4)
                           .Message(3, WireBuilder().Varint(1, 1700000000000).Varint(2, 42))
                           .str();
  pdpb::TsoResponse resp;
  ASSERT_TRUE(resp.ParseFromString(golden));
  EXPECT_EQ(resp.header().cluster_id(), 7u);
  EXPECT_EQ(resp.count(), 4u);
  EXPECT_EQ(resp.timestamp().physical(), 1700000000000);
  EXPECT_EQ(resp.timestamp().logical(), 42);
  EXPECT_EQ(resp.SerializeAsString(), golden);
}

TEST(PdWireTest, GetClusterInfoTakesAResponseHeaderAndAnswersServiceModes) {
  // kvproto GetClusterInfoRequest: header = 1, typed ResponseHeader (error = 2 included).
  std::string req_bytes =
      WireBuilder()
          .Message(1, Header(9).Message(2, WireBuilder().Varint(1, 1).Bytes(2, "x")))
          .str();
  pdpb::GetClusterInfoRequest req;
  ASSERT_TRUE(req.ParseFromString(req_bytes));
  EXPECT_EQ(req.header().cluster_id(), 9u);
  EXPECT_EQ(req.header().error().message(), "x");

  // kvproto GetClusterInfoResponse: serviceModes = 2 (repeated enum, packed; PD_SVC_MODE = 1).
  std::string resp_bytes = WireBuilder().Message(1, Header(9)).PackedVarints(2, {1}).str();
  pdpb::GetClusterInfoResponse resp;
  ASSERT_TRUE(resp.ParseFromString(resp_bytes));
  ASSERT_EQ(resp.servicemodes_size(), 1);
  EXPECT_EQ(resp.servicemodes(0), pdpb::PD_SVC_MODE);
}

TEST(PdWireTest, GetStoreResponseCarriesStoreStatsAtThree) {
  // kvproto GetStoreResponse: store = 2 (metapb.Store: id = 1, address = 2), stats = 3
  // (StoreStats: store_id = 1, capacity = 2, available = 3, region_count = 4, used_size = 10).
  std::string golden =
      WireBuilder()
          .Message(1, Header(1))
          .Message(2, WireBuilder().Varint(1, 5).Bytes(2, "127.0.0.1:20160"))
          .Message(3,
                   WireBuilder().Varint(1, 5).Varint(2, 1000).Varint(3, 600).Varint(4, 12).Varint(
                       10, 400))
          .str();
  pdpb::GetStoreResponse resp;
  ASSERT_TRUE(resp.ParseFromString(golden));
  EXPECT_EQ(resp.store().id(), 5u);
  EXPECT_EQ(resp.store().address(), "127.0.0.1:20160");
  EXPECT_EQ(resp.stats().store_id(), 5u);
  EXPECT_EQ(resp.stats().capacity(), 1000u);
  EXPECT_EQ(resp.stats().available(), 600u);
  EXPECT_EQ(resp.stats().region_count(), 12u);
  EXPECT_EQ(resp.stats().used_size(), 400u);
  EXPECT_FALSE(resp.has_info());
  EXPECT_EQ(resp.SerializeAsString(), golden);
}

TEST(PdWireTest, RegionHeartbeatRequestAndScanRegionsRegion) {
  // kvproto RegionHeartbeatRequest: region = 2 (metapb.Region: id = 1, start_key = 2,
  // end_key = 3, peers = 5), leader = 3, down_peers = 4 (PeerStats: peer = 1,
  // down_seconds = 2), pending_peers = 5, approximate_size = 10, approximate_keys = 13.
  std::string golden = WireBuilder()
                           .Message(1, WireBuilder().Varint(1, 3))
                           .Message(2, WireBuilder()
                                           .Varint(1, 8)
                                           .Bytes(2, "a")
                                           .Bytes(3, "b")
                                           .Message(5, Peer(9, 1))
                                           .Message(5, Peer(10, 2)))
                           .Message(3, Peer(9, 1))
                           .Message(4, WireBuilder().Message(1, Peer(10, 2)).Varint(2, 30))
                           .Message(5, Peer(11, 3))
                           .Varint(10, 96 << 20)
                           .Varint(13, 5000)
                           .str();
  pdpb::RegionHeartbeatRequest req;
  ASSERT_TRUE(req.ParseFromString(golden));
  EXPECT_EQ(req.header().cluster_id(), 3u);
  EXPECT_EQ(req.region().id(), 8u);
  ASSERT_EQ(req.region().peers_size(), 2);
  EXPECT_EQ(req.region().peers(1).store_id(), 2u);
  EXPECT_EQ(req.leader().id(), 9u);
  ASSERT_EQ(req.down_peers_size(), 1);
  EXPECT_EQ(req.down_peers(0).peer().id(), 10u);
  EXPECT_EQ(req.down_peers(0).down_seconds(), 30u);
  ASSERT_EQ(req.pending_peers_size(), 1);
  EXPECT_EQ(req.pending_peers(0).id(), 11u);
  EXPECT_EQ(req.approximate_size(), 96u << 20);
  EXPECT_EQ(req.approximate_keys(), 5000u);

  // kvproto pdpb.Region (in ScanRegionsResponse.regions = 4): region = 1, leader = 2,
  // down_peers = 3, pending_peers = 4.
  std::string scan = WireBuilder()
                         .Message(1, Header(3))
                         .Message(4, WireBuilder()
                                         .Message(1, WireBuilder().Varint(1, 8))
                                         .Message(2, Peer(9, 1))
                                         .Message(3, WireBuilder().Message(1, Peer(10, 2)))
                                         .Message(4, Peer(11, 3)))
                         .str();
  pdpb::ScanRegionsResponse resp;
  ASSERT_TRUE(resp.ParseFromString(scan));
  ASSERT_EQ(resp.regions_size(), 1);
  const auto& r = resp.regions(0);
  EXPECT_EQ(r.region().id(), 8u);
  EXPECT_EQ(r.leader().id(), 9u);
  ASSERT_EQ(r.down_peers_size(), 1);
  EXPECT_EQ(r.down_peers(0).peer().id(), 10u);
  ASSERT_EQ(r.pending_peers_size(), 1);
  EXPECT_EQ(r.pending_peers(0).id(), 11u);
  EXPECT_EQ(r.approximate_size(), 0u);
  EXPECT_EQ(resp.SerializeAsString(), scan);
}

TEST(PdWireTest, RegionHeartbeatResponseCommands) {
  // kvproto RegionHeartbeatResponse: change_peer = 2 (peer = 1, change_type = 2; AddLearnerNode
  // = 2), transfer_leader = 3 (peer = 1), region_id = 4, region_epoch = 5 (conf_ver = 1,
  // version = 2), target_peer = 6.
  std::string golden = WireBuilder()
                           .Message(1, Header(3))
                           .Message(2, WireBuilder().Message(1, Peer(12, 4)).Varint(2, 2))
                           .Varint(4, 8)
                           .Message(5, WireBuilder().Varint(1, 2).Varint(2, 3))
                           .Message(6, Peer(9, 1))
                           .str();
  pdpb::RegionHeartbeatResponse resp;
  ASSERT_TRUE(resp.ParseFromString(golden));
  EXPECT_EQ(resp.change_peer().peer().id(), 12u);
  EXPECT_EQ(resp.change_peer().change_type(), eraftpb::AddLearnerNode);
  EXPECT_FALSE(resp.has_transfer_leader());
  EXPECT_EQ(resp.region_id(), 8u);
  EXPECT_EQ(resp.region_epoch().conf_ver(), 2u);
  EXPECT_EQ(resp.region_epoch().version(), 3u);
  EXPECT_EQ(resp.target_peer().id(), 9u);
  EXPECT_EQ(resp.SerializeAsString(), golden);
}

TEST(PdWireTest, ServiceSafePointAndErrorTypes) {
  // kvproto UpdateServiceGCSafePointRequest: service_id = 2, TTL = 3, safe_point = 4.
  std::string golden = WireBuilder()
                           .Message(1, WireBuilder().Varint(1, 3))
                           .Bytes(2, "br")
                           .Varint(3, 300)
                           .Varint(4, 4242)
                           .str();
  pdpb::UpdateServiceGCSafePointRequest req;
  ASSERT_TRUE(req.ParseFromString(golden));
  EXPECT_EQ(req.service_id(), "br");
  EXPECT_EQ(req.ttl(), 300);
  EXPECT_EQ(req.safe_point(), 4242u);

  // kvproto ErrorType: NOT_BOOTSTRAPPED = 2, REGION_NOT_FOUND = 6, and 7 / 8 are
  // GLOBAL_CONFIG_NOT_FOUND / DUPLICATED_ENTRY, which we must not read as anything of ours.
  EXPECT_EQ(pdpb::NOT_BOOTSTRAPPED, 2);
  EXPECT_EQ(pdpb::REGION_NOT_FOUND, 6);
  EXPECT_EQ(pdpb::INVALID_VALUE, 10);
  EXPECT_FALSE(pdpb::ErrorType_IsValid(7));
  EXPECT_FALSE(pdpb::ErrorType_IsValid(8));
}

}  // namespace
}  // namespace brkv::wire
