#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace qovery_mcp::log {

enum class Level { Debug, Info, Warning, Error };
/// Text: "qovery-job-secret-mcp: info: message key=value"; Json: one object per line.
enum class Format { Text, Json };

/// Messages below `level` are dropped. Default: Info.
void set_level(Level level);
/// Whether `level` is logged now; lets a caller skip building a message.
bool enabled(Level level);
/// Parses "debug", "info", "warning" or "error".
bool parse_level(std::string_view text, Level &level);
/// Default: Text.
void set_format(Format format);
/// Parses "text" or "json".
bool parse_format(std::string_view text, Format &format);

/// Writes one line to stderr, whole, from any thread. `fields` (an object, or
/// null for none) follow the message as key=value pairs in text, or as members
/// in JSON. A member whose name is a secret's ("value", "token", "password",
/// "authorization", "apiKey", at any depth) is written as "[redacted]".
/// Callers never put a secret in `message`.
void write(Level level, std::string_view message, const nlohmann::json &fields = nullptr);
inline void debug(std::string_view message) { write(Level::Debug, message); }
inline void info(std::string_view message) { write(Level::Info, message); }
inline void warning(std::string_view message) { write(Level::Warning, message); }
inline void error(std::string_view message) { write(Level::Error, message); }

/// The time now in UTC, ISO 8601 with milliseconds: "2026-11-27T01:02:03.456Z".
std::string utc_timestamp();

/// `fields` with every secret-named member, at any depth, replaced by "[redacted]".
nlohmann::json redacted(nlohmann::json fields);

} // namespace qovery_mcp::log
