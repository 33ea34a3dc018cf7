#include "qovery_mcp/audit_log.hpp"

#include "qovery_mcp/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// Enough of a session id to tell sessions apart in a log, not enough to use it.
std::string session_label(std::string_view session) { return std::string(session.substr(0, 8)); }

std::string outcome(const UpstreamResponse &response) {
  if (response.error != UpstreamError::None)
    return "no-answer";
  if (response.status >= 500)
    return "failed";
  if (response.status >= 400)
    return "rejected";
  return "ok";
}

/// A string argument, or null.
json string_argument(const json &arguments, const char *name) {
  auto found = arguments.find(name);
  return found != arguments.end() && found->is_string() ? *found : json(nullptr);
}

bool changes_state(const ToolSpec &tool) { return tool.operation->method != "GET"; }

/// A create makes a new secret (add, alias, override): its id is in the answer.
bool creates(const ToolSpec &tool) { return tool.operation->method == "POST"; }

/// The members both lines of a call carry. For a create, `secretId` (the new
/// secret's) is null until the answer names it, and the path's secretId, if
/// any, is the alias's or override's target.
json audit_base(const ToolSpec &tool, const json &arguments, CallOrigin origin,
                std::string_view phase) {
  auto body = arguments.find("body");
  json entry = {
      {"phase", phase},
      {"time", log::utc_timestamp()},
      {"session", session_label(origin.session)},
      {"adapter", origin.adapter},
      {"tool", tool.name},
      {"jobId", string_argument(arguments, "jobId")},
      {"secretId", creates(tool) ? json(nullptr) : string_argument(arguments, "secretId")},
      {"key", body != arguments.end() && body->is_object() ? string_argument(*body, "key")
                                                           : json(nullptr)},
  };
  if (creates(tool) && arguments.contains("secretId"))
    entry["targetSecretId"] = string_argument(arguments, "secretId");
  return entry;
}

} // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Result<std::unique_ptr<AuditLog>>::failure("cannot open " + path +
                                                      " for appending: " + std::strerror(errno));
  return std::unique_ptr<AuditLog>(new AuditLog(fd, path));
}

AuditLog::~AuditLog() { ::close(fd_); }

std::optional<std::string> AuditLog::append(const json &entry) {
  std::string line = entry.dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      std::string reason = n < 0 ? std::strerror(errno) : "nothing was written";
      log::error("audit log " + path_ + ": write failed: " + reason);
      return reason;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd_) != 0) {
    std::string reason = std::strerror(errno);
    log::error("audit log " + path_ + ": sync failed: " + reason);
    return reason;
  }
  return std::nullopt;
}

json audit_intent(const ToolSpec &tool, const json &arguments, CallOrigin origin) {
  return audit_base(tool, arguments, origin, "intent");
}

json audit_entry(const ToolSpec &tool, const json &arguments, const UpstreamResponse &response,
                 CallOrigin origin) {
  json entry = audit_base(tool, arguments, origin, "outcome");
  if (creates(tool) && response.error == UpstreamError::None && response.status >= 200 &&
      response.status < 300) {
    json created = json::parse(response.body, nullptr, false);
    if (created.is_object())
      entry["secretId"] = string_argument(created, "id");
  }
  entry["outcome"] = outcome(response);
  entry["upstreamStatus"] =
      response.error == UpstreamError::None ? json(response.status) : json(nullptr);
  entry["attempts"] = response.attempts;
  return entry;
}

Result<UpstreamResponse> send_call(Upstream &upstream, const ToolSpec &tool, const json &arguments,
                                   const UpstreamRequest &request, CallOrigin origin,
                                   AuditLog *audit) {
  const bool audited = audit != nullptr && changes_state(tool);
  if (audited) {
    if (std::optional<std::string> failure = audit->append(audit_intent(tool, arguments, origin)))
      return Result<UpstreamResponse>::failure(
          "the audit log could not be written (" + *failure +
          "), so the change was not sent to Qovery and nothing changed. The user must fix the "
          "server's --audit-log file; until then no change can be made, and secrets can still "
          "be listed.");
  }
  auto started = std::chrono::steady_clock::now();
  UpstreamResponse response = upstream.send(request);
  if (audited)
    audit->append(audit_entry(tool, arguments, response, origin));
  // A call Qovery failed (no answer, or a 5xx) is worth a warning; any other, a debug line.
  std::string how = outcome(response);
  log::Level level =
      how == "failed" || how == "no-answer" ? log::Level::Warning : log::Level::Debug;
  if (log::enabled(level)) {
    auto elapsed = std::chrono::steady_clock::now() - started;
    log::write(level, "call",
               {{"adapter", origin.adapter},
                {"session", session_label(origin.session)},
                {"tool", tool.name},
                {"jobId", string_argument(arguments, "jobId")},
                {"outcome", how},
                {"status", response.status},
                {"attempts", response.attempts},
                {"ms", std::chrono::duration<double, std::milli>(elapsed).count()}});
  }
  return response;
}

} // namespace qovery_mcp
