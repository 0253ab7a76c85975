// TomlSchema: the keys a TOML config file may hold, each bound to a typed field, and the one
// loop that applies a document to them. pd-server and kv-server describe their files with it.
//
// Keys are dotted: "addr" is a top-level key, "schedule.max-store-down-time" is the key
// max-store-down-time of the table [schedule]. A table is a known section when some key lives
// under it. Apply() stops at the first problem and returns InvalidArgument with one line that
// names the source and the key:
//   <source>: malformed TOML: <what is wrong> (line N)
//   <source>: unknown config section [x]
//   <source>: unknown config key "x.y"
//   <source>: config key "x.y" has the wrong type
//   <source>: config key "x.y": <why the value is bad>
// Keys are applied in no particular order, and a failed Apply() may already have set the fields
// of other keys: callers bind a copy of their config and keep it only when Apply() succeeds.
//
// Usage:
//   ServerConfig updated = *config;
//   TomlSchema schema;
//   schema.String("addr", &updated.addr);
//   schema.Duration("gc.poll-interval", &updated.gc_poll_interval_ms, ParseDurationMs,
//                   IntegerDuration::kMilliseconds);
//   RETURN_IF_ERROR(schema.Apply(text, "kv.toml"));
//   *config = std::move(updated);
//
// Thread-safety: a schema holds raw pointers to the fields it binds; use it on one thread,
// while those fields live.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brkv {

// How a duration key reads a bare TOML integer.
enum class IntegerDuration {
  kMilliseconds,  // 1500 is 1.5 s, stored as is
  kParsedAsText,  // handed to the key's parser as its decimal text ("90")
};

class TomlSchema {
 public:
  // "64MiB" -> bytes, "30m" -> milliseconds: InvalidArgument with the reason on a bad value.
  using SizeParser = std::function<Result<uint64_t>(std::string_view)>;
  using DurationParser = std::function<Result<int64_t>(std::string_view)>;

  TomlSchema();
  ~TomlSchema();
  TomlSchema(const TomlSchema&) = delete;
  TomlSchema& operator=(const TomlSchema&) = delete;

  // Binds `key` to a field. A key bound twice keeps the last binding.
  // A TOML string.
  void String(const std::string& key, std::string* out);
  // A TOML boolean.
  void Bool(const std::string& key, bool* out);
  // A TOML integer, narrowed to int (ranges are the config's validation to check).
  void Int(const std::string& key, int* out);
  // A TOML integer in [0, max].
  void Uint32(const std::string& key, uint32_t* out, int64_t max);
  // A TOML integer (bytes, not negative) or a string read by `parse`.
  void Size(const std::string& key, uint64_t* out, SizeParser parse);
  // A TOML string read by `parse`, or an integer read as `integers` says.
  void Duration(const std::string& key, int64_t* out, DurationParser parse,
                IntegerDuration integers);

  // Parses the TOML document `text` and sets the bound fields of the keys it holds. `source`
  // (usually the file name) starts every error message; see the header comment for the
  // messages. OK for an empty document.
  Status Apply(std::string_view text, const std::string& source) const;

 private:
  struct Node;  // a TOML value, defined where the TOML library is included
  using Setter = std::function<Status(const Node&)>;

  Status ApplyTable(const Node& table, const std::string& prefix, const std::string& source) const;

  std::map<std::string, Setter> setters_;
};

// The whole of the config file at `path`. IOError "cannot read config file <path>[: reason]"
// when it is missing, not a regular file or unreadable.
Result<std::string> ReadConfigFile(const std::string& path);

}  // namespace brkv
