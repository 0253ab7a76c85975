// Pre-splitting and scattering a table's key space before data arrives, so that loading is
// spread over every store from the first row (BR restore and TiDB's SPLIT TABLE do the same).
//
// Split points are raw TiDB keys (record keys at chosen handles, index keys at chosen int
// values, and the bounds of the table's ranges). Scattering asks PD to move the new, still
// empty regions; PD moves each one away from its current store to the least loaded other
// store, so a table's regions are balanced by scattering only the excess of each store, over
// a few rounds, until every serving store leads its share (floor(regions / stores)).
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/tablecodec.h"
#include "client/cluster.h"
#include "common/status.h"

namespace brkv::table {

// `pieces - 1` record keys of table_id at handles evenly spaced in [lo, hi] (none if
// pieces < 2 or the interval is too small).
std::vector<std::string> HandleSplitKeys(int64_t table_id, int64_t lo, int64_t hi, int pieces);
// `pieces - 1` entries of an index on one integer column at values evenly spaced in [lo, hi]
// (the prefix of every entry with that value).
std::vector<std::string> IntIndexSplitKeys(int64_t table_id, int64_t index_id, int64_t lo,
                                           int64_t hi, int pieces);

struct ScatterReport {
  size_t regions = 0;  // regions inside the ranges after the split
  size_t moved = 0;    // scatter requests PD carried out
  size_t failed = 0;   // scatter requests PD refused (e.g. the region already holds data)
  size_t stores = 0;   // serving stores
  size_t stores_with_regions = 0;  // serving stores that lead at least one of the regions
};

struct ScatterOptions {
  // Balancing rounds (each: count per store, scatter the excess). Default: 4.
  int max_rounds = 4;
};

// Splits at `split_keys` and at the bounds of `ranges` (raw TiDB keys), then scatters the
// regions inside `ranges` as described above. A failed split is an error; scatter refusals
// are counted in the report, not errors (the data stays correct, only less spread). A cluster
// without a PD client (Cluster::Create in tests) is split but not scattered (empty report).
Result<ScatterReport> SplitAndScatter(client::Cluster* cluster, std::vector<std::string> split_keys,
                                      const std::vector<catalog::KeyRange>& ranges,
                                      const ScatterOptions& options = {});

}  // namespace brkv::table
