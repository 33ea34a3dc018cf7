#include "qovery_mcp/tool_caller.hpp"

#include "qovery_mcp/log.hpp"

#include <algorithm>
#include <chrono>

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// The upstream's own explanation from an error body like {"status":409,"detail":"..."},
/// with the values the call sent redacted (before it is cut: a cut value
/// would leave its beginning).
std::string upstream_detail(const std::string &body, const json &arguments) {
  json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object())
    return {};
  for (const char *field : {"detail", "message", "error"}) {
    auto it = parsed.find(field);
    if (it != parsed.end() && it->is_string()) {
      std::string detail = redact(it->get_ref<const std::string &>(), sent_values(arguments));
      if (detail.size() > 300) {
        // Cut between code points: a cut inside one leaves text that is not
        // UTF-8, which the HTTP transport then fails to serialize.
        std::size_t cut = 300;
        while (cut > 0 && (static_cast<unsigned char>(detail[cut]) & 0xC0U) == 0x80U)
          --cut;
        detail = detail.substr(0, cut) + "...";
      }
      return detail;
    }
  }
  return {};
}

/// A success: `answer` projected onto the tool's output schema, as
/// structuredContent and as the same JSON in a text block; without an output
/// schema, `answer` as it came in a text block only.
json success(const ToolRegistry::Tool &tool, json answer) {
  if (tool.output)
    answer = tool.output->project(std::move(answer));
  json result = {{"content", json::array({{{"type", "text"}, {"text", answer.dump()}}})}};
  if (tool.output && answer.is_object())
    result["structuredContent"] = std::move(answer);
  return result;
}

} // namespace

ToolCaller::ToolCaller(const Capability &capability, const ToolRegistry &registry,
                       Upstream &upstream, AuditLog *audit)
    : registry_(registry), upstream_(upstream), audit_(audit), texts_(capability) {
  // The server's own tools send nothing themselves: nothing to audit.
  for (const auto &tool : registry.tools())
    audit_fields_.push_back(tool.spec->operation != nullptr
                                ? audit_fields(capability, *tool.spec)
                                : AuditFields{tool.spec->name, false, {}, false, {}});
}

bool ToolCaller::takes_value(const ToolRegistry::Tool &tool) { return tool.takes_value; }

json ToolCaller::call(const ToolRegistry::Tool &tool, const json &arguments, CallOrigin origin,
                      const Context &context) const {
  if (tool.spec->operation == nullptr) {
    if (std::optional<std::string> problem = registry_.check_arguments(tool, arguments))
      return result(tool, arguments, {CallRefusal::InvalidArguments, std::move(*problem), {}});
    if (!own_tools_)
      return tool_error(tool.spec->name + " is not served here: it needs the pages of an MCP "
                                          "server, which this front door does not have");
    return own_tools_(tool, arguments, origin, context);
  }
  auto body = arguments.find("body");
  bool value_given = body != arguments.end() && body->is_object() && body->contains("value");
  if (value_given && tool.takes_value && !registry_.values_from_model())
    return tool_error("this server takes no secret value from the conversation "
                      "(--no-values-from-model), so nothing was sent. Call " +
                      tool.spec->name +
                      " again without body.value: the result gives a link where the user types "
                      "the value themselves. Tell the user not to paste secrets in the chat.");
  bool enters_value = value_entry_ && !value_given && tool.takes_value;
  bool confirms = confirm_ && tool.spec->hints.destructive;
  if (!enters_value && !confirms)
    return result(tool, arguments, send(tool, arguments, origin, context.cancelled));
  // Nobody is asked about a call that would be refused anyway.
  Result<UpstreamRequest> request = registry_.prepare(tool, arguments);
  if (!request)
    return result(tool, arguments, {CallRefusal::InvalidArguments, request.error(), {}});
  if (enters_value)
    return value_entry_(tool, arguments, origin, context);
  if (std::optional<json> refused = confirm_(tool, arguments, origin, context))
    return std::move(*refused);
  return result(tool, arguments, send(tool, arguments, origin, context.cancelled));
}

