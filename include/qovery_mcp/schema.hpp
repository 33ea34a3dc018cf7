#pragma once

#include "qovery_mcp/result.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qovery_mcp {

/// Why an instance does not conform to a schema.
struct ValidationError {
  /// Where, as a dotted path from the root: "jobId", "body.key", "body" ("" for the root).
  std::string path;
  /// What was wrong, without the path, lower-case: "must be a UUID, got \"abc\"".
  /// Never quotes the instance when its schema, or one that applies to it in
  /// place ($ref, allOf, anyOf, oneOf), says `"writeOnly": true`, nor any string longer than
  /// 64 characters.
  std::string message;
};

/// A JSON Schema (the 2020-12 subset this project's schemas use), compiled
/// once and then used to validate many instances, from any thread.
///
/// Supported keywords: type (a name or a list, so "null" makes a field
/// nullable), properties, required, additionalProperties (boolean), items
/// (one schema), minItems, maxItems, enum, const, minLength, maxLength (in
/// Unicode code points), pattern (ECMAScript), minimum, maximum,
/// exclusiveMinimum, exclusiveMaximum (integers compared exactly, other
/// numbers as doubles), minProperties, $ref to "#/$defs/<name>" (its siblings
/// apply too, as in 2020-12), allOf (the error is the first failing
/// branch's), anyOf and oneOf (the error names the number of alternatives and
/// why the first fails, or which two match), format "uuid", "date-time" and
/// "date" (asserted: RFC 4122's text form, RFC 3339's date-time and
/// full-date), format "email", "uri", "binary", "int32" and "int64"
/// (annotations only, as 2020-12 makes every format by default: JSON Schema
/// Validation, 7.2.1), and the annotations title, description, default,
/// examples, readOnly, writeOnly, deprecated, $schema, $id, $comment
/// (ignored). These are what schemas derived from Qovery's OpenAPI use. Any other keyword is
/// refused at compile time, so a schema never silently means less than it says. The official
/// JSON-Schema-Test-Suite (draft 7 files) checks each of them (tests/unit/schema_suite_test.cpp).
///
/// Three server-side keywords (an `x-` prefix, as OpenAPI names extensions)
/// let a schema stay inside what every model vendor accepts (see
/// portability_problems) and still validate as strictly as a fuller one.
/// document() leaves them out, so clients never see them:
/// - `"x-nullable": true` beside a single `type`: null is accepted too. The
///   listed schema shows one type, the field being optional, as Gemini's
///   function declarations need.
/// - `"x-pattern-rule": "must ..."`, required beside every `pattern`: the
///   words a failed match reports (they start with "must "), so no message
///   quotes a regular expression.
/// - `"x-forbidden-prefix": {"prefix": "QOVERY_", "reason": "..."}`: a string
///   must not start with the prefix (case-sensitive); it reads "must not start
///   with QOVERY_ (reason)". It stands for a negative lookahead, which OpenAI,
///   Gemini and RE2 refuse; the `description` beside it must name the prefix,
///   so that the listed schema still tells the model.
class Schema {
public:
  /// Compiles `document`; the failure message names the unsupported or
  /// malformed keyword and where it is.
  static Result<Schema> compile(const nlohmann::json &document);

  /// nullopt when `instance` conforms, else the first error found.
  std::optional<ValidationError> validate(const nlohmann::json &instance) const;

  /// `instance` projected onto the schema: every object member it does not
  /// declare under `properties` (here, through `items`, `$ref`, `allOf`, and
  /// any `anyOf` or `oneOf` alternative, matched or not) is removed
  /// at any depth, whatever `additionalProperties` says, and so is a member
  /// declared with the schema `false`; scalars are kept as they are. This is
  /// how an answer never passes a member the output schema does not promise
  /// (a secret's `value`). Linear in `instance`, in place on the value given
  /// (move it in to avoid a copy); recurses once per level of nesting, so
  /// callers bound the depth as for validate.
  nlohmann::json project(nlohmann::json instance) const;

  /// The document it was compiled from without the server-side `x-` keywords:
  /// what tools/list shows.
  const nlohmann::json &document() const;

  struct Node;

private:
  explicit Schema(std::shared_ptr<const Node> root, std::shared_ptr<const nlohmann::json> doc);
  std::shared_ptr<const Node> root_;
  std::shared_ptr<const nlohmann::json> document_;
};

/// What keeps `schema` (a tool's input schema as tools/list shows it) from
/// being accepted by every model vendor's tool calling, one line each,
/// "<JSON pointer>: <what> (<who refuses it>)"; empty when it is portable.
/// Flags, from each vendor's documentation or a client's source:
/// - a `type` that is not one name (Gemini's Schema.type is a single Type;
///   a nullable field is an optional one instead);
/// - `$ref`, `$defs`, `definitions` (no references in Gemini's Schema);
/// - allOf, oneOf, not, if/then/else, dependentRequired, dependentSchemas,
///   dependencies, patternProperties, propertyNames, prefixItems, contains,
///   unevaluatedProperties, unevaluatedItems, additionalItems, $dynamicRef,
///   $recursiveRef (OpenAI Structured Outputs and the OpenAI Agents SDK's
///   strict conversion, utils/strictToolSchema.ts, refuse them);
/// - an object schema without `"additionalProperties": false`, or a root
///   that is not `"type": "object"` (OpenAI strict mode);
/// - a `pattern` with lookaround ((?= (?! (?<= (?<!) or a backreference
///   (\1 to \9, \k<name>): RE2 (Go, Gemini) and OpenAI refuse them.
std::vector<std::string> portability_problems(const nlohmann::json &schema);

} // namespace qovery_mcp
