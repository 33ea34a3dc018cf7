#include "qovery_mcp/schema.hpp"

#include "qovery_mcp/text.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <regex>
#include <string_view>
#include <utility>
#include <vector>

namespace qovery_mcp {

namespace {

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

enum class Format { kNone, kUuid, kDateTime };

/// Strings longer than this (in code points) are never quoted in messages.
constexpr std::size_t kMaxQuotedLength = 64;

/// libstdc++'s std::regex recurses once per input character (about 300 bytes
/// of stack each), so a long enough string crashes the process. A `pattern`
/// is therefore only accepted beside a `maxLength` of at most this many code
/// points, and `maxLength` is checked before the pattern runs.
constexpr std::size_t kMaxPatternInputLength = 1024;

} // namespace

/// A compiled schema: every keyword parsed, every regex built and every $ref
/// resolved once, so validation only reads it.
struct Schema::Node {
  bool rejects_everything = false; ///< the boolean schema `false`
  bool write_only = false;
  const Node *ref = nullptr;
  std::string ref_pointer; ///< where the $ref is, for the cycle check's message

  unsigned types = 0; ///< 0: any type
  std::string type_message;

  std::vector<json> enum_values;
  std::string enum_message;
  bool has_const = false;
  json const_value;
  std::string const_message;

  std::optional<std::size_t> min_length;
  std::optional<std::size_t> max_length;
  std::optional<std::regex> pattern;
  std::string pattern_rule; ///< `x-pattern-rule`: what a failed match reports
  std::string forbidden_prefix;
  std::string forbidden_prefix_message;
  Format format = Format::kNone;

  std::map<std::string, const Node *, std::less<>> properties;
  std::vector<std::string> required;
  bool additional_properties = true;
  std::string not_allowed_message;
  std::optional<std::size_t> min_properties;

  const Node *items = nullptr;

  /// With a $ref: the properties declared here and along the $ref chain (the
  /// nearest declaration of a name wins) and the nearest `items`, merged once
  /// at compile time for project(). Without one, project() reads `properties`
  /// and `items` themselves.
  std::map<std::string, const Node *, std::less<>> chain_properties;
  const Node *chain_items = nullptr;
};

namespace {

using Node = Schema::Node;

/// Thrown inside the compiler only; Schema::compile turns it into a Result.
struct CompileError {
  std::string message;
};

std::string dump(const json &value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// `pointer` extended by one reference token, escaped as RFC 6901 says.
std::string child_pointer(const std::string &pointer, std::string_view token) {
  std::string result = pointer + '/';
  for (char c : token) {
    if (c == '~')
      result += "~0";
    else if (c == '/')
      result += "~1";
    else
      result += c;
  }
  return result;
}

std::string unescape_pointer_token(std::string_view token) {
  std::string result;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      result += token[i + 1] == '0' ? '~' : '/';
      ++i;
      continue;
    }
    result += token[i];
  }
  return result;
}

[[noreturn]] void fail_keyword(std::string_view keyword, const std::string &pointer,
                               std::string_view problem) {
  throw CompileError{"keyword \"" + std::string(keyword) + "\" at " + pointer + ": " +
                     std::string(problem)};
}

std::size_t non_negative_integer(const json &value, std::string_view keyword,
                                 const std::string &pointer) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0)
    fail_keyword(keyword, pointer, "must be a non-negative integer");
  return value.get<std::size_t>();
}

std::string types_message(unsigned types) {
  std::vector<std::string_view> names;
  for (const auto &type : kTypeNames)
    if (types & type.bit)
      names.push_back(type.with_article);
  std::string message = "must be ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      message += i + 1 == names.size() ? " or " : ", ";
    message += names[i];
  }
  return message;
}

/// Builds the nodes of one document into `nodes` (whose addresses are stable).
class Compiler {
public:
  explicit Compiler(std::deque<Node> &nodes) : nodes_(nodes) {}

  const Node *compile_document(const json &document) {
    if (document.is_object() && document.contains("$defs"))
      declare_definitions(document["$defs"]);
    for (const auto &[name, definition] : definitions_)
      compile_into(*definition.node, *definition.schema, child_pointer("/$defs", name));
    const Node *root = compile_new(document, "");
    check_ref_cycles();
    merge_ref_chains();
    return root;
  }

private:
  struct Definition {
    const json *schema;
    Node *node;
  };

