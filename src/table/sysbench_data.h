// The rows of sysbench's oltp tables (oltp_common.lua), generated deterministically: row
// `id` of table `table_no` depends only on (seed, table_no, id, rows), never on the order or
// the thread that generates it, so two loads with the same seed hold identical data (and
// checksums).
//
//   CREATE TABLE sbtestN (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL, c CHAR(120) NOT NULL,
//                         pad CHAR(60) NOT NULL, PRIMARY KEY (id), INDEX k_1 (k))
//   k    uniform random in [1, rows]
//   c    10 groups of 11 random digits joined by '-' (sysbench's c_value_template, 119 chars)
//   pad  5 groups of 11 random digits joined by '-' (pad_value_template, 59 chars)
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/datum.h"

namespace brkv::table {

// The kvctl column spec of a sysbench table.
inline constexpr const char* kSysbenchTableSpec =
    "id int not null auto_increment, k int not null, c char(120) not null, "
    "pad char(60) not null, primary key (id), index k_1 (k)";

// "sbtest{table_no}".
std::string SysbenchTableName(int table_no);

// A small, fast, seedable generator (SplitMix64).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Uniform(int64_t lo, int64_t hi);

 private:
  uint64_t state_;
};

// `groups` groups of 11 random digits joined by '-'.
std::string SysbenchDigits(SplitMix64* rng, int groups);

// Row `id` (1-based) of table `table_no`: {id, k, c, pad}.
std::vector<catalog::Datum> SysbenchRow(uint64_t seed, int table_no, int64_t id, int64_t rows);

}  // namespace brkv::table
