// Process-wide logging on spdlog: human-readable lines to stderr (or a file).
// Secrets must never be passed to a log call; see redact helpers where credentials exist.
// Thread-safe: LOG_* may be called from any thread; call InitLogging early in main().
#pragma once

#include <string>

// spdlog compiles out SPDLOG_DEBUG unless the active level allows it; the run-time level set by
// InitLogging is the real filter.
#ifndef SPDLOG_ACTIVE_LEVEL
#define SPDLOG_ACTIVE_LEVEL SPDLOG_LEVEL_DEBUG
#endif
#include <spdlog/spdlog.h>

namespace brkv {

// Configures the default logger. level: "debug", "info", "warn", "error" (also "trace",
// "warning", "critical", "off"); empty = "info". file: empty = stderr; otherwise appended to,
// creating missing parent directories.
// Returns false if the level is unknown (info is used) or the file cannot be opened (stderr is
// used). May be called again to reconfigure.
bool InitLogging(const std::string& level, const std::string& file = "");

}  // namespace brkv

#define LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
