// Wire compatibility of tikvpb.Tikv with kvproto: golden bytes written field by field from
// kvproto's kvrpcpb.proto / tikvpb.proto / errorpb.proto numbers, read by our generated code;
// and the method list of kvproto's Tikv service. See docs/wire-compatibility.md.
#include <gtest/gtest.h>

#include "proto/kvrpcpb.pb.h"
#include "proto/tikvpb.pb.h"
#include "service_shape.h"
#include "wire_builder.h"

namespace brkv::wire {
namespace {

// kvproto kvrpcpb.Context: region_id = 1, region_epoch = 2 (conf_ver = 1, version = 2),
// peer = 3 (metapb.Peer: id = 1, store_id = 2).
WireBuilder Context() {
  return WireBuilder()
      .Varint(1, 6)
      .Message(2, WireBuilder().Varint(1, 1).Varint(2, 4))
      .Message(3, WireBuilder().Varint(1, 7).Varint(2, 2));
}

TEST(TikvWireTest, ServiceMatchesKvproto) {
  auto kv = [](const std::string& req, const std::string& resp) {
    return MethodShape{"kvrpcpb." + req, "kvrpcpb." + resp, false, false};
  };
  ServiceShape tikv = {
      {"KvGet", kv("GetRequest", "GetResponse")},
      {"KvScan", kv("ScanRequest", "ScanResponse")},
      {"KvPrewrite", kv("PrewriteRequest", "PrewriteResponse")},
      {"KvCheckTxnStatus", kv("CheckTxnStatusRequest", "CheckTxnStatusResponse")},
      {"KvCommit", kv("CommitRequest", "CommitResponse")},
      {"KvBatchGet", kv("BatchGetRequest", "BatchGetResponse")},
      {"KvBatchRollback", kv("BatchRollbackRequest", "BatchRollbackResponse")},
      {"KvScanLock", kv("ScanLockRequest", "ScanLockResponse")},
      {"KvResolveLock", kv("ResolveLockRequest", "ResolveLockResponse")},
      {"RawGet", kv("RawGetRequest", "RawGetResponse")},
      {"RawPut", kv("RawPutRequest", "RawPutResponse")},
      {"RawBatchPut", kv("RawBatchPutRequest", "RawBatchPutResponse")},
      {"RawDelete", kv("RawDeleteRequest", "RawDeleteResponse")},
      {"RawScan", kv("RawScanRequest", "RawScanResponse")},
      {"Raft", {"raft_serverpb.RaftMessage", "raft_serverpb.Done", true, false}},
      {"BatchRaft", {"tikvpb.BatchRaftMessage", "raft_serverpb.Done", true, false}},
      {"Snapshot", {"raft_serverpb.SnapshotChunk", "raft_serverpb.Done", true, false}},
      {"SplitRegion", kv("SplitRegionRequest", "SplitRegionResponse")},
  };
  ExpectServiceMatches("tikvpb.Tikv", tikv);
}

TEST(TikvWireTest, GetRequestAndResponse) {
  // kvproto GetRequest: context = 1, key = 2, version = 3.
  std::string req_bytes = WireBuilder().Message(1, Context()).Bytes(2, "k1").Varint(3, 99).str();
  kvrpcpb::GetRequest req;
  ASSERT_TRUE(req.ParseFromString(req_bytes));
  EXPECT_EQ(req.context().region_id(), 6u);
  EXPECT_EQ(req.context().region_epoch().version(), 4u);
  EXPECT_EQ(req.context().peer().store_id(), 2u);
  EXPECT_EQ(req.key(), "k1");
  EXPECT_EQ(req.version(), 99u);
  EXPECT_EQ(req.SerializeAsString(), req_bytes);

  // kvproto GetResponse: region_error = 1 (errorpb.Error: message = 1, not_leader = 2
  // (region_id = 1, leader = 2)), error = 2 (KeyError: locked = 1 (LockInfo: primary_lock = 1,
  // lock_version = 2, key = 3, lock_ttl = 4)), value = 3, not_found = 4.
  std::string not_leader =
      WireBuilder()
          .Message(
              1, WireBuilder()
                     .Bytes(1, "not leader")
                     .Message(2, WireBuilder().Varint(1, 6).Message(2, WireBuilder().Varint(1, 8))))
          .str();
  kvrpcpb::GetResponse resp;
  ASSERT_TRUE(resp.ParseFromString(not_leader));
  EXPECT_EQ(resp.region_error().message(), "not leader");
  EXPECT_EQ(resp.region_error().not_leader().region_id(), 6u);
  EXPECT_EQ(resp.region_error().not_leader().leader().id(), 8u);

  std::string locked =
      WireBuilder()
          .Message(2,
                   WireBuilder().Message(
                       1, WireBuilder().Bytes(1, "p").Varint(2, 50).Bytes(3, "k1").Varint(4, 3000)))
          .Varint(4, 1)
          .str();
  ASSERT_TRUE(resp.ParseFromString(locked));
  EXPECT_EQ(resp.error().locked().primary_lock(), "p");
  EXPECT_EQ(resp.error().locked().lock_version(), 50u);
  EXPECT_EQ(resp.error().locked().key(), "k1");
  EXPECT_EQ(resp.error().locked().lock_ttl(), 3000u);
  EXPECT_TRUE(resp.not_found());
}

TEST(TikvWireTest, BatchGetResponseKeyErrorIsFieldFive) {
  // kvproto BatchGetResponse: pairs = 2 (KvPair: key = 2, value = 3), 3 reserved,
  // exec_details_v2 = 4 (not ours: skipped as unknown), error = 5 (KeyError: abort = 3).
  std::string golden = WireBuilder()
                           .Message(2, WireBuilder().Bytes(2, "a").Bytes(3, "1"))
                           .Message(4, WireBuilder().Varint(1, 1))
                           .Message(5, WireBuilder().Bytes(3, "txn aborted"))
                           .str();
  kvrpcpb::BatchGetResponse resp;
  ASSERT_TRUE(resp.ParseFromString(golden));
  ASSERT_EQ(resp.pairs_size(), 1);
  EXPECT_EQ(resp.pairs(0).key(), "a");
  EXPECT_EQ(resp.pairs(0).value(), "1");
  EXPECT_EQ(resp.error().abort(), "txn aborted");
}

TEST(TikvWireTest, PrewriteAndSplitRegion) {
  // kvproto PrewriteRequest: context = 1, mutations = 2 (Mutation: op = 1 (Put = 0, Del = 1),
  // key = 2, value = 3), primary_lock = 3, start_version = 4, lock_ttl = 5.
  std::string golden = WireBuilder()
                           .Message(1, Context())
                           .Message(2, WireBuilder().Bytes(2, "k1").Bytes(3, "v1"))
                           .Message(2, WireBuilder().Varint(1, 1).Bytes(2, "k2"))
                           .Bytes(3, "k1")
                           .Varint(4, 100)
                           .Varint(5, 3000)
                           .str();
  kvrpcpb::PrewriteRequest req;
  ASSERT_TRUE(req.ParseFromString(golden));
  ASSERT_EQ(req.mutations_size(), 2);
  EXPECT_EQ(req.mutations(0).op(), kvrpcpb::Put);
  EXPECT_EQ(req.mutations(0).value(), "v1");
  EXPECT_EQ(req.mutations(1).op(), kvrpcpb::Del);
  EXPECT_EQ(req.mutations(1).key(), "k2");
  EXPECT_EQ(req.primary_lock(), "k1");
  EXPECT_EQ(req.start_version(), 100u);
  EXPECT_EQ(req.lock_ttl(), 3000u);
  EXPECT_EQ(req.SerializeAsString(), golden);

  // kvproto SplitRegionRequest: split_keys = 3; SplitRegionResponse: regions = 4
  // (metapb.Region: id = 1, start_key = 2, end_key = 3).
  std::string split = WireBuilder().Message(1, Context()).Bytes(3, "m").Bytes(3, "t").str();
  kvrpcpb::SplitRegionRequest sreq;
  ASSERT_TRUE(sreq.ParseFromString(split));
  ASSERT_EQ(sreq.split_keys_size(), 2);
  EXPECT_EQ(sreq.split_keys(1), "t");
  std::string split_resp = WireBuilder()
                               .Message(4, WireBuilder().Varint(1, 6).Bytes(3, "m"))
                               .Message(4, WireBuilder().Varint(1, 9).Bytes(2, "m"))
                               .str();
  kvrpcpb::SplitRegionResponse sresp;
  ASSERT_TRUE(sresp.ParseFromString(split_resp));
  ASSERT_EQ(sresp.regions_size(), 2);
  EXPECT_EQ(sresp.regions(1).id(), 9u);
  EXPECT_EQ(sresp.regions(1).start_key(), "m");
  EXPECT_TRUE(sresp.error().empty());
}

TEST(TikvWireTest, BatchRaftMessage) {
  // kvproto tikvpb.BatchRaftMessage: msgs = 1 (raft_serverpb.RaftMessage: region_id = 1,
  // from_peer = 2, to_peer = 3, message = 4 (eraftpb.Message: msg_type = 1 (MsgAppend = 3),
  // to = 2, from = 3, term = 4, commit = 8)), last_observed_time = 13.
  std::string golden =
      WireBuilder()
          .Message(
              1,
              WireBuilder()
                  .Varint(1, 6)
                  .Message(2, WireBuilder().Varint(1, 7).Varint(2, 1))
                  .Message(3, WireBuilder().Varint(1, 8).Varint(2, 2))
                  .Message(4,
                           WireBuilder().Varint(1, 3).Varint(2, 8).Varint(3, 7).Varint(4, 5).Varint(
                               8, 20)))
          .Varint(13, 123456)
          .str();
  tikvpb::BatchRaftMessage batch;
  ASSERT_TRUE(batch.ParseFromString(golden));
  ASSERT_EQ(batch.msgs_size(), 1);
  const auto& m = batch.msgs(0);
  EXPECT_EQ(m.region_id(), 6u);
  EXPECT_EQ(m.to_peer().store_id(), 2u);
  EXPECT_EQ(m.message().msg_type(), eraftpb::MsgAppend);
  EXPECT_EQ(m.message().term(), 5u);
  EXPECT_EQ(m.message().commit(), 20u);
  EXPECT_EQ(batch.last_observed_time(), 123456u);
  EXPECT_EQ(batch.SerializeAsString(), golden);
}

TEST(TikvWireTest, SnapshotChunkAndSnapshotMeta) {
  // kvproto raft_serverpb.SnapshotChunk: message = 1, data = 2. RaftSnapshotData: region = 1,
  // file_size = 2, version = 4, meta = 5 (SnapshotMeta: cf_files = 1 (SnapshotCFFile: cf = 1,
  // size = 2, checksum = 3), for_balance = 2, start = 4).
  std::string payload =
      WireBuilder()
          .Message(1, WireBuilder().Varint(1, 6))
          .Varint(2, 300)
          .Varint(4, 1)
          .Message(5, WireBuilder()
                          .Message(1, WireBuilder().Bytes(1, "default").Varint(2, 300).Varint(
                                          3, 0xdeadbeef))
                          .Varint(2, 1)
                          .Varint(4, 1700000000))
          .str();
  raft_serverpb::RaftSnapshotData data;
  ASSERT_TRUE(data.ParseFromString(payload));
  EXPECT_EQ(data.region().id(), 6u);
  EXPECT_EQ(data.file_size(), 300u);
  ASSERT_EQ(data.meta().cf_files_size(), 1);
  EXPECT_EQ(data.meta().cf_files(0).cf(), "default");
  EXPECT_EQ(data.meta().cf_files(0).size(), 300u);
  EXPECT_EQ(data.meta().cf_files(0).checksum(), 0xdeadbeefu);
  EXPECT_TRUE(data.meta().for_balance());
  EXPECT_EQ(data.meta().start(), 1700000000u);
  EXPECT_EQ(data.SerializeAsString(), payload);

  std::string golden =
      WireBuilder().Message(1, WireBuilder().Varint(1, 6)).Bytes(2, "sst bytes").str();
  raft_serverpb::SnapshotChunk chunk;
  ASSERT_TRUE(chunk.ParseFromString(golden));
  EXPECT_EQ(chunk.message().region_id(), 6u);
  EXPECT_EQ(chunk.data(), "sst bytes");
  EXPECT_EQ(chunk.SerializeAsString(), golden);
}

}  // namespace
}  // namespace brkv::wire
