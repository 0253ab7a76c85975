#include "br/version.h"

#ifndef BRKV_GIT_HASH
#define BRKV_GIT_HASH "unknown"
#endif
#ifndef BRKV_GIT_BRANCH
#define BRKV_GIT_BRANCH "unknown"
#endif

namespace brkv::br {

std::string BrVersionInfo() {
  std::string out = "BR\nRelease Version: ";
  out += kBrReleaseVersion;
  out += "\nGit Commit Hash: " BRKV_GIT_HASH "\nGit Branch: " BRKV_GIT_BRANCH;
#if defined(__clang__)
  out += "\nToolchain: clang " __clang_version__;
#elif defined(__GNUC__)
  out += "\nToolchain: gcc " __VERSION__;
#endif
  out += "\nBuild Time: " __DATE__ " " __TIME__;
  return out;
}

}  // namespace brkv::br
