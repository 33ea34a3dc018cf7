#include "openapi_schema.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace qovery_mcp::openapi_detail {
namespace {

/// The JSON Schema keywords a converted schema may hold: every keyword the
/// conversion writes goes through this list, and a keyword of the OpenAPI
/// that maps to none listed is left out, so that the derived schema always
/// compiles (Schema::compile refuses what it does not know). Add a keyword
/// here when the validator learns it (uniqueItems and multipleOf are
/// converted, and left out until then).
constexpr std::array<std::string_view, 25> kKeptKeywords{"type",
                                                         "x-nullable",
                                                         "properties",
                                                         "required",
                                                         "additionalProperties",
                                                         "items",
                                                         "allOf",
                                                         "anyOf",
                                                         "oneOf",
                                                         "$ref",
                                                         "$defs",
                                                         "enum",
                                                         "format",
                                                         "minLength",
                                                         "maxLength",
                                                         "minimum",
                                                         "maximum",
                                                         "exclusiveMinimum",
                                                         "exclusiveMaximum",
                                                         "minItems",
                                                         "maxItems",
                                                         "minProperties",
                                                         "default",
                                                         "description",
                                                         "writeOnly"};
/// The values of `format` the validator accepts (uuid, date-time and date
/// checked, the others annotations); any other format is left out.
constexpr std::array<std::string_view, 8> kKeptFormats{"uuid", "date-time", "date",  "email",
                                                       "uri",  "binary",    "int32", "int64"};
/// Keywords copied as they are when kept.
constexpr std::array<std::string_view, 8> kCopied{"minLength",  "maxLength", "minProperties",
                                                  "minItems",   "maxItems",  "uniqueItems",
                                                  "multipleOf", "default"};

bool kept(std::string_view keyword) {
  return std::find(kKeptKeywords.begin(), kKeptKeywords.end(), keyword) != kKeptKeywords.end();
}

enum class Form { kInput, kOutput };

/// A sentence to write more after: "" stays "", else it ends with ". ".
std::string as_sentence(std::string text) {
  if (text.empty())
    return text;
  if (text.back() != '.' && text.back() != '!' && text.back() != '?')
    text += '.';
  return text + ' ';
}

/// The converter writes references to definitions only: "#/$defs/<name>",
/// where a name needs no escaping (OpenAPI 3.0.3, 4.7.7: [a-zA-Z0-9._-]+).
constexpr std::string_view kDefinitions = "#/$defs/";

/// The name a reference written by the converter names.
std::string definition_name(const json &ref) {
  return ref.get<std::string>().substr(kDefinitions.size());
}

/// Whether an allOf branch can be merged into its parent: an object schema
/// with nothing but properties, required and a description.
bool plain_object(const json &branch) {
  return branch.is_object() && branch.value("type", "object") == "object" &&
         std::all_of(branch.items().begin(), branch.items().end(), [](const auto &member) {
           const std::string &key = member.key();
           return key == "type" || key == "properties" || key == "required" || key == "description";
         });
}

/// Calls `visit(child, keyword)` on each subschema a converted schema nests,
/// with the keyword that holds it: the values of `properties`, `items`, and
/// the branches of `allOf`, `oneOf` and `anyOf`.
template <typename Visit> void for_each_subschema(json &schema, Visit visit) {
  if (auto properties = schema.find("properties"); properties != schema.end())
    for (auto &property : properties->items())
      visit(property.value(), "properties");
  if (auto items = schema.find("items"); items != schema.end())
    visit(*items, "items");
  for (const char *keyword : {"allOf", "oneOf", "anyOf"})
    if (auto branches = schema.find(keyword); branches != schema.end())
      for (json &branch : *branches)
        visit(branch, keyword);
}

/// At every depth of `schema`, an `allOf` whose branches are all plain
/// objects, or references to plain objects of `definitions`, becomes one
/// object schema: the branches' properties (the first declaration of a name
/// wins), their required names, and the first description. An input has no
/// references; an output's definitions are merged one by one.
void merge_all_of(json &schema, const json &definitions) {
  if (!schema.is_object())
    return;
  for_each_subschema(
      schema, [&definitions](json &child, std::string_view) { merge_all_of(child, definitions); });
  auto all_of = schema.find("allOf");
  if (all_of == schema.end())
    return;
  json parts = json::array();
  for (const json &branch : *all_of) {
    const json *part = &branch;
    if (branch.size() == 1 && branch.contains("$ref")) {
      auto found = definitions.find(definition_name(branch["$ref"]));
      if (found == definitions.end())
        return;
      part = &*found;
    }
    if (!plain_object(*part))
      return;
    parts.push_back(*part);
  }
  schema.erase("allOf");
  json &properties = schema["properties"];
  json &required = schema["required"];
  for (const json &part : parts) {
    const json part_properties = part.value("properties", json::object());
    for (auto property = part_properties.begin(); property != part_properties.end(); ++property)
      if (!properties.contains(property.key()))
        properties[property.key()] = *property;
    for (const json &name : part.value("required", json::array()))
      if (std::find(required.begin(), required.end(), name) == required.end())
        required.push_back(name);
    if (!schema.contains("description") && part.contains("description"))
      schema["description"] = part["description"];
  }
  if (required.empty())
    schema.erase("required");
  schema["type"] = "object";
}

/// Closes every object of an input schema that declares properties
/// (`"additionalProperties": false`) and does not say otherwise, except the
/// branches of an `allOf` (a closed branch would refuse the members the
/// other branches declare).
void close_objects(json &schema, bool closable) {
  if (!schema.is_object())
    return;
  for_each_subschema(schema, [](json &child, std::string_view keyword) {
    close_objects(child, keyword != "allOf");
  });
  if (closable && schema.contains("properties") && !schema.contains("additionalProperties"))
    schema["additionalProperties"] = false;
}

/// An input schema made whole: allOfs merged, objects closed.
void finish_input(json &schema) {
  merge_all_of(schema, json::object());
  close_objects(schema, true);
}

/// Every `$ref` value in `schema`, at any depth, into `names` (the part after "#/$defs/").
void referenced_definitions(const json &schema, std::set<std::string> &names) {
  if (schema.is_object())
    if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string())
      names.insert(definition_name(*ref));
  if (schema.is_structured())
    for (const json &child : schema)
      referenced_definitions(child, names);
}

