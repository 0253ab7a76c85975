// MySQL wire encoding: little-endian integers, length-encoded integers and strings, and the
// 4-byte packet framing (3-byte length + sequence id; payloads of 0xFFFFFF bytes or more are
// split, the last part shorter, possibly empty).
//
// PacketWriter appends to a payload; PacketReader consumes one and reports truncation with
// `ok() == false` instead of reading past the end, so malformed client packets are detected,
// never trusted. Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brkv::sql {

inline constexpr size_t kMaxPacketPart = 0xFFFFFF;

class PacketWriter {
 public:
  void Int1(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Int2(uint16_t v);
  void Int3(uint32_t v);
  void Int4(uint32_t v);
  void Int8(uint64_t v);
  void LenencInt(uint64_t v);
  void LenencStr(std::string_view s);
  // NUL-terminated string.
  void NulStr(std::string_view s);
  void Raw(std::string_view s) { out_.append(s); }
  void Zeros(size_t n) { out_.append(n, '\0'); }

  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class PacketReader {
 public:
  explicit PacketReader(std::string_view in) : in_(in) {}

  // Each read returns 0 / "" and sets ok() to false when the payload is too short.
  uint8_t Int1();
  uint16_t Int2();
  uint32_t Int3();
  uint32_t Int4();
  uint64_t Int8();
  // A length-encoded integer; nullopt for the NULL marker 0xFB (ok() stays true).
  std::optional<uint64_t> LenencInt();
  std::string_view LenencStr();
  // Up to (not including) the next NUL, which is consumed. Fails without a NUL.
  std::string_view NulStr();
  std::string_view Bytes(size_t n);
  std::string_view Rest();
  void Skip(size_t n) { Bytes(n); }

  bool ok() const { return ok_; }
  size_t remaining() const { return in_.size() - pos_; }
  bool AtEnd() const { return pos_ >= in_.size(); }

 private:
  bool Need(size_t n);
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Frames `payload` as one or more packets starting at sequence id *seq (advanced past the
// last one) and appends them to *out.
void AppendPackets(std::string* out, std::string_view payload, uint8_t* seq);

}  // namespace brkv::sql
