#include "qovery_mcp/json_text.hpp"

#include "qovery_mcp/text.hpp"

#include <algorithm>
#include <vector>

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// Names longer than this (in code points) are described, not quoted.
constexpr std::size_t kMaxQuotedName = 64;

/// "line 2, column 7" of byte `position` of `text`, counted as nlohmann does.
std::string location(std::string_view text, std::size_t position) {
  position = std::min(position, text.size());
  std::string_view before = text.substr(0, position);
  std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  std::size_t line_start = before.rfind('\n');
  std::size_t column = line_start == std::string_view::npos ? position : position - line_start - 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

/// What nlohmann's parse error says was wrong, without the "last read" part,
/// which quotes the input.
std::string reason(const json::exception &error) {
  if (error.id == 406)
    return "a number is too large to represent";
  std::string what = error.what();
  what = what.substr(0, what.find("; last read: "));
  std::size_t dash = what.find(" - ");
  return dash == std::string::npos ? "syntax error" : what.substr(dash + 3);
}

/// What a lone surrogate escape is rewritten to for the second parse: U+FDD0,
/// a noncharacter, as its escape (as long as any \uXXXX) and as parsed.
constexpr std::string_view kStandInEscape = "\\ufdd0";
constexpr std::string_view kStandIn = "\xEF\xB7\x90";

/// The value of the four hexadecimal digits at `text[at]`, or -1.
int hex4(std::string_view text, std::size_t at) {
  if (at + 4 > text.size())
    return -1;
  int value = 0;
  for (char c : text.substr(at, 4)) {
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0)
      return -1;
    value = value * 16 + digit;
  }
  return value;
}

/// `text` with each escaped lone surrogate (a \uD800-\uDBFF not followed by
/// a \uDC00-\uDFFF escape, or a \uDC00-\uDFFF not preceded by one) rewritten
/// as kStandInEscape, its code unit appended to `units`. Nullopt when the
/// text holds none, or already holds U+FDD0 (a stand-in would be ambiguous).
std::optional<std::string> stand_in_lone_surrogates(std::string_view text,
                                                    std::vector<unsigned> &units) {
  std::string rewritten(text);
  for (std::size_t at = 0; at + 1 < text.size(); ++at) {
    if (text[at] != '\\')
      continue;
    if (text[at + 1] != 'u') {
      ++at; // a two-character escape: "\\" must not start another
      continue;
    }
    int unit = hex4(text, at + 2);
    if (unit == 0xFDD0)
      return std::nullopt;
    if (unit < 0xD800 || unit > 0xDFFF) {
      at += 5;
      continue;
    }
    int low = text.substr(at + 6, 2) == "\\u" ? hex4(text, at + 8) : -1;
    if (unit <= 0xDBFF && low >= 0xDC00 && low <= 0xDFFF) {
      at += 11; // a pair
      continue;
    }
    rewritten.replace(at, kStandInEscape.size(), kStandInEscape);
    units.push_back(static_cast<unsigned>(unit));
    at += 5;
  }
  if (units.empty() || text.find(kStandIn) != std::string_view::npos)
    return std::nullopt;
  return rewritten;
}

/// Builds the value as nlohmann's own DOM parser does (a stack of the open
/// arrays and objects, no recursion), notes duplicated member names, and
/// stops at the nesting and size limits, so that what a message costs in
/// memory is bounded by its length, not by its shape.
class StrictBuilder {
public:
  /// `lone_units`: when the text was rewritten by stand_in_lone_surrogates(),
  /// the code units its stand-ins replace, in the order of the text.
  explicit StrictBuilder(std::string_view text, ParsedJson &out,
                         const std::vector<unsigned> *lone_units = nullptr)
      : text_(text), out_(out), lone_units_(lone_units) {}

  bool null() { return add(nullptr); }
  bool boolean(bool value) { return add(value); }
  bool number_integer(json::number_integer_t value) { return add(value); }
  bool number_unsigned(json::number_unsigned_t value) { return add(value); }
  bool number_float(json::number_float_t value, const json::string_t &) { return add(value); }
  bool string(json::string_t &value) {
    restore_lone_surrogates(value);
    return add(std::move(value));
  }
  bool binary(json::binary_t &value) { return add(json::binary(std::move(value))); }
  bool start_object(std::size_t) {
    if (!open_container())
      return false;
    open_.push_back(place(json::object()));
    return true;
  }
  bool key(json::string_t &name) {
    restore_lone_surrogates(name);
    json &object = *open_.back();
    auto found = object.find(name);
    if (found != object.end()) {
      if (!out_.has_duplicate) {
        out_.has_duplicate = true;
        out_.duplicate_name = name;
      }
      member_ = &found.value();
      return true;
    }
    member_ = &object[name];
    return true;
  }
  bool end_object() {
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    if (!open_container())
      return false;
    open_.push_back(place(json::array()));
    return true;
  }
  bool end_array() {
    open_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string &, const json::exception &error) {
    out_.error = reason(error) + " at " + location(text_, position);
    return false;
  }

private:
  /// Puts back, as WTF-8, the lone surrogates whose stand-ins `text` holds.
  void restore_lone_surrogates(json::string_t &text) {
    if (lone_units_ == nullptr)
      return;
    for (std::size_t at = text.find(kStandIn); at != std::string::npos;
         at = text.find(kStandIn, at + 3)) {
      unsigned unit = next_unit_ < lone_units_->size() ? (*lone_units_)[next_unit_++] : 0xFFFD;
      text[at] = static_cast<char>(0xE0 | (unit >> 12));
      text[at + 1] = static_cast<char>(0x80 | ((unit >> 6) & 0x3F));
      text[at + 2] = static_cast<char>(0x80 | (unit & 0x3F));
    }
  }

