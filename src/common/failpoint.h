// Named failpoints for fault-injection tests.
//
// A failpoint is a named site in the code. Tests (or the environment variable BRKV_FAILPOINTS,
// read once at first use: "name=action;name2=action") arm it with an action:
//   "return"          Eval (and so FAIL_POINT) returns Status::Internal("failpoint <name>")
//   "return(msg)"     ... with that message
//   "sleep(ms)"       sleeps ms milliseconds, then continues
//   "panic"           aborts the process (simulates a crash at that point)
//   "off"             disarmed
// Prefix "N*" (e.g. "2*return") fires only the first N times, then the failpoint disarms.
// Thread-safe. Disarmed failpoints cost one relaxed atomic load.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv::failpoint {

// Arms `name` with `action` (replacing any previous action). A malformed action is a
// programming error in the test that wrote it: it is reported on stderr and the process aborts,
// so a typo cannot make a fault-injection test pass vacuously. Use EnableFromSpec for
// untrusted input.
void Enable(std::string_view name, std::string_view action);
void Disable(std::string_view name);
// Disarms every failpoint and resets all hit counters.
void DisableAll();
// Parses "a=return;b=sleep(10)" and arms each; InvalidArgument on a malformed spec, in which
// case nothing is armed. Empty items (";;") are ignored.
Status EnableFromSpec(std::string_view spec);

// Evaluates the failpoint: OK when disarmed or after a sleep; the injected error for
// "return"; never returns for "panic".
Status Eval(std::string_view name);

// How many times `name` has fired (any action) since the last DisableAll.
uint64_t Hits(std::string_view name);

// Arms a failpoint for the lifetime of a scope (tests).
class ScopedFailPoint {
 public:
  ScopedFailPoint(std::string_view name, std::string_view action) : name_(name) {
    Enable(name_, action);
  }
  ~ScopedFailPoint() { Disable(name_); }
  ScopedFailPoint(const ScopedFailPoint&) = delete;
  ScopedFailPoint& operator=(const ScopedFailPoint&) = delete;

 private:
  std::string name_;
};

}  // namespace brkv::failpoint

// Returns the injected Status from the enclosing function when the failpoint fires.
#define FAIL_POINT(name) RETURN_IF_ERROR(::brkv::failpoint::Eval(name))
