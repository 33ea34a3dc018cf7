#include "qovery_mcp/capability.hpp"

#include "qovery_mcp/text.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace qovery_mcp {
namespace {

/// A problem in the document, with the path of the node it is about.
struct DocumentError : std::runtime_error {
  DocumentError(std::string where_, std::string what_)
      : std::runtime_error(where_ + ": " + what_), where(std::move(where_)),
        what_it_is(std::move(what_)) {}
  std::string where;
  std::string what_it_is;
};

[[noreturn]] void fail(const std::string &where, const std::string &what) {
  throw DocumentError(where, what);
}

/// The problems found so far, and the operations they left out.
struct Problems {
  std::vector<CapabilityProblem> found;
  std::vector<std::string> left_out_operations;

  /// Runs `parse_one`; a problem it throws is recorded and its construct left out.
  template <typename Parse> void collect(Parse parse_one) {
    try {
      parse_one();
    } catch (const DocumentError &error) {
      found.push_back({0, error.where, error.what_it_is});
    } catch (const YAML::Exception &error) {
      // A node of another kind than the parser asked for (a scalar indexed
      // as a mapping): its line is all there is to say where.
      found.push_back({error.mark.line + 1, "", "wrong shape: " + std::string(error.what())});
    }
  }
};

YAML::Node child(const YAML::Node &node, const std::string &key, const std::string &where) {
  YAML::Node value = node[key];
  if (!value)
    fail(where, "missing '" + key + "'");
  return value;
}

/// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF).
bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80                    ? 1
                               : lead >= 0xC2 && lead <= 0xDF ? 2
                               : lead >= 0xE0 && lead <= 0xEF ? 3
                               : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                              : 0;
    if (length == 0 || text.size() - i < length)
      return false;
    // Only the second byte's range depends on the first.
    unsigned char low = 0x80, high = 0xBF;
    if (lead == 0xE0)
      low = 0xA0;
    else if (lead == 0xED)
      high = 0x9F;
    else if (lead == 0xF0)
      low = 0x90;
    else if (lead == 0xF4)
      high = 0x8F;
    for (std::size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF))
        return false;
    }
    i += length;
  }
  return true;
}

/// A scalar's text. YAML is Unicode, but yaml-cpp passes any bytes through,
/// and text that is not UTF-8 cannot go into JSON (tools/list, initialize).
std::string text_of(const YAML::Node &value, const std::string &where) {
  std::string text = value.as<std::string>();
  if (!is_utf8(text))
    fail(where, "must be UTF-8 text");
  return text;
}

std::string string_at(const YAML::Node &node, const std::string &key, const std::string &where) {
  YAML::Node value = child(node, key, where);
  if (!value.IsScalar())
    fail(where + "." + key, "must be a string");
  return text_of(value, where + "." + key);
}

std::string optional_string(const YAML::Node &node, const std::string &key,
                            const std::string &where) {
  YAML::Node value = node[key];
  return value && value.IsScalar() ? text_of(value, where + "." + key) : std::string();
}

bool bool_at(const YAML::Node &node, const std::string &key, const std::string &where) {
  YAML::Node value = node[key];
  if (!value)
    return false;
  try {
    return value.as<bool>();
  } catch (const YAML::Exception &) {
    fail(where + "." + key, "must be true or false");
  }
}

YAML::Node sequence_at(const YAML::Node &node, const std::string &key, const std::string &where) {
  YAML::Node value = child(node, key, where);
  if (!value.IsSequence())
    fail(where + "." + key, "must be a list");
  return value;
}

std::string indexed(const std::string &where, std::size_t i) {
  return where + "[" + std::to_string(i) + "]";
}

bool is_http_method(const std::string &method) {
  for (const char *known : {"GET", "POST", "PUT", "PATCH", "DELETE"})
    if (method == known)
      return true;
  return false;
}

