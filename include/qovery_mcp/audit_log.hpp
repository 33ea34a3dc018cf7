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
#include <vector>

namespace qovery_mcp {

/// Where a call came from, for the request log and the audit log.
struct CallOrigin {
  std::string_view adapter; ///< "mcp" or "rest"
  std::string_view session; ///< the MCP session's id ("stdio" on stdio); empty for REST
};

/// The audit log (--audit-log FILE): two JSON lines per call that changes
/// state, the intent on disk before the call is sent and the outcome on disk
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

/// What the audit lines of one tool record about its target, from the
/// capability: each path parameter, named as in the operation's path
/// ("jobId", "secretId"), the body's `key` when the tool sends a body, and for
/// a create (POST) the new resource's id.
struct AuditFields {
  std::string tool;                     ///< the tool's name
  bool changes_state = false;           ///< any method but GET: audited
  std::vector<std::string> path_params; ///< recorded as sent
  bool body_key = false;                ///< the tool sends a body: record its `key`
  /// For a create: the member that holds the new resource's id, named as the
  /// item's placeholder in the capability's paths: for POST /job/{jobId}/secret
  /// the one of /job/{jobId}/secret/{secretId}; for POST .../{secretId}/alias
  /// the placeholder before the last segment, whose path argument is then the
  /// create's target (recorded as "targetSecretId"). Empty when no path
  /// names the created resource, or for any other method.
  std::string created;
};

/// The audit fields of `tool`, one of `capability`'s tools.
AuditFields audit_fields(const Capability &capability, const ToolSpec &tool);

/// The audit entry written before a change is sent: phase "intent", time,
/// session, adapter, tool, the path parameters, the body's key, and for a
/// create whose path names its target, the target's id as
/// "target<Created>" ("targetSecretId"). The created id (AuditFields::created)
/// is null here, as the new resource has no id yet. Never a value.
nlohmann::json audit_intent(const AuditFields &fields, const nlohmann::json &arguments,
                            CallOrigin origin);

/// The audit entry of a finished call: the intent's members with phase
/// "outcome", the created id the answer's `id` for a create that succeeded,
/// outcome (call_outcome()), upstreamStatus (null without an answer) and
/// attempts. Never a value.
nlohmann::json audit_entry(const AuditFields &fields, const nlohmann::json &arguments,
                           const UpstreamResponse &response, CallOrigin origin);

/// How a sent call ended, as audit and log lines say it: "ok", "rejected"
/// for a 4xx, "failed" for a 5xx, "no-answer" when none came.
std::string_view call_outcome(const UpstreamResponse &response);

/// Enough of a session id to tell sessions apart in a log, not enough to use
/// it: its first 8 characters.
std::string session_label(std::string_view session);

} // namespace qovery_mcp
