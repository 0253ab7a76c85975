#include "kv/keys.h"

#include "common/codec.h"

namespace brkv::keys {

namespace {
constexpr size_t kTsLen = kMvccTsLen;
constexpr size_t kMinEncodedLen = 9;  // one memcomparable group
}  // namespace

std::string TxnRegionKey(std::string_view raw) { return codec::EncodeBytes(raw); }

std::string RawRegionKey(std::string_view user_key) {
  std::string out;
  out.reserve(user_key.size() + 1);
  out.push_back(kRawPrefix);
  out.append(user_key);
  return out;
}

std::string RawRegionEndKey(std::string_view user_end_key) {
  if (user_end_key.empty()) return std::string(1, kRawPrefix + 1);
  return RawRegionKey(user_end_key);
}

std::string DataKey(std::string_view region_key) {
  std::string out;
  out.reserve(region_key.size() + 1);
  out.push_back(kDataPrefix);
  out.append(region_key);
  return out;
}

std::string MvccKey(std::string_view raw, uint64_t ts) {
  std::string out;
  out.reserve(1 + (raw.size() / 8 + 1) * 9 + kTsLen);
  out.push_back(kDataPrefix);
  codec::EncodeBytes(&out, raw);
  codec::EncodeUintDesc(&out, ts);
  return out;
}

std::string LockKey(std::string_view raw) {
  std::string out;
  out.reserve(1 + (raw.size() / 8 + 1) * 9);
  out.push_back(kDataPrefix);
  codec::EncodeBytes(&out, raw);
  return out;
}

Result<DecodedMvccKey> DecodeMvccKey(std::string_view data_key) {
  if (data_key.size() < 1 + kMinEncodedLen + kTsLen || data_key[0] != kDataPrefix) {
    return Status::Corruption("not an MVCC data key: " + codec::Escape(data_key));
  }
  std::string_view enc = data_key.substr(1, data_key.size() - 1 - kTsLen);
  std::string_view ts_bytes = data_key.substr(data_key.size() - kTsLen);
  DecodedMvccKey out;
  ASSIGN_OR_RETURN(out.raw, codec::DecodeBytes(&enc));
  if (!enc.empty()) {
    return Status::Corruption("trailing bytes in MVCC data key: " + codec::Escape(data_key));
  }
  ASSIGN_OR_RETURN(out.ts, codec::DecodeUintDesc(&ts_bytes));
  return out;
}

Result<std::string> DecodeLockKey(std::string_view data_key) {
  if (data_key.size() < 1 + kMinEncodedLen || data_key[0] != kDataPrefix) {
    return Status::Corruption("not a lock data key: " + codec::Escape(data_key));
  }
  std::string_view enc = data_key.substr(1);
  ASSIGN_OR_RETURN(std::string raw, codec::DecodeBytes(&enc));
  if (!enc.empty()) {
    return Status::Corruption("trailing bytes in lock data key: " + codec::Escape(data_key));
  }
  return raw;
}

std::string_view MvccKeyToRegionKey(std::string_view data_key) {
  return data_key.substr(1, data_key.size() - 1 - kTsLen);
}

uint64_t MvccKeyTs(std::string_view data_key) {
  if (data_key.size() < kTsLen) return 0;
  std::string_view ts = data_key.substr(data_key.size() - kTsLen);
  auto r = codec::DecodeUintDesc(&ts);
  return r.ok() ? *r : 0;
}

std::string MvccKeyWithTs(std::string_view data_prefix, uint64_t ts) {
  std::string k;
  k.reserve(data_prefix.size() + kTsLen);
  k.append(data_prefix);
  codec::EncodeUintDesc(&k, ts);
  return k;
}

}  // namespace brkv::keys
