#include "qovery_mcp/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace qovery_mcp::log {
namespace {
std::atomic<Level> g_level{Level::Info};
std::mutex g_mutex;
std::string g_program = "qovery-job-secret-mcp";

std::string_view level_name(Level level) {
  switch (level) {
  case Level::Debug:
    return "debug";
  case Level::Info:
    return "info";
  case Level::Warning:
    return "warning";
  case Level::Error:
    return "error";
  }
  return "info";
}
} // namespace

void set_level(Level level) { g_level = level; }

bool parse_level(std::string_view text, Level &level) {
  for (Level candidate : {Level::Debug, Level::Info, Level::Warning, Level::Error}) {
    if (level_name(candidate) == text) {
      level = candidate;
      return true;
    }
  }
  return false;
}

void set_program_name(std::string_view name) {
  std::lock_guard lock(g_mutex);
  g_program = name;
}

void write(Level level, std::string_view message) {
  if (level < g_level.load())
    return;
  std::lock_guard lock(g_mutex);
  std::string line = g_program;
  line += ": ";
  line += level_name(level);
  line += ": ";
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace qovery_mcp::log
