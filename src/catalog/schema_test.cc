#include "catalog/schema.h"

#include <gtest/gtest.h>

#include "catalog/column_spec.h"

namespace brkv::catalog {
namespace {

// The DBInfo / TableInfo pair of BR's public mock PITR data (pingcap/tidb,
// writeFullBackupMeta): TiDB's exact JSON for db 2 "test" and table 110 "t1" (one int column).
constexpr std::string_view kMockDB =
    R"({"id":2,"db_name":{"O":"test","L":"test"},"charset":"utf8mb4","collate":"utf8mb4_bin",)"
    R"("Deprecated":{},"state":5,"policy_ref_info":null})";
constexpr std::string_view kMockTable =
    R"({"id":110,"name":{"O":"t1","L":"t1"},"charset":"utf8mb4","collate":"utf8mb4_bin",)"
    R"("cols":[{"id":1,"name":{"O":"id","L":"id"},"offset":0,"origin_default":null,)"
    R"("origin_default_bit":null,"default":null,"default_bit":null,"default_is_expr":false,)"
    R"("generated_expr_string":"","generated_stored":false,"dependences":null,)"
    R"("type":{"Tp":3,"Flag":0,"Flen":11,"Decimal":0,"Charset":"binary","Collate":"binary",)"
    R"("Elems":null,"ElemsIsBinaryLit":null,"Array":false},"state":5,"comment":"",)"
    R"("hidden":false,"change_state_info":null,"version":2}],"index_info":[],)"
    R"("constraint_info":null,"fk_info":null,"state":5,"pk_is_handle":false,)"
    R"("is_common_handle":false,"common_handle_version":0,"comment":"","auto_inc_id":30001,)"
    R"("auto_id_cache":0,"auto_rand_id":0,"max_col_id":1,"max_idx_id":0,"max_fk_id":0,)"
    R"("max_cst_id":0,"update_timestamp":459177310191091722,"ShardRowIDBits":0,)"
    R"("max_shard_row_id_bits":0,"auto_random_bits":0,"auto_random_range_bits":0,)"
    R"("pre_split_regions":0,"partition":null,"compression":"","view":null,"sequence":null,)"
    R"("Lock":null,"version":5,"tiflash_replica":null,"is_columnar":false,"temp_table_type":0,)"
    R"("cache_table_status":0,"policy_ref_info":null,"stats_options":null,)"
    R"("exchange_partition_info":null,"ttl_info":null,"revision":1})";

TEST(Schema, ParsesBrMockDB) {
  auto db = ParseDBInfo(kMockDB);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(db->id, 2);
  EXPECT_EQ(db->name, (CIStr{"test", "test"}));
  EXPECT_EQ(db->charset, "utf8mb4");
  EXPECT_EQ(db->collate, "utf8mb4_bin");
  EXPECT_EQ(db->state, kStatePublic);
  // Byte-identical re-serialisation.
  EXPECT_EQ(ToJson(*db), kMockDB);
}

TEST(Schema, ParsesBrMockTable) {
  auto t = ParseTableInfo(kMockTable);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->id, 110);
  EXPECT_EQ(t->name.O, "t1");
  EXPECT_EQ(t->state, 5);
  EXPECT_FALSE(t->pk_is_handle);
  EXPECT_EQ(t->auto_inc_id, 30001);
  EXPECT_EQ(t->max_col_id, 1);
  EXPECT_EQ(t->update_timestamp, 459177310191091722u);
  EXPECT_EQ(t->version, 5);
  EXPECT_EQ(t->revision, 1u);
  ASSERT_EQ(t->columns.size(), 1u);
  const ColumnInfo& c = t->columns[0];
  EXPECT_EQ(c.id, 1);
  EXPECT_EQ(c.name.L, "id");
  EXPECT_EQ(c.type.tp, mysql::kTypeLong);
  EXPECT_EQ(c.type.flen, 11);
  EXPECT_EQ(c.type.charset, "binary");
  EXPECT_EQ(c.version, 2u);
  EXPECT_TRUE(t->indices.empty());
  EXPECT_EQ(ToJson(*t), kMockTable);
}

TEST(Schema, UnknownFieldsSurviveEdits) {
  Json j = Json::parse(kMockTable);
  j["future_table_field"] = {{"a", 1}, {"b", {1, 2, 3}}};
  j["cols"][0]["future_col_field"] = "x";
  j["cols"][0]["type"]["FutureTypeField"] = true;
  j["index_info"] = Json::array();
  j["index_info"].push_back(Json::parse(
      R"({"id":1,"idx_name":{"O":"k","L":"k"},"tbl_name":{"O":"t1","L":"t1"},)"
      R"("idx_cols":[{"name":{"O":"id","L":"id"},"offset":0,"length":-1,"future_ic":7}],)"
      R"("state":5,"backfill_state":0,"comment":"","index_type":1,"is_unique":true,)"
      R"("is_primary":false,"is_invisible":false,"is_global":false,"mv_index":false,)"
      R"("vector_index":null,"future_index_field":[null]})"));
  auto t = ParseTableInfo(j.dump());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->indices.size(), 1u);
  EXPECT_TRUE(t->indices[0].unique);
  EXPECT_EQ(t->indices[0].columns[0].length, kUnspecifiedLength);