/// Converts the Schema Objects of one parameter, body or answer (OpenAPI
/// 3.0.3, 4.7.24) to JSON Schema, in one form; for an output, it collects
/// the definitions its `$ref`s reach.
class Converter {
public:
  Converter(const SchemaReader &reader, Form form, std::string_view api_name)
      : reader_(reader), form_(form), api_name_(api_name) {}

  [[noreturn]] void fail(const Pointer &where, const std::string &what) const {
    reader_.fail(where, what);
  }
  const json &resolve(const json &value, const Pointer &where, Pointer *target = nullptr) const {
    return reader_.resolve(value, where, target);
  }

  /// `schema`, found at `where`, converted. `may_be_null`: an output's
  /// property that is not required.
  json convert(const json &schema, const Pointer &where, bool may_be_null) {
    if (!schema.is_object())
      fail(where, "a Schema Object must be a mapping");
    if (schema.contains("$ref"))
      return convert_reference(schema, where, may_be_null);
    json out = json::object();
    const bool nullable = flag(schema, "nullable", where);
    convert_type(schema, where, nullable || (may_be_null && form_ == Form::kOutput), out);
    if (auto values = schema.find("enum"); values != schema.end()) {
      if (!values->is_array() || values->empty())
        fail(where / "enum", "must be a non-empty list");
      if (form_ == Form::kInput) {
        json allowed = *values;
        if (nullable && std::find(allowed.begin(), allowed.end(), nullptr) == allowed.end())
          allowed.push_back(nullptr);
        emit(out, "enum", std::move(allowed));
      }
    }
    if (std::string text = description(schema, where); !text.empty())
      emit(out, "description", std::move(text));
    if (auto format = schema.find("format");
        format != schema.end() && format->is_string() &&
        std::find(kKeptFormats.begin(), kKeptFormats.end(), format->get<std::string>()) !=
            kKeptFormats.end())
      emit(out, "format", *format);
    for (std::string_view keyword : kCopied)
      if (auto value = schema.find(keyword); value != schema.end())
        emit(out, std::string(keyword), *value);
    convert_maximum(schema, out);
    convert_object(schema, where, out);
    if (auto items = schema.find("items"); items != schema.end())
      emit(out, "items", convert(*items, where / "items", false));
    for (const char *keyword : {"allOf", "oneOf", "anyOf"}) {
      auto branches = schema.find(keyword);
      if (branches == schema.end() || !kept(keyword))
        continue;
      if (!branches->is_array() || branches->empty())
        fail(where / keyword, "must be a non-empty list of schemas");
      json converted = json::array();
      for (std::size_t i = 0; i < branches->size(); ++i)
        converted.push_back(convert(branches->at(i), where / keyword / i, false));
      // An output's alternatives without a type of their own: null is one more.
      if (form_ == Form::kOutput && (nullable || may_be_null) && !schema.contains("type") &&
          std::string_view(keyword) != "allOf")
        converted.push_back({{"type", "null"}});
      emit(out, keyword, std::move(converted));
    }
    if (form_ == Form::kInput && flag(schema, "writeOnly", where))
      emit(out, "writeOnly", true);
    return out;
  }

