#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace qovery_mcp {

/// The outcome of parse_json().
struct ParsedJson {
  /// The value; discarded (`is_discarded()`) when the text is not JSON.
  nlohmann::json value = nlohmann::json::value_t::discarded;
  /// Why the text is not JSON, and where: "invalid string: ill-formed UTF-8
  /// byte at line 1, column 37". Empty when it is.
  std::string error;
  /// The first member name found twice in one object, or empty. The value
  /// then keeps the last of the duplicates, as most parsers do, but a reader
  /// that kept the first would see another message: callers refuse it.
  std::string duplicate_name;
  bool has_duplicate = false;
};

/// Parses text a client sent as one JSON value (RFC 8259, UTF-8 only, no
/// trailing data), without recursion, so nesting of any depth is safe, and
/// noting a member name repeated in one object, which I-JSON (RFC 7493)
/// forbids. `error` never quotes the text, which may hold a secret.
ParsedJson parse_json(std::string_view text);

/// A name a client sent (a method, a tool, a member), for an error message:
/// whole between `quote`s when it has at most 64 characters, else described
/// by its length, so that a huge input is not echoed back.
std::string name_for_message(std::string_view name, char quote = '"');

} // namespace qovery_mcp
