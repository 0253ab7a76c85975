#include "table/auto_id.h"

#include <string>

#include "table/meta_mutator.h"
#include "table/txn_retry.h"

namespace brkv::table {

Result<int64_t> AutoIDAllocator::Alloc(int64_t n, int64_t max_id) {
  if (n < 1) return Status::InvalidArgument("auto id allocation needs n >= 1");
  int64_t first = 0;
  auto body = [&](client::Txn* txn) -> Status {
    MetaMutator m(txn);
    ASSIGN_OR_RETURN(int64_t base, m.reader()->AutoTableID(db_id_, table_id_));
    if (base < 0) base = 0;
    if (base > max_id - n) {
      return Status::InvalidArgument("auto id space of table id " + std::to_string(table_id_) +
                                     " is exhausted (base " + std::to_string(base) + ", maximum " +
                                     std::to_string(max_id) + ")");
    }
    first = base + 1;
    return m.SetAutoTableID(db_id_, table_id_, base + n);
  };
  RETURN_IF_ERROR(RunInTxn(cluster_, body).status());
  return first;
}

Status AutoIDAllocator::Rebase(int64_t id) {
  auto body = [&](client::Txn* txn) -> Status {
    MetaMutator m(txn);
    ASSIGN_OR_RETURN(int64_t base, m.reader()->AutoTableID(db_id_, table_id_));
    if (base >= id) return Status::OK();
    return m.SetAutoTableID(db_id_, table_id_, id);
  };
  return RunInTxn(cluster_, body).status();
}

Status RebaseAutoIDs(client::Cluster* cluster, const std::vector<AutoIDRebase>& rebases) {
  if (rebases.empty()) return Status::OK();
  auto body = [&](client::Txn* txn) -> Status {
    MetaMutator m(txn);
    for (const AutoIDRebase& r : rebases) {
      ASSIGN_OR_RETURN(int64_t base, m.reader()->AutoTableID(r.db_id, r.table_id));
      if (base >= r.base) continue;
      RETURN_IF_ERROR(m.SetAutoTableID(r.db_id, r.table_id, r.base));
    }
    return Status::OK();
  };
  return RunInTxn(cluster, body).status();
}

Result<int64_t> AutoIDAllocator::Base() {
  ASSIGN_OR_RETURN(uint64_t ts, cluster_->GetTS());
  SnapshotReader kv(cluster_->GetSnapshot(ts));
  MetaReader r(&kv);
  return r.AutoTableID(db_id_, table_id_);
}

}  // namespace brkv::table