  /// Allocates a node per definition first, so that a $ref (even a recursive
  /// one) resolves to a pointer without compiling anything twice.
  void declare_definitions(const json &definitions) {
    if (!definitions.is_object())
      fail_keyword("$defs", "/$defs", "must be an object");
    for (auto it = definitions.begin(); it != definitions.end(); ++it)
      definitions_.emplace(it.key(), Definition{&it.value(), &nodes_.emplace_back()});
  }

  const Node *compile_new(const json &schema, const std::string &pointer) {
    Node &node = nodes_.emplace_back();
    compile_into(node, schema, pointer);
    return &node;
  }

  void compile_into(Node &node, const json &schema, const std::string &pointer) {
    if (schema.is_boolean()) {
      node.rejects_everything = !schema.get<bool>();
      return;
    }
    if (!schema.is_object())
      throw CompileError{"schema at " + (pointer.empty() ? std::string("the root") : pointer) +
                         " must be an object or a boolean"};
    for (auto it = schema.begin(); it != schema.end(); ++it)
      compile_keyword(node, it.key(), it.value(), pointer);
    if (node.pattern && (!node.max_length || *node.max_length > kMaxPatternInputLength))
      fail_keyword("pattern", child_pointer(pointer, "pattern"),
                   "needs a \"maxLength\" of at most " + std::to_string(kMaxPatternInputLength) +
                       " beside it");
    if (node.pattern.has_value() != !node.pattern_rule.empty())
      fail_keyword(node.pattern ? "pattern" : "x-pattern-rule",
                   child_pointer(pointer, node.pattern ? "pattern" : "x-pattern-rule"),
                   node.pattern ? "needs an \"x-pattern-rule\" beside it (the words a failed "
                                  "match reports)"
                                : "needs a \"pattern\" beside it");
    if (schema.contains("x-nullable"))
      compile_nullable(node, schema, child_pointer(pointer, "x-nullable"));
    if (!node.forbidden_prefix.empty() &&
        schema.value("description", "").find(node.forbidden_prefix) == std::string::npos)
      fail_keyword("x-forbidden-prefix", child_pointer(pointer, "x-forbidden-prefix"),
                   "needs a \"description\" beside it that names the prefix (clients do not see "
                   "this keyword)");
  }

  void compile_keyword(Node &node, const std::string &keyword, const json &value,
                       const std::string &pointer) {
    const std::string at = child_pointer(pointer, keyword);
    if (keyword == "type")
      return compile_type(node, value, at);
    if (keyword == "properties")
      return compile_properties(node, value, at);
    if (keyword == "required")
      return compile_required(node, value, at);
    if (keyword == "additionalProperties")
      return compile_additional_properties(node, value, at);
    if (keyword == "items") {
      node.items = compile_new(value, at);
      return;
    }
    if (keyword == "enum")
      return compile_enum(node, value, at);
    if (keyword == "const") {
      node.has_const = true;
      node.const_value = value;
      node.const_message = "must be " + dump(value);
      return;
    }
    if (keyword == "minLength") {
      node.min_length = non_negative_integer(value, keyword, at);
      return;
    }
    if (keyword == "maxLength") {
      node.max_length = non_negative_integer(value, keyword, at);
      return;
    }
    if (keyword == "minProperties") {
      node.min_properties = non_negative_integer(value, keyword, at);
      return;
    }
    if (keyword == "pattern")
      return compile_pattern(node, value, at);
    if (keyword == "x-pattern-rule") {
      if (!value.is_string() || !value.get_ref<const std::string &>().starts_with("must "))
        fail_keyword(keyword, at, "must be a string that starts with \"must \"");
      node.pattern_rule = value.get<std::string>();
      return;
    }
    if (keyword == "x-forbidden-prefix")
      return compile_forbidden_prefix(node, value, at);
    if (keyword == "x-nullable")
      return; // read once every keyword is in: see compile_nullable
    if (keyword == "format")
      return compile_format(node, value, at);
    if (keyword == "$ref")
      return compile_ref(node, value, at);
    if (keyword == "$defs") {
      if (!pointer.empty())
        fail_keyword(keyword, at, "is only supported at the root");
      return;
    }
    if (keyword == "readOnly" || keyword == "writeOnly") {
      if (!value.is_boolean())
        fail_keyword(keyword, at, "must be a boolean");
      if (keyword == "writeOnly")
        node.write_only = value.get<bool>();
      return;
    }
    if (keyword == "title" || keyword == "description" || keyword == "$schema" ||
        keyword == "$id" || keyword == "$comment") {
      if (!value.is_string())
        fail_keyword(keyword, at, "must be a string");
      return;
    }
    if (keyword == "default" || keyword == "examples")
      return;
    throw CompileError{"unsupported keyword \"" + keyword + "\" at " + at};
  }

