// NoopStorage (noop://): accepts and discards every write; every read is NotFound; listing is
// empty. For benchmarking the scan/encode path without storage cost.
// Thread-safety: thread-safe (stateless).
#pragma once

#include <memory>

#include "storage/external_storage.h"

namespace brkv::storage {

std::unique_ptr<ExternalStorage> NewNoopStorage(const StorageOptions& options = {});

}  // namespace brkv::storage
