// Text rules shared by the object-store request signers and the HTTP layer: header names
// compare case-insensitively (lower-cased ASCII), and header values are canonicalised by
// trimming and collapsing whitespace runs (AWS SigV4 "trimall", Azure Shared Key unfolding).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace brkv::storage {

// `s` with ASCII letters lower-cased; other bytes unchanged.
std::string AsciiLower(std::string_view s);
// `v` without leading/trailing whitespace, each inner run of spaces, tabs, CR or LF replaced by
// one space.
std::string CanonicalHeaderValue(std::string_view v);

}  // namespace brkv::storage