  /// `root` with the definitions it reaches in its `$defs`, allOfs merged
  /// (merge_all_of), each definition nullable when some property that is not
  /// required refers to it (an output's); a root that is only a reference to
  /// a definition used nowhere else is that definition.
  json with_definitions(json root) {
    for (auto &definition : definitions_.items())
      merge_all_of(definition.value(), definitions_);
    merge_all_of(root, definitions_);
    // Only those still referred to: a merged allOf leaves its branches' behind.
    std::set<std::string> reached;
    referenced_definitions(root, reached);
    for (std::size_t before = 0; before != reached.size();) {
      before = reached.size();
      for (const std::string &name : std::set<std::string>(reached))
        if (definitions_.contains(name))
          referenced_definitions(definitions_[name], reached);
    }
    for (auto definition = definitions_.begin(); definition != definitions_.end();)
      definition = reached.count(definition.key()) != 0 ? std::next(definition)
                                                        : definitions_.erase(definition);
    // A root that only refers to a definition nothing else refers to is that definition.
    if (root.size() == 1 && root.contains("$ref")) {
      const std::string name = definition_name(root["$ref"]);
      std::set<std::string> inside;
      for (const json &definition : definitions_)
        referenced_definitions(definition, inside);
      if (inside.count(name) == 0) {
        root = std::move(definitions_[name]);
        definitions_.erase(name);
      }
    }
    for (const std::string &name : nullable_definitions_) {
      if (!definitions_.contains(name))
        continue;
      json &definition = definitions_[name];
      if (auto type = definition.find("type"); type != definition.end() && type->is_string())
        *type = json::array({*type, "null"});
    }
    if (!definitions_.empty())
      emit(root, "$defs", std::move(definitions_));
    return root;
  }

private:
  void emit(json &out, const std::string &keyword, json value) const {
    if (kept(keyword))
      out[keyword] = std::move(value);
  }

  bool flag(const json &schema, const char *keyword, const Pointer &where) const {
    auto value = schema.find(keyword);
    if (value == schema.end())
      return false;
    if (!value->is_boolean())
      fail(where / keyword, "must be true or false");
    return value->get<bool>();
  }

  void convert_type(const json &schema, const Pointer &where, bool nullable, json &out) const {
    auto type = schema.find("type");
    if (type == schema.end())
      return;
    static constexpr std::array<std::string_view, 6> kTypes{"string",  "number", "integer",
                                                            "boolean", "object", "array"};
    if (!type->is_string() || std::find(kTypes.begin(), kTypes.end(),
                                        type->get_ref<const std::string &>()) == kTypes.end())
      fail(where / "type", "must be one of string, number, integer, boolean, object, array");
    if (!nullable) {
      emit(out, "type", *type);
      return;
    }
    if (form_ == Form::kOutput) {
      emit(out, "type", json::array({*type, "null"}));
      return;
    }
    emit(out, "type", *type);
    emit(out, "x-nullable", true);
  }

  std::string description(const json &schema, const Pointer &where) const {
    std::string text;
    if (auto given = schema.find("description"); given != schema.end()) {
      if (!given->is_string())
        fail(where / "description", "must be a string");
      text = trimmed(given->get<std::string>());
    }
    if (flag(schema, "deprecated", where))
      text = "Deprecated." + std::string(text.empty() ? "" : " ") + text;
    auto values = schema.find("enum");
    if (form_ == Form::kInput || values == schema.end())
      return text;
    std::string known;
    for (const json &value : *values)
      if (!value.is_null())
        known += (known.empty() ? "" : ", ") +
                 (value.is_string() ? value.get<std::string>() : value.dump());
    return as_sentence(std::move(text)) + "Known values: " + known + "; " + std::string(api_name_) +
           " may add others.";
  }

  /// OpenAPI 3.0's boolean exclusiveMinimum/exclusiveMaximum qualify
  /// minimum/maximum; in 2020-12 they hold the bound themselves.
  void convert_maximum(const json &schema, json &out) const {
    for (const auto &[bound, exclusive] :
         {std::pair{"minimum", "exclusiveMinimum"}, std::pair{"maximum", "exclusiveMaximum"}}) {
      auto value = schema.find(bound);
      if (value == schema.end())
        continue;
      if (schema.value(exclusive, false) == true) {
        out.erase(bound);
        emit(out, exclusive, *value);
        continue;
      }
      emit(out, bound, *value);
    }
  }

