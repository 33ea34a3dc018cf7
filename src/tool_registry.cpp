#include "qovery_mcp/tool_registry.hpp"

#include "qovery_mcp/json_text.hpp"

#include <algorithm>
#include <map>

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// Compiled schemas by their text: tools that return the same object (a
/// secret) share one schema instead of each parsing and holding a copy.
using SchemaCache = std::map<std::string, Schema, std::less<>>;

Result<Schema> load_schema(const ToolRegistry::SchemaSource &schemas, const std::string &file,
                           SchemaCache &cache) {
  std::optional<std::string_view> text = schemas(file);
  if (!text)
    return Result<Schema>::failure("schema file " + file + " is missing");
  if (auto found = cache.find(*text); found != cache.end())
    return found->second;
  json document = json::parse(*text, nullptr, false);
  if (document.is_discarded())
    return Result<Schema>::failure("schema file " + file + " is not valid JSON");
  Result<Schema> schema = Schema::compile(document);
  if (!schema)
    return Result<Schema>::failure("schema file " + file + ": " + schema.error());
  cache.emplace(*text, schema.value());
  return schema;
}

bool contains(const json &list, const std::string &name) {
  return list.is_array() && std::find(list.begin(), list.end(), name) != list.end();
}

/// The input schema must take exactly the arguments the operation uses: every
/// path parameter (required), its query parameters, and `body` when the tool
/// sends one. Checked once at start so the capability and the schemas cannot drift.
std::string check_input_schema(const ToolSpec &tool, const json &schema) {
  const json &properties = schema.value("properties", json::object());
  const json &required = schema.value("required", json::array());
  if (schema.value("type", "") != "object")
    return "must be an object schema";
  const Operation &operation = *tool.operation;
  for (const auto &param : operation.path_params) {
    if (tool.fixed.count(param) != 0)
      continue;
    if (!properties.contains(param) || !contains(required, param))
      return "must require the path parameter '" + param + "'";
  }
  if (tool.sends_body != properties.contains("body"))
    return tool.sends_body ? "must declare 'body': the tool sends one"
                           : "declares 'body', but the tool sends none";
  for (const auto &property : properties.items()) {
    const std::string &name = property.key();
    bool used = name == "body" ||
                std::count(operation.path_params.begin(), operation.path_params.end(), name) ||
                std::count(operation.query_params.begin(), operation.query_params.end(), name);
    if (!used)
      return "declares '" + name + "', which the operation does not use";
    if (tool.fixed.count(name) != 0)
      return "declares '" + name + "', which the capability fixes (with: " + name + ")";
  }
  return {};
}

json tool_definition(const ToolSpec &spec, const Schema &input, const Schema &output) {
  std::string description = spec.description;
  if (auto guidance = input.document().find("description");
      guidance != input.document().end() && guidance->is_string())
    description += "\n\n" + guidance->get<std::string>();
  return {
      {"name", spec.name},
      {"title", spec.description},
      {"description", description},
      {"inputSchema", input.document()},
      {"outputSchema", output.document()},
      {"annotations",
       {{"title", spec.description},
        {"readOnlyHint", spec.hints.read_only},
        {"destructiveHint", spec.hints.destructive},
        {"idempotentHint", spec.hints.idempotent},
        {"openWorldHint", true}}},
  };
}

bool selected(const ToolSpec &spec, const ToolSelection &selection) {
  if (selection.read_only && !spec.hints.read_only)
    return false;
  return selection.names.empty() || std::find(selection.names.begin(), selection.names.end(),
                                              spec.name) != selection.names.end();
}

