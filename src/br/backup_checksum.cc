#include "br/backup_checksum.h"

#include "client/parallel.h"
#include "table/table_checksum.h"

namespace brkv::br {

Status VerifyBackupChecksums(client::Cluster* cluster, const std::vector<TableChecksumCheck>& tables,
                             uint64_t backup_ts, const VerifyBackupChecksumsOptions& options) {
  return client::ParallelFor(
      tables.size(), std::max(1, options.concurrency), [&](size_t i) -> Status {
        const TableChecksumCheck& t = tables[i];
        if (t.table == nullptr) return Status::InvalidArgument("checksum of " + t.name + ": no table");
        auto cluster_sum = table::ChecksumTable(cluster, *t.table, backup_ts);
        if (!cluster_sum.ok()) {
          return cluster_sum.status().WithContext("checksum of table " + t.name +
                                                  " at the backup ts");
        }
        const Checksum& files = t.from_files;
        if (!(files == *cluster_sum)) {
          return Status::Corruption(
              "checksum mismatch for table " + t.name + " (id " + std::to_string(t.table->id) +
              "): backup files have crc64xor=" + std::to_string(files.crc64xor) +
              " kvs=" + std::to_string(files.total_kvs) +
              " bytes=" + std::to_string(files.total_bytes) + ", the cluster at ts " +
              std::to_string(backup_ts) + " has crc64xor=" + std::to_string(cluster_sum->crc64xor) +
              " kvs=" + std::to_string(cluster_sum->total_kvs) +
              " bytes=" + std::to_string(cluster_sum->total_bytes) +
              "; the backup is not usable, no backupmeta was written");
        }
        if (options.on_table_done) options.on_table_done(t, *cluster_sum);
        return Status::OK();
      });
}

}  // namespace brkv::br
