#include "import/key_rewriter.h"

#include "common/codec.h"
#include "kv/keys.h"

namespace brkv::import {

namespace {

constexpr size_t kTsLen = 8;
// 'z' + one memcomparable group + ts: the shortest MVCC data key.
constexpr size_t kMinMvccKeyLen = 1 + 9 + kTsLen;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

bool RegionRange::BeforeStart(std::string_view region_key) const {
  return !start.empty() && region_key < start;
}

bool RegionRange::AfterEnd(std::string_view region_key) const {
  if (end.empty()) return false;
  return end_inclusive ? region_key > end : region_key >= end;
}

Result<KeyRewriter> KeyRewriter::New(const RewriteSpec& spec, std::string_view cf,
                                     const RegionRange& range) {
  if (cf != keys::kCfDefault && cf != keys::kCfWrite) {
    return Status::InvalidArgument("cannot import into column family \"" + std::string(cf) +
                                   "\" (only default and write)");
  }
  if (spec.is_raw_kv && cf != keys::kCfDefault) {
    return Status::InvalidArgument("raw KV lives in column family default, not \"" +
                                   std::string(cf) + "\"");
  }
  if (!range.start.empty() && !range.end.empty() &&
      (range.end < range.start || (!range.end_inclusive && range.end == range.start))) {
    return Status::InvalidArgument("inverted range [" + codec::Escape(range.start) + ", " +
                                   codec::Escape(range.end) + "]");
  }
  KeyRewriter r;
  r.spec_ = spec;
  r.write_cf_ = cf == keys::kCfWrite;
  r.range_ = range;
  if (spec.is_raw_kv) r.new_region_prefix_.push_back(keys::kRawPrefix);
  r.new_region_prefix_ += spec.new_prefix;
  const std::string& np = r.new_region_prefix_;
  const std::string& op = spec.old_prefix;

  // Start: a start inside the new prefix maps to the same suffix under the old prefix; a
  // start below it puts no bound on the scan (so keys with a wrong prefix are still seen and
  // rejected); a start above every key with the new prefix leaves nothing to import.
  if (!range.start.empty()) {
    if (StartsWith(range.start, np)) {
      r.seek_key_ = keys::DataKey(op + range.start.substr(np.size()));
    } else if (range.start > np) {
      r.range_empty_ = true;
    }
  }
  // End: the same mapping; an end below the new prefix leaves nothing; the successor of the
  // new prefix (exclusive) maps to the successor of the old one; anything else above it puts
  // no bound on the scan.
  if (!range.end.empty()) {
    if (StartsWith(range.end, np)) {
      r.old_end_ = op + range.end.substr(np.size());
      r.old_end_inclusive_ = range.end_inclusive;
    } else if (range.end < np) {
      r.range_empty_ = true;
    } else if (!range.end_inclusive && range.end == codec::PrefixNext(np)) {
      std::string next = codec::PrefixNext(op);
      if (!next.empty()) {
        r.old_end_ = std::move(next);
        r.old_end_inclusive_ = false;
      }
    }
  }
  return r;
}

Result<KeyRewriter::Action> KeyRewriter::Rewrite(std::string_view key, std::string_view value,
                                                 std::string* new_key,
                                                 std::string* new_value) const {
  const bool mvcc = !spec_.is_raw_kv;
  if (key.empty() || key[0] != keys::kDataPrefix || (mvcc && key.size() < kMinMvccKeyLen)) {
    return Status::Corruption("not a " + std::string(mvcc ? "MVCC" : "raw") +
                              " data key: " + codec::Escape(key));
  }
  const std::string_view origin = mvcc ? key.substr(1, key.size() - 1 - kTsLen) : key.substr(1);
  if (old_end_) {
    if (old_end_inclusive_ ? origin > *old_end_ : origin >= *old_end_) return Action::kStop;
  }
  if (!StartsWith(origin, spec_.old_prefix)) {
    return Status::InvalidArgument("WrongKeyPrefix: key " + codec::Escape(origin) +
                                   " does not start with the rewrite rule's old prefix " +
                                   codec::Escape(spec_.old_prefix));
  }
  std::string region_key = new_region_prefix_;
  region_key.append(origin.substr(spec_.old_prefix.size()));
  if (range_.AfterEnd(region_key)) return Action::kStop;
  if (range_.BeforeStart(region_key)) return Action::kSkip;

  std::string_view ts_bytes;
  if (mvcc) {
    ts_bytes = key.substr(key.size() - kTsLen);
    std::string_view cursor = ts_bytes;
    ASSIGN_OR_RETURN(uint64_t ts, codec::DecodeUintDesc(&cursor));
    if (spec_.ignore_after_ts != 0 && ts > spec_.ignore_after_ts) return Action::kSkip;
    if (spec_.ignore_before_ts != 0 && ts < spec_.ignore_before_ts) return Action::kSkip;
  }

  new_key->clear();
  new_key->reserve(1 + region_key.size() + kTsLen);
  new_key->push_back(keys::kDataPrefix);
  new_key->append(region_key);
  if (mvcc) {
    if (spec_.new_ts != 0) {
      codec::EncodeUintDesc(new_key, spec_.new_ts);
    } else {
      new_key->append(ts_bytes);
    }
  }

  if (mvcc && write_cf_ && spec_.new_ts != 0) {
    // Write record: type byte, var-u64 start_ts, then tagged fields copied as they are.
    if (value.empty()) return Status::Corruption("empty write record at " + codec::Escape(key));
    const char type = value[0];
    if (type != 'P' && type != 'D' && type != 'L' && type != 'R') {
      return Status::Corruption("bad write record type at " + codec::Escape(key));
    }
    std::string_view rest = value.substr(1);
    auto start_ts = codec::DecodeUvarint(&rest);
    if (!start_ts.ok()) {
      return Status::Corruption("truncated write record at " + codec::Escape(key));
    }
    new_value->clear();
    new_value->push_back(type);
    codec::EncodeUvarint(new_value, spec_.new_ts);
    new_value->append(rest);
  } else {
    new_value->assign(value);
  }
  return Action::kKeep;
}

std::string_view KeyRewriter::RegionKeyOf(std::string_view new_data_key) const {
  if (new_data_key.empty()) return new_data_key;
  if (spec_.is_raw_kv) return new_data_key.substr(1);
  if (new_data_key.size() < 1 + kTsLen) return new_data_key.substr(1);
  return new_data_key.substr(1, new_data_key.size() - 1 - kTsLen);
}

}  // namespace brkv::import
