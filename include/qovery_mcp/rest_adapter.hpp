#pragma once

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/http_server.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/tool_caller.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

/// Where a request's method and path lead among the REST routes.
struct RouteMatch {
  /// The route taking this method on this path; nullptr when none does.
  const RestRoute *route = nullptr;
  /// With a route: the path's segments in its placeholders, in the order of
  /// `route->path_params`.
  std::vector<std::string> segments;
  /// Without a route: the methods the routes of this path take, in the
  /// capability's order; empty when no route has this path.
  std::vector<std::string> allowed_methods;
};

/// Matches a request's `method` and decoded `path` (without the query string)
/// against `routes`. A `{name}` placeholder matches one whole path segment;
/// anything else in a route's path matches only itself.
RouteMatch match_route(const std::vector<RestRoute> &routes, std::string_view method,
                       std::string_view path);

/// One answer of the REST API.
struct RestReply {
  int status = 200;
  std::string body;  ///< JSON text; empty for none (a 204)
  std::string allow; ///< the Allow header of a 405; empty otherwise
};

/// An error answer: `status` with the body `{"error": message}`.
RestReply rest_error(int status, std::string_view message);

/// The REST view of `outcome`, the end of a call of `tool` with `arguments`
/// (the MCP view is ToolCaller::result): arguments the tool refuses give 400,
/// a call not sent (its audit intent could not be written, or it was
/// cancelled) 503, each with the refusal's message. An answer keeps the
/// upstream's status; a 2xx JSON body is projected onto the tool's output
/// schema (no `value`, no undeclared member), or passed as it came when the
/// tool has none, an error JSON body has every
/// value the call sent replaced by "[redacted]" in each of its strings. An error status without a
/// body gets a JSON error naming it; a body that is not JSON (or nested too deep), an unreachable
/// upstream or a TLS failure give 502, and a timeout 504. `api_name` names the upstream in messages
/// ("Qovery did not answer in time").
RestReply reply_for(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                    const CallOutcome &outcome, std::string_view api_name);

/// The REST API of a capability without the sockets: a request goes to the
/// operation of its route, and is called through the ToolCaller as the tool
/// that calls the same operation (so the same validation, audit and upstream
/// as MCP).
/// A request's query parameters, decoded, in the order sent (httplib::Params).
using QueryParameters = std::multimap<std::string, std::string>;
/// A request's header field of a name (any case), or nullopt when it has none.
using HeaderLookup = std::function<std::optional<std::string>(const std::string &name)>;

class RestRouter {
public:
  /// Both must outlive the router.
  RestRouter(const Capability &capability, const ToolCaller &caller);

  /// The answer to one request; `path` decoded, without the query string,
  /// and `query` its parameters, decoded (name -> value; `+` read as a space).
  /// Sends nothing upstream unless the request is valid and its tool selected.
  /// A query parameter must be one the operation declares and the capability
  /// does not fix, given once, and of its declared type ("true"/"false" for a
  /// boolean, a JSON number, object or array for those types): else 400
  /// naming it. A header parameter of the operation is read from the request's
  /// field of the same name (`header`), as text, converted like a query
  /// parameter. A body must be JSON and say so in `content_type` (else 415).
  /// A change whose audit line cannot be written gets 503 and is not sent.
  RestReply handle(std::string_view method, std::string_view path, const std::string &body,
                   std::string_view content_type = "application/json",
                   const QueryParameters &query = {}, const HeaderLookup &header = {}) const;

private:
  const Capability &capability_;
  const ToolCaller &caller_;
};

/// The capability's REST adapter (`exposes: type: rest`): a RestRouter behind
/// a ListeningServer, with the same body limit, Origin/Host guard and CORS as
/// the MCP endpoint. Every error is answered with a JSON body.
class RestAdapter {
public:
  /// `capability` and `caller` must outlive the adapter.
  RestAdapter(const Capability &capability, const ToolCaller &caller, HttpServerOptions options);
  ~RestAdapter();

  /// Binds the listening socket; returns the port (useful with port 0).
  Result<int> bind();
  /// Serves until stop() is called. Call after a successful bind().
  void serve();
  /// Stops serving; safe from any thread, even before serve() began.
  void stop();

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace qovery_mcp
