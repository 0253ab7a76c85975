#include "sst/compression.h"

#include <rocksdb/convenience.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace brkv::sst {

Result<CompressionType> ParseCompressionType(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(std::tolower(c)));
  if (n == "lz4") return CompressionType::kLz4;
  if (n == "snappy") return CompressionType::kSnappy;
  if (n == "zstd") return CompressionType::kZstd;
  return Status::InvalidArgument("unknown compression \"" + std::string(name) +
                                 "\" (use lz4, snappy or zstd)");
}

std::string_view CompressionName(CompressionType type) {
  switch (type) {
    case CompressionType::kLz4:
      return "lz4";
    case CompressionType::kSnappy:
      return "snappy";
    case CompressionType::kZstd:
      return "zstd";
    default:
      return "unknown";
  }
}

Result<rocksdb::CompressionType> ToRocksCompression(CompressionType type) {
  rocksdb::CompressionType r;
  switch (type) {
    case CompressionType::kUnknown:
    case CompressionType::kLz4:
      r = rocksdb::kLZ4Compression;
      break;
    case CompressionType::kSnappy:
      r = rocksdb::kSnappyCompression;
      break;
    case CompressionType::kZstd:
      r = rocksdb::kZSTD;
      break;
    default:
      return Status::InvalidArgument("unknown compression type " +
                                     std::to_string(static_cast<int>(type)));
  }
  std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(), r) == supported.end()) {
    return Status::NotSupported("this RocksDB build has no " + std::string(CompressionName(type)) +
                                " support");
  }
  return r;
}

}  // namespace brkv::sst
