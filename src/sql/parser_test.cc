#include "sql/parser.h"

#include <gtest/gtest.h>

#include "sql/eval.h"

namespace brkv::sql {
namespace {

using catalog::Datum;

std::vector<ParsedStatement> MustParse(std::string_view q) {
  SqlResult<std::vector<ParsedStatement>> r = Parse(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.error().ToString();
  return r.ok() ? std::move(r).value() : std::vector<ParsedStatement>{};
}

template <typename T>
T& As(ParsedStatement& p) {
  EXPECT_TRUE(std::holds_alternative<T>(p.stmt));
  return std::get<T>(p.stmt);
}

Datum EvalConst(std::string_view text) {
  SqlResult<ExprPtr> e = ParseExpression(text);
  EXPECT_TRUE(e.ok()) << text << ": " << e.error().ToString();
  if (!e.ok()) return Datum();
  SqlResult<Datum> v = Eval(**e, EvalEnv{});
  EXPECT_TRUE(v.ok()) << text << ": " << v.error().ToString();
  return v.ok() ? *v : Datum();
}

TEST(ParserTest, SysbenchStatements) {
  auto p = MustParse(
      "CREATE TABLE sbtest1(\n id INTEGER NOT NULL AUTO_INCREMENT,\n"
      " k INTEGER DEFAULT '0' NOT NULL,\n c CHAR(120) DEFAULT '' NOT NULL,\n"
      " pad CHAR(60) DEFAULT '' NOT NULL,\n PRIMARY KEY (id)\n) /*! ENGINE = innodb */ ");
  ASSERT_EQ(p.size(), 1u);
  auto& ct = As<CreateTableStmt>(p[0]);
  EXPECT_EQ(ct.table.name, "sbtest1");
  ASSERT_EQ(ct.columns.size(), 4u);
  EXPECT_TRUE(ct.columns[0].auto_increment);
  EXPECT_TRUE(ct.columns[1].has_default);
  EXPECT_EQ(ct.columns[1].default_value, Datum::Bytes("0"));
  EXPECT_EQ(ct.columns[2].length, 120);
  ASSERT_EQ(ct.indexes.size(), 1u);
  EXPECT_TRUE(ct.indexes[0].primary);

  p = MustParse("INSERT INTO sbtest1(k, c, pad) VALUES(5, 'a', 'b'),(6,'c','d')");
  auto& ins = As<InsertStmt>(p[0]);
  EXPECT_EQ(ins.columns, (std::vector<std::string>{"k", "c", "pad"}));
  EXPECT_EQ(ins.rows.size(), 2u);

  p = MustParse("SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 1 AND 100 ORDER BY c");
  auto& sel = As<SelectStmt>(p[0]);
  EXPECT_TRUE(sel.distinct);
  EXPECT_EQ(sel.where->kind, Expr::Kind::kBetween);
  EXPECT_EQ(sel.order_by.size(), 1u);

  p = MustParse("UPDATE sbtest1 SET k=k+1 WHERE id=?");
  auto& up = As<UpdateStmt>(p[0]);
  EXPECT_EQ(up.sets[0].first, "k");
  EXPECT_EQ(p[0].param_count, 1);

  p = MustParse("DELETE FROM sbtest1 WHERE id=5; SELECT SUM(k) FROM sbtest1");
  ASSERT_EQ(p.size(), 2u);
  As<DeleteStmt>(p[0]);
  auto& sum = As<SelectStmt>(p[1]);
  EXPECT_EQ(sum.items[0].alias, "SUM(k)");
}

TEST(ParserTest, ClientConnectQueries) {
  auto p = MustParse("select @@version_comment limit 1");
  auto& s = As<SelectStmt>(p[0]);
  EXPECT_EQ(s.items[0].alias, "@@version_comment");
  ASSERT_NE(s.limit, nullptr);

  p = MustParse("SELECT DATABASE(), USER() limit 1");
  EXPECT_EQ(As<SelectStmt>(p[0]).items[1].alias, "USER()");

  p = MustParse("SET NAMES utf8mb4 COLLATE utf8mb4_bin");
  EXPECT_EQ(As<SetStmt>(p[0]).assigns.size(), 3u);
  p = MustParse("/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */");
  auto& set = As<SetStmt>(p[0]);
  EXPECT_EQ(set.assigns[0].scope, SetStmt::Assign::Scope::kUser);
  EXPECT_EQ(set.assigns[0].name, "old_character_set_client");
  p = MustParse("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  As<NoopStmt>(p[0]);
  p = MustParse("SET autocommit = ON, sql_mode = 'NO_AUTO_VALUE_ON_ZERO'");
  EXPECT_EQ(As<SetStmt>(p[0]).assigns.size(), 2u);
  p = MustParse("START TRANSACTION /*!40100 WITH CONSISTENT SNAPSHOT */");
  EXPECT_EQ(As<TxnStmt>(p[0]).op, TxnStmt::Op::kBegin);
  p = MustParse("SHOW FULL TABLES FROM db LIKE 'sb%'");
  auto& show = As<ShowStmt>(p[0]);
  EXPECT_EQ(show.kind, ShowStmt::Kind::kTables);
  EXPECT_TRUE(show.full);
  EXPECT_EQ(show.db, "db");
  EXPECT_EQ(*show.like, "sb%");
  p = MustParse("LOCK TABLES `t1` READ /*!32311 LOCAL */,`t2` READ /*!32311 LOCAL */");
  As<NoopStmt>(p[0]);
  p = MustParse("-- only a comment");
  As<NoopStmt>(p[0]);
}

TEST(ParserTest, ShowCreateTableRoundTrip) {
  auto p = MustParse(
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
      "  `name` varchar(20) DEFAULT NULL COMMENT 'who',\n"
      "  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */,\n  KEY `k_1` (`name`)\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin AUTO_INCREMENT=7");
  auto& ct = As<CreateTableStmt>(p[0]);
  EXPECT_EQ(ct.auto_increment, 7);
  EXPECT_EQ(ct.columns[1].comment, "who");
  ASSERT_EQ(ct.indexes.size(), 2u);
  EXPECT_EQ(ct.indexes[1].name, "k_1");
}

TEST(ParserTest, BrieStatements) {
  auto p = MustParse(
      "BACKUP DATABASE * TO 'local:///tmp/b' RATE_LIMIT = 120 MB/SECOND CONCURRENCY 8 "
      "CHECKSUM = FALSE SNAPSHOT = 36 MINUTE AGO; "
      "BACKUP SCHEMA a, `b` TO 's3://bk/p?access-key=x' LAST_BACKUP = 431434047157698561 "
      "SEND_CREDENTIALS_TO_TIKV = 0 COMPRESSION_TYPE = 'lz4'; "
      "backup table t, d.u to 'local:///x' snapshot = '2026-01-01 10:00:00'; "
      "RESTORE TABLE d.t FROM 'local:///x' CHECKSUM 1 CONCURRENCY = 2; "
      "SHOW BACKUPS LIKE 'local%'; SHOW RESTORES WHERE State = 'Wait'");
  ASSERT_EQ(p.size(), 6u);
  auto& all = As<BrieStmt>(p[0]);
  EXPECT_EQ(all.kind, BrieStmt::Kind::kBackup);
  EXPECT_TRUE(all.all);
  EXPECT_EQ(all.url, "local:///tmp/b");
  EXPECT_EQ(all.rate_limit_mib, 120u);
  EXPECT_EQ(all.concurrency, 8u);
  EXPECT_EQ(all.checksum, false);
  EXPECT_EQ(all.snapshot_ago_us, int64_t{36} * 60 * 1000000);
  EXPECT_FALSE(all.snapshot.has_value());
  auto& dbs = As<BrieStmt>(p[1]);
  EXPECT_EQ(dbs.databases, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(dbs.last_backup, "431434047157698561");
  EXPECT_EQ(dbs.send_credentials, false);
  EXPECT_EQ(dbs.compression_type, "lz4");
  auto& tables = As<BrieStmt>(p[2]);
  ASSERT_TRUE(tables.tables);
  ASSERT_EQ(tables.table_names.size(), 2u);
  EXPECT_EQ(tables.table_names[0].db, "");
  EXPECT_EQ(tables.table_names[1].db, "d");
  EXPECT_EQ(tables.snapshot, "2026-01-01 10:00:00");
  auto& restore = As<BrieStmt>(p[3]);
  EXPECT_EQ(restore.kind, BrieStmt::Kind::kRestore);
  EXPECT_EQ(restore.checksum, true);
  EXPECT_EQ(restore.concurrency, 2u);
  EXPECT_EQ(As<ShowStmt>(p[4]).kind, ShowStmt::Kind::kBackups);
  EXPECT_EQ(As<ShowStmt>(p[4]).like, "local%");
  EXPECT_EQ(As<ShowStmt>(p[5]).kind, ShowStmt::Kind::kRestores);
  EXPECT_NE(As<ShowStmt>(p[5]).where, nullptr);

  auto check = [](std::string_view q, uint16_t code) {
    SqlResult<std::vector<ParsedStatement>> r = Parse(q);
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_EQ(r.error().code(), code) << q << ": " << r.error().ToString();
  };
  // Unknown option, option given twice, bad values, missing URL: syntax errors.
  check("BACKUP DATABASE d TO 'local:///x' FOO = 1", er::kParse);
  check("BACKUP DATABASE d TO 'local:///x' CONCURRENCY 2 CONCURRENCY 3", er::kParse);
  check("BACKUP DATABASE d TO 'local:///x' CONCURRENCY = 0", er::kParse);
  check("BACKUP DATABASE d TO 'local:///x' RATE_LIMIT = 10", er::kParse);
  check("BACKUP DATABASE d TO 'local:///x' CHECKSUM = maybe", er::kParse);
  check("BACKUP DATABASE d TO local", er::kParse);
  check("BACKUP DATABASE d FROM 'local:///x'", er::kParse);
  check("RESTORE DATABASE d TO 'local:///x'", er::kParse);
  check("BACKUP LOGS TO 'local:///x'", er::kParse);
  // TiDB's options this server does not implement, and backup-only options on RESTORE: 1235.
  check("BACKUP DATABASE d TO 'local:///x' IGNORE_STATS = 1", er::kNotSupportedYet);
  check("RESTORE DATABASE d FROM 'local:///x' WAIT_TIFLASH_READY = TRUE", er::kNotSupportedYet);
  check("RESTORE DATABASE d FROM 'local:///x' SNAPSHOT = 1", er::kNotSupportedYet);
}

TEST(ParserTest, Errors) {
  auto check = [](std::string_view q, uint16_t code) {
    SqlResult<std::vector<ParsedStatement>> r = Parse(q);
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_EQ(r.error().code(), code) << q << ": " << r.error().ToString();
  };
  check("SELEC 1", er::kParse);
  check("SELECT * FROM", er::kParse);
  check("SELECT 1 +", er::kParse);
  check("", er::kEmptyQuery);
  check("   ", er::kEmptyQuery);
  check("SELECT a FROM t1 JOIN t2", er::kNotSupportedYet);
  check("SELECT a FROM t WHERE a IN (SELECT 1)", er::kNotSupportedYet);
  SqlResult<std::vector<ParsedStatement>> r = Parse("SELECT 1;\nSELECT * FROMM t");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("line 2 column 9"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("near \"FROMM t\""), std::string::npos) << r.error().message();
  // Recognised but outside the subset: parsed, answered with 1235 by the executor.
  auto p = MustParse("RENAME TABLE t TO u");
  EXPECT_EQ(As<UnsupportedStmt>(p[0]).what, "RENAME");
  p = MustParse("CREATE UNIQUE INDEX k_1 ON sbtest1(k, c(10))");
  auto& ci = As<CreateIndexStmt>(p[0]);
  EXPECT_TRUE(ci.index.unique);
  EXPECT_EQ(ci.index.name, "k_1");
  ASSERT_EQ(ci.index.columns.size(), 2u);
  EXPECT_EQ(ci.index.columns[1].second, 10);
  p = MustParse("ALTER TABLE t ADD INDEX (v)");
  EXPECT_EQ(As<CreateIndexStmt>(p[0]).index.name, "v");
  p = MustParse("ADMIN CHECKSUM TABLE a, db.b");
  EXPECT_EQ(As<AdminStmt>(p[0]).tables.size(), 2u);
  p = MustParse("TRUNCATE t");
  EXPECT_EQ(As<TruncateStmt>(p[0]).table.name, "t");
}

TEST(ParserTest, ExpressionPrecedenceAndEvaluation) {
  EXPECT_EQ(EvalConst("1 + 2 * 3"), Datum::Int(7));
  EXPECT_EQ(EvalConst("(1 + 2) * 3"), Datum::Int(9));
  EXPECT_EQ(EvalConst("-5 + 2"), Datum::Int(-3));
  EXPECT_EQ(EvalConst("7 DIV 2"), Datum::Int(3));
  EXPECT_EQ(EvalConst("7 % 4"), Datum::Int(3));
  EXPECT_EQ(EvalConst("1 / 4"), Datum::Double(0.25));
  EXPECT_EQ(EvalConst("1 = 1 AND 2 > 1 OR 0"), Datum::Int(1));
  EXPECT_EQ(EvalConst("NOT 1 = 2"), Datum::Int(1));
  EXPECT_EQ(EvalConst("NULL = NULL"), Datum());
  EXPECT_EQ(EvalConst("NULL <=> NULL"), Datum::Int(1));
  EXPECT_EQ(EvalConst("NULL AND 0"), Datum::Int(0));
  EXPECT_EQ(EvalConst("NULL OR 1"), Datum::Int(1));
  EXPECT_EQ(EvalConst("3 IN (1, 2, 3)"), Datum::Int(1));
  EXPECT_EQ(EvalConst("3 NOT IN (1, NULL)"), Datum());
  EXPECT_EQ(EvalConst("5 BETWEEN 1 AND 5"), Datum::Int(1));
  EXPECT_EQ(EvalConst("'abc' LIKE 'a%'"), Datum::Int(1));
  EXPECT_EQ(EvalConst("'abc' LIKE 'a_d'"), Datum::Int(0));
  EXPECT_EQ(EvalConst("'a%c' LIKE 'a\\%c'"), Datum::Int(1));
  EXPECT_EQ(EvalConst("'abd' LIKE 'a\\%c'"), Datum::Int(0));
  EXPECT_EQ(EvalConst("NULL IS NULL"), Datum::Int(1));
  EXPECT_EQ(EvalConst("1 IS NOT NULL"), Datum::Int(1));
  EXPECT_EQ(EvalConst("'10' = 10"), Datum::Int(1));
  EXPECT_EQ(EvalConst("'b' > 'a'"), Datum::Int(1));
  EXPECT_EQ(EvalConst("CONCAT('a', 1, 'b')"), Datum::Bytes("a1b"));
  EXPECT_EQ(EvalConst("IFNULL(NULL, 3)"), Datum::Int(3));
  EXPECT_EQ(EvalConst("-9223372036854775808"), Datum::Int(INT64_MIN));
  SqlResult<ExprPtr> e = ParseExpression("9223372036854775807 + 1");
  ASSERT_TRUE(e.ok());
  SqlResult<Datum> v = Eval(**e, EvalEnv{});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), 1690);
}

}  // namespace
}  // namespace brkv::sql
