#include "catalog/datum.h"

#include <charconv>

#include "common/codec.h"

namespace brkv::catalog {

std::string Datum::DebugString() const {
  switch (kind()) {
    case Kind::kNull:
      return "NULL";
    case Kind::kInt64:
      return std::to_string(int_value());
    case Kind::kDouble: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof(buf), double_value());
      return std::string(buf, r.ptr);
    }
    case Kind::kBytes:
      return "\"" + codec::Escape(bytes()) + "\"";
  }
  return "?";
}

}  // namespace brkv::catalog