/// The environment variable behind a token like "{{env.QOVERY_API_KEY}}",
/// resolved through the document's `binds`.
std::string bound_variable(const YAML::Node &root, const std::string &token,
                           const std::string &where) {
  const std::string open = "{{", close = "}}";
  if (token.rfind(open, 0) != 0 || token.size() < 5 ||
      token.compare(token.size() - 2, 2, close) != 0)
    fail(where, "must be a {{namespace.KEY}} reference to a bind");
  std::string reference = token.substr(2, token.size() - 4);
  auto dot = reference.find('.');
  if (dot == std::string::npos)
    fail(where, "must be a {{namespace.KEY}} reference to a bind");
  std::string bind_namespace = reference.substr(0, dot);
  std::string key = reference.substr(dot + 1);
  YAML::Node binds = root["binds"];
  for (std::size_t i = 0; binds && binds.IsSequence() && i < binds.size(); ++i) {
    if (optional_string(binds[i], "namespace", indexed("binds", i)) != bind_namespace)
      continue;
    YAML::Node variable = binds[i]["keys"][key];
    if (variable && variable.IsScalar())
      return text_of(variable, indexed("binds", i) + ".keys." + key);
  }
  fail(where, "refers to '" + reference + "', which no bind declares");
}

/// Why a header parameter cannot be named `name`, or "" when it can: a
/// field name is a token (RFC 9110, 5.1), and the fields the Upstream sets
/// itself (credentials, body, encodings) or that frame or route the message
/// (RFC 9110, 7.6.1's connection-specific ones) are never taken from a caller.
std::string header_name_problem(const std::string &name) {
  if (!is_token(name))
    return "is not an HTTP field name (RFC 9110, 5.1: letters, digits and !#$%&'*+-.^_`|~)";
  static constexpr std::string_view kReserved[]{"accept-encoding",
                                                "authorization",
                                                "connection",
                                                "content-encoding",
                                                "content-length",
                                                "content-type",
                                                "cookie",
                                                "expect",
                                                "host",
                                                "keep-alive",
                                                "proxy-authorization",
                                                "proxy-connection",
                                                "te",
                                                "trailer",
                                                "transfer-encoding",
                                                "upgrade"};
  const std::string lower = to_lower(name);
  if (std::find(std::begin(kReserved), std::end(kReserved), lower) != std::end(kReserved))
    return "is a field the server sets itself or that frames the message, not an argument";
  return {};
}

bool is_parameter_type(const std::string &type) {
  for (const char *known : {"string", "boolean", "number", "integer", "object", "array"})
    if (type == known)
      return true;
  return false;
}

void parse_operation(const YAML::Node &node, const std::string &path, const std::string &where,
                     Capability &capability) {
  Operation operation;
  operation.name = string_at(node, "name", where);
  operation.method = to_upper(string_at(node, "method", where));
  if (!is_http_method(operation.method))
    fail(where + ".method", "unsupported HTTP method '" + operation.method + "'");
  operation.path = path;
  operation.description = optional_string(node, "description", where);
  operation.line = node.Mark().line + 1;
  operation.path_params = path_placeholders(path);
  for (const auto &name : operation.path_params)
    operation.parameters.push_back({name, "path", "string", "", true});
  YAML::Node inputs = node["inputParameters"];
  if (inputs && !inputs.IsSequence())
    fail(where + ".inputParameters", "must be a list");
  for (std::size_t i = 0; inputs && i < inputs.size(); ++i) {
    std::string at = indexed(where + ".inputParameters", i);
    Parameter parameter;
    parameter.name = string_at(inputs[i], "name", at);
    parameter.in = string_at(inputs[i], "in", at);
    parameter.type = inputs[i]["type"] ? string_at(inputs[i], "type", at) : "string";
    if (!is_parameter_type(parameter.type))
      fail(at + ".type", "unsupported type '" + parameter.type +
                             "' (string, boolean, number, integer, object or array)");
    parameter.description = optional_string(inputs[i], "description", at);
    parameter.required = bool_at(inputs[i], "required", at);
    if (parameter.in == "path") {
      auto placeholder = std::find_if(operation.parameters.begin(), operation.parameters.end(),
                                      [&](const Parameter &p) { return p.name == parameter.name; });
      if (placeholder == operation.parameters.end() || placeholder->in != "path")
        fail(at, "path parameter '" + parameter.name + "' does not appear in " + path);
      if (parameter.type != "string" && parameter.type != "integer" && parameter.type != "number")
        fail(at + ".type", "a path parameter must be a string, integer or number");
      parameter.required = true;
      *placeholder = std::move(parameter);
      continue;
    }
    if (operation.find_parameter(parameter.name) != nullptr)
      fail(at + ".name", "duplicate parameter '" + parameter.name + "'");
    if (parameter.in == "body") {
      if (operation.has_body)
        fail(at, "a second body parameter");
      operation.has_body = true;
      operation.body_required = parameter.required;
    } else if (parameter.in == "query") {
      operation.query_params.push_back(parameter.name);
    } else if (parameter.in == "header") {
      if (std::string problem = header_name_problem(parameter.name); !problem.empty())
        fail(at + ".name", "header parameter '" + parameter.name + "' " + problem);
      if (parameter.type == "object" || parameter.type == "array")
        fail(at + ".type", "a header parameter must be a string, integer, number or boolean");
      operation.header_params.push_back(parameter.name);
    } else {
      fail(at + ".in",
           "unsupported parameter location '" + parameter.in + "' (body, query, header or path)");
    }
    operation.parameters.push_back(std::move(parameter));
  }
  if (capability.find_operation(operation.name) != nullptr)
    fail(where + ".name", "duplicate operation '" + operation.name + "'");
  capability.operations.push_back(std::move(operation));
}

