#include "qovery_mcp/input_schema.hpp"

#include <cctype>

namespace qovery_mcp {
namespace {

using nlohmann::json;

bool is_lower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

/// The first of `texts` that is not empty.
std::string first_of(std::initializer_list<std::string> texts) {
  for (const std::string &text : texts)
    if (!text.empty())
      return text;
  return {};
}

std::string description_of(const json &schema) { return schema.value("description", ""); }

/// The schema of one path, query or header parameter, refined by the OpenAPI's when given.
json parameter_schema(const Parameter &parameter, const Operation &operation,
                      const OpenApiParameter *refined) {
  json schema = refined != nullptr ? refined->schema : json::object();
  if (!schema.contains("type"))
    schema["type"] = parameter.type;
  if (parameter.in == "path" && schema["type"] == "string" && !schema.contains("format") &&
      !schema.contains("enum") && names_an_id(parameter.name))
    schema["format"] = "uuid";
  schema["description"] = first_of({refined != nullptr ? refined->description : "",
                                    description_of(schema), parameter.description,
                                    (parameter.in == "path"    ? "Path"
                                     : parameter.in == "query" ? "Query"
                                                               : "Header") +
                                        std::string(" parameter ") + parameter.name + " of " +
                                        operation.method + " " + operation.path});
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

json derive_input_schema(const ToolSpec &tool, const OpenApiOperation *openapi) {
  const Operation &operation = *tool.operation;
  json properties = json::object();
  json required = json::array();
  for (const Parameter &parameter : operation.parameters) {
    if (parameter.in == "body" || tool.fixed.count(parameter.name) != 0)
      continue;
    const OpenApiParameter *refined =
        openapi != nullptr ? openapi->find_parameter(parameter.name, parameter.in) : nullptr;
    properties[parameter.name] = parameter_schema(parameter, operation, refined);
    if (parameter.required || (refined != nullptr && refined->required))
      required.push_back(parameter.name);
  }
  if (tool.sends_body) {
    const Parameter *body = nullptr;
    for (const Parameter &parameter : operation.parameters)
      if (parameter.in == "body")
        body = &parameter;
    const bool refined = openapi != nullptr && openapi->body;
    json schema = refined ? *openapi->body : json::object();
    if (!schema.contains("type"))
      schema["type"] = "object";
    schema["description"] = first_of(
        {refined ? openapi->body_description : "", description_of(schema),
         body != nullptr ? body->description : "",
         "Request body of " + operation.method + " " + operation.path + " (a JSON object)"});
    // A body whose schema requires members cannot be left out either.
    if ((body != nullptr && body->required) || (refined && openapi->body_required) ||
        !schema.value("required", json::array()).empty())
      required.push_back("body");
    properties["body"] = std::move(schema);
  }
  json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty())
    schema["required"] = std::move(required);
  schema["additionalProperties"] = false;
  if (openapi == nullptr)
    return schema;
  schema["$schema"] = kJsonSchemaDialect;
  if (!openapi->description.empty() && openapi->description != tool.description)
    schema["description"] = openapi->description;
  return schema;
}

} // namespace qovery_mcp
