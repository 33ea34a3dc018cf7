// Fuzz target for the schema validator: the input, as JSON, validated against
// every tool's input and output schema (as tools/call arguments and Qovery's
// answers are), then compiled as a schema of its own that validates itself.
//
// Beyond crashes, it checks that an error has a lower-case message, and that
// a write-only value (a secret's body.value) never shows in an error: the same
// instance with another value of the same length fails the same way.
#include "fuzz_target.hpp"

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/schema.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace qovery_mcp;
using nlohmann::json;

/// Every tool's input and output schema, compiled once.
struct ToolSchemas {
  std::vector<Schema> inputs;
  std::vector<Schema> outputs;
};

Schema compiled(const std::string &file) {
  return std::move(Schema::compile(json::parse(*resource(file))).value());
}

const ToolSchemas &tool_schemas() {
  static const ToolSchemas schemas = [] {
    ToolSchemas all;
    Capability capability =
        std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
    for (const auto &tool : capability.tools) {
      all.inputs.push_back(compiled(tool.name + ".input.json"));
      all.outputs.push_back(compiled(tool.name + ".output.json"));
    }
    return all;
  }();
  return schemas;
}

[[noreturn]] void violated(std::string_view rule, const json &instance,
                           const ValidationError &error) {
  std::fprintf(stderr, "invariant violated: %.*s\ninstance: %s\nerror: '%s' %s\n",
               static_cast<int>(rule.size()), rule.data(),
               instance.dump(-1, ' ', false, json::error_handler_t::replace).c_str(),
               error.path.c_str(), error.message.c_str());
  std::abort();
}

void check_error(const json &instance, const ValidationError &error) {
  const char first = error.message.empty() ? 'A' : error.message.front();
  if (first < 'a' || first > 'z')
    violated("an error message is not empty and starts lower-case", instance, error);
}

/// The instance with body.value replaced by as many '#' (or '%') as it has
/// code points, or nullopt when it has no string body.value.
std::optional<json> with_other_secret(const json &instance) {
  if (!instance.is_object() || !instance.contains("body") || !instance["body"].is_object())
    return std::nullopt;
  const json &value = instance["body"].value("value", json());
  if (!value.is_string())
    return std::nullopt;
  const auto &secret = value.get_ref<const std::string &>();
  const char filler = secret.find_first_not_of('#') == std::string::npos ? '%' : '#';
  std::string other;
  for (char c : secret)
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U)
      other += filler;
  json changed = instance;
  changed["body"]["value"] = other;
  return changed;
}

void validate_tool_arguments(const Schema &schema, const json &instance) {
  std::optional<ValidationError> error = schema.validate(instance);
  if (error)
    check_error(instance, *error);
  std::optional<json> changed = with_other_secret(instance);
  if (!changed)
    return;
  std::optional<ValidationError> other = schema.validate(*changed);
  if (error.has_value() != other.has_value() ||
      (error && (error->path != other->path || error->message != other->message)))
    violated("a write-only value never changes or shows in an error", instance,
             error ? *error : *other);
}

/// Validates with a schema compiled from the input itself. A `pattern` is
/// compiled but never run: schemas are trusted files of this repository, and a
/// regular expression can be made to backtrack for as long as one likes.
void compile_and_validate(const json &document) {
  Result<Schema> schema = Schema::compile(document);
  if (!schema || document.dump().find("\"pattern\"") != std::string::npos)
    return;
  for (const json &instance : {document, json(nullptr), json("text"), json(1.5), json::object(),
                               json::array({1, "a", nullptr})}) {
    if (std::optional<ValidationError> error = schema->validate(instance))
      check_error(instance, *error);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const json instance =
      json::parse(std::string_view(reinterpret_cast<const char *>(data), size), nullptr, false);
  if (instance.is_discarded())
    return 0;
  const ToolSchemas &schemas = tool_schemas();
  for (const Schema &input : schemas.inputs)
    validate_tool_arguments(input, instance);
  for (const Schema &output : schemas.outputs)
    if (std::optional<ValidationError> error = output.validate(instance))
      check_error(instance, *error);
  compile_and_validate(instance);
  return 0;
}