/// The operation named by `call: <namespace>.<operation>`.
const Operation &called_operation(const YAML::Node &node, const std::string &consumed_namespace,
                                  const std::string &where, const Capability &capability,
                                  const Problems &problems) {
  std::string call = string_at(node, "call", where);
  std::string prefix = consumed_namespace + ".";
  if (call.rfind(prefix, 0) != 0)
    fail(where + ".call",
         "must name an operation of '" + consumed_namespace + "', got '" + call + "'");
  std::string name = call.substr(prefix.size());
  const Operation *operation = capability.find_operation(name);
  const auto &left_out = problems.left_out_operations;
  if (operation == nullptr && std::find(left_out.begin(), left_out.end(), name) != left_out.end())
    fail(where + ".call", "calls '" + call + "', which cannot be served (its problem is above)");
  if (operation == nullptr)
    fail(where + ".call", "unknown operation '" + call + "'");
  return *operation;
}

/// What `with:` says of a tool's or route's call: each entry maps a parameter
/// of the operation either to the argument of the same name (`p: tools.p`, or
/// `rest.p` for REST; `body: tools.body` sends the call's JSON body) or to a
/// fixed text sent as it is (any value that is no such reference).
struct With {
  bool sends_body = false;
  FixedValues fixed;
};

With parse_with(const YAML::Node &node, const std::string &source, const Operation &operation,
                const std::string &where) {
  With parsed;
  YAML::Node with = node["with"];
  if (!with)
    return parsed;
  if (!with.IsMap())
    fail(where + ".with", "must be a mapping");
  for (const auto &entry : with) {
    std::string name = entry.first.as<std::string>();
    std::string at = where + ".with." + name;
    if (!entry.second.IsScalar())
      fail(at, "must be '" + source + "." + name + "' or a fixed value");
    std::string value = text_of(entry.second, at);
    const Parameter *parameter = operation.find_parameter(name);
    if (parameter == nullptr)
      fail(at, "operation '" + operation.name + "' has no parameter '" + name + "'");
    if (value == source + "." + name) {
      parsed.sends_body = parsed.sends_body || parameter->in == "body";
      continue;
    }
    if (value.rfind("tools.", 0) == 0 || value.rfind("rest.", 0) == 0)
      fail(at, "must be '" + source + "." + name +
                   "': an argument has the name of the parameter it fills");
    if (parameter->in == "body")
      fail(at, "a fixed body is not supported: use 'body: " + source + ".body'");
    parsed.fixed.emplace(name, value);
  }
  return parsed;
}

void parse_mcp(const YAML::Node &node, const std::string &consumed_namespace,
               const std::string &where, Capability &capability, Problems &problems) {
  capability.mcp_namespace = optional_string(node, "namespace", where);
  capability.mcp_port = node["port"] ? node["port"].as<int>() : 0;
  YAML::Node tools = sequence_at(node, "tools", where);
  for (std::size_t i = 0; i < tools.size(); ++i)
    problems.collect([&] {
      std::string at = indexed(where + ".tools", i);
      ToolSpec tool;
      tool.name = string_at(tools[i], "name", at);
      tool.description = optional_string(tools[i], "description", at);
      tool.line = tools[i].Mark().line + 1;
      YAML::Node hints = tools[i]["hints"];
      if (hints) {
        tool.hints.read_only = bool_at(hints, "readOnly", at + ".hints");
        tool.hints.destructive = bool_at(hints, "destructive", at + ".hints");
        tool.hints.idempotent = bool_at(hints, "idempotent", at + ".hints");
      }
      tool.operation = &called_operation(tools[i], consumed_namespace, at, capability, problems);
      With with = parse_with(tools[i], "tools", *tool.operation, at);
      tool.sends_body = with.sends_body;
      tool.fixed = std::move(with.fixed);
      if (capability.find_tool(tool.name) != nullptr)
        fail(at + ".name", "duplicate tool '" + tool.name + "'");
      capability.tools.push_back(std::move(tool));
    });
}