  static void compile_type(Node &node, const json &value, const std::string &at) {
    auto add = [&](const json &name) {
      if (!name.is_string())
        fail_keyword("type", at, "must be a type name or an array of type names");
      const auto &text = name.get_ref<const std::string &>();
      for (const auto &type : kTypeNames) {
        if (type.name == text) {
          node.types |= type.bit;
          return;
        }
      }
      fail_keyword("type", at, "unknown type \"" + text + "\"");
    };
    if (value.is_array()) {
      if (value.empty())
        fail_keyword("type", at, "must not be an empty array");
      for (const auto &name : value)
        add(name);
    } else {
      add(value);
    }
    node.type_message = types_message(node.types);
  }

  void compile_properties(Node &node, const json &value, const std::string &at) {
    if (!value.is_object())
      fail_keyword("properties", at, "must be an object");
    for (auto it = value.begin(); it != value.end(); ++it)
      node.properties.emplace(it.key(), compile_new(it.value(), child_pointer(at, it.key())));
    update_not_allowed_message(node);
  }

  static void compile_required(Node &node, const json &value, const std::string &at) {
    if (!value.is_array())
      fail_keyword("required", at, "must be an array of property names");
    for (const auto &name : value) {
      if (!name.is_string())
        fail_keyword("required", at, "must be an array of property names");
      node.required.push_back(name.get<std::string>());
    }
  }

  static void compile_additional_properties(Node &node, const json &value, const std::string &at) {
    if (!value.is_boolean())
      fail_keyword("additionalProperties", at, "must be a boolean");
    node.additional_properties = value.get<bool>();
    update_not_allowed_message(node);
  }

  /// The message names the allowed properties (in the schema's key order,
  /// which nlohmann::json keeps sorted).
  static void update_not_allowed_message(Node &node) {
    if (node.properties.empty()) {
      node.not_allowed_message = "is not allowed here (no properties are allowed)";
      return;
    }
    node.not_allowed_message = "is not allowed here (allowed: ";
    bool first = true;
    for (const auto &property : node.properties) {
      if (!first)
        node.not_allowed_message += ", ";
      node.not_allowed_message += property.first;
      first = false;
    }
    node.not_allowed_message += ")";
  }

  static void compile_enum(Node &node, const json &value, const std::string &at) {
    if (!value.is_array() || value.empty())
      fail_keyword("enum", at, "must be a non-empty array");
    node.enum_message = "must be one of: ";
    for (std::size_t i = 0; i < value.size(); ++i) {
      const json &allowed = value[i];
      node.enum_values.push_back(allowed);
      if (i > 0)
        node.enum_message += ", ";
      node.enum_message += allowed.is_string() ? allowed.get<std::string>() : dump(allowed);
    }
  }

  static void compile_pattern(Node &node, const json &value, const std::string &at) {
    if (!value.is_string())
      fail_keyword("pattern", at, "must be a string");
    try {
      node.pattern.emplace(value.get<std::string>(), std::regex::ECMAScript);
    } catch (const std::regex_error &error) {
      fail_keyword("pattern", at,
                   "is not a valid ECMAScript regular expression (" + std::string(error.what()) +
                       ")");
    }
  }

  /// `"x-nullable": true` beside a single type name adds null to it.
  static void compile_nullable(Node &node, const json &schema, const std::string &at) {
    const json &value = schema.at("x-nullable");
    if (!value.is_boolean())
      fail_keyword("x-nullable", at, "must be a boolean");
    if (!value.get<bool>())
      return;
    if (!schema.contains("type") || !schema.at("type").is_string() || node.types == kNull)
      fail_keyword("x-nullable", at, "needs a \"type\" beside it that names one type, not null");
    node.types |= kNull;
    node.type_message = types_message(node.types);
  }

