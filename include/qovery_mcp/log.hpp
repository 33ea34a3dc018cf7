#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace qovery_mcp::log {

enum class Level { Debug, Info, Warning, Error };
/// Text: "qovery-job-secret-mcp: info: message key=value"; Json: one object per line.
enum class Format { Text, Json };

/// Messages below `level` are dropped. Default: Info.
void set_level(Level level);
/// Whether `level` is logged now, on stderr or to the RequestScope of this
/// thread; lets a caller skip building a message.
bool enabled(Level level);
/// The level's name: "debug", "info", "warning" or "error" (RFC 5424's
/// names, as MCP's log levels are).
std::string_view level_name(Level level);
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
/// Callers never put a secret in `message`. While a RequestScope is active on
/// this thread, the line also carries its trace context, and the event goes
/// to its observer (whatever the level set by set_level()) when at or above
/// the scope's level.
void write(Level level, std::string_view message, const nlohmann::json &fields = nullptr);
inline void debug(std::string_view message) { write(Level::Debug, message); }
inline void info(std::string_view message) { write(Level::Info, message); }
inline void warning(std::string_view message) { write(Level::Warning, message); }
inline void error(std::string_view message) { write(Level::Error, message); }

/// The time now in UTC, ISO 8601 with milliseconds: "2026-11-27T01:02:03.456Z".
std::string utc_timestamp();

/// `fields` with every secret-named member, at any depth, replaced by "[redacted]".
nlohmann::json redacted(nlohmann::json fields);

/// `text` when it is a valid W3C `traceparent` (Trace Context, section 3.2:
/// version-traceId-parentId-flags in lowercase hex, neither id all zeros,
/// version not ff); for a version above 00, its first 55 characters, the
/// part this version defines. Nullopt when malformed.
std::optional<std::string> valid_traceparent(std::string_view text);
/// Whether `text` is a valid W3C `tracestate` (Trace Context, section 3.3):
/// 1 to 32 comma-separated key=value members, keys and values as the
/// grammar gives, at most 512 characters.
bool valid_tracestate(std::string_view text);

/// The W3C trace context of a request (MCP 2026-07-28, basic/index:
/// `traceparent` and `tracestate` in `_meta`), already validated: empty
/// strings when absent or malformed.
struct TraceContext {
  std::string traceparent;
  std::string tracestate; ///< only with a valid traceparent (Trace Context, 3.3)
};

/// The trace context of a request's `_meta` (an object, or anything else
/// for none): each value kept only when valid, so a malformed one is never
/// written anywhere.
TraceContext trace_context(const nlohmann::json &meta);

/// Receives an event logged on the thread of a RequestScope: its level,
/// message and fields (secret-named members already redacted).
using Observer =
    std::function<void(Level level, std::string_view message, const nlohmann::json &fields)>;

/// What the log knows of the request a thread is serving, from construction
/// to destruction: its trace context, written in each line logged on the
/// thread meanwhile (as "traceparent" and "tracestate" fields), and an
/// observer that receives each event at or above `observe_from` (MCP's
/// per-request log level, server/utilities/logging). Scopes nest: the inner
/// one wins until it ends.
class RequestScope {
public:
  RequestScope(TraceContext trace, std::optional<Level> observe_from = std::nullopt,
               Observer observer = nullptr);
  ~RequestScope();
  RequestScope(const RequestScope &) = delete;
  RequestScope &operator=(const RequestScope &) = delete;

  const TraceContext &trace() const { return trace_; }
  /// Whether the observer wants events of `level`.
  bool observes(Level level) const { return observer_ && observe_from_ && level >= *observe_from_; }
  void observe(Level level, std::string_view message, const nlohmann::json &fields) const {
    observer_(level, message, fields);
  }

private:
  TraceContext trace_;
  std::optional<Level> observe_from_;
  Observer observer_;
  RequestScope *outer_;
};

} // namespace qovery_mcp::log
