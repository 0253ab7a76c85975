#include "common/logging.h"

#include <memory>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace brkv {

namespace {

constexpr const char* kPattern = "[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] [%t] [%s:%#] %v";

bool ParseLevel(const std::string& s, spdlog::level::level_enum* out) {
  if (s == "trace") *out = spdlog::level::trace;
  else if (s == "debug") *out = spdlog::level::debug;
  else if (s == "info" || s.empty()) *out = spdlog::level::info;
  else if (s == "warn" || s == "warning") *out = spdlog::level::warn;
  else if (s == "error") *out = spdlog::level::err;
  else if (s == "fatal" || s == "critical") *out = spdlog::level::critical;
  else if (s == "off") *out = spdlog::level::off;
  else return false;
  return true;
}

}  // namespace

bool InitLogging(const std::string& level, const std::string& file) {
  spdlog::level::level_enum lvl = spdlog::level::info;
  bool ok = ParseLevel(level, &lvl);

  std::shared_ptr<spdlog::logger> logger;
  if (!file.empty()) {
    // spdlog reports an unopenable file by throwing; this is the adapter boundary where that
    // becomes a return value.
    try {
      auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file);
      logger = std::make_shared<spdlog::logger>("brkv", std::move(sink));
    } catch (const spdlog::spdlog_ex&) {
      ok = false;
    }
  }
  if (!logger) {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    logger = std::make_shared<spdlog::logger>("brkv", std::move(sink));
  }
  logger->set_pattern(kPattern);
  logger->set_level(lvl);
  // Every line reaches the file at once: the lines before a crash (kill -9, abort) are the
  // ones a person needs.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return ok;
}

}  // namespace brkv