void parse_rest(const YAML::Node &node, const std::string &consumed_namespace,
                const std::string &where, Capability &capability, Problems &problems) {
  capability.rest_port = node["port"] ? node["port"].as<int>() : 0;
  YAML::Node resources = sequence_at(node, "resources", where);
  for (std::size_t i = 0; i < resources.size(); ++i) {
    std::string at = indexed(where + ".resources", i);
    std::string path = string_at(resources[i], "path", at);
    YAML::Node operations = sequence_at(resources[i], "operations", at);
    for (std::size_t j = 0; j < operations.size(); ++j)
      problems.collect([&] {
        std::string op_at = indexed(at + ".operations", j);
        RestRoute route;
        route.method = to_upper(string_at(operations[j], "method", op_at));
        route.path = path;
        route.path_params = path_placeholders(path);
        route.line = operations[j].Mark().line + 1;
        route.operation =
            &called_operation(operations[j], consumed_namespace, op_at, capability, problems);
        With with = parse_with(operations[j], "rest", *route.operation, op_at);
        route.sends_body = with.sends_body;
        route.fixed = std::move(with.fixed);
        // The REST path spells the operation's parameters its own way ({jobid}
        // for {jobId}): they must match one to one, ignoring case.
        const auto &wanted = route.operation->path_params;
        bool same = route.path_params.size() == wanted.size() &&
                    std::equal(wanted.begin(), wanted.end(), route.path_params.begin(),
                               [](const std::string &a, const std::string &b) {
                                 return to_lower(a) == to_lower(b);
                               });
        if (!same)
          fail(op_at,
               "path " + path + " does not carry the parameters of " + route.operation->path);
        capability.rest_routes.push_back(std::move(route));
      });
  }
}

Capability parse(const YAML::Node &root, Problems &problems) {
  Capability capability;
  if (!root.IsMap())
    fail("document", "must be a mapping");
  YAML::Node info = root["info"];
  if (info) {
    capability.label = optional_string(info, "label", "info");
    capability.description = optional_string(info, "description", "info");
  }
  YAML::Node body = child(root, "capability", "document");
  YAML::Node consumes = sequence_at(body, "consumes", "capability");
  if (consumes.size() != 1)
    fail("capability.consumes",
         "exactly one consumed API is supported, got " + std::to_string(consumes.size()));
  const std::string where = "capability.consumes[0]";
  const YAML::Node &api = consumes[0];
  if (std::string type = string_at(api, "type", where); type != "http")
    fail(where + ".type", "only 'http' is supported, got '" + type + "'");
  std::string consumed_namespace = string_at(api, "namespace", where);
  capability.base_uri = string_at(api, "baseUri", where);
  YAML::Node authentication = api["authentication"];
  if (authentication) {
    capability.auth_type = optional_string(authentication, "type", where + ".authentication");
    capability.api_key_env =
        bound_variable(root, string_at(authentication, "token", where + ".authentication"),
                       where + ".authentication.token");
  }
  YAML::Node resources = sequence_at(api, "resources", where);
  for (std::size_t i = 0; i < resources.size(); ++i) {
    std::string at = indexed(where + ".resources", i);
    std::string path = string_at(resources[i], "path", at);
    if (path.empty() || path[0] != '/')
      fail(at + ".path", "must start with '/'");
    YAML::Node operations = sequence_at(resources[i], "operations", at);
    for (std::size_t j = 0; j < operations.size(); ++j) {
      std::size_t before = problems.found.size();
      problems.collect([&] {
        parse_operation(operations[j], path, indexed(at + ".operations", j), capability);
      });
      if (problems.found.size() != before && operations[j]["name"].IsScalar())
        problems.left_out_operations.push_back(operations[j]["name"].as<std::string>());
    }
  }
  YAML::Node exposes = body["exposes"];
  for (std::size_t i = 0; exposes && i < exposes.size(); ++i)
    problems.collect([&] {
      std::string at = indexed("capability.exposes", i);
      std::string type = string_at(exposes[i], "type", at);
      if (type == "mcp")
        parse_mcp(exposes[i], consumed_namespace, at, capability, problems);
      else if (type == "rest")
        parse_rest(exposes[i], consumed_namespace, at, capability, problems);
      else
        fail(at + ".type", "unsupported adapter '" + type + "' (mcp or rest)");
    });
  if (capability.tools.empty() && problems.found.empty())
    fail("capability.exposes", "no MCP adapter with tools");
  // A REST request is served by the tool that calls the same operation.
  for (const auto &route : capability.rest_routes)
    for (const auto &tool : capability.tools)
      if (tool.operation == route.operation && tool.fixed != route.fixed)
        problems.collect([&] {
          fail("capability.exposes",
               "the REST route " + route.method + " " + route.path + " and the tool " + tool.name +
                   " call " + route.operation->name + " with different fixed values (with:)");
        });
  return capability;
}

} // namespace

