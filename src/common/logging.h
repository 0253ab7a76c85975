// Process-wide logging on spdlog: human-readable lines to stderr (or a file).
// Secrets must never be passed to a log call; see redact helpers where credentials exist.
#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace brkv {

// Configures the default logger. level: "debug", "info", "warn", "error". file: empty = stderr.
// Returns false (and keeps stderr) if the file cannot be opened.
bool InitLogging(const std::string& level, const std::string& file = "");

}  // namespace brkv

#define LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
