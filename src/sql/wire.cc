#include "sql/wire.h"

namespace brkv::sql {

void PacketWriter::Int2(uint16_t v) {
  Int1(v & 0xFF);
  Int1(v >> 8);
}
void PacketWriter::Int3(uint32_t v) {
  Int1(v & 0xFF);
  Int1((v >> 8) & 0xFF);
  Int1((v >> 16) & 0xFF);
}
void PacketWriter::Int4(uint32_t v) {
  Int2(v & 0xFFFF);
  Int2(v >> 16);
}
void PacketWriter::Int8(uint64_t v) {
  Int4(static_cast<uint32_t>(v));
  Int4(static_cast<uint32_t>(v >> 32));
}
void PacketWriter::LenencInt(uint64_t v) {
  if (v < 0xFB) {
    Int1(static_cast<uint8_t>(v));
  } else if (v <= 0xFFFF) {
    Int1(0xFC);
    Int2(static_cast<uint16_t>(v));
  } else if (v <= 0xFFFFFF) {
    Int1(0xFD);
    Int3(static_cast<uint32_t>(v));
  } else {
    Int1(0xFE);
    Int8(v);
  }
}
void PacketWriter::LenencStr(std::string_view s) {
  LenencInt(s.size());
  out_.append(s);
}
void PacketWriter::NulStr(std::string_view s) {
  out_.append(s);
  out_.push_back('\0');
}

bool PacketReader::Need(size_t n) {
  if (!ok_ || remaining() < n) {
    ok_ = false;
    return false;
  }
  return true;
}

uint8_t PacketReader::Int1() {
  if (!Need(1)) return 0;
  return static_cast<uint8_t>(in_[pos_++]);
}
uint16_t PacketReader::Int2() {
  if (!Need(2)) return 0;
  uint16_t lo = Int1();
  return static_cast<uint16_t>(lo | (Int1() << 8));
}
uint32_t PacketReader::Int3() {
  if (!Need(3)) return 0;
  uint32_t v = Int2();
  return v | (static_cast<uint32_t>(Int1()) << 16);
}
uint32_t PacketReader::Int4() {
  if (!Need(4)) return 0;
  uint32_t v = Int2();
  return v | (static_cast<uint32_t>(Int2()) << 16);
}
uint64_t PacketReader::Int8() {
  if (!Need(8)) return 0;
  uint64_t v = Int4();
  return v | (static_cast<uint64_t>(Int4()) << 32);
}
std::optional<uint64_t> PacketReader::LenencInt() {
  uint8_t b = Int1();
  if (!ok_) return 0;
  if (b < 0xFB) return b;
  if (b == 0xFB) return std::nullopt;
  if (b == 0xFC) return Int2();
  if (b == 0xFD) return Int3();
  if (b == 0xFE) return Int8();
  ok_ = false;  // 0xFF is not a length
  return 0;
}
std::string_view PacketReader::LenencStr() {
  std::optional<uint64_t> n = LenencInt();
  if (!ok_ || !n) return {};
  if (*n > remaining()) {
    ok_ = false;
    return {};
  }
  return Bytes(static_cast<size_t>(*n));
}
std::string_view PacketReader::NulStr() {
  if (!ok_) return {};
  size_t end = in_.find('\0', pos_);
  if (end == std::string_view::npos) {
    ok_ = false;
    return {};
  }
  std::string_view s = in_.substr(pos_, end - pos_);
  pos_ = end + 1;
  return s;
}
std::string_view PacketReader::Bytes(size_t n) {
  if (!Need(n)) return {};
  std::string_view s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}
std::string_view PacketReader::Rest() {
  if (!ok_) return {};
  std::string_view s = in_.substr(pos_);
  pos_ = in_.size();
  return s;
}

void AppendPackets(std::string* out, std::string_view payload, uint8_t* seq) {
  size_t pos = 0;
  while (true) {
    size_t n = std::min(kMaxPacketPart, payload.size() - pos);
    out->push_back(static_cast<char>(n & 0xFF));
    out->push_back(static_cast<char>((n >> 8) & 0xFF));
    out->push_back(static_cast<char>((n >> 16) & 0xFF));
    out->push_back(static_cast<char>((*seq)++));
    out->append(payload.substr(pos, n));
    pos += n;
    if (n < kMaxPacketPart) break;  // a full-size part is always followed by another
  }
}

}  // namespace brkv::sql