  /// properties, required and additionalProperties.
  void convert_object(const json &schema, const Pointer &where, json &out) {
    std::set<std::string> required, left_out;
    auto names = schema.find("required");
    if (names != schema.end()) {
      if (!names->is_array() ||
          !std::all_of(names->begin(), names->end(), [](const json &n) { return n.is_string(); }))
        fail(where / "required", "must be a list of property names");
      for (const json &name : *names)
        required.insert(name.get<std::string>());
    }
    if (auto properties = schema.find("properties"); properties != schema.end()) {
      if (!properties->is_object())
        fail(where / "properties", "must be a mapping");
      json converted = json::object();
      for (auto property = properties->begin(); property != properties->end(); ++property) {
        const Pointer at = where / "properties" / property.key();
        const json &target = resolve(property.value(), at);
        if (target.is_object() &&
            flag(target, form_ == Form::kInput ? "readOnly" : "writeOnly", at)) {
          left_out.insert(property.key());
          continue;
        }
        converted[property.key()] =
            convert(property.value(), at, required.count(property.key()) == 0);
      }
      emit(out, "properties", std::move(converted));
    }
    json kept_required = json::array();
    for (const json &name : names != schema.end() ? *names : json::array())
      if (left_out.count(name.get<std::string>()) == 0)
        kept_required.push_back(name);
    if (!kept_required.empty())
      emit(out, "required", std::move(kept_required));
    auto additional = schema.find("additionalProperties");
    if (form_ == Form::kInput && additional != schema.end())
      emit(out, "additionalProperties", !additional->is_boolean() || additional->get<bool>());
  }

  json convert_reference(const json &schema, const Pointer &where, bool may_be_null) {
    Pointer at;
    const json &target = resolve(schema, where, &at);
    static const std::string kComponents = "/components/schemas/";
    const std::string pointer = at.to_string();
    std::string name;
    if (pointer.starts_with(kComponents) &&
        pointer.find('/', kComponents.size()) == std::string::npos)
      name = at.back();
    if (form_ == Form::kOutput && !name.empty() && describes_object(target)) {
      if (!definitions_.contains(name)) {
        definitions_[name] = json::object(); // a reference back to it stops here
        definitions_[name] = convert(target, at, false);
      }
      if (may_be_null)
        nullable_definitions_.insert(name);
      json reference = json::object();
      emit(reference, "$ref", std::string(kDefinitions) + name);
      return reference;
    }
    if (std::find(inlining_.begin(), inlining_.end(), pointer) != inlining_.end())
      return json::object(); // a schema inside itself: anything, not checked here
    inlining_.push_back(pointer);
    json converted = convert(target, at, may_be_null);
    inlining_.pop_back();
    return converted;
  }

  static bool describes_object(const json &schema) {
    return schema.is_object() &&
           (schema.value("type", "") == "object" || schema.contains("properties") ||
            schema.contains("allOf") || schema.contains("oneOf") || schema.contains("anyOf"));
  }

  const SchemaReader &reader_;
  Form form_;
  std::string_view api_name_;
  json definitions_ = json::object();
  std::set<std::string> nullable_definitions_;
  std::vector<std::string> inlining_; ///< the references being written in place
};

} // namespace

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

void SchemaReader::fail(const Pointer &where, const std::string &what) const {
  throw OpenApiError{file_ + ": " + where.to_string() + ": " + what};
}

const json &SchemaReader::resolve(const json &value, const Pointer &where, Pointer *target) const {
  const json *current = &value;
  Pointer at = where;
  for (int hops = 0; current->is_object() && current->contains("$ref"); ++hops) {
    const json &ref = current->at("$ref");
    if (!ref.is_string() || !ref.get_ref<const std::string &>().starts_with("#/"))
      fail(at / "$ref", "only references inside the document (\"#/...\") are supported");
    if (hops == 32)
      fail(at / "$ref", "more than 32 references in a row (a cycle?)");
    try {
      at = Pointer(ref.get<std::string>().substr(1));
      current = &document_.at(at);
    } catch (const json::exception &) {
      fail(where / "$ref", "the reference " + ref.dump() + " does not resolve");
    }
  }
  if (target != nullptr)
    *target = at;
  return *current;
}

json SchemaReader::input_schema(const json &schema, const Pointer &where) const {
  json converted = Converter(*this, Form::kInput, "").convert(schema, where, false);
  finish_input(converted);
  return converted;
}

json SchemaReader::output_schema(const json &schema, const Pointer &where,
                                 std::string_view api_name) const {
  Converter converter(*this, Form::kOutput, api_name);
  return converter.with_definitions(converter.convert(schema, where, false));
}

} // namespace qovery_mcp::openapi_detail