std::string percent_encode(std::string_view text) {
  static const char *kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
      continue;
    }
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string argument_text(const json &value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

/// Qovery's own explanation from an error body like {"status":409,"detail":"..."},
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

/// What the model should do about an HTTP error status.
std::string status_advice(int status) {
  switch (status) {
  case 400:
    return "Qovery rejected the request. Fix the arguments as the detail says. Remember: "
           "BUILT_IN secrets cannot be edited or deleted; aliases and overrides can only be "
           "created on a secret of a higher scope (PROJECT or ENVIRONMENT, and BUILT_IN for an "
           "alias), never on a JOB-scope secret or an alias; an override's key and an alias's "
           "value cannot be edited.";
  case 401:
    return "Qovery did not accept the API key. The user must set QOVERY_API_KEY to a valid "
           "Qovery API token (or check --auth-scheme); retrying will not help.";
  case 403:
    return "Qovery refused access: the API key may lack permission on this job, or the job or "
           "secret may not exist (Qovery answers 403 for some unknown resources). Check jobId "
           "with the user.";
  case 404:
    return "Not found: check that jobId is the job's id and that secretId comes from "
           "listing this job's secrets.";
  case 409:
    return "A secret with this key already exists at this scope: edit that secret instead, or "
           "choose another key.";
  case 429:
    return "Qovery is rate limiting requests: wait before retrying.";
  default:
    // Redirects are not followed: the key would go wherever they point.
    if (status >= 300 && status < 400)
      return "The API's address answered with a redirect, which this server does not follow; "
             "nothing was done. The user should check --api-url (the API's base URL, "
             "https://api.qovery.com by default).";
    return status >= 500 ? "Qovery failed to handle the request: retry later."
                         : "Qovery refused the request.";
  }
}

/// Said of a change whose request may have reached Qovery without an answer.
constexpr const char *kOutcomeUnknown = " The change may or may not have been applied: list the "
                                        "job's secrets to check before trying again.";

/// A success: `answer` projected onto the tool's output schema, as
/// structuredContent and as the same JSON in a text block.
json success(const ToolRegistry::Tool &tool, json answer) {
  json structured = tool.output.project(std::move(answer));
  json result = {{"content", json::array({{{"type", "text"}, {"text", structured.dump()}}})}};
  if (structured.is_object())
    result["structuredContent"] = std::move(structured);
  return result;
}

} // namespace

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

std::string expand_path(std::string_view path, const json &arguments, const FixedValues &fixed) {
  std::string out;
  std::size_t open;
  while ((open = path.find('{')) != std::string_view::npos) {
    std::size_t close = path.find('}', open);
    if (close == std::string_view::npos)
      break;
    out += path.substr(0, open);
    std::string name(path.substr(open + 1, close - open - 1));
    if (auto given = fixed.find(name); given != fixed.end())
      out += percent_encode(given->second);
    else if (auto value = arguments.find(name); value != arguments.end())
      out += percent_encode(argument_text(*value));
    path.remove_prefix(close + 1);
  }
  out += path;
  return out;
}

Result<ToolRegistry> ToolRegistry::create(const Capability &capability, const SchemaSource &schemas,
                                          const ToolSelection &selection) {
  for (const auto &name : selection.names) {
    if (capability.find_tool(name) != nullptr)
      continue;
    std::string known;
    for (const auto &spec : capability.tools)
      known += (known.empty() ? "" : ", ") + spec.name;
    return Result<ToolRegistry>::failure("unknown tool '" + name + "' (tools: " + known + ")");
  }
  ToolRegistry registry;
  SchemaCache cache;
  for (const auto &spec : capability.tools) {
    Result<Schema> input = load_schema(schemas, spec.name + ".input.json", cache);
    if (!input)
      return Result<ToolRegistry>::failure("tool " + spec.name + ": " + input.error());
    Result<Schema> output = load_schema(schemas, spec.name + ".output.json", cache);
    if (!output)
      return Result<ToolRegistry>::failure("tool " + spec.name + ": " + output.error());
    if (std::string problem = check_input_schema(spec, input->document()); !problem.empty())
      return Result<ToolRegistry>::failure("tool " + spec.name + ": " + spec.name + ".input.json " +
                                           problem);
    if (auto problems = portability_problems(input->document()); !problems.empty())
      return Result<ToolRegistry>::failure("tool " + spec.name + ": " + spec.name +
                                           ".input.json is not portable: " + problems.front());
    bool offered = selected(spec, selection);
    registry.tools_.push_back(
        Tool{&spec, std::move(input.value()), std::move(output.value()), offered});
  }
  return registry;
}

