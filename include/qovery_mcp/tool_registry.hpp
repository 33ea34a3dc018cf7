#pragma once

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/openapi.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/schema.hpp"
#include "qovery_mcp/upstream.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

/// Which of the capability's tools are offered.
struct ToolSelection {
  bool read_only = false;         ///< only tools whose hints say readOnly
  std::vector<std::string> names; ///< only these (empty: all)
  /// false (--no-values-from-model): tools/list offers no `body.value`, so
  /// that a model is not even told it could send one (ToolCaller refuses
  /// one an MCP call sends anyway).
  bool values_from_model = true;
};

/// The MCP tools of a capability, with their schemas: the tools/list payload,
/// argument validation, and the mapping of a call to an UpstreamRequest (the
/// ToolCaller sends it and maps the answer). Pure logic, no sockets.
class ToolRegistry {
public:
  /// Finds a schema file by name ("add-secret-job.input.json"); nullopt if absent.
  using SchemaSource = std::function<std::optional<std::string_view>(std::string_view)>;

  struct Tool {
    const ToolSpec *spec;
    Schema input;
    /// `<tool>.output.json`, else derive_output_schema's from the OpenAPI;
    /// none when neither gives one: tools/list then shows no outputSchema,
    /// and a success is the upstream's JSON as it came, with no projection
    /// (there is no declared shape to project onto).
    std::optional<Schema> output;
    bool selected; ///< offered under the ToolSelection
    /// Its input schema declares `body.value` (takes_secret_value): a call
    /// without it can be answered with a value-entry link.
    bool takes_value;
  };

  /// Attaches schemas to every tool of `capability`. The input schema is
  /// `<tool>.input.json` when `schemas` has it, checked to take exactly the
  /// operation's arguments (every path parameter, required; its query
  /// parameters; `body` when the tool sends one) and to be portable
  /// (portability_problems: every model vendor accepts it); else it is
  /// derive_input_schema's, refined by `openapi` when given. The output
  /// schema is `<tool>.output.json`, else the one derived from `openapi`, or
  /// none (derive_tool_schemas). Fails naming the tool and the file (or the
  /// OpenAPI's problem), or an unknown name in `selection` (with the valid
  /// ones). `capability` must outlive the registry; `openapi` is only read
  /// here.
  static Result<ToolRegistry> create(const Capability &capability, const SchemaSource &schemas,
                                     const ToolSelection &selection = {},
                                     const OpenApi *openapi = nullptr);

  /// `{"tools": [...]}` of the selected tools, built on each call (the MCP
  /// server serializes it once and keeps only the text); without
  /// ToolSelection::values_from_model, their input schemas lack `body.value`
  /// (without_value).
  nlohmann::json tools_list() const;
  /// Every tool of the capability, selected or not, in the capability's order.
  const std::vector<Tool> &tools() const { return tools_; }
  /// Whether a model may send `body.value` (ToolSelection::values_from_model).
  bool values_from_model() const { return values_from_model_; }
  /// The selected tool of that name, or nullptr.
  const Tool *find(std::string_view name) const;
  /// The tool (selected or not) that calls `operation`, or nullptr.
  const Tool *find_for(const Operation &operation) const;

  /// Adds `spec`, a tool the server serves itself beside the capability's
  /// (the .env import: add_import_tool()), selected, with its schemas. It has
  /// no operation (`spec.operation` is nullptr): ToolCaller::call hands its
  /// calls to the handler set with ToolCaller::serve_own_tools_with(), and no
  /// REST route reaches it. Call it before a ToolCaller or an mcp::Server is
  /// made from the registry: they index and serialize its tools once.
  void add_own_tool(ToolSpec spec, Schema input, std::optional<Schema> output);

  /// Whether `arguments` are the tool's: the failure message of prepare()
  /// (naming the argument and what was wrong), or nullopt when they are.
  std::optional<std::string> check_arguments(const Tool &tool,
                                             const nlohmann::json &arguments) const;

  /// Validates `arguments` against the tool's input schema and builds the
  /// request. The failure message names the argument and what was wrong; an
  /// argument holding a lone UTF-16 surrogate (as parse_json leaves it) is
  /// refused before the schema is consulted. A tool of add_own_tool() has no
  /// request: it fails saying so.
  Result<UpstreamRequest> prepare(const Tool &tool, const nlohmann::json &arguments) const;

private:
  ToolRegistry() = default;
  std::vector<Tool> tools_;
  bool values_from_model_ = true;
  /// The specs of add_own_tool()'s tools, on the heap so that their Tool's
  /// pointer survives a move of the registry.
  std::vector<std::shared_ptr<const ToolSpec>> own_specs_;
};

/// Whether a tool with `input_schema` takes a secret's value: it declares
/// `body.value` (add, edit and override do). Such a call made without the
/// value can be answered with a value-entry link instead (EntryPages).
bool takes_secret_value(const nlohmann::json &input_schema);

/// `input_schema` (a tool's, taking a secret's value) without `body.value`:
/// the property, its place in `body.required`, and a sentence in `body`'s
/// description saying that the person types the value on a page.
nlohmann::json without_value(nlohmann::json input_schema);

/// `status` of the structuredContent of a call answered with a value-entry link.
inline constexpr const char *kAwaitingValue = "awaiting_value";

/// `output_schema` (a tool's, taking a secret's value) with the answer of a
/// call that left the value out as its alternative, so that a client which
/// checks structuredContent against the outputSchema (MCP 2025-11-25,
/// server/tools "Output Schema": "Servers MUST provide structured results that
/// conform to this schema") takes both: `{"type": "object", "anyOf": [the
/// schema, {status: "awaiting_value", link, expiresInSeconds}]}`, its
/// `$schema` and `$defs` kept at the root.
nlohmann::json with_awaiting_value(nlohmann::json output_schema);

/// The schema of the result of a call answered with a link to a page where
/// the person acts (`{status: "awaiting_value", link, expiresInSeconds}`):
/// `description` says what the person does there, `link_description` what
/// the link is. with_awaiting_value()'s alternative, and the whole output
/// schema of the .env import tool.
nlohmann::json awaiting_value_schema(std::string description, std::string link_description);

/// `path` with every `{name}` replaced, percent-encoded (RFC 3986, 2.1), by
/// its fixed value from the capability's `with:` or else by the argument of
/// that name (a string as it is, anything else as JSON text).
std::string expand_path(std::string_view path, const nlohmann::json &arguments,
                        const FixedValues &fixed = {});

} // namespace qovery_mcp
