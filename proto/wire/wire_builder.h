// WireBuilder: writes protobuf wire bytes field by field, for golden messages in the wire
// compatibility tests. The tests give every field number by hand, as kvproto's .proto files
// number them, so what our generated code reads from these bytes shows whether it agrees
// with kvproto — independently of our own .proto files.
// Thread-safety: a value type; no shared state.
#pragma once

#include <cstdint>
#include <string>

namespace brkv::wire {

class WireBuilder {
 public:
  // Wire type 0: int32/int64/uint32/uint64/bool/enum (non-negative values).
  WireBuilder& Varint(uint32_t field, uint64_t value) {
    Key(field, 0);
    PutVarint(value);
    return *this;
  }
  // Wire type 2: string, bytes, or an embedded message's bytes.
  WireBuilder& Bytes(uint32_t field, const std::string& value) {
    Key(field, 2);
    PutVarint(value.size());
    out_ += value;
    return *this;
  }
  WireBuilder& Message(uint32_t field, const WireBuilder& m) { return Bytes(field, m.str()); }
  // A packed repeated varint field (proto3's default for repeated scalars).
  WireBuilder& PackedVarints(uint32_t field, std::initializer_list<uint64_t> values) {
    WireBuilder inner;
    for (uint64_t v : values) inner.PutVarint(v);
    return Bytes(field, inner.out_);
  }

  const std::string& str() const { return out_; }

 private:
  void Key(uint32_t field, uint32_t wire_type) { PutVarint((uint64_t{field} << 3) | wire_type); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }

  std::string out_;
};

}  // namespace brkv::wire
