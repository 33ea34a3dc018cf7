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

} // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Result<std::unique_ptr<AuditLog>>::failure("cannot open " + path +
                                                      " for appending: " + std::strerror(errno));
  return std::unique_ptr<AuditLog>(new AuditLog(fd, path));
}

AuditLog::~AuditLog() { ::close(fd_); }

bool AuditLog::append(const json &entry) {
  std::string line = entry.dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      log::error("audit log " + path_ + ": write failed: " + std::strerror(errno));
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd_) != 0) {
    log::error("audit log " + path_ + ": sync failed: " + std::strerror(errno));
    return false;
  }
  return true;
}

json audit_entry(const ToolSpec &tool, const json &arguments, const UpstreamResponse &response,
                 CallOrigin origin) {
  json secret_id = string_argument(arguments, "secretId");
  if (secret_id.is_null() && response.status >= 200 && response.status < 300) {
    json created = json::parse(response.body, nullptr, false);
    if (created.is_object())
      secret_id = string_argument(created, "id");
  }
  auto body = arguments.find("body");
  return {
      {"time", log::utc_timestamp()},
      {"session", session_label(origin.session)},
      {"adapter", origin.adapter},
      {"tool", tool.name},
      {"jobId", string_argument(arguments, "jobId")},
      {"secretId", secret_id},
      {"key", body != arguments.end() && body->is_object() ? string_argument(*body, "key")
                                                           : json(nullptr)},
      {"outcome", outcome(response)},
      {"upstreamStatus",
       response.error == UpstreamError::None ? json(response.status) : json(nullptr)},
      {"attempts", response.attempts},
  };
}

UpstreamResponse send_call(Upstream &upstream, const ToolSpec &tool, const json &arguments,
                           const UpstreamRequest &request, CallOrigin origin, AuditLog *audit) {
  auto started = std::chrono::steady_clock::now();
  UpstreamResponse response = upstream.send(request);
  if (audit != nullptr && changes_state(tool))
    audit->append(audit_entry(tool, arguments, response, origin));
  if (log::enabled(log::Level::Debug)) {
    auto elapsed = std::chrono::steady_clock::now() - started;
    log::write(log::Level::Debug, "call",
               {{"adapter", origin.adapter},
                {"session", session_label(origin.session)},
                {"tool", tool.name},
                {"jobId", string_argument(arguments, "jobId")},
                {"outcome", outcome(response)},
                {"status", response.status},
                {"attempts", response.attempts},
                {"ms", std::chrono::duration<double, std::milli>(elapsed).count()}});
  }
  return response;
}

} // namespace qovery_mcp
