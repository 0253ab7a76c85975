#include "common/codec.h"

#include <cstring>

namespace brkv::codec {

namespace {

constexpr uint64_t kSignMask = 0x8000000000000000ULL;
constexpr size_t kGroupSize = 8;
constexpr uint8_t kMarker = 0xFF;
constexpr uint8_t kPad = 0x00;
constexpr size_t kMaxVarintLen = 10;

void PutFixed64BE(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  out->append(buf, sizeof(buf));
}

Result<uint64_t> GetFixed64BE(std::string_view* in, const char* what) {
  if (in->size() < 8) {
    return Status::Corruption(std::string("truncated ") + what + ": need 8 bytes, have " +
                              std::to_string(in->size()));
  }
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(8);
  return v;
}

// Shared by the ascending and descending forms; `flip` is 0x00 or 0xFF and is XOR-ed onto every
// encoded byte.
void EncodeBytesImpl(std::string* out, std::string_view in, uint8_t flip) {
  out->reserve(out->size() + (in.size() / kGroupSize + 1) * (kGroupSize + 1));
  for (size_t idx = 0; idx <= in.size(); idx += kGroupSize) {
    size_t remain = in.size() - idx;
    size_t pad = 0;
    char group[kGroupSize + 1];
    if (remain >= kGroupSize) {
      std::memcpy(group, in.data() + idx, kGroupSize);
    } else {
      pad = kGroupSize - remain;
      std::memcpy(group, in.data() + idx, remain);
      std::memset(group + remain, kPad, pad);
    }
    group[kGroupSize] = static_cast<char>(kMarker - pad);
    for (char& c : group) c = static_cast<char>(static_cast<uint8_t>(c) ^ flip);
    out->append(group, sizeof(group));
  }
}

Result<std::string> DecodeBytesImpl(std::string_view* in, uint8_t flip) {
  std::string out;
  while (true) {
    if (in->size() < kGroupSize + 1) {
      return Status::Corruption("truncated memcomparable bytes: group needs 9 bytes, have " +
                                std::to_string(in->size()));
    }
    uint8_t group[kGroupSize + 1];
    for (size_t i = 0; i < sizeof(group); ++i) {
      group[i] = static_cast<uint8_t>((*in)[i]) ^ flip;
    }
    in->remove_prefix(kGroupSize + 1);
    uint8_t marker = group[kGroupSize];
    size_t pad = kMarker - marker;
    if (pad > kGroupSize) {
      return Status::Corruption("invalid memcomparable marker byte " + std::to_string(marker));
    }
    size_t real = kGroupSize - pad;
    out.append(reinterpret_cast<const char*>(group), real);
    if (pad == 0) continue;
    for (size_t i = real; i < kGroupSize; ++i) {
      if (group[i] != kPad) return Status::Corruption("non-zero memcomparable pad byte");
    }
    return out;
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

void EncodeInt(std::string* out, int64_t v) {
  PutFixed64BE(out, static_cast<uint64_t>(v) ^ kSignMask);
}

Result<int64_t> DecodeInt(std::string_view* in) {
  ASSIGN_OR_RETURN(uint64_t u, GetFixed64BE(in, "int"));
  return static_cast<int64_t>(u ^ kSignMask);
}

void EncodeUint(std::string* out, uint64_t v) { PutFixed64BE(out, v); }

Result<uint64_t> DecodeUint(std::string_view* in) { return GetFixed64BE(in, "uint"); }

void EncodeUintDesc(std::string* out, uint64_t v) { PutFixed64BE(out, ~v); }

Result<uint64_t> DecodeUintDesc(std::string_view* in) {
  ASSIGN_OR_RETURN(uint64_t u, GetFixed64BE(in, "desc uint"));
  return ~u;
}

void EncodeUvarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

Result<uint64_t> DecodeUvarint(std::string_view* in) {
  uint64_t v = 0;
  for (size_t i = 0; i < in->size() && i < kMaxVarintLen; ++i) {
    uint8_t b = static_cast<uint8_t>((*in)[i]);
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (i == kMaxVarintLen - 1 && b > 1) return Status::Corruption("varint overflows 64 bits");
    v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      in->remove_prefix(i + 1);
      return v;
    }
  }
  if (in->size() >= kMaxVarintLen) return Status::Corruption("varint overflows 64 bits");
  return Status::Corruption("truncated varint");
}

void EncodeVarint(std::string* out, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v) << 1;
  if (v < 0) u = ~u;
  EncodeUvarint(out, u);
}

Result<int64_t> DecodeVarint(std::string_view* in) {
  ASSIGN_OR_RETURN(uint64_t u, DecodeUvarint(in));
  int64_t v = static_cast<int64_t>(u >> 1);
  if (u & 1) v = ~v;
  return v;
}

void EncodeFloat(std::string* out, double v) {
  uint64_t u;
  std::memcpy(&u, &v, sizeof(u));
  if (u & kSignMask) {
    u = ~u;
  } else {
    u |= kSignMask;
  }
  PutFixed64BE(out, u);
}

Result<double> DecodeFloat(std::string_view* in) {
  ASSIGN_OR_RETURN(uint64_t u, GetFixed64BE(in, "float"));
  if (u & kSignMask) {
    u &= ~kSignMask;
  } else {
    u = ~u;
  }
  double v;
  std::memcpy(&v, &u, sizeof(v));
  return v;
}

void EncodeBytes(std::string* out, std::string_view in) { EncodeBytesImpl(out, in, 0x00); }

std::string EncodeBytes(std::string_view in) {
  std::string out;
  EncodeBytesImpl(&out, in, 0x00);
  return out;
}

Result<std::string> DecodeBytes(std::string_view* in) { return DecodeBytesImpl(in, 0x00); }

void EncodeBytesDesc(std::string* out, std::string_view in) { EncodeBytesImpl(out, in, 0xFF); }

Result<std::string> DecodeBytesDesc(std::string_view* in) { return DecodeBytesImpl(in, 0xFF); }

void EncodeCompactBytes(std::string* out, std::string_view in) {
  EncodeVarint(out, static_cast<int64_t>(in.size()));
  out->append(in);
}

Result<std::string> DecodeCompactBytes(std::string_view* in) {
  ASSIGN_OR_RETURN(int64_t n, DecodeVarint(in));
  if (n < 0) return Status::Corruption("negative compact bytes length");
  if (static_cast<uint64_t>(n) > in->size()) {
    return Status::Corruption("truncated compact bytes: need " + std::to_string(n) +
                              " bytes, have " + std::to_string(in->size()));
  }
  std::string out(in->substr(0, static_cast<size_t>(n)));
  in->remove_prefix(static_cast<size_t>(n));
  return out;
}

std::string EncodeKeyPrefix(std::string_view p) {
  size_t tail = p.size() % kGroupSize;
  std::string out = EncodeBytes(p.substr(0, p.size() - tail));
  // Drop the all-padding group that EncodeBytes adds after the complete groups.
  out.resize(out.size() - (kGroupSize + 1));
  out.append(p.substr(p.size() - tail));
  return out;
}

std::string PrefixNext(std::string_view k) {
  std::string out(k);
  for (size_t i = out.size(); i > 0; --i) {
    uint8_t b = static_cast<uint8_t>(out[i - 1]);
    if (b != 0xFF) {
      out[i - 1] = static_cast<char>(b + 1);
      return out;
    }
    out[i - 1] = '\0';
  }
  return "";  // all 0xFF (or empty): no finite upper bound.
}

std::string ToHex(std::string_view b) {
  std::string out;
  out.reserve(b.size() * 2);
  for (char c : b) {
    uint8_t u = static_cast<uint8_t>(c);
    out.push_back(kHexDigits[u >> 4]);
    out.push_back(kHexDigits[u & 0xF]);
  }
  return out;
}

Result<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex string has odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexDigit(hex[i]);
    int lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("invalid hex digit at offset " + std::to_string(i));
    }
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

std::string Escape(std::string_view b) {
  std::string out;
  out.reserve(b.size());
  for (char c : b) {
    uint8_t u = static_cast<uint8_t>(c);
    if (c == '\\') {
      out.append("\\\\");
    } else if (u >= 0x20 && u < 0x7F) {
      out.push_back(c);
    } else {
      out.append("\\x");
      out.push_back(kHexDigits[u >> 4]);
      out.push_back(kHexDigits[u & 0xF]);
    }
  }
  return out;
}

Result<std::string> Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 1 >= s.size()) return Status::InvalidArgument("dangling backslash at end of input");
    char e = s[++i];
    switch (e) {
      case '\\': out.push_back('\\'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case '"': out.push_back('"'); break;
      case '\'': out.push_back('\''); break;
      case 'x': {
        if (i + 2 >= s.size()) {
          return Status::InvalidArgument("truncated \\x escape");
        }
        int hi = HexDigit(s[i + 1]);
        int lo = HexDigit(s[i + 2]);
        if (hi < 0 || lo < 0) return Status::InvalidArgument("invalid \\x escape");
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        break;
      }
      default:
        return Status::InvalidArgument(std::string("unknown escape \\") + e);
    }
  }
  return out;
}

}  // namespace brkv::codec
