// StoresUp: "is this set of kv-servers registered and serving?", as PD sees it. Used by
// playground and the integration harness to decide that a cluster (or a restarted node) is up.
// Thread-safety: as PdClient (thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/pd_client.h"
#include "common/status.h"

namespace brkv::tools {

// One check (no waiting): true when PD is bootstrapped and, for every address, a store with
// that address is Up, not down, and has heartbeated at or after since_unix_ms (so PD's
// persisted record of an earlier run, or of a node before it was killed, does not count).
// *waiting_for (optional) describes what is missing. Errors: PD's error.
Result<bool> StoresUp(client::PdClient* pd, const std::vector<std::string>& addresses,
                      int64_t since_unix_ms, std::string* waiting_for = nullptr);

// Milliseconds since the Unix epoch (the clock PD stamps heartbeats with).
int64_t UnixMillisNow();

}  // namespace brkv::tools
