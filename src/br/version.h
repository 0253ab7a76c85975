// br's build information, recorded in BackupMeta.br_version and printed by `br --version`.
// Thread-safety: constants and pure functions.
#pragma once

#include <string>
#include <string_view>

namespace brkv::br {

// The release of this br (and of the brkv cluster it ships with).
inline constexpr std::string_view kBrReleaseVersion = "v0.1.0";

// Multi-line build information in BR's shape:
//   BR
//   Release Version: v0.1.0
//   Git Commit Hash: <hash or "unknown">
//   Git Branch: <branch or "unknown">
//   Toolchain: <compiler>
//   Build Time: <date time>
std::string BrVersionInfo();

}  // namespace brkv::br