  // Edit modelled fields; everything else must come back unchanged.
  t->name = CIStr::From("T2");
  t->id = 222;
  t->columns[0].comment = "edited";
  t->indices[0].name = CIStr::From("k2");
  Json out = Json::parse(ToJson(*t));
  EXPECT_EQ(out["future_table_field"], j["future_table_field"]);
  EXPECT_EQ(out["cols"][0]["future_col_field"], "x");
  EXPECT_EQ(out["cols"][0]["type"]["FutureTypeField"], true);
  EXPECT_EQ(out["index_info"][0]["future_index_field"], j["index_info"][0]["future_index_field"]);
  EXPECT_EQ(out["index_info"][0]["idx_cols"][0]["future_ic"], 7);
  EXPECT_EQ(out["index_info"][0]["idx_name"]["L"], "k2");
  EXPECT_EQ(out["name"]["O"], "T2");
  EXPECT_EQ(out["name"]["L"], "t2");
  EXPECT_EQ(out["id"], 222);
  EXPECT_EQ(out["cols"][0]["comment"], "edited");
  // Unmodelled TiDB fields keep their values and positions.
  EXPECT_EQ(out["auto_id_cache"], 0);
  std::vector<std::string> in_keys, out_keys;
  for (auto& [k, v] : j.items()) in_keys.push_back(k);
  for (auto& [k, v] : out.items()) out_keys.push_back(k);
  EXPECT_EQ(out_keys, in_keys);
}

TEST(Schema, FreshObjectsHaveTiDBShape) {
  DBInfo db = MakeDBInfo(5, "Shop");
  EXPECT_EQ(ToJson(db),
            R"({"id":5,"db_name":{"O":"Shop","L":"shop"},"charset":"utf8mb4",)"
            R"("collate":"utf8mb4_bin","Deprecated":{},"state":5,"policy_ref_info":null})");

  // Rebuild the mock table in C++: the output equals TiDB's JSON except for what we set.
  TableInfo t;
  t.id = 110;
  t.name = CIStr::From("t1");
  ColumnInfo c;
  c.id = 1;
  c.name = CIStr::From("id");
  c.type.tp = mysql::kTypeLong;
  c.type.flen = 11;
  c.type.charset = "binary";
  c.type.collate = "binary";
  t.columns.push_back(c);
  t.auto_inc_id = 30001;
  t.max_col_id = 1;
  t.update_timestamp = 459177310191091722u;
  EXPECT_EQ(ToJson(t), kMockTable);

  auto back = ParseTableInfo(ToJson(t));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ToJson(*back), ToJson(t));
}