  template <typename Value> bool add(Value &&value) {
    if (!count_value())
      return false;
    place(json(std::forward<Value>(value)));
    return true;
  }

  /// Counts one more value; false, with the error set, past kMaxJsonValues.
  bool count_value() {
    if (++values_ <= kMaxJsonValues)
      return true;
    out_.error = "made of more than " + std::to_string(kMaxJsonValues) + " values";
    out_.limited = true;
    return false;
  }

  /// Counts an array or object about to open; false, with the error set,
  /// when it would nest deeper than kMaxJsonDepth.
  bool open_container() {
    if (open_.size() >= kMaxJsonDepth) {
      out_.error = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      out_.limited = true;
      return false;
    }
    return count_value();
  }

  /// Puts `value` where the parser is: the root, the next element of the
  /// innermost open array, or the member whose key came last.
  json *place(json value) {
    if (open_.empty()) {
      out_.value = std::move(value);
      return &out_.value;
    }
    json &container = *open_.back();
    if (container.is_array()) {
      container.push_back(std::move(value));
      return &container.back();
    }
    *member_ = std::move(value);
    return member_;
  }

  std::string_view text_;
  ParsedJson &out_;
  const std::vector<unsigned> *lone_units_;
  std::size_t next_unit_ = 0;
  std::vector<json *> open_;
  json *member_ = nullptr;
  std::size_t values_ = 0;
};

/// The root's "id" member when it is a JSON-RPC id (a string or an integer).
json readable_id(const json &root) {
  if (!root.is_object())
    return nullptr;
  auto id = root.find("id");
  return id != root.end() && (id->is_string() || id->is_number_integer()) ? *id : json(nullptr);
}

/// Parses `text` into `parsed`; false when it is not JSON or passes a limit.
bool parse_into(std::string_view text, ParsedJson &parsed,
                const std::vector<unsigned> *lone_units = nullptr) {
  parsed.value = json();
  StrictBuilder builder(text, parsed, lone_units);
  return json::sax_parse(text, &builder);
}

/// Appends to `path` where in `value` the first lone surrogate is; false when none is.
bool find_lone_surrogate(const json &value, std::string &path) {
  auto holds = [](std::string_view text) {
    for (std::size_t at = 0; at + 1 < text.size(); ++at)
      if (static_cast<unsigned char>(text[at]) == 0xED &&
          static_cast<unsigned char>(text[at + 1]) >= 0xA0)
        return true;
    return false;
  };
  if (value.is_string())
    return holds(value.get_ref<const std::string &>());
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::size_t mark = path.size();
      path += "[" + std::to_string(i) + "]";
      if (find_lone_surrogate(value[i], path))
        return true;
      path.resize(mark);
    }
  }
  if (value.is_object()) {
    for (const auto &[name, member] : value.items()) {
      if (holds(name)) {
        path += path.empty() ? "(a member name)" : " (a member name)";
        return true;
      }
      std::size_t mark = path.size();
      path += (path.empty() ? "" : ".") + name;
      if (find_lone_surrogate(member, path))
        return true;
      path.resize(mark);
    }
  }
  return false;
}

} // namespace

std::optional<std::string> lone_surrogate_path(const json &value) {
  std::string path;
  if (!find_lone_surrogate(value, path))
    return std::nullopt;
  return path;
}

ParsedJson parse_json(std::string_view text) {
  ParsedJson parsed;
  if (parse_into(text, parsed))
    return parsed;
  // nlohmann refuses a lone surrogate escape; read the text again with each
  // one stood in for, so that the caller can answer with the id and the place.
  std::vector<unsigned> units;
  if (parsed.error.find("surrogate") != std::string::npos)
    if (std::optional<std::string> rewritten = stand_in_lone_surrogates(text, units)) {
      ParsedJson again;
      if (parse_into(*rewritten, again, &units)) {
        again.lone_surrogates = true;
        return again;
      }
    }
  // What was read before the fault may hold the id: an error that carries
  // it is one the client can match to its request.
  parsed.id = readable_id(parsed.value);
  parsed.value = json(json::value_t::discarded);
  if (parsed.error.empty())
    parsed.error = "syntax error";
  return parsed;
}

void escape_line_separators(std::string &json_text) {
  // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
  for (std::size_t at = json_text.find("\xE2\x80"); at != std::string::npos;
       at = json_text.find("\xE2\x80", at + 1)) {
    if (at + 2 >= json_text.size())
      return;
    char last = json_text[at + 2];
    if (last == '\xA8' || last == '\xA9')
      json_text.replace(at, 3, last == '\xA8' ? "\\u2028" : "\\u2029");
  }
}

std::string name_for_message(std::string_view name, char quote) {
  std::size_t length = code_points(name);
  if (length > kMaxQuotedName)
    return "a name of " + std::to_string(length) + " characters";
  return quote + std::string(name) + quote;
}

} // namespace qovery_mcp
