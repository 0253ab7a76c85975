#include "br/restore_checksum.h"

#include <string>

namespace brkv::br {

namespace {

std::string Describe(const Checksum& c) {
  return "crc64xor=" + std::to_string(c.crc64xor) + " total_kvs=" + std::to_string(c.total_kvs) +
         " total_bytes=" + std::to_string(c.total_bytes);
}

}  // namespace

Result<Checksum> RestoredTableChecksum(client::Cluster* cluster, const TableRewrite& rewrite,
                                       const catalog::TableInfo& new_table, uint64_t ts) {
  ASSIGN_OR_RETURN(std::vector<ChecksumRange> ranges, ChecksumRanges(rewrite, new_table));
  Checksum total;
  for (const ChecksumRange& r : ranges) {
    ASSIGN_OR_RETURN(Checksum part, cluster->admin()->Checksum({r.range}, ts, r.rule));
    total.Merge(part);
  }
  return total;
}

Status CompareTableChecksum(const BackupTable& table, const Checksum& got, uint64_t restore_ts) {
  if (got == table.checksum) return Status::OK();
  return Status::Corruption("[BR:Restore:ChecksumMismatch] checksum mismatch for table " +
                            table.Name() + ": the backup recorded " + Describe(table.checksum) +
                            ", the restored table has " + Describe(got) + " at ts " +
                            std::to_string(restore_ts) +
                            "; the restored data is not what was backed up");
}

}  // namespace brkv::br
