#include "qovery_mcp/tool_registry.hpp"

#include "qovery_mcp/derived_schemas.hpp"
#include "qovery_mcp/json_text.hpp"
#include "qovery_mcp/text.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// Compiled schemas by their text: tools that return the same object (a
/// secret) share one schema instead of each parsing and holding a copy.
using SchemaCache = std::map<std::string, Schema, std::less<>>;

/// `text`, the schema file `file`, compiled (or the cached copy); with
/// `awaiting_value`, the output schema of a tool that takes a secret's value,
/// as with_awaiting_value() makes it.
Result<Schema> compile_file(const std::string &file, std::string_view text, SchemaCache &cache,
                            bool awaiting_value = false) {
  const std::string key = std::string(text) + (awaiting_value ? std::string(1, '\0') : "");
  if (auto found = cache.find(key); found != cache.end())
    return found->second;
  json document = json::parse(text, nullptr, false);
  if (document.is_discarded())
    return Result<Schema>::failure("schema file " + file + " is not valid JSON");
  Result<Schema> schema =
      Schema::compile(awaiting_value ? with_awaiting_value(std::move(document)) : document);
  if (!schema)
    return Result<Schema>::failure("schema file " + file + ": " + schema.error());
  cache.emplace(key, schema.value());
  return schema;
}

bool contains(const json &list, const std::string &name) {
  return list.is_array() && std::find(list.begin(), list.end(), name) != list.end();
}

/// The input schema must take exactly the arguments the operation uses: every
/// path parameter (required), its query and header parameters, and `body` when the tool
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
                std::count(operation.query_params.begin(), operation.query_params.end(), name) ||
                std::count(operation.header_params.begin(), operation.header_params.end(), name);
    if (!used)
      return "declares '" + name + "', which the operation does not use";
    if (tool.fixed.count(name) != 0)
      return "declares '" + name + "', which the capability fixes (with: " + name + ")";
  }
  return {};
}

json tool_definition(const ToolSpec &spec, const json &input, const std::optional<Schema> &output) {
  std::string description = spec.description;
  if (auto guidance = input.find("description"); guidance != input.end() && guidance->is_string())
    description += "\n\n" + guidance->get<std::string>();
  json definition = {
      {"name", spec.name},
      {"title", spec.description},
      {"description", description},
      {"inputSchema", input},
      {"annotations",
       {{"title", spec.description},
        {"readOnlyHint", spec.hints.read_only},
        {"destructiveHint", spec.hints.destructive},
        {"idempotentHint", spec.hints.idempotent},
        {"openWorldHint", true}}},
  };
  if (output)
    definition["outputSchema"] = output->document();
  return definition;
}

/// The tool's input schema: `<tool>.input.json` when `schemas` has it,
/// checked against the capability and for portability, else the derived one.
Result<Schema> input_schema(const ToolSpec &spec, const ToolRegistry::SchemaSource &schemas,
                            const ToolSchemas &derived, SchemaCache &cache) {
  const std::string file = spec.name + ".input.json";
  std::optional<std::string_view> text = schemas(file);
  if (!text) {
    Result<Schema> compiled = Schema::compile(derived.input);
    if (!compiled)
      return Result<Schema>::failure("the derived input schema: " + compiled.error());
    return compiled;
  }
  Result<Schema> input = compile_file(file, *text, cache);
  if (!input)
    return input;
  if (std::string problem = check_input_schema(spec, input->document()); !problem.empty())
    return Result<Schema>::failure(file + " " + problem);
  if (auto problems = portability_problems(input->document()); !problems.empty())
    return Result<Schema>::failure(file + " is not portable: " + problems.front());
  return input;
}

/// The tool's output schema: `<tool>.output.json`, else the derived one, or
/// none; for a tool whose input schema takes a secret's value, with the
/// answer of a call that left it out as an alternative (with_awaiting_value).
Result<std::optional<Schema>> output_schema(const ToolSpec &spec, const Schema &input,
                                            const ToolRegistry::SchemaSource &schemas,
                                            const ToolSchemas &derived, SchemaCache &cache) {
  using Output = Result<std::optional<Schema>>;
  const bool awaiting_value = takes_secret_value(input.document());
  const std::string file = spec.name + ".output.json";
  if (std::optional<std::string_view> text = schemas(file)) {
    Result<Schema> output = compile_file(file, *text, cache, awaiting_value);
    if (!output)
      return Output::failure(output.error());
    return std::optional<Schema>(std::move(output.value()));
  }
  if (!derived.output)
    return std::optional<Schema>();
  Result<Schema> output =
      Schema::compile(awaiting_value ? with_awaiting_value(*derived.output) : *derived.output);
  if (!output)
    return Output::failure("the derived output schema: " + output.error());
  return std::optional<Schema>(std::move(output.value()));
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

} // namespace

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

bool takes_secret_value(const nlohmann::json &input_schema) {
  const auto properties = input_schema.find("properties");
  if (properties == input_schema.end() || !properties->is_object())
    return false;
  const auto body = properties->find("body");
  if (body == properties->end() || !body->is_object())
    return false;
  const auto members = body->find("properties");
  return members != body->end() && members->is_object() && members->contains("value");
}

nlohmann::json without_value(nlohmann::json input_schema) {
  json &body = input_schema["properties"]["body"];
  body["properties"].erase("value");
  if (auto required = body.find("required"); required != body.end() && required->is_array())
    required->erase(std::remove(required->begin(), required->end(), "value"), required->end());
  std::string description = body.value("description", "");
  body["description"] =
      description + (description.empty() ? "" : " ") +
      "This server takes no secret value from the conversation: the result links to a page "
      "where the user types it.";
  return input_schema;
}