  static void compile_forbidden_prefix(Node &node, const json &value, const std::string &at) {
    const auto non_empty_string = [&value](const char *member) {
      auto found = value.find(member);
      return found != value.end() && found->is_string() &&
             !found->get_ref<const std::string &>().empty();
    };
    if (!value.is_object() || value.size() != 2 || !non_empty_string("prefix") ||
        !non_empty_string("reason"))
      fail_keyword("x-forbidden-prefix", at,
                   "must be {\"prefix\": \"...\", \"reason\": \"...\"}, both non-empty strings");
    node.forbidden_prefix = value.at("prefix").get<std::string>();
    node.forbidden_prefix_message = "must not start with " + node.forbidden_prefix + " (" +
                                    value.at("reason").get<std::string>() + ")";
  }

  static void compile_format(Node &node, const json &value, const std::string &at) {
    if (!value.is_string())
      fail_keyword("format", at, "must be a string");
    const auto &name = value.get_ref<const std::string &>();
    if (name == "uuid") {
      node.format = Format::kUuid;
      return;
    }
    if (name == "date-time") {
      node.format = Format::kDateTime;
      return;
    }
    fail_keyword("format", at, "unsupported format \"" + name + "\" (supported: uuid, date-time)");
  }

  void compile_ref(Node &node, const json &value, const std::string &at) {
    static constexpr std::string_view kPrefix = "#/$defs/";
    if (!value.is_string())
      fail_keyword("$ref", at, "must be a string");
    const auto &target = value.get_ref<const std::string &>();
    if (target.size() <= kPrefix.size() || target.compare(0, kPrefix.size(), kPrefix) != 0 ||
        target.find('/', kPrefix.size()) != std::string::npos)
      fail_keyword("$ref", at, "only \"#/$defs/<name>\" is supported, got " + dump(value));
    const auto found = definitions_.find(unescape_pointer_token(target.substr(kPrefix.size())));
    if (found == definitions_.end())
      fail_keyword("$ref", at, "no definition " + dump(value) + " in this document");
    node.ref = found->second.node;
    node.ref_pointer = at;
  }

  /// A chain of $refs that comes back to where it started would make
  /// validation recurse forever without consuming the instance.
  void check_ref_cycles() const {
    for (const auto &[name, definition] : definitions_) {
      const Node *current = definition.node;
      for (std::size_t step = 0; step < definitions_.size() && current->ref; ++step) {
        if (current->ref == definition.node)
          fail_keyword("$ref", current->ref_pointer,
                       "closes a cycle of $refs back to \"#/$defs/" + name + "\"");
        current = current->ref;
      }
    }
  }

  /// Fills chain_properties and chain_items of every node with a $ref. Runs
  /// after check_ref_cycles, so every chain ends.
  void merge_ref_chains() {
    for (Node &node : nodes_) {
      if (node.ref == nullptr)
        continue;
      for (const Node *link = &node; link != nullptr; link = link->ref) {
        node.chain_properties.insert(link->properties.begin(), link->properties.end());
        if (node.chain_items == nullptr)
          node.chain_items = link->items;
      }
    }
  }

  std::deque<Node> &nodes_;
  std::map<std::string, Definition, std::less<>> definitions_;
};

/// One step of the path from the root to the value being checked. Frames
/// live on the validator's stack; the dotted path is only rendered on error.
struct PathFrame {
  const PathFrame *parent;
  std::string_view name;
  std::size_t index;
  bool is_index;
};

std::string render_path(const PathFrame *frame) {
  std::vector<const PathFrame *> frames;
  for (; frame; frame = frame->parent)
    frames.push_back(frame);
  std::string path;
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    if ((*it)->is_index) {
      path += '[' + std::to_string((*it)->index) + ']';
      continue;
    }
    if (!path.empty())
      path += '.';
    path += (*it)->name;
  }
  return path;
}

std::optional<ValidationError> fail(const PathFrame *path, std::string message) {
  return ValidationError{render_path(path), std::move(message)};
}

std::string plural(std::size_t count, std::string_view noun, std::string_view plural_noun) {
  return std::to_string(count) + ' ' + std::string(count == 1 ? noun : plural_noun);
}

/// ", got \"...\"" for a string that may be shown, or a description of it
/// when it is too long; nothing at all when it is write-only.
std::string got_string(std::string_view text, bool hidden) {
  if (hidden)
    return "";
  const std::size_t length = code_points(text);
  if (length > kMaxQuotedLength)
    return ", got a string of " + std::to_string(length) + " characters";
  return ", got " + dump(json(text));
}

