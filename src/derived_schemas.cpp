#include "qovery_mcp/derived_schemas.hpp"

#include "qovery_mcp/api_texts.hpp"
#include "qovery_mcp/input_schema.hpp"
#include "qovery_mcp/schema.hpp"

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// Whether `schema` (at most `depth` references deep) describes objects
/// only: its type says object, or a `$ref` or an `allOf` branch does.
bool describes_object(const json &schema, const json &root, int depth = 8) {
  if (!schema.is_object() || depth == 0)
    return false;
  if (auto type = schema.find("type"); type != schema.end())
    return *type == "object" || *type == json::array({"object", "null"});
  if (auto ref = schema.find("$ref"); ref != schema.end()) {
    static constexpr std::string_view kDefs = "#/$defs/";
    const std::string &target = ref->get_ref<const std::string &>();
    const json definitions = root.value("$defs", json::object());
    auto definition = definitions.find(target.substr(kDefs.size()));
    return definition != definitions.end() && describes_object(*definition, root, depth - 1);
  }
  if (auto all_of = schema.find("allOf"); all_of != schema.end())
    return std::any_of(all_of->begin(), all_of->end(), [&](const json &branch) {
      return describes_object(branch, root, depth - 1);
    });
  return false;
}

/// What ToolCaller::answer_result makes of a success with an empty body.
json empty_answer_schema(const ToolSpec &tool, const OpenApiOperation &openapi,
                         std::string_view api_name) {
  const Operation &operation = *tool.operation;
  const json input = derive_input_schema(tool, &openapi);
  const bool deletes = operation.method == "DELETE";
  json schema = {
      {"$schema", kJsonSchemaDialect},
      {"type", "object"},
      {"description", std::string(deletes ? "Confirms the deletion" : "Confirms the call") + " (" +
                          std::string(api_name) + " answers " + openapi.success_status +
                          " with no body)."},
      {"properties", json::object()},
      {"required", json::array()}};
  if (deletes) {
    schema["properties"]["deleted"] = {{"const", true},
                                       {"description", "Always true: the deletion is done."}};
    schema["required"].push_back("deleted");
  }
  for (const std::string &name : operation.path_params) {
    if (tool.fixed.count(name) != 0)
      continue;
    schema["properties"][name] = input["properties"][name];
    schema["required"].push_back(name);
  }
  return schema;
}

std::string file_text(const json &schema) { return schema.dump(2) + "\n"; }

} // namespace

std::optional<json> derive_output_schema(const ToolSpec &tool, const OpenApiOperation &openapi,
                                         std::string_view api_name) {
  if (openapi.success_status.empty())
    return std::nullopt;
  if (!openapi.success)
    return empty_answer_schema(tool, openapi, api_name);
  json schema = *openapi.success;
  if (!describes_object(schema, schema))
    return std::nullopt;
  schema["type"] = "object";
  schema["$schema"] = kJsonSchemaDialect;
  return schema;
}

Result<ToolSchemas> derive_tool_schemas(const Capability &capability, const ToolSpec &tool,
                                        const OpenApi *openapi) {
  if (openapi == nullptr)
    return ToolSchemas{derive_input_schema(tool), std::nullopt};
  const std::string api_name = ApiTexts(capability).api_name();
  Result<std::optional<OpenApiOperation>> described =
      openapi->describe(*tool.operation, capability.base_uri, api_name);
  if (!described)
    return Result<ToolSchemas>::failure(described.error());
  if (!described.value())
    return ToolSchemas{derive_input_schema(tool), std::nullopt};
  const OpenApiOperation &operation = *described.value();
  return ToolSchemas{derive_input_schema(tool, &operation),
                     derive_output_schema(tool, operation, api_name)};
}

Result<std::vector<SchemaFile>> derive_schema_files(const Capability &capability,
                                                    const OpenApi &openapi,
                                                    const OverlaySource &overlays) {
  using Files = Result<std::vector<SchemaFile>>;
  std::vector<SchemaFile> files;
  for (const ToolSpec &tool : capability.tools) {
    Result<ToolSchemas> derived = derive_tool_schemas(capability, tool, &openapi);
    if (!derived)
      return Files::failure(derived.error());
    for (auto [kind, schema] : {std::pair{"input", std::optional<json>(derived->input)},
                                std::pair{"output", derived->output}}) {
      const std::string name = tool.name + "." + kind + ".json";
      if (std::optional<std::string> overlay = overlays(name)) {
        json patch = json::parse(*overlay, nullptr, false);
        if (!patch.is_object())
          return Files::failure("overlay " + name + " is not a JSON object");
        if (!schema)
          return Files::failure("overlay " + name + " patches an output schema that " +
                                openapi.file() + " does not give");
        schema->merge_patch(patch);
      }
      if (!schema)
        continue;
      Result<Schema> compiled = Schema::compile(*schema);
      if (!compiled)
        return Files::failure(name + " does not compile: " + compiled.error());
      if (std::string_view(kind) == "input")
        if (auto problems = portability_problems(compiled->document()); !problems.empty())
          return Files::failure(name + " is not portable: " + problems.front());
      files.push_back({name, file_text(*schema)});
    }
  }
  return files;
}

} // namespace qovery_mcp
