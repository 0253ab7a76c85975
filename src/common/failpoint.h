// Named failpoints for fault-injection tests.
//
// A failpoint is a named site in the code. Tests (or the environment variable BRKV_FAILPOINTS,
// read once at first use: "name=action;name2=action") arm it with an action:
//   "return"          FAIL_POINT_STATUS returns Status::Internal("failpoint <name>")
//   "return(msg)"     ... with that message
//   "sleep(ms)"       sleeps ms milliseconds, then continues
//   "panic"           aborts the process (simulates a crash at that point)
//   "off"             disarmed
// Prefix "N*" (e.g. "2*return") fires only the first N times.
// Thread-safe. Disarmed failpoints cost one relaxed atomic load.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::failpoint {

void Enable(std::string_view name, std::string_view action);
void Disable(std::string_view name);
void DisableAll();
// Parses "a=return;b=sleep(10)" and arms each; InvalidArgument on a malformed spec.
Status EnableFromSpec(std::string_view spec);

// Evaluates the failpoint: OK when disarmed or after a sleep; the injected error for
// "return"; never returns for "panic".
Status Eval(std::string_view name);

}  // namespace brkv::failpoint

// Returns the injected Status from the enclosing function when the failpoint fires.
#define FAIL_POINT(name) RETURN_IF_ERROR(::brkv::failpoint::Eval(name))