CallOutcome ToolCaller::send(const ToolRegistry::Tool &tool, const json &arguments,
                             CallOrigin origin, const Cancelled &cancelled) const {
  Result<UpstreamRequest> request = registry_.prepare(tool, arguments);
  if (!request)
    return {CallRefusal::InvalidArguments, request.error(), {}};
  // The last moment to stop: once sent, a change completes and is audited.
  if (cancelled && cancelled())
    return {CallRefusal::Cancelled,
            "the client cancelled the call before it was sent to " + texts_.api_name() +
                "; nothing changed",
            {}};
  const AuditFields &fields =
      audit_fields_[static_cast<std::size_t>(&tool - registry_.tools().data())];
  const bool audited = audit_ != nullptr && fields.changes_state;
  if (audited) {
    if (std::optional<std::string> failure =
            audit_->append(audit_intent(fields, arguments, origin)))
      return {CallRefusal::NotAudited,
              "the audit log could not be written (" + *failure +
                  "), so the change was not sent to " + texts_.api_name() +
                  " and nothing changed. The user must fix the server's --audit-log file; until "
                  "then no change can be made, and " +
                  texts_.reads_still_work() + ".",
              {}};
  }
  auto started = std::chrono::steady_clock::now();
  CallOutcome outcome{CallRefusal::None, {}, upstream_.send(request.value())};
  const UpstreamResponse &response = outcome.response;
  if (audited)
    audit_->append(audit_entry(fields, arguments, response, origin));
  // A call the upstream failed (no answer, or a 5xx) is worth a warning; any other, a debug line.
  std::string_view how = call_outcome(response);
  log::Level level =
      how == "failed" || how == "no-answer" ? log::Level::Warning : log::Level::Debug;
  if (log::enabled(level)) {
    auto elapsed = std::chrono::steady_clock::now() - started;
    json fields_logged = {{"adapter", origin.adapter},
                          {"session", session_label(origin.session)},
                          {"tool", fields.tool}};
    for (const std::string &name : fields.path_params)
      if (auto value = arguments.find(name); value != arguments.end() && value->is_string())
        fields_logged[name] = *value;
    fields_logged["outcome"] = how;
    fields_logged["status"] = response.status;
    fields_logged["attempts"] = response.attempts;
    fields_logged["ms"] = std::chrono::duration<double, std::milli>(elapsed).count();
    log::write(level, "call", fields_logged);
  }
  return outcome;
}

json ToolCaller::result(const ToolRegistry::Tool &tool, const json &arguments,
                        const CallOutcome &outcome) const {
  switch (outcome.refusal) {
  case CallRefusal::None:
    return answer_result(tool, arguments, outcome.response);
  case CallRefusal::InvalidArguments:
    return tool_error(outcome.message + ". Fix the arguments and call " + tool.spec->name +
                      " again.");
  case CallRefusal::NotAudited:
  case CallRefusal::Cancelled:
    break;
  }
  return tool_error(outcome.message);
}

