#pragma once

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/upstream.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace qovery_mcp {

/// Where a call came from, for the request log and the audit log.
struct CallOrigin {
  std::string_view adapter; ///< "mcp" or "rest"
  std::string_view session; ///< the MCP session's id ("stdio" on stdio); empty for REST
};

/// The audit log (--audit-log FILE): one JSON line per call that changes a
/// secret, appended and on disk before the caller answers. Never a value.
class AuditLog {
public:
  /// Opens `path` for appending (created with mode 0600 when missing); fails
  /// naming the file and the system's reason.
  static Result<std::unique_ptr<AuditLog>> open(const std::string &path);
  ~AuditLog();
  AuditLog(const AuditLog &) = delete;
  AuditLog &operator=(const AuditLog &) = delete;

  /// Appends `entry` as one line and returns once it is on disk (fdatasync).
  /// Safe from any thread. False, with the reason logged, when that failed.
  bool append(const nlohmann::json &entry);

private:
  AuditLog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  std::mutex mutex_;
};

/// The audit entry of a finished call: time, session, adapter, tool, jobId,
/// secretId (the new secret's for a create), key, outcome ("ok", "rejected"
/// for a 4xx, "failed" for a 5xx, "no-answer" when none came), upstream
/// status (null without an answer) and attempts. Never a value.
nlohmann::json audit_entry(const ToolSpec &tool, const nlohmann::json &arguments,
                           const UpstreamResponse &response, CallOrigin origin);

/// Sends a validated call upstream, the one way every adapter calls Qovery:
/// logs it at debug level, and when it changes state and `audit` is set,
/// appends its audit entry before returning.
UpstreamResponse send_call(Upstream &upstream, const ToolSpec &tool,
                           const nlohmann::json &arguments, const UpstreamRequest &request,
                           CallOrigin origin, AuditLog *audit);

} // namespace qovery_mcp
