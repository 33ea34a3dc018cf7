#include "qovery_mcp/log.hpp"

#include "qovery_mcp/text.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace qovery_mcp::log {
namespace {

using nlohmann::json;

constexpr std::string_view kProgram = "qovery-job-secret-mcp";
std::atomic<Level> g_level{Level::Info};
std::atomic<Format> g_format{Format::Text};
std::mutex g_mutex;

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

bool is_secret_name(const std::string &name) {
  std::string lower = to_lower(name);
  return lower == "value" || lower == "token" || lower == "password" || lower == "authorization" ||
         lower == "apikey" || lower == "api_key";
}

std::string dump(const json &value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// A field's value in a text line: plain when that cannot be misread.
std::string text_value(const json &value) {
  if (!value.is_string())
    return dump(value);
  const std::string &text = value.get_ref<const std::string &>();
  bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
  });
  return plain ? text : dump(value);
}

std::string text_line(Level level, std::string_view message, const json &fields) {
  std::string line(kProgram);
  line += ": ";
  line += level_name(level);
  line += ": ";
  line += message;
  if (fields.is_object())
    for (const auto &[key, value] : fields.items())
      line += " " + key + "=" + text_value(value);
  return line;
}

std::string json_line(Level level, std::string_view message, const json &fields) {
  json line = {{"time", utc_timestamp()}, {"level", level_name(level)}, {"msg", message}};
  if (fields.is_object())
    for (const auto &[key, value] : fields.items())
      if (!line.contains(key))
        line[key] = value;
  return dump(line);
}

} // namespace

void set_level(Level level) { g_level = level; }

bool enabled(Level level) { return level >= g_level.load(); }

bool parse_level(std::string_view text, Level &level) {
  for (Level candidate : {Level::Debug, Level::Info, Level::Warning, Level::Error}) {
    if (level_name(candidate) == text) {
      level = candidate;
      return true;
    }
  }
  return false;
}

void set_format(Format format) { g_format = format; }

bool parse_format(std::string_view text, Format &format) {
  if (text == "text" || text == "json") {
    format = text == "json" ? Format::Json : Format::Text;
    return true;
  }
  return false;
}

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char with_millis[40];
  std::snprintf(with_millis, sizeof with_millis, "%s.%03dZ", text,
                static_cast<int>(millis.count()));
  return with_millis;
}

json redacted(json fields) {
  if (fields.is_array()) {
    for (auto &item : fields)
      item = redacted(std::move(item));
  } else if (fields.is_object()) {
    for (auto &[key, value] : fields.items())
      value = is_secret_name(key) ? json("[redacted]") : redacted(std::move(value));
  }
  return fields;
}

void write(Level level, std::string_view message, const json &fields) {
  if (!enabled(level))
    return;
  json safe = redacted(fields);
  std::string line = g_format.load() == Format::Json ? json_line(level, message, safe)
                                                     : text_line(level, message, safe);
  line += '\n';
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace qovery_mcp::log
