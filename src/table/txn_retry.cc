#include "table/txn_retry.h"

#include <memory>

namespace brkv::table {

bool IsRestartable(const Status& s) {
  switch (s.code()) {
    case Status::Code::kWriteConflict:
    case Status::Code::kTxnAborted:
      return true;
    default:
      return s.retryable();
  }
}

Result<uint64_t> RunInTxn(client::Cluster* cluster, const std::function<Status(client::Txn*)>& fn,
                          const TxnRetryOptions& options) {
  Backoffer bo(BackoffOptions{
      .base_ms = options.base_ms, .max_ms = options.max_ms, .budget_ms = options.budget_ms});
  while (true) {
    Status s;
    ASSIGN_OR_RETURN(std::unique_ptr<client::Txn> txn, cluster->Begin());
    s = fn(txn.get());
    if (!s.ok()) {
      txn->Rollback();
      // An error from fn itself is final unless it is a read that met a conflict-like state.
      if (!IsRestartable(s)) return s;
    } else {
      Result<uint64_t> commit_ts = txn->Commit();
      if (commit_ts.ok()) return *commit_ts;
      s = commit_ts.status();
      if (!IsRestartable(s)) return s;
    }
    RETURN_IF_ERROR(bo.Backoff(s));
  }
}

}  // namespace brkv::table
