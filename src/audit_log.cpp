#include "qovery_mcp/audit_log.hpp"

#include "qovery_mcp/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// A string argument, or null.
json string_argument(const json &arguments, const std::string &name) {
  auto found = arguments.find(name);
  return found != arguments.end() && found->is_string() ? *found : json(nullptr);
}

bool has_operation_at(const Capability &capability, std::string_view path) {
  return std::any_of(capability.operations.begin(), capability.operations.end(),
                     [path](const Operation &operation) { return operation.path == path; });
}

/// The placeholder naming what a POST to `path` creates (see AuditFields::created).
std::string created_placeholder(const Capability &capability, std::string_view path) {
  // A collection: the item's path is the collection's and one placeholder.
  for (const Operation &operation : capability.operations) {
    std::string_view item = operation.path;
    if (!item.starts_with(path))
      continue;
    std::string_view segment = item.substr(path.size());
    std::vector<std::string> names = path_placeholders(segment);
    if (names.size() == 1 && segment == "/{" + names.front() + "}")
      return names.front();
  }
  // An action on an item (.../{secretId}/alias): it creates a sibling of its target.
  std::size_t last = path.rfind('/');
  if (last == std::string_view::npos || last == 0)
    return {};
  std::string_view item = path.substr(0, last);
  std::vector<std::string> placeholders = path_placeholders(item);
  if (placeholders.empty() || !item.ends_with("{" + placeholders.back() + "}") ||
      !has_operation_at(capability, item))
    return {};
  return placeholders.back();
}

/// "targetSecretId" for "secretId".
std::string target_name(const std::string &created) {
  std::string name = "target" + created;
  name[6] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[6])));
  return name;
}

/// The members both lines of a call carry. For a create, the created id is
/// null until the answer names it, and a path argument of the same name is
/// the create's target.
json audit_base(const AuditFields &fields, const json &arguments, CallOrigin origin,
                std::string_view phase) {
  json entry = {
      {"phase", phase},
      {"time", log::utc_timestamp()},
      {"session", session_label(origin.session)},
      {"adapter", origin.adapter},
      {"tool", fields.tool},
  };
  for (const std::string &name : fields.path_params)
    entry[name == fields.created ? target_name(name) : name] = string_argument(arguments, name);
  if (!fields.created.empty())
    entry[fields.created] = nullptr;
  if (fields.body_key) {
    auto body = arguments.find("body");
    entry["key"] = body != arguments.end() && body->is_object() ? string_argument(*body, "key")
                                                                : json(nullptr);
  }
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

AuditFields audit_fields(const Capability &capability, const ToolSpec &tool) {
  const Operation &operation = *tool.operation;
  AuditFields fields{
      tool.name, operation.method != "GET", operation.path_params, tool.sends_body, {}};
  if (operation.method == "POST")
    fields.created = created_placeholder(capability, operation.path);
  return fields;
}

json audit_intent(const AuditFields &fields, const json &arguments, CallOrigin origin) {
  return audit_base(fields, arguments, origin, "intent");
}

json audit_entry(const AuditFields &fields, const json &arguments, const UpstreamResponse &response,
                 CallOrigin origin) {
  json entry = audit_base(fields, arguments, origin, "outcome");
  if (!fields.created.empty() && response.error == UpstreamError::None && response.status >= 200 &&
      response.status < 300) {
    json created = json::parse(response.body, nullptr, false);
    if (created.is_object())
      entry[fields.created] = string_argument(created, "id");
  }
  entry["outcome"] = call_outcome(response);
  entry["upstreamStatus"] =
      response.error == UpstreamError::None ? json(response.status) : json(nullptr);
  entry["attempts"] = response.attempts;
  return entry;
}

std::string_view call_outcome(const UpstreamResponse &response) {
  if (response.error != UpstreamError::None)
    return "no-answer";
  if (response.status >= 500)
    return "failed";
  if (response.status >= 400)
    return "rejected";
  return "ok";
}

std::string session_label(std::string_view session) { return std::string(session.substr(0, 8)); }

} // namespace qovery_mcp
