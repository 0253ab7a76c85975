// Internal to kv-server: the per-key Percolator actions behind TxnStore's write requests
// (TiKV's storage/txn/actions), and MvccTxn, the buffer that collects their writes.
//
// Each action reads the current MVCC state through an MvccReader and stages its writes in an
// MvccTxn; nothing touches the engine until the caller appends the MvccTxn to a WriteBatch.
// Error convention: an action returns OK, or a transactional error with *err (a KeyError) filled
// and a matching Status code (KeyLocked, WriteConflict, AlreadyExists, TxnAborted, NotFound for
// "txn not found"), or an engine error (IOError/Corruption/...) with *err untouched.
// Thread-safety: none; one request at a time per MvccTxn/MvccReader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/write_batch.h>

#include "common/status.h"
#include "kv/txn_types.h"
#include "proto/kvrpcpb.pb.h"
#include "server/engine.h"
#include "server/mvcc_reader.h"

namespace brkv::server {

// Buffered CF lock / write / default mutations of one request.
class MvccTxn {
 public:
  void PutLock(std::string_view raw, const LockRecord& lock);
  void UnlockKey(std::string_view raw);
  void PutWrite(std::string_view raw, uint64_t commit_ts, const WriteRecord& write);
  void PutValue(std::string_view raw, uint64_t start_ts, std::string_view value);
  void DeleteValue(std::string_view raw, uint64_t start_ts);

  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  // Appends every buffered mutation to `batch`, in staging order.
  Status AppendTo(Engine* engine, rocksdb::WriteBatch* batch) const;

 private:
  enum class Cf { kDefault, kWrite, kLock };
  struct Op {
    Cf cf;
    bool is_delete;
    std::string key;
    std::string value;
  };
  std::vector<Op> ops_;
};

// Transaction-wide fields of a prewrite.
struct PrewriteProps {
  std::string primary;
  uint64_t start_ts = 0;
  uint64_t lock_ttl = 0;
  uint64_t txn_size = 0;
  uint64_t min_commit_ts = 0;
};

// Prewrites one mutation (see TxnStore::Prewrite for the checks).
Status PrewriteKey(MvccReader& reader, MvccTxn& txn, const PrewriteProps& props,
                   const kvrpcpb::Mutation& m, kvrpcpb::KeyError* err);

// Commits txn start_ts on `raw` at commit_ts. REQUIRES: commit_ts > start_ts.
Status CommitKey(MvccReader& reader, MvccTxn& txn, std::string_view raw, uint64_t start_ts,
                 uint64_t commit_ts, kvrpcpb::KeyError* err);

// Rolls txn start_ts back on `raw` (TiKV's cleanup with current_ts 0): removes its lock or, when
// there is none, leaves a Rollback record (protected when `protect`). Already rolled back → OK;
// committed → TxnAborted.
Status CleanupKey(MvccReader& reader, MvccTxn& txn, std::string_view raw, uint64_t start_ts,
                  bool protect, kvrpcpb::KeyError* err);

// Removes `lock` (held on `raw` by txn lock.ts) with its long value and writes the rollback.
Status RollbackLock(MvccReader& reader, MvccTxn& txn, std::string_view raw, const LockRecord& lock,
                    bool protect);

// Stages the rollback record of start_ts on `raw`: a Rollback record, or the overlapped-rollback
// flag on another txn's commit record stored at commit_ts == start_ts.
void MakeRollback(MvccTxn& txn, std::string_view raw, uint64_t start_ts, bool protect,
                  const std::optional<WriteRecord>& overlapped_write);

// Converts an action's Status into the KeyError to report: keeps a filled *err, otherwise puts
// the Status text in err->abort. REQUIRES: !s.ok().
void ToKeyError(const Status& s, kvrpcpb::KeyError* err);

}  // namespace brkv::server
