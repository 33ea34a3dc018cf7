#include "qovery_mcp/rest_adapter.hpp"

#include "qovery_mcp/json_text.hpp"
#include "qovery_mcp/text.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// The segments of a path that starts with '/': "/a/b" -> {"a", "b"}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/')
    return segments;
  path.remove_prefix(1);
  for (;;) {
    std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      return segments;
    path.remove_prefix(slash + 1);
  }
}

bool is_placeholder(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

/// Whether `path` fits the route's path template; fills `values` with the
/// segments in its placeholders, which match non-empty segments only.
bool match_path(std::string_view route_path, const std::vector<std::string_view> &path,
                std::vector<std::string> &values) {
  std::vector<std::string_view> pattern = split_path(route_path);
  if (pattern.size() != path.size())
    return false;
  values.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_placeholder(pattern[i]) && !path[i].empty())
      values.emplace_back(path[i]);
    else if (pattern[i] != path[i])
      return false;
  }
  return true;
}

std::string join(const std::vector<std::string> &items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : std::string(separator)) + items[i];
  return out;
}

RestReply not_found(const std::vector<RestRoute> &routes) {
  std::vector<std::string> paths;
  for (const auto &route : routes)
    if (std::find(paths.begin(), paths.end(), route.path) == paths.end())
      paths.push_back(route.path);
  return rest_error(404, "no route for this path; the routes are " + join(paths, ", "));
}

/// A query or header parameter's text as the argument of `parameter`'s declared type.
Result<json> text_argument(const Parameter &parameter, const std::string &text) {
  auto wrong = [&](const std::string &wanted) {
    return Result<json>::failure(parameter.in + " parameter '" + parameter.name + "' must be " +
                                 wanted + ", got " + name_for_message(text));
  };
  if (parameter.type == "string")
    return json(text);
  if (parameter.type == "boolean") {
    if (text == "true" || text == "false")
      return json(text == "true");
    return wrong("true or false");
  }
  json parsed = json::parse(text, nullptr, false);
  if (parameter.type == "integer" && !parsed.is_number_integer())
    return wrong("an integer");
  if (parameter.type == "number" && !parsed.is_number())
    return wrong("a number");
  if (parameter.type == "object" && !parsed.is_object())
    return wrong("a JSON object");
  if (parameter.type == "array" && !parsed.is_array())
    return wrong("a JSON array");
  return parsed;
}

/// The tool's arguments for a request: each path segment under the name of
/// the operation's parameter at the same position (the REST path spells them
/// its own way: {jobid} for {jobId}), each query parameter and each header
/// parameter the request has a field for under its name and of its declared
/// type, and the JSON body as `body` when the route sends one. A missing body
/// is left to the tool's schema to refuse.
Result<json> route_arguments(const RestRoute &route, const std::vector<std::string> &segments,
                             const QueryParameters &query, const HeaderLookup &header,
                             const std::string &body) {
  json arguments = json::object();
  const Operation &operation = *route.operation;
  const std::vector<std::string> &names = operation.path_params;
  for (std::size_t i = 0; i < names.size() && i < segments.size(); ++i)
    arguments[names[i]] = segments[i];
  for (const auto &[name, text] : query) {
    const Parameter *parameter = operation.find_parameter(name);
    if (parameter == nullptr || parameter->in != "query" || route.fixed.count(name) != 0) {
      std::vector<std::string> taken;
      for (const auto &candidate : operation.query_params)
        if (route.fixed.count(candidate) == 0)
          taken.push_back(candidate);
      return Result<json>::failure(
          "unknown query parameter " + name_for_message(name) + " (" +
          (taken.empty() ? "this route takes none" : "this route takes " + join(taken, ", ")) +
          ")");
    }
    if (query.count(name) > 1)
      return Result<json>::failure("query parameter '" + name + "' is given more than once");
    Result<json> value = text_argument(*parameter, text);
    if (!value)
      return Result<json>::failure(value.error());
    arguments[name] = std::move(value.value());
  }
  for (const std::string &name : operation.header_params) {
    std::optional<std::string> text = header ? header(name) : std::nullopt;
    if (!text || route.fixed.count(name) != 0)
      continue;
    Result<json> value = text_argument(*operation.find_parameter(name), *text);
    if (!value)
      return Result<json>::failure(value.error());
    arguments[name] = std::move(value.value());
  }
  if (!route.sends_body || body.empty())
    return arguments;
  ParsedJson parsed = parse_json(body);
  if (parsed.value.is_discarded())
    return Result<json>::failure(parsed.limited
                                     ? "the request body is " + parsed.error
                                     : "the request body is not valid JSON (" + parsed.error + ")");
  // Readers that keep the first or the last duplicate see different bodies.
  if (parsed.has_duplicate)
    return Result<json>::failure("the request body is ambiguous: the member " +
                                 name_for_message(parsed.duplicate_name) +
                                 " appears twice in one object");
  arguments["body"] = std::move(parsed.value);
  return arguments;
}

