// The backup's table checksum (TiDB BR's `--checksum` of `br backup`): each table's checksum as
// recorded in the backup files (folded from the nodes' per-file crc64xor / total_kvs /
// total_bytes) must equal an ADMIN CHECKSUM of the table computed by the nodes at the backup ts
// (table::ChecksumTable: the record range and every public index range). A mismatch means the
// files do not hold the table as it was at that ts, and the backup must not be committed.
//
// Tables are independent, so they are verified concurrently (each table's request already fans
// out over its regions; several tables at once keep every node busy instead of the one or two
// nodes holding the current table's regions).
//
// Thread-safety: VerifyBackupChecksums is thread-safe; `on_table_done` is called from the
// worker threads (concurrently).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "catalog/schema.h"
#include "client/cluster.h"
#include "common/checksum.h"
#include "common/status.h"

namespace brkv::br {

// One table to verify: its name for messages, its definition (ranges) and what the backup
// files say about it.
struct TableChecksumCheck {
  std::string name;  // "db.table"
  const catalog::TableInfo* table = nullptr;
  Checksum from_files;
};

struct VerifyBackupChecksumsOptions {
  // Tables checksummed at once. Default: 8.
  int concurrency = 8;
  // Called once per table that matched (from worker threads). May be empty.
  std::function<void(const TableChecksumCheck&, const Checksum&)> on_table_done{};
};

// OK when every table's cluster checksum at `backup_ts` equals its `from_files`. Otherwise the
// first failure in the order of `tables`: the cluster's checksum error (with the table named),
// or Corruption "checksum mismatch for table ..." giving both sets of numbers. After a failure
// no further table starts.
Status VerifyBackupChecksums(client::Cluster* cluster, const std::vector<TableChecksumCheck>& tables,
                             uint64_t backup_ts, const VerifyBackupChecksumsOptions& options = {});

}  // namespace brkv::br
