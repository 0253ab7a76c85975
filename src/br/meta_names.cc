#include "br/meta_names.h"

#include <cstdio>

namespace brkv::br {

std::string_view LeafPrefix(LeafKind kind) {
  switch (kind) {
    case LeafKind::kDataFile:
      return kDataFileLeafPrefix;
    case LeafKind::kSchema:
      return kSchemaLeafPrefix;
    case LeafKind::kDdl:
      return kDdlLeafPrefix;
  }
  return kDataFileLeafPrefix;
}

std::string LeafName(LeafKind kind, uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), ".%09llu", static_cast<unsigned long long>(seq));
  return std::string(LeafPrefix(kind)) + buf;
}

}  // namespace brkv::br
