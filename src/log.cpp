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
/// The RequestScope active on this thread, innermost, or nullptr.
thread_local RequestScope *t_scope = nullptr;

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

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
/// The characters after the first of a tracestate key part.
bool is_key_char(char c) {
  return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

/// A tracestate key: simple-key, or tenant-id "@" system-id (Trace Context, 3.3.1.3.1).
bool valid_tracestate_key(std::string_view key) {
  auto rest_valid = [](std::string_view part) {
    return std::all_of(part.begin() + 1, part.end(), is_key_char);
  };
  std::size_t at = key.find('@');
  if (at == std::string_view::npos)
    return !key.empty() && key.size() <= 256 && is_lcalpha(key.front()) && rest_valid(key);
  std::string_view tenant = key.substr(0, at), system = key.substr(at + 1);
  return !tenant.empty() && tenant.size() <= 241 &&
         (is_lcalpha(tenant[0]) || is_digit(tenant[0])) && rest_valid(tenant) && !system.empty() &&
         system.size() <= 14 && is_lcalpha(system[0]) && rest_valid(system);
}

/// A tracestate value: up to 256 printable ASCII characters but ',' and '=',
/// not ending in a space (Trace Context, 3.3.1.3.2).
bool valid_tracestate_value(std::string_view value) {
  return !value.empty() && value.size() <= 256 && value.back() != ' ' &&
         std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

} // namespace

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

void set_level(Level level) { g_level = level; }

bool enabled(Level level) {
  return level >= g_level.load() || (t_scope != nullptr && t_scope->observes(level));
}

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
  const RequestScope *scope = t_scope;
  bool observed = scope != nullptr && scope->observes(level);
  bool logged = level >= g_level.load();
  if (!observed && !logged)
    return;
  json safe = redacted(fields);
  if (observed)
    scope->observe(level, message, safe);
  if (!logged)
    return;
  if (scope != nullptr && !scope->trace().traceparent.empty()) {
    if (!safe.is_object())
      safe = json::object();
    safe["traceparent"] = scope->trace().traceparent;
    if (!scope->trace().tracestate.empty())
      safe["tracestate"] = scope->trace().tracestate;
  }
  std::string line = g_format.load() == Format::Json ? json_line(level, message, safe)
                                                     : text_line(level, message, safe);
  line += '\n';
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::optional<std::string> valid_traceparent(std::string_view text) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2+1+32+1+16+1+2 = 55.
  constexpr std::size_t kLength = 55;
  if (text.size() < kLength)
    return std::nullopt;
  std::string_view version = text.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff")
    return std::nullopt;
  // Version 00 is exactly 55 characters; a later one may add "-..." after them.
  if (version == "00" ? text.size() != kLength : text.size() > kLength && text[kLength] != '-')
    return std::nullopt;
  std::string_view trace_id = text.substr(3, 32), parent_id = text.substr(36, 16),
                   flags = text.substr(53, 2);
  if (text[2] != '-' || text[35] != '-' || text[52] != '-' || !is_lower_hex(trace_id) ||
      all_zeros(trace_id) || !is_lower_hex(parent_id) || all_zeros(parent_id) ||
      !is_lower_hex(flags))
    return std::nullopt;
  return std::string(text.substr(0, kLength));
}

bool valid_tracestate(std::string_view text) {
  if (text.size() > 512)
    return false;
  int members = 0;
  while (true) {
    std::size_t comma = text.find(',');
    std::string_view member = trim_ows(text.substr(0, comma));
    if (!member.empty()) { // empty list members are allowed, and skipped
      std::size_t equals = member.find('=');
      if (equals == std::string_view::npos || ++members > 32 ||
          !valid_tracestate_key(member.substr(0, equals)) ||
          !valid_tracestate_value(member.substr(equals + 1)))
        return false;
    }
    if (comma == std::string_view::npos)
      return members > 0;
    text.remove_prefix(comma + 1);
  }
}

TraceContext trace_context(const json &meta) {
  TraceContext trace;
  if (!meta.is_object())
    return trace;
  auto parent = meta.find("traceparent");
  if (parent == meta.end() || !parent->is_string())
    return trace;
  std::optional<std::string> valid = valid_traceparent(parent->get_ref<const std::string &>());
  if (!valid)
    return trace;
  trace.traceparent = std::move(*valid);
  auto state = meta.find("tracestate");
  if (state != meta.end() && state->is_string() &&
      valid_tracestate(state->get_ref<const std::string &>()))
    trace.tracestate = std::string(trim_ows(state->get_ref<const std::string &>()));
  return trace;
}

RequestScope::RequestScope(TraceContext trace, std::optional<Level> observe_from, Observer observer)
    : trace_(std::move(trace)), observe_from_(observe_from), observer_(std::move(observer)),
      outer_(t_scope) {
  t_scope = this;
}

RequestScope::~RequestScope() { t_scope = outer_; }

} // namespace qovery_mcp::log
