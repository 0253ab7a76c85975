#include "common/checksum.h"

#include "common/crc64.h"

namespace brkv {

void Checksum::Update(std::string_view raw_key, std::string_view user_value) {
  crc64xor ^= Crc64Update(Crc64(raw_key), user_value);
  total_kvs += 1;
  total_bytes += raw_key.size() + user_value.size();
}

void Checksum::Merge(const Checksum& other) {
  crc64xor ^= other.crc64xor;
  total_kvs += other.total_kvs;
  total_bytes += other.total_bytes;
}

}  // namespace brkv