bool is_integer(const json &instance) {
  if (instance.is_number_integer())
    return true;
  if (!instance.is_number_float())
    return false;
  const double value = instance.get<double>();
  return std::isfinite(value) && std::trunc(value) == value;
}

unsigned type_bits(const json &instance) {
  switch (instance.type()) {
  case json::value_t::null:
    return kNull;
  case json::value_t::boolean:
    return kBoolean;
  case json::value_t::string:
    return kString;
  case json::value_t::object:
    return kObject;
  case json::value_t::array:
    return kArray;
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
  case json::value_t::number_float:
    return is_integer(instance) ? kNumber | kInteger : kNumber;
  default:
    return 0;
  }
}

std::string type_mismatch(const Node &node, const json &instance, bool hidden) {
  if (instance.is_number() && (node.types & kInteger) && !hidden)
    return node.type_message + ", got " + dump(instance);
  return node.type_message + ", got " + std::string(instance.type_name());
}

bool digits(std::string_view text, std::size_t position, std::size_t count, int &value) {
  value = 0;
  for (std::size_t i = position; i < position + count; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9')
      return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

/// RFC 3339 section 5.6 `date-time`: 2026-11-26T22:40:00Z, with optional
/// fractional seconds and a Z or +hh:mm/-hh:mm offset.
bool is_date_time(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60)
    return false;
  std::size_t position = 19;
  if (text[position] == '.') {
    const std::size_t first_digit = ++position;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9')
      ++position;
    if (position == first_digit)
      return false;
  }
  const std::string_view offset = text.substr(position);
  if (offset == "Z" || offset == "z")
    return true;
  int offset_hour = 0, offset_minute = 0;
  return offset.size() == 6 && (offset[0] == '+' || offset[0] == '-') &&
         digits(offset, 1, 2, offset_hour) && offset[3] == ':' &&
         digits(offset, 4, 2, offset_minute) && offset_hour <= 23 && offset_minute <= 59;
}

std::optional<ValidationError> check(const Node &node, const json &instance, const PathFrame *path,
                                     bool hidden);

std::optional<ValidationError> check_string(const Node &node, const std::string &text,
                                            const PathFrame *path, bool hidden) {
  if (node.min_length || node.max_length) {
    const std::size_t length = code_points(text);
    const std::string got = hidden ? "" : ", got " + std::to_string(length);
    if (node.min_length && length < *node.min_length)
      return fail(path,
                  "must be at least " + plural(*node.min_length, "character", "characters") + got);
    if (node.max_length && length > *node.max_length)
      return fail(path,
                  "must be at most " + plural(*node.max_length, "character", "characters") + got);
  }
  if (node.format == Format::kUuid && !is_uuid(text))
    return fail(path, "must be a UUID" + got_string(text, hidden));
  if (node.format == Format::kDateTime && !is_date_time(text))
    return fail(path, "must be an RFC 3339 date-time" + got_string(text, hidden));
  if (node.pattern && !std::regex_search(text, *node.pattern))
    return fail(path, node.pattern_rule + got_string(text, hidden));
  if (!node.forbidden_prefix.empty() && text.starts_with(node.forbidden_prefix))
    return fail(path, node.forbidden_prefix_message + got_string(text, hidden));
  return std::nullopt;
}

std::optional<ValidationError> check_object(const Node &node, const json &instance,
                                            const PathFrame *path, bool hidden) {
  for (const auto &name : node.required) {
    if (instance.find(name) == instance.end()) {
      const PathFrame missing{path, name, 0, false};
      return fail(&missing, "is required");
    }
  }
  for (auto it = instance.begin(); it != instance.end(); ++it) {
    const PathFrame child{path, it.key(), 0, false};
    const auto property = node.properties.find(it.key());
    if (property == node.properties.end()) {
      if (!node.additional_properties)
        return fail(&child, node.not_allowed_message);
      continue;
    }
    if (auto error = check(*property->second, it.value(), &child, hidden))
      return error;
  }
  if (node.min_properties && instance.size() < *node.min_properties)
    return fail(path, "must have at least " +
                          plural(*node.min_properties, "property", "properties") + ", got " +
                          std::to_string(instance.size()));
  return std::nullopt;
}

std::optional<ValidationError> check_array(const Node &node, const json &instance,
                                           const PathFrame *path, bool hidden) {
  if (!node.items)
    return std::nullopt;
  for (std::size_t i = 0; i < instance.size(); ++i) {
    const PathFrame element{path, {}, i, true};
    if (auto error = check(*node.items, instance[i], &element, hidden))
      return error;
  }
  return std::nullopt;
}

std::optional<ValidationError> check(const Node &node, const json &instance, const PathFrame *path,
                                     bool hidden) {
  if (node.rejects_everything)
    return fail(path, "is not allowed");
  hidden = hidden || node.write_only;
  if (node.ref) {
    if (auto error = check(*node.ref, instance, path, hidden))
      return error;
  }
  if (node.types && !(node.types & type_bits(instance)))
    return fail(path, type_mismatch(node, instance, hidden));
  if (!node.enum_values.empty() && std::find(node.enum_values.begin(), node.enum_values.end(),
                                             instance) == node.enum_values.end())
    return fail(path, node.enum_message);
  if (node.has_const && node.const_value != instance)
    return fail(path, node.const_message);
  if (instance.is_string())
    return check_string(node, instance.get_ref<const std::string &>(), path, hidden);
  if (instance.is_object())
    return check_object(node, instance, path, hidden);
  if (instance.is_array())
    return check_array(node, instance, path, hidden);
  return std::nullopt;
}

/// `schema` without the server-side `x-` keywords, at every depth (through
/// properties, $defs and items: the keywords that hold schemas here).
json without_extensions(const json &schema) {
  if (!schema.is_object())
    return schema;
  json listed = json::object();
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    const std::string &keyword = it.key();
    if (keyword.starts_with("x-"))
      continue;
    if (keyword == "properties" || keyword == "$defs") {
      json children = json::object();
      for (auto child = it->begin(); child != it->end(); ++child)
        children[child.key()] = without_extensions(*child);
      listed[keyword] = std::move(children);
      continue;
    }
    listed[keyword] = keyword == "items" ? without_extensions(*it) : *it;
  }
  return listed;
}

