#pragma once

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/schema.hpp"
#include "qovery_mcp/upstream.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

/// Which of the capability's tools are offered.
struct ToolSelection {
  bool read_only = false;         ///< only tools whose hints say readOnly
  std::vector<std::string> names; ///< only these (empty: all)
};

/// The MCP tools of a capability, with their schemas: the tools/list payload,
/// argument validation, and the mapping of a call to an UpstreamRequest and of
/// the upstream answer to a CallToolResult. Pure logic, no sockets.
class ToolRegistry {
public:
  /// Finds a schema file by name ("add-secret-job.input.json"); nullopt if absent.
  using SchemaSource = std::function<std::optional<std::string_view>(std::string_view)>;

  struct Tool {
    const ToolSpec *spec;
    Schema input;
    Schema output;
    bool selected; ///< offered under the ToolSelection
  };

  /// Attaches `<tool>.input.json` and `<tool>.output.json` to every tool of
  /// `capability` and checks that each input schema requires exactly the
  /// operation's path parameters (and `body` when the tool sends one) and is
  /// portable (portability_problems: every model vendor accepts it). Fails
  /// naming the tool and the file, or an unknown name in `selection` (with the
  /// valid ones). `capability` must outlive the registry.
  static Result<ToolRegistry> create(const Capability &capability, const SchemaSource &schemas,
                                     const ToolSelection &selection = {});

  /// `{"tools": [...]}` of the selected tools, built on each call (the MCP
  /// server serializes it once and keeps only the text).
  nlohmann::json tools_list() const;
  /// Every tool of the capability, selected or not, in the capability's order.
  const std::vector<Tool> &tools() const { return tools_; }
  /// The selected tool of that name, or nullptr.
  const Tool *find(std::string_view name) const;
  /// The tool (selected or not) that calls `operation`, or nullptr.
  const Tool *find_for(const Operation &operation) const;

  /// Validates `arguments` against the tool's input schema and builds the
  /// request. The failure message names the argument and what was wrong; an
  /// argument holding a lone UTF-16 surrogate (as parse_json leaves it) is
  /// refused before the schema is consulted.
  Result<UpstreamRequest> prepare(const Tool &tool, const nlohmann::json &arguments) const;

  /// The CallToolResult for the upstream's answer to a call made with
  /// `arguments`. A success is Qovery's JSON projected onto the tool's output
  /// schema (text block and structuredContent alike), so no `value` and no
  /// undeclared member reaches the model; an error quotes Qovery's detail
  /// with every value the call sent replaced by "[redacted]".
  nlohmann::json to_result(const Tool &tool, const nlohmann::json &arguments,
                           const UpstreamResponse &response) const;

  /// Sends a prepared request; the adapter's way to the Upstream (send_call).
  /// A failure means nothing was sent; its message says why and what to do.
  using Sender = std::function<Result<UpstreamResponse>(const UpstreamRequest &)>;

  /// prepare, send, to_result: the whole of a tools/call. A failed send is a
  /// tool error with the sender's message.
  nlohmann::json call(const Tool &tool, const nlohmann::json &arguments, const Sender &send) const;

private:
  ToolRegistry() = default;
  std::vector<Tool> tools_;
};

/// The deepest nesting accepted in Qovery's answers: serializing JSON
/// recurses once per level, so a much deeper answer (200 KB of "[[[...")
/// would overflow the stack.
inline constexpr int kMaxAnswerDepth = 64;

/// Qovery's answer `body` parsed. The failure completes "Qovery answered HTTP
/// 200 with ...": "a body that is not JSON", or "JSON nested deeper than 64
/// levels".
Result<nlohmann::json> parse_answer(const std::string &body);

/// The secret values a call sends, to redact wherever an answer quotes them:
/// every non-empty string member named `value` at any depth of
/// `arguments["body"]`, as sent and as JSON text spells it (escaped, and
/// escaped to ASCII), longest first. Even a one-character value is included:
/// a detail that reads oddly is better than one that leaks.
std::vector<std::string> sent_values(const nlohmann::json &arguments);

/// `text` with every occurrence of any of `values` (longest first, as
/// sent_values orders them) replaced by "[redacted]", in one pass over `text`.
std::string redact(std::string_view text, const std::vector<std::string> &values);

/// A CallToolResult with `isError: true` and `message` as its text.
nlohmann::json tool_error(std::string message);

/// `path` with every `{name}` replaced, percent-encoded (RFC 3986, 2.1), by
/// its fixed value from the capability's `with:` or else by the argument of
/// that name (a string as it is, anything else as JSON text).
std::string expand_path(std::string_view path, const nlohmann::json &arguments,
                        const FixedValues &fixed = {});

} // namespace qovery_mcp
