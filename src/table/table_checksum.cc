#include "table/table_checksum.h"

#include <nlohmann/json.hpp>

#include "catalog/tablecodec.h"
#include "table/table_ranges.h"

namespace brkv::table {

Result<Checksum> ChecksumTable(client::Cluster* cluster, const catalog::TableInfo& table,
                               uint64_t ts) {
  return cluster->admin()->Checksum(ToClientRanges(TableDataRanges(table)), ts);
}

Result<Checksum> ChecksumTableAs(client::Cluster* cluster, const catalog::TableInfo& table,
                                 int64_t new_table_id, uint64_t ts) {
  catalog::TableInfo moved = table;
  moved.id = new_table_id;
  client::ChecksumRewriteRule rule{catalog::TablePrefix(table.id),
                                   catalog::TablePrefix(new_table_id)};
  return cluster->admin()->Checksum(ToClientRanges(TableDataRanges(moved)), ts, rule);
}

std::string ToJsonLine(const TableChecksum& c) {
  nlohmann::ordered_json j;
  j["db"] = c.db;
  j["table"] = c.table;
  j["table_id"] = c.table_id;
  j["crc64xor"] = c.sum.crc64xor;
  j["total_kvs"] = c.sum.total_kvs;
  j["total_bytes"] = c.sum.total_bytes;
  return j.dump();
}

}  // namespace brkv::table
