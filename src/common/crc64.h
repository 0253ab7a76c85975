// CRC-64/XZ (ECMA-182 reflected, init and xorout all ones), as Go crc64.ECMA and crc64fast.
// Check value: Crc64("123456789") == 0x995DC9BBDF1939FA. Backed by ISA-L.
#pragma once

#include <cstdint>
#include <string_view>

namespace brkv {

uint64_t Crc64(std::string_view data);
// Continues a running CRC: Crc64Update(Crc64(a), b) == Crc64(a + b). Start from 0.
uint64_t Crc64Update(uint64_t crc, std::string_view data);

}  // namespace brkv
