#pragma once

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/result.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

/// One parameter of an OpenAPI operation (OpenAPI 3.0.3, section 4.7.12), its
/// schema converted to JSON Schema in the input form (see OpenApi).
struct OpenApiParameter {
  std::string name;
  std::string in; ///< "path", "query", "header" or "cookie"
  bool required = false;
  std::string description; ///< the parameter's own; empty when none
  nlohmann::json schema = nlohmann::json::object();
};

/// What an OpenAPI document says about one operation of a capability, its
/// Schema Objects converted to JSON Schema 2020-12 (in the subset
/// Schema::compile accepts).
struct OpenApiOperation {
  std::string path;         ///< as the OpenAPI spells it: "/job/{jobId}/secret"
  std::string operation_id; ///< "listJobSecrets"; empty when none
  std::string description;  ///< the operation's description, else its summary; trimmed
  /// The path item's parameters, then the operation's (which win over a
  /// path item's of the same name and location), in the order declared.
  std::vector<OpenApiParameter> parameters;
  /// The request body's application/json schema, input form; nullopt when
  /// the operation declares no JSON request body.
  std::optional<nlohmann::json> body;
  bool body_required = false;
  std::string body_description; ///< the Request Body Object's; empty when none
  /// The first 2xx answer ("200" before "201", "2XX" last): its status text,
  /// and its application/json schema in the output form with the `$defs` it
  /// reaches at its root. No status: the operation declares no 2xx answer;
  /// a status and no schema: that answer has no JSON content (a 204).
  std::string success_status;
  std::optional<nlohmann::json> success;

  /// The parameter of that name and location, or nullptr.
  const OpenApiParameter *find_parameter(std::string_view name, std::string_view in) const;
};

/// An OpenAPI 3.0 document (YAML or JSON), read to refine the schemas derived
/// from a capability (issue 12): each capability operation is matched with
/// the OpenAPI operation of the same method and path, and that operation's
/// Schema Objects are converted to JSON Schema 2020-12:
/// - `nullable: true` becomes `"type": [T, "null"]` in an output and
///   `"x-nullable": true` beside the one type in an input (a type list is not
///   portable: see portability_problems);
/// - `$ref: '#/components/schemas/X'` becomes `#/$defs/X` in an output, with
///   every definition it reaches collected into the root's `$defs`, when X is
///   an object schema; any other is written in place (an input has no
///   reference at all: Gemini refuses them), and other JSON pointers are
///   followed too; a definition that refers back to itself inside an input
///   becomes `{}`;
/// - the keywords Schema::compile does not accept are left out (one list in
///   src/openapi_schema.cpp): `example`, `x-*` extensions, `discriminator`, `title`
///   (Qovery's are class names), `pattern` (the validator wants an
///   `x-pattern-rule` beside it), `uniqueItems`, formats the validator does
///   not know ("UUID", "cron", "duration"...); OpenAPI 3.0's boolean
///   exclusiveMinimum/exclusiveMaximum become 2020-12's numbers;
///   `deprecated: true` starts the description with "Deprecated.";
/// - an input leaves out the properties marked `readOnly`, keeps enums,
///   closes every object that declares properties (`additionalProperties:
///   false`, unless the OpenAPI says otherwise), and merges an `allOf` of
///   object schemas into one (a closed branch would refuse the others'
///   members);
/// - an output leaves out the properties marked `writeOnly`, is never closed,
///   lets every property that is not required be null, and states an enum's
///   values in its description ("Known values: A, B; Qovery may add others.")
///   instead of enforcing them: the API sends nulls, members and values its
///   OpenAPI does not declare, and MCP clients validate structuredContent
///   against the outputSchema.
class OpenApi {
public:
  /// Reads `text`, named `file` in every error message: JSON when it starts
  /// with '{' (read many times faster), else YAML. Fails when it is neither,
  /// not an OpenAPI 3.x document, or has no `paths` object.
  static Result<OpenApi> parse(std::string_view text, std::string file);

  /// The file name given to parse.
  const std::string &file() const { return file_; }

  /// The operation with `operation`'s method and path (placeholders match
  /// whatever their names), the path taken as `base_uri`'s path + the
  /// operation's path, less the path of the OpenAPI's first server URL;
  /// nullopt when the OpenAPI has no such operation. `api_name` ("Qovery")
  /// is who "may add others" to an output's enum. Fails, naming the file and
  /// the JSON pointer, on a malformed parameter, body or answer, or a `$ref`
  /// that does not resolve.
  Result<std::optional<OpenApiOperation>>
  describe(const Operation &operation, std::string_view base_uri, std::string_view api_name) const;

private:
  OpenApi() = default;
  std::string file_;
  nlohmann::json document_;
  std::string server_path_; ///< "" or "/v2", never ending with '/'
};

} // namespace qovery_mcp