json ToolCaller::answer_result(const ToolRegistry::Tool &tool, const json &arguments,
                               const UpstreamResponse &response) const {
  const Operation &operation = *tool.spec->operation;
  bool changes_state = operation.method != "GET";
  // "", or " after 3 attempts" when the upstream retried before giving up.
  std::string attempts =
      response.attempts > 1 ? " after " + std::to_string(response.attempts) + " attempts" : "";
  if (response.error != UpstreamError::None) {
    std::string message =
        "could not complete the call" + attempts + ": " + response.error_message + ".";
    // Neither a failed handshake nor an unknown host let the request out.
    bool not_sent =
        response.error == UpstreamError::Tls || response.error == UpstreamError::Unresolved;
    if (response.error == UpstreamError::Tls)
      message += " The user should check --ca-file, and --api-url if they set it.";
    if (changes_state && !not_sent)
      message += texts_.outcome_unknown(*tool.spec);
    return tool_error(std::move(message));
  }
  if (response.status < 200 || response.status >= 300) {
    std::string message =
        texts_.api_name() + " answered HTTP " + std::to_string(response.status) + attempts;
    if (std::string detail = upstream_detail(response.body, arguments); !detail.empty())
      message += ": " + detail;
    message += ". " + texts_.advice(response.status, operation);
    // A gateway's 5xx can come after the change was applied.
    if (changes_state && response.status >= 500)
      message += texts_.outcome_unknown(*tool.spec);
    return tool_error(std::move(message));
  }
  if (response.body.empty()) {
    json structured = json::object();
    if (operation.method == "DELETE")
      structured["deleted"] = true;
    for (const auto &param : operation.path_params)
      if (auto given = arguments.find(param); given != arguments.end()) // not one `with:` fixes
        structured[param] = *given;
    return success(tool, std::move(structured));
  }
  Result<json> answer = parse_answer(response.body);
  if (!answer)
    return tool_error(
        texts_.api_name() + " answered HTTP " + std::to_string(response.status) + " with " +
        answer.error() + "." +
        (changes_state ? texts_.outcome_unknown(*tool.spec) : " Try the call again."));
  return success(tool, std::move(answer.value()));
}

Result<json> parse_answer(const std::string &body) {
  int depth = 0;
  json parsed = json::parse(
      body,
      [&depth](int level, json::parse_event_t, json &) {
        depth = std::max(depth, level);
        return true;
      },
      false);
  if (parsed.is_discarded())
    return Result<json>::failure("a body that is not JSON");
  if (depth > kMaxAnswerDepth)
    return Result<json>::failure("JSON nested deeper than " + std::to_string(kMaxAnswerDepth) +
                                 " levels");
  return parsed;
}

std::vector<std::string> sent_values(const json &arguments) {
  std::vector<std::string> values;
  auto body = arguments.find("body");
  if (body == arguments.end())
    return values;
  auto add = [&values](std::string form) {
    if (!form.empty() && std::find(values.begin(), values.end(), form) == values.end())
      values.push_back(std::move(form));
  };
  // An explicit stack: the body's depth is whatever the caller sent.
  std::vector<const json *> pending{&*body};
  while (!pending.empty()) {
    const json &node = *pending.back();
    pending.pop_back();
    if (node.is_array()) {
      for (const json &element : node)
        pending.push_back(&element);
      continue;
    }
    if (!node.is_object())
      continue;
    for (auto member = node.begin(); member != node.end(); ++member) {
      if (member.key() == "value" && member->is_string()) {
        const std::string escaped = member->dump(-1, ' ', false, json::error_handler_t::replace);
        const std::string ascii = member->dump(-1, ' ', true, json::error_handler_t::replace);
        add(member->get<std::string>());
        add(escaped.substr(1, escaped.size() - 2));
        add(ascii.substr(1, ascii.size() - 2));
        continue;
      }
      pending.push_back(&*member);
    }
  }
  std::stable_sort(values.begin(), values.end(),
                   [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
  return values;
}

std::string redact(std::string_view text, const std::vector<std::string> &values) {
  static constexpr std::string_view kRedacted = "[redacted]";
  if (values.empty())
    return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const std::string_view rest = text.substr(at);
    auto match = std::find_if(values.begin(), values.end(),
                              [rest](const std::string &value) { return rest.starts_with(value); });
    if (match != values.end()) {
      out += kRedacted;
      at += match->size();
      continue;
    }
    out += text[at++];
  }
  return out;
}

json tool_error(std::string message) {
  return {{"content", json::array({{{"type", "text"}, {"text", std::move(message)}}})},
          {"isError", true}};
}

} // namespace qovery_mcp
