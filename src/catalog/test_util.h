// Helpers shared by the catalog unit tests.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

#include "common/codec.h"

namespace brkv::catalog::testing {

// Normalises a spaced hex vector such as "74 80 00" to lower-case hex without spaces.
inline std::string X(std::string_view spaced) {
  std::string out;
  for (char c : spaced) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

// Bytes of a spaced hex vector.
inline std::string B(std::string_view spaced) {
  auto r = codec::FromHex(X(spaced));
  return r.ok() ? *r : std::string("<bad hex>");
}

inline std::string HexOf(std::string_view bytes) { return codec::ToHex(bytes); }

}  // namespace brkv::catalog::testing
