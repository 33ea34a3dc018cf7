#include "qovery_mcp/input_schema.hpp"

#include <cctype>

namespace qovery_mcp {
namespace {

using nlohmann::json;

bool is_lower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

/// The schema of one path or query parameter.
json parameter_schema(const Parameter &parameter, const Operation &operation) {
  json schema = {{"type", parameter.type}};
  if (parameter.in == "path" && parameter.type == "string" && names_an_id(parameter.name))
    schema["format"] = "uuid";
  schema["description"] = !parameter.description.empty()
                              ? parameter.description
                              : (parameter.in == "path"    ? "Path"
                                 : parameter.in == "query" ? "Query"
                                                           : "Header") +
                                    std::string(" parameter ") + parameter.name + " of " +
                                    operation.method + " " + operation.path;
  return schema;
}

} // namespace

bool names_an_id(std::string_view name) {
  if (name.size() < 2)
    return false;
  const std::size_t at = name.size() - 2;
  const char i = name[at], d = name[at + 1];
  if ((i != 'i' && i != 'I') || (d != 'd' && d != 'D'))
    return false;
  if (at == 0)
    return true;
  const char before = name[at - 1];
  // A word starts at the "i" after a separator, at "Id" (capital then lower
  // case: "jobId", "APIId"), or at "ID" after a lower-case letter or a digit
  // ("jobID"); "ID" after a capital is the end of a word like "UUID".
  return before == '_' || before == '-' || before == '.' || (i == 'I' && is_lower(d)) ||
         (i == 'I' && d == 'D' && (is_lower(before) || is_digit(before)));
}

json derive_input_schema(const ToolSpec &tool) {
  const Operation &operation = *tool.operation;
  json properties = json::object();
  json required = json::array();
  for (const Parameter &parameter : operation.parameters) {
    if (parameter.in == "body" || tool.fixed.count(parameter.name) != 0)
      continue;
    properties[parameter.name] = parameter_schema(parameter, operation);
    if (parameter.required)
      required.push_back(parameter.name);
  }
  if (tool.sends_body) {
    const Parameter *body = nullptr;
    for (const Parameter &parameter : operation.parameters)
      if (parameter.in == "body")
        body = &parameter;
    properties["body"] = {{"type", "object"},
                          {"description", body != nullptr && !body->description.empty()
                                              ? body->description
                                              : "Request body of " + operation.method + " " +
                                                    operation.path + " (a JSON object)"}};
    if (body != nullptr && body->required)
      required.push_back("body");
  }
  json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty())
    schema["required"] = std::move(required);
  schema["additionalProperties"] = false;
  return schema;
}

} // namespace qovery_mcp
