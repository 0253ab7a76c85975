// ScatterWhenReady: asks PD to scatter regions, waiting for the ones PD is still changing.
//
// PD refuses to scatter a region that runs an operator or whose replicas are still catching
// up (a learner, a pending peer). Right after a split that is the common case: the new region
// inherits a replica operator or a catching-up peer from its parent. PD's own scatter retries
// such regions and BR's restore waits for them, so kvctl scatter does the same instead of
// failing: each round asks PD to scatter the regions left; a refused region that PD is busy
// with is waited for (polling PD's operator and region state, up to a deadline), then asked
// again. A region refused while PD is not busy with it (a single-peer region that holds data,
// a down peer, a down or busy store) is asked once more, then counted as refused.
//
// Scattering a region with several peers only starts PD's scatter-region operator; this does
// not wait for that operator to finish.
// Thread-safety: one call per thread; the PdClient is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/pd_client.h"
#include "common/status.h"

namespace brkv::tools {

struct ScatterWaitOptions {
  // How long, in all, to wait for regions PD is busy with. 0: no waiting (a busy region is
  // reported at once). Default: 60 s.
  std::chrono::milliseconds wait{60000};
  // How often PD is asked whether a busy region is done. Default: 200 ms.
  std::chrono::milliseconds poll{200};
  // Gets one human-readable line whenever the set of regions being waited for changes, e.g.
  // "waiting up to 60s for PD to finish with 1 region before scattering it: region 7 runs
  // operator add-replica". May be empty.
  std::function<void(const std::string&)> progress;
};

struct ScatterOutcome {
  std::vector<uint64_t> scattered;  // PD accepted them (moved, operator started, or in place)
  std::vector<uint64_t> refused;    // PD said no while not busy with them
  std::vector<uint64_t> busy;       // PD was still busy with them at the deadline
  std::string busy_reason;          // why the first busy region was busy ("runs operator ...")
};

// Scatters `region_ids` (duplicates and 0 are ignored). Returns the outcome per region; an
// error only when PD cannot be asked (the RPC's Status).
Result<ScatterOutcome> ScatterWhenReady(client::PdClient* pd,
                                        const std::vector<uint64_t>& region_ids,
                                        const ScatterWaitOptions& options);

}  // namespace brkv::tools
