#pragma once

// The compiled form of a qovery_mcp::Schema, shared by its two halves:
// schema_compile.cpp builds it from a JSON Schema document (and refuses what
// it does not support); schema_validate.cpp reads it to validate and project
// instances. Private to src/: include/qovery_mcp/schema.hpp is the box's one
// public header.

#include "qovery_mcp/schema.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

namespace schema_detail {

using nlohmann::json;

/// One bit per JSON Schema type name; a node's `types` is their union.
enum TypeBit : unsigned {
  kNull = 1U << 0,
  kString = 1U << 1,
  kNumber = 1U << 2,
  kInteger = 1U << 3,
  kBoolean = 1U << 4,
  kObject = 1U << 5,
  kArray = 1U << 6,
};

struct TypeName {
  std::string_view name;
  TypeBit bit;
  std::string_view with_article;
};

/// In the order a "must be ..." message lists them: null first, so that a
/// nullable string reads "must be null or a string".
constexpr std::array<TypeName, 7> kTypeNames{{
    {"null", kNull, "null"},
    {"string", kString, "a string"},
    {"number", kNumber, "a number"},
    {"integer", kInteger, "an integer"},
    {"boolean", kBoolean, "a boolean"},
    {"object", kObject, "an object"},
    {"array", kArray, "an array"},
}};

/// The formats validation asserts; the annotation-only ones compile to kNone.
enum class Format { kNone, kUuid, kDateTime, kDate };

/// `value` as compact JSON text, invalid UTF-8 replaced: how messages quote.
inline std::string dump(const json &value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace schema_detail

/// A compiled schema: every keyword parsed, every regex built and every $ref
/// resolved once, so validation only reads it.
struct Schema::Node {
  bool rejects_everything = false; ///< the boolean schema `false`
  /// `"writeOnly": true` here or in a subschema that applies in place (see
  /// in_place): an error about this instance never quotes it.
  bool write_only = false;
  const Node *ref = nullptr;
  std::string ref_pointer; ///< where the $ref is, for the cycle check's message
  /// `allOf`: subschemas that apply to the same instance, as `ref` does.
  std::vector<const Node *> all_of;
  /// `anyOf` and `oneOf`: alternatives for the same instance, of which at
  /// least one (anyOf) or exactly one (oneOf) must hold.
  std::vector<const Node *> any_of;
  std::vector<const Node *> one_of;
  /// Where the node's first combinator (allOf, anyOf, oneOf) is, for the
  /// size check's message.
  std::string combinator_pointer;

  unsigned types = 0; ///< 0: any type
  std::string type_message;

  std::vector<nlohmann::json> enum_values;
  std::string enum_message;
  bool has_const = false;
  nlohmann::json const_value;
  std::string const_message;

  std::optional<std::size_t> min_length;
  std::optional<std::size_t> max_length;
  std::optional<std::regex> pattern;
  std::string pattern_rule; ///< `x-pattern-rule`: what a failed match reports
  std::string forbidden_prefix;
  std::string forbidden_prefix_message;
  schema_detail::Format format = schema_detail::Format::kNone;

  std::map<std::string, const Node *, std::less<>> properties;
  std::vector<std::string> required;
  bool additional_properties = true;
  std::string not_allowed_message;
  std::optional<std::size_t> min_properties;

  /// minimum, maximum, exclusiveMinimum, exclusiveMaximum: numbers as the
  /// document gives them (integers stay exact past 2^53).
  std::optional<nlohmann::json> minimum;
  std::optional<nlohmann::json> maximum;
  std::optional<nlohmann::json> exclusive_minimum;
  std::optional<nlohmann::json> exclusive_maximum;

  const Node *items = nullptr;
  std::optional<std::size_t> min_items;
  std::optional<std::size_t> max_items;

  /// With a $ref or a combinator (in_place()): the properties declared here
  /// and in every subschema that applies in place, at any depth (the first
  /// declaration of a name wins, in the order: here, the $ref, the allOf,
  /// anyOf and oneOf branches), the first `items` in that order, and whether
  /// the node or one reached through $ref and allOf only is the schema
  /// `false`, merged once at compile time for project(). An anyOf or oneOf
  /// branch adds what it declares whether or not the instance matches it, so
  /// project() keeps what any alternative promises. Without one, project()
  /// reads `properties`, `items` and `rejects_everything`.
  std::map<std::string, const Node *, std::less<>> chain_properties;
  const Node *chain_items = nullptr;
  bool chain_rejects_everything = false;

  /// Whether other subschemas apply to the same instance as this one.
  bool in_place() const {
    return ref != nullptr || !all_of.empty() || !any_of.empty() || !one_of.empty();
  }
};

} // namespace qovery_mcp
