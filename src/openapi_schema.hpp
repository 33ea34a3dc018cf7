#pragma once

// The conversion of OpenAPI 3.0 Schema Objects to JSON Schema 2020-12, private
// to src/: openapi.cpp finds an operation and its parts, openapi_schema.cpp
// converts their schemas (the rules are on OpenApi in
// include/qovery_mcp/openapi.hpp, the box's one public header).

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace qovery_mcp::openapi_detail {

using nlohmann::json;
using Pointer = json::json_pointer;

/// A problem of the document, "<file>: <JSON pointer>: <what>"; thrown inside
/// the box only, OpenApi::describe returns it as a Result.
struct OpenApiError {
  std::string message;
};

/// `text` without leading and trailing white space.
std::string trimmed(std::string_view text);

/// Reads the Schema Objects of one OpenAPI document (`document`, parsed from
/// the file `file`, both outliving the reader).
class SchemaReader {
public:
  SchemaReader(const json &document, std::string file)
      : document_(document), file_(std::move(file)) {}

  /// Throws OpenApiError: `file`: `where`: `what`.
  [[noreturn]] void fail(const Pointer &where, const std::string &what) const;

  /// `value`, or what its `$ref` (a "#/..." JSON pointer) points to, through
  /// `$ref` after `$ref` (at most 32); `target`, when given, gets where that
  /// is. Throws OpenApiError when a reference does not resolve.
  const json &resolve(const json &value, const Pointer &where, Pointer *target = nullptr) const;

  /// The Schema Object `schema`, found at `where`, as an input's JSON Schema:
  /// references in place, allOf merged, objects closed (see OpenApi).
  json input_schema(const json &schema, const Pointer &where) const;

  /// The Schema Object `schema` as an output's JSON Schema, with the
  /// definitions it reaches in `$defs`; `api_name` is who "may add others"
  /// to an enum (see OpenApi).
  json output_schema(const json &schema, const Pointer &where, std::string_view api_name) const;

private:
  const json &document_;
  std::string file_;
};

} // namespace qovery_mcp::openapi_detail