/// Why httplib answered `status` to a request before any route saw it.
std::string http_error_message(const httplib::Request &req, int status,
                               std::size_t max_body_bytes) {
  if (status == 404)
    return "no route for this path";
  if (status == 413)
    return "the request body is too large: the limit is " + std::to_string(max_body_bytes) +
           " bytes";
  if (status == 414)
    return "the request URI is too long";
  bool sends_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  if (sends_body && !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
    return "a " + req.method + " request needs a Content-Length header (0 for no body)";
  return "the HTTP request could not be read, or its method is not supported";
}

/// Every string of `document`, member names included, with `values` redacted.
void redact_strings(json &document, const std::vector<std::string> &values) {
  std::vector<json *> pending{&document};
  while (!pending.empty()) {
    json &node = *pending.back();
    pending.pop_back();
    if (node.is_string()) {
      node = redact(node.get_ref<const std::string &>(), values);
      continue;
    }
    if (node.is_array()) {
      for (json &element : node)
        pending.push_back(&element);
      continue;
    }
    if (!node.is_object())
      continue;
    auto &members = node.get_ref<json::object_t &>();
    if (std::any_of(members.begin(), members.end(), [&values](const auto &member) {
          return redact(member.first, values) != member.first;
        })) {
      json::object_t renamed;
      for (auto &[name, value] : members)
        renamed.emplace(redact(name, values), std::move(value));
      members = std::move(renamed);
    }
    for (auto &member : members)
      pending.push_back(&member.second);
  }
}

std::string dump(const json &document) {
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

void write_reply(httplib::Response &res, const RestReply &reply) {
  res.status = reply.status;
  if (!reply.allow.empty())
    res.set_header("Allow", reply.allow);
  if (!reply.body.empty())
    res.set_content(reply.body, "application/json");
}

/// What a page in a browser may do with the REST API: each path's methods,
/// a JSON body with a bearer token, and read the auth challenge and a 405's Allow.
CorsPolicy rest_cors(const Capability &capability) {
  return {[&capability](const std::string &path) {
            // No route takes the empty method: every method of the path is "allowed".
            return join(match_route(capability.rest_routes, "", path).allowed_methods, ", ");
          },
          "Content-Type, Accept, Authorization", "WWW-Authenticate, Allow"};
}

} // namespace

RouteMatch match_route(const std::vector<RestRoute> &routes, std::string_view method,
                       std::string_view path) {
  RouteMatch match;
  std::vector<std::string_view> segments = split_path(path);
  std::vector<std::string> values;
  for (const auto &route : routes) {
    if (!match_path(route.path, segments, values))
      continue;
    if (route.method == method) {
      match.route = &route;
      match.segments = std::move(values);
      match.allowed_methods.clear();
      return match;
    }
    if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), route.method) ==
        match.allowed_methods.end())
      match.allowed_methods.push_back(route.method);
  }
  return match;
}

RestReply rest_error(int status, std::string_view message) {
  return {status, dump(json{{"error", message}}), {}};
}

RestReply reply_for(const ToolRegistry::Tool &tool, const json &arguments,
                    const CallOutcome &outcome, std::string_view api_name) {
  switch (outcome.refusal) {
  case CallRefusal::None:
    break;
  case CallRefusal::InvalidArguments:
    return rest_error(400, outcome.message);
  case CallRefusal::NotAudited:
  case CallRefusal::Cancelled:
    return rest_error(503, outcome.message);
  }
  const UpstreamResponse &response = outcome.response;
  const std::string api(api_name);
  if (response.error == UpstreamError::Timeout)
    return rest_error(504, api + " did not answer in time: " + response.error_message);
  if (response.error != UpstreamError::None)
    return rest_error(502, "could not complete the call to " + api + ": " + response.error_message);
  std::string status = std::to_string(response.status);
  if (response.body.empty()) {
    if (response.status >= 400)
      return rest_error(response.status, api + " answered HTTP " + status + " with no body");
    return {response.status, {}, {}};
  }
  bool failed = response.status >= 400;
  std::vector<std::string> values = failed ? sent_values(arguments) : std::vector<std::string>{};
  // An error that cannot quote a value passes through as it came.
  if (failed && values.empty() && json::accept(response.body))
    return {response.status, response.body, {}};
  Result<json> answer = parse_answer(response.body);
  if (!answer)
    return rest_error(failed ? response.status : 502,
                      api + " answered HTTP " + status + " with " + answer.error());
  if (failed) {
    redact_strings(answer.value(), values);
    return {response.status, dump(answer.value()), {}};
  }
  // Without an output schema there is no declared shape to project onto.
  if (tool.output)
    answer.value() = tool.output->project(std::move(answer.value()));
  return {response.status, dump(answer.value()), {}};
}