/// What project() uses where the schema declares nothing: an object there
/// loses every member.
const Node kNothingDeclared{};

/// Whether no instance conforms to `node`: it is, or its $ref chain reaches,
/// the schema `false`.
bool accepts_nothing(const Node &node) {
  for (const Node *link = &node; link != nullptr; link = link->ref)
    if (link->rejects_everything)
      return true;
  return false;
}

void project_onto(const Node &node, json &instance) {
  if (instance.is_object()) {
    const auto &declared = node.ref ? node.chain_properties : node.properties;
    auto &members = instance.get_ref<json::object_t &>();
    for (auto member = members.begin(); member != members.end();) {
      const auto property = declared.find(member->first);
      if (property == declared.end() || accepts_nothing(*property->second)) {
        member = members.erase(member);
        continue;
      }
      project_onto(*property->second, member->second);
      ++member;
    }
    return;
  }
  if (!instance.is_array())
    return;
  const Node *items = node.ref ? node.chain_items : node.items;
  if (items != nullptr && accepts_nothing(*items)) {
    instance.get_ref<json::array_t &>().clear();
    return;
  }
  for (json &element : instance)
    project_onto(items != nullptr ? *items : kNothingDeclared, element);
}

} // namespace

Schema::Schema(std::shared_ptr<const Node> root, std::shared_ptr<const nlohmann::json> doc)
    : root_(std::move(root)), document_(std::move(doc)) {}

Result<Schema> Schema::compile(const nlohmann::json &document) {
  auto nodes = std::make_shared<std::deque<Node>>();
  const Node *root = nullptr;
  try {
    root = Compiler(*nodes).compile_document(document);
  } catch (const CompileError &error) {
    return Result<Schema>::failure(error.message);
  }
  return Schema(std::shared_ptr<const Node>(nodes, root),
                std::make_shared<const nlohmann::json>(without_extensions(document)));
}

std::optional<ValidationError> Schema::validate(const nlohmann::json &instance) const {
  return check(*root_, instance, nullptr, false);
}

nlohmann::json Schema::project(nlohmann::json instance) const {
  project_onto(*root_, instance);
  return instance;
}

const nlohmann::json &Schema::document() const { return *document_; }

} // namespace qovery_mcp