json ToolRegistry::tools_list() const {
  json tools = json::array();
  for (const auto &tool : tools_)
    if (tool.selected)
      tools.push_back(tool_definition(*tool.spec, tool.input, tool.output));
  return {{"tools", std::move(tools)}};
}

const ToolRegistry::Tool *ToolRegistry::find(std::string_view name) const {
  for (const auto &tool : tools_)
    if (tool.selected && tool.spec->name == name)
      return &tool;
  return nullptr;
}

const ToolRegistry::Tool *ToolRegistry::find_for(const Operation &operation) const {
  for (const auto &tool : tools_)
    if (tool.spec->operation == &operation)
      return &tool;
  return nullptr;
}

Result<UpstreamRequest> ToolRegistry::prepare(const Tool &tool, const json &arguments) const {
  // Left by parse_json as WTF-8: any value taken from such a string would
  // not be the one the client meant.
  if (std::optional<std::string> path = lone_surrogate_path(arguments))
    return Result<UpstreamRequest>::failure(
        "argument '" + *path +
        "' holds a lone UTF-16 surrogate escape (half of a character, such as an emoji cut in "
        "two): send the whole character");
  if (std::optional<ValidationError> error = tool.input.validate(arguments)) {
    if (error->path.empty())
      return Result<UpstreamRequest>::failure("arguments " + error->message);
    return Result<UpstreamRequest>::failure("argument '" + error->path + "' " + error->message);
  }
  const Operation &operation = *tool.spec->operation;
  UpstreamRequest request;
  request.method = operation.method;
  const FixedValues &fixed = tool.spec->fixed;
  request.path = expand_path(operation.path, arguments, fixed);
  char separator = '?';
  for (const auto &name : operation.query_params) {
    std::string text;
    if (auto given = fixed.find(name); given != fixed.end()) {
      text = given->second;
    } else {
      auto value = arguments.find(name);
      if (value == arguments.end() || value->is_null())
        continue;
      text = argument_text(*value);
    }
    request.path += separator + percent_encode(name) + "=" + percent_encode(text);
    separator = '&';
  }
  if (tool.spec->sends_body) {
    auto body = arguments.find("body");
    if (body != arguments.end())
      request.body = body->dump();
  }
  return request;
}

json ToolRegistry::to_result(const Tool &tool, const json &arguments,
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
      message += kOutcomeUnknown;
    return tool_error(std::move(message));
  }
  if (response.status < 200 || response.status >= 300) {
    std::string message = "Qovery answered HTTP " + std::to_string(response.status) + attempts;
    if (std::string detail = upstream_detail(response.body, arguments); !detail.empty())
      message += ": " + detail;
    message += ". " + status_advice(response.status);
    // A gateway's 5xx can come after the change was applied.
    if (changes_state && response.status >= 500)
      message += kOutcomeUnknown;
    return tool_error(std::move(message));
  }
  if (response.body.empty()) {
    json structured = json::object();
    if (operation.method == "DELETE")
      structured["deleted"] = true;
    for (const auto &param : operation.path_params)
      structured[param] = arguments.at(param);
    return success(tool, std::move(structured));
  }
  Result<json> answer = parse_answer(response.body);
  if (!answer)
    return tool_error("Qovery answered HTTP " + std::to_string(response.status) + " with " +
                      answer.error() + "." +
                      (changes_state ? kOutcomeUnknown : " Try the call again."));
  return success(tool, std::move(answer.value()));
}

json ToolRegistry::call(const Tool &tool, const json &arguments, const Sender &send) const {
  Result<UpstreamRequest> request = prepare(tool, arguments);
  if (!request)
    return tool_error(request.error() + ". Fix the arguments and call " + tool.spec->name +
                      " again.");
  Result<UpstreamResponse> response = send(request.value());
  if (!response)
    return tool_error(response.error());
  return to_result(tool, arguments, response.value());
}

} // namespace qovery_mcp
