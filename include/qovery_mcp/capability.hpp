#pragma once

#include "qovery_mcp/result.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

/// One input of a consumed operation: an `inputParameters` entry, or a `{name}`
/// of its path that the document leaves undeclared (as the catalog mostly does:
/// NOTES.md section 1).
struct Parameter {
  std::string name;
  std::string in;          ///< "path", "query", "header" or "body"
  std::string type;        ///< as declared ("string", "boolean", "number", "integer", "object",
                           ///< "array"); "string" for an undeclared placeholder
  std::string description; ///< as declared; empty when none
  bool required = false;   ///< always for a path parameter
};

/// One operation of the consumed HTTP API (`capability.consumes[].resources[].operations[]`).
struct Operation {
  std::string name;        ///< "listjobsecrets"
  std::string method;      ///< "GET", "POST", "PUT", "DELETE"
  std::string path;        ///< "/job/{jobId}/secret/{secretId}"
  std::string description; ///< "List job secrets"
  /// Every `{name}` of `path`, in order: each is a required argument.
  std::vector<std::string> path_params;
  /// Parameters declared `in: query`, sent as the query string when given.
  std::vector<std::string> query_params;
  /// Parameters declared `in: header`, each sent as the header field of its
  /// name when given (RFC 9110, 5): a token, and none of the fields the
  /// server sets itself or that frame the message (Authorization, Host,
  /// Content-Length...), which the capability refuses.
  std::vector<std::string> header_params;
  bool has_body = false;      ///< an `in: body` parameter is declared
  bool body_required = false; ///< ... and declared `required: true`
  /// Every input: the path's placeholders in order (declared or not), then
  /// the query, header and body parameters in the order declared.
  std::vector<Parameter> parameters;
  int line = 0; ///< where the document declares it, 1-based

  const Parameter *find_parameter(std::string_view name) const;
};

/// `with:` entries of a tool or route whose value names no argument (`tools.p`
/// or `rest.p`): parameter name -> the text sent as it is, for a path or
/// query or header parameter. Such a parameter is not an argument of the tool.
using FixedValues = std::map<std::string, std::string, std::less<>>;

/// MCP tool annotations, from the capability's `hints`.
struct ToolHints {
  bool read_only = false;
  bool destructive = false;
  bool idempotent = false;
};

/// One tool of the MCP adapter (`exposes[type=mcp].tools[]`).
struct ToolSpec {
  std::string name;        ///< "list-job-secrets"
  std::string description; ///< from the capability
  ToolHints hints;
  const Operation *operation = nullptr; ///< the consumed operation it calls
  bool sends_body = false;              ///< `with: body: tools.body`
  FixedValues fixed;
  int line = 0; ///< where the document declares it, 1-based
};

/// One route of the REST adapter (`exposes[type=rest].resources[].operations[]`).
struct RestRoute {
  std::string method; ///< "GET"
  std::string path;   ///< "/v1/job/{jobid}/secret"
  /// Every `{name}` of `path`, in order, as spelled in the REST path ("jobid").
  std::vector<std::string> path_params;
  const Operation *operation = nullptr;
  bool sends_body = false; ///< `with: body: rest.body`
  FixedValues fixed;
  int line = 0; ///< where the document declares it, 1-based
};

/// The parsed capability document: the only place that knows which
/// operations, tools and routes exist.
struct Capability {
  std::string label;
  std::string description;
  std::string base_uri;    ///< "https://api.qovery.com"
  std::string auth_type;   ///< "bearer"
  std::string api_key_env; ///< the bound variable the token comes from: "QOVERY_API_KEY"
  std::vector<Operation> operations;
  std::vector<ToolSpec> tools;
  std::vector<RestRoute> rest_routes;
  std::string mcp_namespace; ///< "qovery-job-secret-mcp"
  int mcp_port = 0;
  int rest_port = 0;

  Capability() = default;
  // Tools and routes point into `operations`: copying would leave them dangling.
  Capability(const Capability &) = delete;
  Capability &operator=(const Capability &) = delete;
  Capability(Capability &&) = default;
  Capability &operator=(Capability &&) = default;

  const Operation *find_operation(std::string_view name) const;
  const ToolSpec *find_tool(std::string_view name) const;
};

/// One construct of a capability document that cannot be served.
struct CapabilityProblem {
  int line = 0;      ///< 1-based line of the construct in the document; 0 when unknown
  std::string where; ///< its path: "capability.exposes[1].tools[2].with.x"
  std::string what;  ///< "operation 'getthing' has no parameter 'x'"
};

/// A capability document as far as it can be served: every operation, tool
/// and route that can, and a problem for each that cannot (which is left
/// out: a tool that calls a left-out operation is a problem too). A problem
/// of the document as a whole (not YAML, no consumed API, no tools) leaves
/// `capability` empty.
struct CapabilityCheck {
  std::optional<Capability> capability;
  std::vector<CapabilityProblem> problems;
};

/// Reads a Naftiko capability document (YAML) and reports every construct it
/// cannot serve, with its line (what `qovery-job-secret-mcp check` prints).
CapabilityCheck check_capability(std::string_view yaml_text);

/// Parses a Naftiko capability document (YAML) to serve it whole. The failure
/// message names the field of the first construct that cannot be served
/// ("capability.exposes[0].tools[2].call: unknown operation 'x'").
Result<Capability> parse_capability(std::string_view yaml_text);

/// Every `{name}` placeholder of a path template, in order.
std::vector<std::string> path_placeholders(std::string_view path);

} // namespace qovery_mcp
