// MemStorage (memstore://name/prefix): objects kept in process memory, for tests.
//
// All storages created with the same `name` share one object map, so a test can write through
// one storage instance (say, a backup writer's) and read through another (a restore reader's),
// like two processes sharing a bucket. Objects live until ResetMemStore(name) or process exit.
// Readers see the object as it was at Open (objects are immutable snapshots).
// Thread-safety: thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/external_storage.h"

namespace brkv::storage {

// A storage over the shared store `name`, with object names placed under `prefix`.
std::unique_ptr<ExternalStorage> NewMemStorage(std::string_view name, std::string_view prefix = "",
                                               const StorageOptions& options = {});
// Drops every object of the shared store `name`.
void ResetMemStore(std::string_view name);

}  // namespace brkv::storage
