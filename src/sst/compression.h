// Whole-SST compression of backup files: brpb.CompressionType and its RocksDB mapping.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include <rocksdb/compression_type.h>

#include "common/status.h"

namespace brkv::sst {

// brpb.CompressionType values. kUnknown means "the node picks its fastest codec" (LZ4).
enum class CompressionType : int { kUnknown = 0, kLz4 = 1, kSnappy = 2, kZstd = 3 };

// "lz4", "snappy", "zstd" (case-insensitive). InvalidArgument otherwise.
Result<CompressionType> ParseCompressionType(std::string_view name);
// "unknown", "lz4", "snappy", "zstd".
std::string_view CompressionName(CompressionType type);
// The RocksDB codec for `type` (kUnknown → LZ4). NotSupported if this RocksDB build lacks it.
Result<rocksdb::CompressionType> ToRocksCompression(CompressionType type);

}  // namespace brkv::sst
