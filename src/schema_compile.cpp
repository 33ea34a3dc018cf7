#include "schema_node.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <utility>

namespace qovery_mcp {

namespace {

using namespace schema_detail;
using Node = Schema::Node;

/// libstdc++'s std::regex recurses once per input character (about 300 bytes
/// of stack each), so a long enough string crashes the process. A `pattern`
/// is therefore only accepted beside a `maxLength` of at most this many code
/// points, and `maxLength` is checked before the pattern runs.
constexpr std::size_t kMaxPatternInputLength = 1024;

/// How many subschemas validation may apply to one value in place (the node
/// itself, its $ref's and its allOf, anyOf and oneOf branches', counted as
/// often as they are reached). Sharing through $ref makes that grow exponentially with the
/// document (n definitions, each applying the next one twice: 2^n), so a
/// schema past this is refused at compile time rather than validating for ever.
constexpr std::size_t kMaxInPlaceSubschemas = 1000;

/// The keywords whose value is a count (of characters, properties or items).
constexpr std::pair<std::string_view, std::optional<std::size_t> Node::*> kCounts[]{
    {"minLength", &Node::min_length},
    {"maxLength", &Node::max_length},
    {"minProperties", &Node::min_properties},
    {"minItems", &Node::min_items},
    {"maxItems", &Node::max_items}};

/// The keywords whose value is a number that bounds a numeric instance.
constexpr std::pair<std::string_view, std::optional<json> Node::*> kBounds[]{
    {"minimum", &Node::minimum},
    {"maximum", &Node::maximum},
    {"exclusiveMinimum", &Node::exclusive_minimum},
    {"exclusiveMaximum", &Node::exclusive_maximum}};

/// Thrown inside the compiler only; Schema::compile turns it into a Result.
struct CompileError {
  std::string message;
};

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
    check_in_place_cycles();
    check_in_place_sizes();
    merge_in_place();
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
    if (keyword == "allOf")
      return compile_combinator(node.all_of, node, keyword, value, at);
    if (keyword == "anyOf")
      return compile_combinator(node.any_of, node, keyword, value, at);
    if (keyword == "oneOf")
      return compile_combinator(node.one_of, node, keyword, value, at);
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
    for (const auto &[name, member] : kCounts)
      if (keyword == name) {
        node.*member = non_negative_integer(value, keyword, at);
        return;
      }
    for (const auto &[name, member] : kBounds)
      if (keyword == name) {
        if (!value.is_number())
          fail_keyword(keyword, at, "must be a number");
        node.*member = value;
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
    if (keyword == "readOnly" || keyword == "writeOnly" || keyword == "deprecated") {
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

  /// allOf, anyOf or oneOf into `branches`, one of `node`'s.
  void compile_combinator(std::vector<const Node *> &branches, Node &node, std::string_view keyword,
                          const json &value, const std::string &at) {
    if (!value.is_array() || value.empty())
      fail_keyword(keyword, at, "must be a non-empty array of schemas");
    if (node.combinator_pointer.empty())
      node.combinator_pointer = at;
    for (std::size_t i = 0; i < value.size(); ++i)
      branches.push_back(compile_new(value[i], child_pointer(at, std::to_string(i))));
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
    if (name == "date") {
      node.format = Format::kDate;
      return;
    }
    // Annotations only, as 2020-12 makes every format by default (JSON Schema
    // Validation, 7.2.1): they tell the model, and the API checks them.
    for (std::string_view annotation : {"email", "uri", "binary", "int32", "int64"})
      if (name == annotation)
        return;
    fail_keyword("format", at,
                 "unsupported format \"" + name +
                     "\" (asserted: uuid, date-time, date; annotations only: email, uri, binary, "
                     "int32, int64)");
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

  /// Which subschemas for_each_in_place follows.
  enum class Links {
    kAll,        ///< $ref, allOf, anyOf, oneOf: all that validation may apply
    kConjunctive ///< $ref and allOf: those that must all hold
  };

  /// Calls `visit` on `node` and on every subschema that applies to the same
  /// instance through `links`, at any depth, each once, in the order: the
  /// node, its $ref's, then its allOf, anyOf and oneOf branches'.
  template <typename Visit>
  static void for_each_in_place(const Node &node, Visit visit, Links links = Links::kAll) {
    std::set<const Node *> seen;
    std::vector<const Node *> pending{&node};
    const auto push = [&pending](const std::vector<const Node *> &branches) {
      for (auto branch = branches.rbegin(); branch != branches.rend(); ++branch)
        pending.push_back(*branch);
    };
    while (!pending.empty()) {
      const Node *current = pending.back();
      pending.pop_back();
      if (!seen.insert(current).second)
        continue;
      visit(*current);
      if (links == Links::kAll) {
        push(current->one_of);
        push(current->any_of);
      }
      push(current->all_of);
      if (current->ref != nullptr)
        pending.push_back(current->ref);
    }
  }

  /// Subschemas that apply in place and come back to where they started
  /// would make validation recurse forever without consuming the instance.
  /// Such a cycle always goes through a $ref to a definition.
  void check_in_place_cycles() const {
    for (const auto &definition : definitions_) {
      const Node *target = definition.second.node;
      for_each_in_place(*target, [&](const Node &reached) {
        if (reached.ref == target)
          fail_keyword("$ref", reached.ref_pointer,
                       "closes a cycle of $refs back to \"#/$defs/" + definition.first + "\"");
      });
    }
  }

  /// Refuses a combinator (allOf, anyOf, oneOf) through which validation
  /// would apply more than kMaxInPlaceSubschemas subschemas to one value.
  /// Runs after check_in_place_cycles, so every count ends.
  void check_in_place_sizes() const {
    std::map<const Node *, std::size_t> sizes;
    for (const Node &node : nodes_)
      if (!node.combinator_pointer.empty() && in_place_size(node, sizes) > kMaxInPlaceSubschemas) {
        const std::string &at = node.combinator_pointer;
        fail_keyword(std::string_view(at).substr(at.rfind('/') + 1), at,
                     "applies more than " + std::to_string(kMaxInPlaceSubschemas) +
                         " subschemas to one value (through $ref)");
      }
  }

  /// The number kMaxInPlaceSubschemas bounds, for `node`, or one more than
  /// the bound once past it; `sizes` remembers each node's.
  static std::size_t in_place_size(const Node &node, std::map<const Node *, std::size_t> &sizes) {
    if (const auto found = sizes.find(&node); found != sizes.end())
      return found->second;
    std::size_t size = 1;
    if (node.ref != nullptr)
      size += in_place_size(*node.ref, sizes);
    for (const auto *branches : {&node.all_of, &node.any_of, &node.one_of})
      for (const Node *branch : *branches)
        size += in_place_size(*branch, sizes);
    size = std::min(size, kMaxInPlaceSubschemas + 1);
    sizes.emplace(&node, size);
    return size;
  }

  /// Fills write_only and the chain_ members of every node with subschemas
  /// in place. Runs after check_in_place_cycles.
  void merge_in_place() {
    for (Node &node : nodes_) {
      if (!node.in_place())
        continue;
      for_each_in_place(node, [&node](const Node &link) {
        node.write_only = node.write_only || link.write_only;
        node.chain_properties.insert(link.properties.begin(), link.properties.end());
        if (node.chain_items == nullptr)
          node.chain_items = link.items;
      });
      for_each_in_place(
          node,
          [&node](const Node &link) {
            node.chain_rejects_everything =
                node.chain_rejects_everything || link.rejects_everything;
          },
          Links::kConjunctive);
    }
  }

  std::deque<Node> &nodes_;
  std::map<std::string, Definition, std::less<>> definitions_;
};

/// `schema` without the server-side `x-` keywords, at every depth (through
/// properties, $defs, items, allOf, anyOf and oneOf: the keywords that hold
/// schemas here).
json without_extensions(const json &schema) {
  if (!schema.is_object())
    return schema;
  json listed = json::object();
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    const std::string &keyword = it.key();
    if (keyword.starts_with("x-"))
      continue;
    if (keyword == "allOf" || keyword == "anyOf" || keyword == "oneOf") {
      json branches = json::array();
      for (const json &branch : *it)
        branches.push_back(without_extensions(branch));
      listed[keyword] = std::move(branches);
      continue;
    }
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

const nlohmann::json &Schema::document() const { return *document_; }

} // namespace qovery_mcp
