// KvReader: the read half of a snapshot or of a transaction, so that catalog and table readers
// work the same way at a past timestamp (kvctl dump, br reading the catalog at the backup ts)
// and inside a transaction that is about to change what it read (DDL).
//
// Keys are raw TiDB keys. Thread-safety: as the wrapped object (a Snapshot reader is
// thread-safe, a Txn reader is not); the wrapped object must outlive the reader.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "client/snapshot.h"
#include "client/txn.h"
#include "client/types.h"
#include "common/status.h"

namespace brkv::table {

class KvReader {
 public:
  virtual ~KvReader() = default;
  // The value of `key`. NotFound if it has none.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // The values of the keys that have one; keys without a value are absent from the map.
  virtual Result<std::map<std::string, std::string>> BatchGet(
      const std::vector<std::string>& keys) = 0;
  // Calls fn for each pair with start <= key < end (end "" = +inf) in key order; stops early
  // (returning OK) when fn returns false.
  virtual Status ScanEach(std::string_view start, std::string_view end,
                          const std::function<bool(const client::KvPair&)>& fn) = 0;
};

// Reads a consistent snapshot at a fixed ts.
class SnapshotReader final : public KvReader {
 public:
  explicit SnapshotReader(client::Snapshot snapshot) : snapshot_(snapshot) {}
  Result<std::string> Get(std::string_view key) override { return snapshot_.Get(key); }
  Result<std::map<std::string, std::string>> BatchGet(
      const std::vector<std::string>& keys) override {
    return snapshot_.BatchGet(keys);
  }
  Status ScanEach(std::string_view start, std::string_view end,
                  const std::function<bool(const client::KvPair&)>& fn) override {
    return snapshot_.ScanEach(start, end, fn);
  }
  const client::Snapshot& snapshot() const { return snapshot_; }

 private:
  client::Snapshot snapshot_;
};

// Reads through a transaction: its own buffered writes first, then its start_ts snapshot.
// Meant for small ranges (catalog hashes): a scan is materialised before fn is called.
class TxnReader final : public KvReader {
 public:
  explicit TxnReader(client::Txn* txn) : txn_(txn) {}
  Result<std::string> Get(std::string_view key) override { return txn_->Get(key); }
  Result<std::map<std::string, std::string>> BatchGet(
      const std::vector<std::string>& keys) override {
    return txn_->BatchGet(keys);
  }
  Status ScanEach(std::string_view start, std::string_view end,
                  const std::function<bool(const client::KvPair&)>& fn) override {
    ASSIGN_OR_RETURN(auto pairs, txn_->Scan(start, end));
    for (const auto& kv : pairs) {
      if (!fn(kv)) break;
    }
    return Status::OK();
  }

 private:
  client::Txn* txn_;
};

}  // namespace brkv::table
