#pragma once

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/upstream.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace qovery_mcp {

/// Where a call came from, for the request log and the audit log.
struct CallOrigin {
  std::string_view adapter; ///< "mcp" or "rest"
  std::string_view session; ///< the MCP session's id ("stdio" on stdio); empty for REST
};

/// The audit log (--audit-log FILE): two JSON lines per call that changes a
/// secret, the intent on disk before the call is sent and the outcome on disk
/// before the caller answers. Never a value.
class AuditLog {
public:
  /// Opens `path` for appending (created with mode 0600 when missing); fails
  /// naming the file and the system's reason.
  static Result<std::unique_ptr<AuditLog>> open(const std::string &path);
  ~AuditLog();
  AuditLog(const AuditLog &) = delete;
  AuditLog &operator=(const AuditLog &) = delete;

  /// Appends `entry` as one line and returns once it is on disk (fdatasync):
  /// nullopt then; otherwise the system's reason ("No space left on device"),
  /// also logged. Safe from any thread.
  std::optional<std::string> append(const nlohmann::json &entry);

private:
  AuditLog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  std::mutex mutex_;
};

/// The audit entry written before a change is sent: phase "intent", time,
/// session, adapter, tool, jobId, secretId, key, and for an alias or an
/// override targetSecretId, the secret it targets. secretId is the secret
/// edited or deleted; for a create (add, alias, override) it is null here, as
/// the new secret has no id yet. Never a value.
nlohmann::json audit_intent(const ToolSpec &tool, const nlohmann::json &arguments,
                            CallOrigin origin);

/// The audit entry of a finished call: the intent's members with phase
/// "outcome", secretId the new secret's for a create that succeeded, outcome
/// ("ok", "rejected" for a 4xx, "failed" for a 5xx, "no-answer" when none
/// came), upstreamStatus (null without an answer) and attempts. Never a value.
nlohmann::json audit_entry(const ToolSpec &tool, const nlohmann::json &arguments,
                           const UpstreamResponse &response, CallOrigin origin);

/// Sends a validated call upstream, the one way every adapter calls Qovery:
/// logs it ("call", with tool, jobId, outcome, status, attempts, ms) at debug
/// level, or at warning when Qovery failed it (a 5xx, or no answer); when it changes state and
/// `audit` is set, writes its intent before sending and its outcome before returning. Fails, having
/// sent nothing, when the intent cannot be written: a change that cannot be
/// audited is not made. A failed outcome line is only logged (the change is
/// made by then, and its intent is on disk).
Result<UpstreamResponse> send_call(Upstream &upstream, const ToolSpec &tool,
                                   const nlohmann::json &arguments, const UpstreamRequest &request,
                                   CallOrigin origin, AuditLog *audit);

} // namespace qovery_mcp
