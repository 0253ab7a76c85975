// Parsing the timestamps users give to br (--backupts, --lastbackupts, ...) into TSOs.
//
// Accepted forms:
//   "459177124841914369"            a TSO, decimal (returned as is)
//   "2026-11-21"                    midnight of that day
//   "2026-11-21 10:00:00[.fff]"     a datetime ('T' instead of the space also accepted)
//   "2026-11-21T10:00:00+08:00"     with a zone: Z, +HH:MM, +HHMM or +HH (a space may precede it)
// A datetime without a zone is read in Options::default_utc_offset_seconds, or else in the
// process's local time zone (TZ), as BR does. The result is (unix milliseconds << 18), i.e.
// logical 0. Fractions below a millisecond are truncated.
//
// Thread-safety: pure functions (local-time conversion goes through the C library).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace brkv::br {

struct ParseTsOptions {
  // Zone for datetimes written without one, in seconds east of UTC.
  // Default: unset = the local time zone.
  std::optional<int32_t> default_utc_offset_seconds;
};

// InvalidArgument (quoting the input and the accepted forms) for anything malformed: empty
// input, trailing garbage, out-of-range fields (month 13, Feb 30, hour 24), a TSO that does
// not fit in 64 bits, or a time before 1970 or too far in the future for a TSO.
Result<uint64_t> ParseTS(std::string_view text, const ParseTsOptions& options = {});

}  // namespace brkv::br
