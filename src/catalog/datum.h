// Datum: one SQL value as the catalog layer sees it: NULL, a signed 64-bit integer, a double or
// a byte string. It is the unit that row values (row v2) and index keys (EncodeKey) are built
// from. Unsigned integers, decimals and temporal types are not supported by this project.
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace brkv::catalog {

class Datum {
 public:
  enum class Kind { kNull = 0, kInt64, kDouble, kBytes };

  Datum() = default;  // NULL
  static Datum Null() { return Datum(); }
  static Datum Int(int64_t v) { return Datum(Rep(std::in_place_index<1>, v)); }
  static Datum Double(double v) { return Datum(Rep(std::in_place_index<2>, v)); }
  static Datum Bytes(std::string v) { return Datum(Rep(std::in_place_index<3>, std::move(v))); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }
  // REQUIRES: kind() is the matching kind.
  int64_t int_value() const { return std::get<1>(v_); }
  double double_value() const { return std::get<2>(v_); }
  const std::string& bytes() const { return std::get<3>(v_); }

  // Same kind and same value (doubles compare by ==, so NaN != NaN; NaN is never produced here).
  bool operator==(const Datum& o) const = default;

  // Debug form: NULL, 42, 1.5, "abc" (bytes escaped as \xNN where non-printable).
  std::string DebugString() const;

 private:
  using Rep = std::variant<std::monostate, int64_t, double, std::string>;
  explicit Datum(Rep v) : v_(std::move(v)) {}
  Rep v_;
};

}  // namespace brkv::catalog