RestRouter::RestRouter(const Capability &capability, const ToolCaller &caller)
    : capability_(capability), caller_(caller) {}

RestReply RestRouter::handle(std::string_view method, std::string_view path,
                             const std::string &body, std::string_view content_type,
                             const QueryParameters &query, const HeaderLookup &header) const {
  RouteMatch match = match_route(capability_.rest_routes, method, path);
  if (match.route == nullptr && match.allowed_methods.empty())
    return not_found(capability_.rest_routes);
  if (match.route == nullptr) {
    RestReply reply = rest_error(405, std::string(method) + " is not allowed on this path; use " +
                                          join(match.allowed_methods, " or "));
    reply.allow = join(match.allowed_methods, ", ");
    return reply;
  }
  const RestRoute &route = *match.route;
  std::string route_name = route.method + " " + route.path;
  const ToolRegistry::Tool *tool = caller_.registry().find_for(*route.operation);
  if (tool == nullptr)
    return rest_error(501, route_name + " is not served: no tool calls the operation " +
                               route.operation->name);
  if (!tool->selected)
    return rest_error(403, route_name + " calls " + tool->spec->name +
                               ", which is disabled on this server (--read-only or --tools)");
  if (route.sends_body && !body.empty() && media_type(content_type) != "application/json")
    return rest_error(415, route_name + " takes a JSON body: Content-Type must be "
                                        "application/json");
  Result<json> arguments = route_arguments(route, match.segments, query, header, body);
  if (!arguments)
    return rest_error(400, arguments.error());
  return reply_for(*tool, arguments.value(), caller_.send(*tool, arguments.value(), {"rest", {}}),
                   caller_.texts().api_name());
}

struct RestAdapter::Impl {
  RestRouter router;
  ListeningServer listening;
};

RestAdapter::RestAdapter(const Capability &capability, const ToolCaller &caller,
                         HttpServerOptions options)
    : impl_(new Impl{RestRouter(capability, caller), ListeningServer(
                                                         std::move(options),
                                                         [](int status, const std::string &reason) {
                                                           return rest_error(status, reason).body;
                                                         },
                                                         rest_cors(capability))}) {
  Impl &impl = *impl_;
  HttpRoutes &http = impl.listening.http();
  // Every method goes to the router, which knows the 404s and 405s.
  auto dispatch_body = [&impl](const httplib::Request &req, const std::string &body,
                               httplib::Response &res) {
    write_reply(res, impl.router.handle(
                         req.method, req.path, body, req.get_header_value("Content-Type"),
                         req.params, [&req](const std::string &name) -> std::optional<std::string> {
                           if (!req.has_header(name.c_str()))
                             return std::nullopt;
                           return req.get_header_value(name.c_str());
                         }));
  };
  auto dispatch = [dispatch_body](const httplib::Request &req, httplib::Response &res) {
    dispatch_body(req, req.body, res);
  };
  http.Get(".*", dispatch);
  http.Options(".*", dispatch);
  for (const char *method : {"POST", "PUT", "PATCH", "DELETE"})
    impl.listening.on_body(method, ".*", dispatch_body);
  // httplib calls this for every status >= 400; the router's answers all have
  // a body, so an empty one is httplib's own (unreadable request, body too large).
  http.set_error_handler([&impl](const httplib::Request &req, httplib::Response &res) {
    if (!res.body.empty())
      return;
    write_reply(
        res, rest_error(res.status, http_error_message(req, res.status,
                                                       impl.listening.options().max_body_bytes)));
  });
  http.set_exception_handler(
      [](const httplib::Request &, httplib::Response &res, std::exception_ptr) {
        write_reply(res, rest_error(500, "internal error"));
      });
}

RestAdapter::~RestAdapter() = default;

Result<int> RestAdapter::bind() { return impl_->listening.bind(); }

void RestAdapter::serve() { impl_->listening.serve(); }

void RestAdapter::stop() { impl_->listening.stop(); }

} // namespace qovery_mcp
