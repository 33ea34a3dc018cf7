#pragma once

#include "qovery_mcp/result.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace qovery_mcp {

/// Why an instance does not conform to a schema.
struct ValidationError {
  /// Where, as a dotted path from the root: "jobId", "body.key", "body" ("" for the root).
  std::string path;
  /// What was wrong, without the path, lower-case: "must be a UUID, got \"abc\"".
  /// Never quotes the instance when its schema says `"writeOnly": true`, nor any
  /// string longer than 64 characters.
  std::string message;
};

/// A JSON Schema (the 2020-12 subset this project's schemas use), compiled
/// once and then used to validate many instances, from any thread.
///
/// Supported keywords: type (a name or a list, so "null" makes a field
/// nullable), properties, required, additionalProperties (boolean), items,
/// enum, const, minLength, maxLength (in Unicode code points), pattern
/// (ECMAScript), format "uuid" and "date-time", minProperties, $ref to
/// "#/$defs/<name>", and the annotations title, description, default,
/// examples, readOnly, writeOnly, $schema, $id, $comment (ignored). Any other
/// keyword is refused at compile time, so a schema never silently means less
/// than it says.
class Schema {
public:
  /// Compiles `document`; the failure message names the unsupported or
  /// malformed keyword and where it is.
  static Result<Schema> compile(const nlohmann::json &document);

  /// nullopt when `instance` conforms, else the first error found.
  std::optional<ValidationError> validate(const nlohmann::json &instance) const;

  /// `instance` projected onto the schema: every object member it does not
  /// declare under `properties` (here, through `items` and `$ref`) is removed
  /// at any depth, whatever `additionalProperties` says, and so is a member
  /// declared with the schema `false`; scalars are kept as they are. This is
  /// how an answer never passes a member the output schema does not promise
  /// (a secret's `value`). Linear in `instance`, in place on the value given
  /// (move it in to avoid a copy); recurses once per level of nesting, so
  /// callers bound the depth as for validate.
  nlohmann::json project(nlohmann::json instance) const;

  /// The document it was compiled from (for tools/list).
  const nlohmann::json &document() const;

  struct Node;

private:
  explicit Schema(std::shared_ptr<const Node> root, std::shared_ptr<const nlohmann::json> doc);
  std::shared_ptr<const Node> root_;
  std::shared_ptr<const nlohmann::json> document_;
};

} // namespace qovery_mcp