nlohmann::json with_awaiting_value(nlohmann::json output_schema) {
  json wrapped = json::object();
  for (const char *moved : {"$schema", "$defs"}) {
    if (auto found = output_schema.find(moved); found != output_schema.end()) {
      wrapped[moved] = std::move(*found);
      output_schema.erase(moved);
    }
  }
  wrapped["type"] = "object";
  wrapped["description"] =
      "The result of the call, or, for a call made without body.value, the link where the "
      "user types the value (nothing is changed until they submit it).";
  wrapped["anyOf"] = json::array(
      {std::move(output_schema),
       awaiting_value_schema(
           "The call left body.value out: nothing was changed yet. The user opens `link` in a "
           "browser and types the value there; it never passes through the conversation.",
           "The page where the user types the value; usable once.")});
  return wrapped;
}

json awaiting_value_schema(std::string description, std::string link_description) {
  return {
      {"type", "object"},
      {"description", std::move(description)},
      {"properties",
       {{"status", {{"const", kAwaitingValue}}},
        {"link",
         {{"type", "string"}, {"format", "uri"}, {"description", std::move(link_description)}}},
        {"expiresInSeconds",
         {{"type", "integer"},
          {"minimum", 1},
          {"description", "How long the link stays usable."}}}}},
      {"required", {"status", "link", "expiresInSeconds"}},
  };
}

Result<ToolRegistry> ToolRegistry::create(const Capability &capability, const SchemaSource &schemas,
                                          const ToolSelection &selection, const OpenApi *openapi) {
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
    // Derived only for a tool that lacks a file: the built-in tools have both.
    ToolSchemas derived;
    if (!schemas(spec.name + ".input.json") || !schemas(spec.name + ".output.json")) {
      Result<ToolSchemas> schemas_derived = derive_tool_schemas(capability, spec, openapi);
      if (!schemas_derived)
        return Result<ToolRegistry>::failure("tool " + spec.name + ": " + schemas_derived.error());
      derived = std::move(schemas_derived.value());
    }
    Result<Schema> input = input_schema(spec, schemas, derived, cache);
    if (!input)
      return Result<ToolRegistry>::failure("tool " + spec.name + ": " + input.error());
    Result<std::optional<Schema>> output =
        output_schema(spec, input.value(), schemas, derived, cache);
    if (!output)
      return Result<ToolRegistry>::failure("tool " + spec.name + ": " + output.error());
    const bool takes_value = takes_secret_value(input->document());
    registry.tools_.push_back(Tool{&spec, std::move(input.value()), std::move(output.value()),
                                   selected(spec, selection), takes_value});
  }
  registry.values_from_model_ = selection.values_from_model;
  return registry;
}

json ToolRegistry::tools_list() const {
  json tools = json::array();
  for (const auto &tool : tools_)
    if (tool.selected)
      tools.push_back(tool_definition(*tool.spec,
                                      tool.takes_value && !values_from_model_
                                          ? without_value(tool.input.document())
                                          : tool.input.document(),
                                      tool.output));
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

void ToolRegistry::add_own_tool(ToolSpec spec, Schema input, std::optional<Schema> output) {
  own_specs_.push_back(std::make_shared<const ToolSpec>(std::move(spec)));
  tools_.push_back(Tool{own_specs_.back().get(), std::move(input), std::move(output), true, false});
}

std::optional<std::string> ToolRegistry::check_arguments(const Tool &tool,
                                                         const json &arguments) const {
  // Left by parse_json as WTF-8: any value taken from such a string would
  // not be the one the client meant.
  if (std::optional<std::string> path = lone_surrogate_path(arguments))
    return "argument '" + *path +
           "' holds a lone UTF-16 surrogate escape (half of a character, such as an emoji cut in "
           "two): send the whole character";
  if (std::optional<ValidationError> error = tool.input.validate(arguments)) {
    if (error->path.empty())
      return "arguments " + error->message;
    return "argument '" + error->path + "' " + error->message;
  }
  return std::nullopt;
}

Result<UpstreamRequest> ToolRegistry::prepare(const Tool &tool, const json &arguments) const {
  if (std::optional<std::string> problem = check_arguments(tool, arguments))
    return Result<UpstreamRequest>::failure(std::move(*problem));
  if (tool.spec->operation == nullptr)
    return Result<UpstreamRequest>::failure("tool " + tool.spec->name +
                                            " is the server's own: it sends no request");
  const Operation &operation = *tool.spec->operation;
  UpstreamRequest request;
  request.method = operation.method;
  const FixedValues &fixed = tool.spec->fixed;
  request.path = expand_path(operation.path, arguments, fixed);
  // The text of a query or header parameter: fixed, given, or nullopt.
  const auto text_of = [&](const std::string &name) -> std::optional<std::string> {
    if (auto given = fixed.find(name); given != fixed.end())
      return given->second;
    auto value = arguments.find(name);
    if (value == arguments.end() || value->is_null())
      return std::nullopt;
    return argument_text(*value);
  };
  char separator = '?';
  for (const auto &name : operation.query_params) {
    if (std::optional<std::string> text = text_of(name)) {
      request.path += separator + percent_encode(name) + "=" + percent_encode(*text);
      separator = '&';
    }
  }
  for (const auto &name : operation.header_params) {
    std::optional<std::string> text = text_of(name);
    if (!text)
      continue;
    if (!is_field_value(*text))
      return Result<UpstreamRequest>::failure(
          "argument '" + name +
          "' must hold no control characters (line breaks, NUL...): it is "
          "sent as the HTTP header field " +
          name);
    request.headers.emplace_back(name, std::move(*text));
  }
  if (tool.spec->sends_body) {
    auto body = arguments.find("body");
    if (body != arguments.end())
      request.body = body->dump();
  }
  return request;
}

} // namespace qovery_mcp
