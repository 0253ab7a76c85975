#include "kv/txn_types.h"

#include <cassert>

#include "common/codec.h"

namespace brkv {

namespace {

// Write record tags.
constexpr char kWriteShortValue = 'v';
constexpr char kWriteOverlappedRollback = 'R';
constexpr char kWriteGcFence = 'F';
constexpr char kWriteLastChange = 'l';
constexpr char kWriteTxnSource = 'S';

// Lock record tags.
constexpr char kLockShortValue = 'v';
constexpr char kLockForUpdateTs = 'f';
constexpr char kLockTxnSize = 't';
constexpr char kLockMinCommitTs = 'c';
constexpr char kLockAsyncCommit = 'a';
constexpr char kLockRollbackTs = 'r';
constexpr char kLockLastChange = 'l';
constexpr char kLockTxnSource = 's';
constexpr char kLockWithConflict = 'F';
constexpr char kLockGeneration = 'g';
constexpr char kLockTypeShared = 'H';

void PutShortValue(std::string* out, char tag, const std::string& v) {
  assert(v.size() <= kShortValueMaxLen);
  out->push_back(tag);
  out->push_back(static_cast<char>(static_cast<uint8_t>(v.size())));
  out->append(v);
}

Result<std::string> GetShortValue(std::string_view* in) {
  if (in->empty()) return Status::Corruption("truncated short value length");
  size_t len = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (in->size() < len) {
    return Status::Corruption("truncated short value: need " + std::to_string(len) +
                              " bytes, have " + std::to_string(in->size()));
  }
  std::string v(in->substr(0, len));
  in->remove_prefix(len);
  return v;
}

Result<char> GetByte(std::string_view* in, const char* what) {
  if (in->empty()) return Status::Corruption(std::string("missing ") + what);
  char c = (*in)[0];
  in->remove_prefix(1);
  return c;
}

// Collection counts come from untrusted bytes; each element needs at least one byte, so a count
// larger than what is left is corrupt and must not drive an allocation.
Status CheckCount(uint64_t count, size_t min_elem_size, std::string_view rest, const char* what) {
  if (count > rest.size() / min_elem_size) {
    return Status::Corruption(std::string("implausible ") + what + " count " +
                              std::to_string(count));
  }
  return Status::OK();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// WriteRecord

std::string WriteRecord::Encode() const {
  std::string out;
  out.reserve(16 + (short_value ? short_value->size() + 2 : 0));
  out.push_back(static_cast<char>(type));
  codec::EncodeUvarint(&out, start_ts);
  if (short_value) PutShortValue(&out, kWriteShortValue, *short_value);
  if (has_overlapped_rollback) out.push_back(kWriteOverlappedRollback);
  if (gc_fence) {
    out.push_back(kWriteGcFence);
    codec::EncodeUint(&out, *gc_fence);
  }
  if (last_change_ts != 0 || versions_to_last_change != 0) {
    out.push_back(kWriteLastChange);
    codec::EncodeUint(&out, last_change_ts);
    codec::EncodeUvarint(&out, versions_to_last_change);
  }
  if (txn_source != 0) {
    out.push_back(kWriteTxnSource);
    codec::EncodeUvarint(&out, txn_source);
  }
  return out;
}

Result<WriteRecord> WriteRecord::Decode(std::string_view v) {
  WriteRecord w;
  ASSIGN_OR_RETURN(char t, GetByte(&v, "write type"));
  switch (t) {
    case 'P': w.type = WriteType::kPut; break;
    case 'D': w.type = WriteType::kDelete; break;
    case 'L': w.type = WriteType::kLock; break;
    case 'R': w.type = WriteType::kRollback; break;
    default:
      return Status::Corruption("invalid write type byte " +
                                std::to_string(static_cast<uint8_t>(t)));
  }
  auto ts = codec::DecodeUvarint(&v);
  if (!ts.ok()) return ts.status().WithContext("write record start_ts");
  w.start_ts = *ts;
  while (!v.empty()) {
    char tag = v[0];
    v.remove_prefix(1);
    switch (tag) {
      case kWriteShortValue: {
        ASSIGN_OR_RETURN(w.short_value, GetShortValue(&v));
        break;
      }
      case kWriteOverlappedRollback:
        w.has_overlapped_rollback = true;
        break;
      case kWriteGcFence: {
        ASSIGN_OR_RETURN(w.gc_fence, codec::DecodeUint(&v));
        break;
      }
      case kWriteLastChange: {
        ASSIGN_OR_RETURN(w.last_change_ts, codec::DecodeUint(&v));
        ASSIGN_OR_RETURN(w.versions_to_last_change, codec::DecodeUvarint(&v));
        break;
      }
      case kWriteTxnSource: {
        ASSIGN_OR_RETURN(w.txn_source, codec::DecodeUvarint(&v));
        break;
      }
      default:
        return w;  // unknown tag from a newer version: keep what we understood
    }
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// LockRecord

std::string LockRecord::Encode() const {
  std::string out;
  out.reserve(32 + primary.size() + (short_value ? short_value->size() + 2 : 0));
  out.push_back(static_cast<char>(type));
  codec::EncodeCompactBytes(&out, primary);
  codec::EncodeUvarint(&out, ts);
  codec::EncodeUvarint(&out, ttl);
  if (short_value) PutShortValue(&out, kLockShortValue, *short_value);
  if (for_update_ts != 0) {
    out.push_back(kLockForUpdateTs);
    codec::EncodeUint(&out, for_update_ts);
  }
  if (txn_size != 0) {
    out.push_back(kLockTxnSize);
    codec::EncodeUint(&out, txn_size);
  }
  if (min_commit_ts != 0) {
    out.push_back(kLockMinCommitTs);
    codec::EncodeUint(&out, min_commit_ts);
  }
  if (use_async_commit) {
    out.push_back(kLockAsyncCommit);
    codec::EncodeUvarint(&out, secondaries.size());
    for (const std::string& s : secondaries) codec::EncodeCompactBytes(&out, s);
  }
  if (!rollback_ts.empty()) {
    out.push_back(kLockRollbackTs);
    codec::EncodeUvarint(&out, rollback_ts.size());
    for (uint64_t r : rollback_ts) codec::EncodeUint(&out, r);
  }
  if (last_change_ts != 0 || versions_to_last_change != 0) {
    out.push_back(kLockLastChange);
    codec::EncodeUint(&out, last_change_ts);
    codec::EncodeUvarint(&out, versions_to_last_change);
  }
  if (txn_source != 0) {
    out.push_back(kLockTxnSource);
    codec::EncodeUvarint(&out, txn_source);
  }
  if (is_locked_with_conflict) out.push_back(kLockWithConflict);
  if (generation != 0) {
    out.push_back(kLockGeneration);
    codec::EncodeUint(&out, generation);
  }
  return out;
}

Result<LockRecord> LockRecord::Decode(std::string_view v) {
  LockRecord l;
  ASSIGN_OR_RETURN(char t, GetByte(&v, "lock type"));
  switch (t) {
    case 'P': l.type = LockType::kPut; break;
    case 'D': l.type = LockType::kDelete; break;
    case 'L': l.type = LockType::kLock; break;
    case 'S': l.type = LockType::kPessimistic; break;
    case kLockTypeShared: return Status::NotSupported("shared lock records are not supported");
    default:
      return Status::Corruption("invalid lock type byte " +
                                std::to_string(static_cast<uint8_t>(t)));
  }
  ASSIGN_OR_RETURN(l.primary, codec::DecodeCompactBytes(&v));
  ASSIGN_OR_RETURN(l.ts, codec::DecodeUvarint(&v));
  ASSIGN_OR_RETURN(l.ttl, codec::DecodeUvarint(&v));
  while (!v.empty()) {
    char tag = v[0];
    v.remove_prefix(1);
    switch (tag) {
      case kLockShortValue: {
        ASSIGN_OR_RETURN(l.short_value, GetShortValue(&v));
        break;
      }
      case kLockForUpdateTs: {
        ASSIGN_OR_RETURN(l.for_update_ts, codec::DecodeUint(&v));
        break;
      }
      case kLockTxnSize: {
        ASSIGN_OR_RETURN(l.txn_size, codec::DecodeUint(&v));
        break;
      }
      case kLockMinCommitTs: {
        ASSIGN_OR_RETURN(l.min_commit_ts, codec::DecodeUint(&v));
        break;
      }
      case kLockAsyncCommit: {
        ASSIGN_OR_RETURN(uint64_t n, codec::DecodeUvarint(&v));
        RETURN_IF_ERROR(CheckCount(n, 1, v, "secondaries"));
        l.use_async_commit = true;
        l.secondaries.clear();
        l.secondaries.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
          ASSIGN_OR_RETURN(std::string s, codec::DecodeCompactBytes(&v));
          l.secondaries.push_back(std::move(s));
        }
        break;
      }
      case kLockRollbackTs: {
        ASSIGN_OR_RETURN(uint64_t n, codec::DecodeUvarint(&v));
        RETURN_IF_ERROR(CheckCount(n, 8, v, "rollback_ts"));
        l.rollback_ts.clear();
        l.rollback_ts.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
          ASSIGN_OR_RETURN(uint64_t r, codec::DecodeUint(&v));
          l.rollback_ts.push_back(r);
        }
        break;
      }
      case kLockLastChange: {
        ASSIGN_OR_RETURN(l.last_change_ts, codec::DecodeUint(&v));
        ASSIGN_OR_RETURN(l.versions_to_last_change, codec::DecodeUvarint(&v));
        break;
      }
      case kLockTxnSource: {
        ASSIGN_OR_RETURN(l.txn_source, codec::DecodeUvarint(&v));
        break;
      }
      case kLockWithConflict:
        l.is_locked_with_conflict = true;
        break;
      case kLockGeneration: {
        ASSIGN_OR_RETURN(l.generation, codec::DecodeUint(&v));
        break;
      }
      default:
        return l;  // unknown tag from a newer version
    }
  }
  return l;
}

}  // namespace brkv