TEST(Schema, ColumnSpecTableRoundTrips) {
  auto t = ParseColumnSpec("sbtest1",
                           "id bigint primary key auto_increment, k int not null, "
                           "c varchar(120), pad char(60), note text, bin blob, score double, "
                           "index k_1(k), unique index u(c)",
                           [] { return Result<int64_t>(int64_t{42}); });
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const std::string json = ToJson(*t);
  auto back = ParseTableInfo(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), json);
  ASSERT_EQ(back->columns.size(), 7u);
  for (size_t i = 0; i < t->columns.size(); ++i) {
    EXPECT_EQ(back->columns[i].type.tp, t->columns[i].type.tp);
    EXPECT_EQ(back->columns[i].type.flag, t->columns[i].type.flag);
    EXPECT_EQ(back->columns[i].type.flen, t->columns[i].type.flen);
    EXPECT_EQ(back->columns[i].type.decimal, t->columns[i].type.decimal);
    EXPECT_EQ(back->columns[i].type.charset, t->columns[i].type.charset);
  }
  ASSERT_EQ(back->indices.size(), 2u);
  EXPECT_EQ(back->indices[1].name.O, "u");
  EXPECT_TRUE(back->indices[1].unique);
  EXPECT_TRUE(back->pk_is_handle);
  Json j = Json::parse(json);
  EXPECT_EQ(j["cols"][4]["type"]["Decimal"], 0);
  EXPECT_EQ(j["cols"][6]["type"]["Decimal"], -1);
  EXPECT_EQ(j["index_info"][0]["idx_cols"][0]["length"], -1);
  EXPECT_EQ(j["index_info"][0]["index_type"], 1);
}

TEST(Schema, Lookups) {
  auto t = ParseColumnSpec("t", "ID bigint primary key, Name varchar(10), index IdxName(Name)",
                           [] { return Result<int64_t>(int64_t{7}); });
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_NE(t->FindColumn("name"), nullptr);
  EXPECT_EQ(t->FindColumn("NAME")->offset, 1);
  EXPECT_EQ(t->FindColumn("nope"), nullptr);
  ASSERT_NE(t->FindIndex("idxname"), nullptr);
  ASSERT_NE(t->PkHandleColumn(), nullptr);
  EXPECT_EQ(t->PkHandleColumn()->name.O, "ID");
}

TEST(Schema, ParseErrors) {
  for (std::string_view bad : {std::string_view("not json"), std::string_view("[1,2]"),
                               std::string_view("\"x\""), std::string_view("")}) {
    EXPECT_EQ(ParseTableInfo(bad).status().code(), Status::Code::kCorruption) << bad;
    EXPECT_EQ(ParseDBInfo(bad).status().code(), Status::Code::kCorruption) << bad;
  }
  // Wrongly typed modelled fields.
  EXPECT_FALSE(ParseTableInfo(R"({"id":"110"})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"id":1.5})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"name":"t1"})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"cols":{}})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"cols":[1]})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"cols":[{"type":{"Tp":300}}]})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"cols":[{"type":{"Tp":-1}}]})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"pk_is_handle":1})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"update_timestamp":-1})").ok());
  EXPECT_FALSE(ParseTableInfo(R"({"index_info":[{"idx_cols":[{"offset":"0"}]}]})").ok());
  EXPECT_FALSE(ParseDBInfo(R"({"db_name":{"O":1}})").ok());
  // Missing and null fields take zero values, as Go's decoder does.
  auto t = ParseTableInfo(R"({"id":3,"name":null,"cols":null,"version":null})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->id, 3);
  EXPECT_EQ(t->version, 0);
  EXPECT_EQ(t->state, 0);
  EXPECT_TRUE(t->columns.empty());
  // Partition/view/sequence presence is noted.
  auto p = ParseTableInfo(R"({"id":3,"partition":{"type":1},"view":null})");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->has_partition);
  EXPECT_FALSE(p->is_view);
}

}  // namespace
}  // namespace brkv::catalog
