#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace qovery_mcp {

/// The deepest nesting of arrays and objects parse_json() accepts: MCP and
/// REST messages need a handful of levels; 64 is plenty.
inline constexpr std::size_t kMaxJsonDepth = 64;
/// The most values (each scalar, array and object counts one) parse_json()
/// accepts in one text. A real message holds tens to hundreds; the limit
/// bounds the memory a 4 MiB text of tiny values ("[0,0,0,...]", about 40
/// bytes of tree per byte of text) could otherwise take.
inline constexpr std::size_t kMaxJsonValues = 100000;

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
  /// The text passed kMaxJsonDepth or kMaxJsonValues (it may be valid JSON);
  /// `error` says which ("nested deeper than 64 levels").
  bool limited = false;
  /// When the text is not JSON, or passes a limit: the root object's "id"
  /// (a string or an integer) if it was read before the fault, else null.
  nlohmann::json id = nullptr;
  /// The text escapes a lone UTF-16 surrogate ("\ud83d" not followed by its
  /// low half: an emoji cut in two). RFC 8259 (section 8.2) lets such text
  /// parse but leaves its meaning unpredictable, so no value may be taken
  /// from it; it still parses, so that the answer can carry the id and name
  /// the string. Each lone surrogate is in `value` as its three-byte WTF-8
  /// form (0xED 0xA0-0xBF ...), which no UTF-8 string can hold: see
  /// lone_surrogate_path().
  bool lone_surrogates = false;
};

/// Parses text a client sent as one JSON value (RFC 8259, UTF-8 only, no
/// trailing data), without recursion, noting a member name repeated in one
/// object, which I-JSON (RFC 7493) forbids. Nesting deeper than kMaxJsonDepth
/// or more than kMaxJsonValues values stop the parse as it reaches them, as
/// an error. `error` never quotes the text, which may hold a secret.
ParsedJson parse_json(std::string_view text);

/// Where `value` holds a string, or a member name, with a lone surrogate as
/// parse_json() leaves it: the path of the first one found ("body.value",
/// "items[2].key"; member names in their sorted order), or nullopt. A member
/// name that holds one ends the path at its object, as "(a member name)".
std::optional<std::string> lone_surrogate_path(const nlohmann::json &value);

/// Rewrites U+2028 and U+2029 in serialized JSON as the escapes \u2028 and
/// \u2029. JSON allows them raw in strings, but JavaScript's line readers, and
/// others, end a line at them, which would cut one stdio message in two.
/// Outside strings JSON is ASCII, so every occurrence is inside a string.
void escape_line_separators(std::string &json_text);

/// A name a client sent (a method, a tool, a member), for an error message:
/// whole between `quote`s when it has at most 64 characters, else described
/// by its length, so that a huge input is not echoed back.
std::string name_for_message(std::string_view name, char quote = '"');

} // namespace qovery_mcp