const Operation *Capability::find_operation(std::string_view name) const {
  for (const auto &operation : operations)
    if (operation.name == name)
      return &operation;
  return nullptr;
}

const Parameter *Operation::find_parameter(std::string_view parameter_name) const {
  for (const auto &parameter : parameters)
    if (parameter.name == parameter_name)
      return &parameter;
  return nullptr;
}

const ToolSpec *Capability::find_tool(std::string_view name) const {
  for (const auto &tool : tools)
    if (tool.name == name)
      return &tool;
  return nullptr;
}

std::vector<std::string> path_placeholders(std::string_view path) {
  std::vector<std::string> names;
  std::size_t open;
  while ((open = path.find('{')) != std::string_view::npos) {
    std::size_t close = path.find('}', open);
    if (close == std::string_view::npos)
      break;
    names.emplace_back(path.substr(open + 1, close - open - 1));
    path.remove_prefix(close + 1);
  }
  return names;
}

namespace {

/// The 1-based line of the node a problem's path names ("capability.exposes[0]
/// .tools[2].with.x"), or of the deepest node of it that exists.
int line_of(const YAML::Node &root, const std::string &where) {
  YAML::Node node;
  node.reset(root);
  int line = node.Mark().line + 1;
  std::size_t at = where.rfind("document", 0) == 0 ? where.size() : 0;
  while (at < where.size()) {
    std::size_t end = where.find_first_of(".[", at);
    std::string key = where.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (!key.empty()) {
      if (!node.IsMap() || !node[key])
        return line;
      node.reset(node[key]); // `node = ...` would assign into the document
    }
    at = end == std::string::npos ? where.size() : end + 1;
    if (end != std::string::npos && where[end] == '[') {
      std::size_t close = where.find(']', at);
      std::size_t index = std::stoul(where.substr(at, close - at));
      if (!node.IsSequence() || index >= node.size())
        return line;
      node.reset(node[index]);
      at = close + 2; // past "]."
    }
    if (node.Mark().line >= 0)
      line = node.Mark().line + 1;
  }
  return line;
}

} // namespace

CapabilityCheck check_capability(std::string_view yaml_text) {
  CapabilityCheck check;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception &e) {
    check.problems.push_back(
        {e.mark.line + 1, "", "capability is not valid YAML: " + std::string(e.what())});
    return check;
  }
  Problems problems;
  problems.collect([&] {
    Capability capability = parse(root, problems);
    if (!capability.tools.empty())
      check.capability = std::move(capability);
  });
  for (auto &problem : problems.found) {
    if (!problem.where.empty())
      problem.line = line_of(root, problem.where);
    check.problems.push_back(std::move(problem));
  }
  return check;
}

Result<Capability> parse_capability(std::string_view yaml_text) {
  CapabilityCheck check = check_capability(yaml_text);
  if (!check.problems.empty()) {
    const CapabilityProblem &first = check.problems.front();
    return Result<Capability>::failure(first.where.empty() ? first.what
                                                           : first.where + ": " + first.what);
  }
  return std::move(*check.capability);
}

} // namespace qovery_mcp
