// Verifying restored tables (architecture.md "Restore flow" step 5; formats.md 5.4;
// lessons.md 11).
//
// The nodes compute each restored table's checksum at the restore ts over its record range and
// every public index range, each range with its rewrite rule (raw prefixes: data rule for the
// records, the index's rule for each index), so keys read under t{new} hash as the backup's
// keys under t{old}. The result must equal the crc64xor / total_kvs / total_bytes the backup
// recorded in Schema; a mismatch is a failed restore naming the table
// ("BR:Restore:ChecksumMismatch").
//
// Thread-safety: functions are thread-safe.
#pragma once

#include <cstdint>

#include "br/restore_plan.h"
#include "br/rewrite_rules.h"
#include "catalog/schema.h"
#include "client/cluster.h"
#include "common/checksum.h"
#include "common/status.h"

namespace brkv::br {

// The restored table's checksum as the backup's keys (see the top of the file).
Result<Checksum> RestoredTableChecksum(client::Cluster* cluster, const TableRewrite& rewrite,
                                       const catalog::TableInfo& new_table, uint64_t ts);

// OK when `got` equals the backup's numbers; Corruption "[BR:Restore:ChecksumMismatch] ..."
// naming the table and both sets of numbers otherwise.
Status CompareTableChecksum(const BackupTable& table, const Checksum& got, uint64_t restore_ts);

}  // namespace brkv::br
