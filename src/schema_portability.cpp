#include "qovery_mcp/schema.hpp"

#include <array>
#include <string_view>

namespace qovery_mcp {

namespace {

using nlohmann::json;

/// Keywords no tool schema may use: OpenAI Structured Outputs supports none
/// of them, and the OpenAI Agents SDK's strict conversion
/// (packages/agents-core/src/utils/strictToolSchema.ts) refuses each one;
/// Gemini's Schema has no field for any of them, nor for a reference.
constexpr std::array<std::string_view, 21> kRefusedKeywords{
    "$ref",
    "$defs",
    "definitions",
    "$dynamicRef",
    "$recursiveRef",
    "allOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "patternProperties",
    "propertyNames",
    "prefixItems",
    "contains",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
};

/// What in `pattern` RE2 (Go's regexp, Gemini) and OpenAI refuse, or "".
/// Lookaround and backreferences are ECMAScript features outside the regex
/// subset that JSON Schema 2020-12 (validation, section 6.3.3) asks schema
/// authors to keep to; RE2's syntax page lists both as not supported.
std::string regex_problem(std::string_view pattern) {
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string_view rest = pattern.substr(i);
    if (rest[0] == '\\') {
      if (rest.size() > 1 && rest[1] >= '1' && rest[1] <= '9')
        return "a backreference \\" + std::string(1, rest[1]);
      if (rest.starts_with("\\k<"))
        return "a named backreference \\k<";
      ++i; // the escaped character is a literal
      continue;
    }
    if (in_class) {
      in_class = rest[0] != ']';
      continue;
    }
    if (rest[0] == '[') {
      in_class = true;
      continue;
    }
    for (std::string_view lookaround : {"(?=", "(?!", "(?<=", "(?<!"})
      if (rest.starts_with(lookaround))
        return "a lookaround " + std::string(lookaround);
  }
  return {};
}

void check_schema(const json &schema, const std::string &pointer, bool root,
                  std::vector<std::string> &problems) {
  if (!schema.is_object())
    return;
  const std::string at = pointer.empty() ? "/" : pointer;
  for (std::string_view keyword : kRefusedKeywords)
    if (schema.contains(keyword))
      problems.push_back(at + ": \"" + std::string(keyword) +
                         "\" (OpenAI strict mode and Gemini refuse it)");
  const auto type = schema.find("type");
  if (type != schema.end() && !type->is_string())
    problems.push_back(at + ": \"type\" is " + type->dump() +
                       ", not one type name (Gemini refuses type lists; make a nullable field "
                       "optional instead)");
  if (root && (type == schema.end() || *type != "object"))
    problems.push_back(at + ": the root is not \"type\": \"object\" (OpenAI strict mode)");
  const bool is_object = type != schema.end() && *type == "object";
  if (is_object && schema.value("additionalProperties", json(true)) != json(false))
    problems.push_back(at + ": an object without \"additionalProperties\": false (OpenAI strict "
                            "mode requires it)");
  if (auto pattern = schema.find("pattern"); pattern != schema.end() && pattern->is_string())
    if (std::string problem = regex_problem(pattern->get_ref<const std::string &>());
        !problem.empty())
      problems.push_back(at + ": \"pattern\" has " + problem +
                         " (RE2, as in Go and Gemini, and OpenAI refuse it)");
  if (auto properties = schema.find("properties");
      properties != schema.end() && properties->is_object())
    for (auto it = properties->begin(); it != properties->end(); ++it)
      check_schema(*it, pointer + "/properties/" + it.key(), false, problems);
  if (auto items = schema.find("items"); items != schema.end())
    check_schema(*items, pointer + "/items", false, problems);
  if (auto any_of = schema.find("anyOf"); any_of != schema.end() && any_of->is_array())
    for (std::size_t i = 0; i < any_of->size(); ++i)
      check_schema((*any_of)[i], pointer + "/anyOf/" + std::to_string(i), false, problems);
}

} // namespace

std::vector<std::string> portability_problems(const nlohmann::json &schema) {
  std::vector<std::string> problems;
  check_schema(schema, "", true, problems);
  return problems;
}

} // namespace qovery_mcp
