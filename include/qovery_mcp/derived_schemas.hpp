#pragma once

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/openapi.hpp"
#include "qovery_mcp/result.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

/// The output schema of `tool` derived from `openapi`, the OpenAPI's
/// operation for it, for a tool that has no `<tool>.output.json`; nullopt when
/// the OpenAPI declares no 2xx answer, or one whose JSON is not an object
/// (MCP's outputSchema describes an object: structuredContent). The first
/// 2xx answer's schema (see OpenApi for the output form), with `"type":
/// "object"` at its root. An answer with no content is what the ToolCaller
/// makes of an empty body: `deleted: true` for a DELETE, then each path
/// argument as given, all required.
std::optional<nlohmann::json> derive_output_schema(const ToolSpec &tool,
                                                   const OpenApiOperation &openapi,
                                                   std::string_view api_name);

/// A tool's two schemas as derived: the input schema, and the output schema
/// when there is one.
struct ToolSchemas {
  nlohmann::json input;
  std::optional<nlohmann::json> output;
};

/// Both schemas of `tool`, a tool of `capability`: derived from the
/// capability, refined by `openapi` when given (nullptr: none) and it has the
/// tool's operation; without it there is no output schema. Fails with
/// OpenApi::describe's message.
Result<ToolSchemas> derive_tool_schemas(const Capability &capability, const ToolSpec &tool,
                                        const OpenApi *openapi);

/// One file of schemas/: its name ("add-secret-job.input.json") and text.
struct SchemaFile {
  std::string name;
  std::string text;
};

/// Finds an overlay file by name ("add-secret-job.input.json"); nullopt if absent.
using OverlaySource = std::function<std::optional<std::string>(const std::string &)>;

/// The files `qovery-job-secret-mcp schemas` writes, checked in as schemas/:
/// `<tool>.input.json` and `<tool>.output.json` of every tool of
/// `capability`, in its order, each derived with `openapi`, then merged with
/// the overlay file of the same name when `overlays` has one (an RFC 7396
/// JSON merge patch: the hand-written extras the OpenAPI does not say, such
/// as a model-tuned description or a key's pattern), as JSON indented by 2
/// with a final newline. Fails naming the file when an overlay is not a JSON
/// object, patches an output schema the derivation does not give, or leaves
/// a schema that Schema::compile refuses.
Result<std::vector<SchemaFile>> derive_schema_files(const Capability &capability,
                                                    const OpenApi &openapi,
                                                    const OverlaySource &overlays);

} // namespace qovery_mcp
