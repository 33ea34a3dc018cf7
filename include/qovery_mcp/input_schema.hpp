#pragma once

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/openapi.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace qovery_mcp {

/// The JSON Schema dialect the schemas refined from an OpenAPI name in `$schema`.
inline constexpr const char *kJsonSchemaDialect = "https://json-schema.org/draft/2020-12/schema";

/// The input schema of `tool` derived from the capability, refined by what
/// `openapi` (the OpenAPI's operation of the same method and path; nullptr:
/// none) says, for a tool that has no `<tool>.input.json` (issue 12): a JSON Schema 2020-12 object
/// in the subset Schema::compile accepts, with `"additionalProperties": false`. Its arguments, in
/// the order of `required`:
/// - every `{name}` of the operation's path that `with:` does not fix: a
///   required string, with `"format": "uuid"` when names_an_id says the name
///   holds an id; a placeholder declared `in: path` with type integer or
///   number has that type instead;
/// - every query parameter that `with:` does not fix: of its declared type,
///   optional unless declared `required: true`;
/// - `body`, a JSON object, when the tool sends one (`with: body: tools.body`),
///   required when the body parameter is declared `required: true`.
/// Each argument's description is the parameter's own from the document, or
/// else says where it goes ("Path parameter jobId of GET /job/{jobId}/secret"):
/// nothing the document does not say. The body's members are not declared (the
/// document does not know them), so it is the one part of the schema that
/// portability_problems flags: OpenAI's strict mode wants every object closed.
///
/// With `openapi`, each argument takes the OpenAPI parameter's schema (type,
/// format, enum, ...: see OpenApi), its description before the capability's,
/// and is required when either document says so; `body` takes the request
/// body's schema (its members closed: portable) and is required when either
/// document says so or when that schema requires members; the schema names
/// its dialect (`$schema`) and carries the operation's description, which
/// tools/list adds to the tool's.
nlohmann::json derive_input_schema(const ToolSpec &tool, const OpenApiOperation *openapi = nullptr);

/// Whether a parameter's name says it holds an id: it is "id", or ends in "id"
/// as a word of its own: "jobId", "organizationID", "job_id", "JOB-ID", but
/// not "zone", "valid" or "UUID". Qovery's ids are all UUIDs.
bool names_an_id(std::string_view name);

} // namespace qovery_mcp
