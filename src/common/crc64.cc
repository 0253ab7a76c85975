#include "common/crc64.h"

#include <isa-l/crc64.h>

namespace brkv {

// ISA-L's crc64_ecma_refl inverts the running value on entry and exit, so chaining calls with the
// previous result as init_crc continues the CRC, and 0 starts a fresh one (CRC-64/XZ).
uint64_t Crc64Update(uint64_t crc, std::string_view data) {
  return crc64_ecma_refl(crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

uint64_t Crc64(std::string_view data) { return Crc64Update(0, data); }

}  // namespace brkv
