// qovery-job-secret-mcp: an MCP server for the secrets of a Qovery job.
// Options -> configuration -> the boxes of DESIGN.md wired together -> serve.

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/derived_schemas.hpp"
#include "qovery_mcp/elicitation.hpp"
#include "qovery_mcp/entry_page.hpp"
#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/http_transport.hpp"
#include "qovery_mcp/input_required.hpp"
#include "qovery_mcp/log.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/openapi.hpp"
#include "qovery_mcp/process.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/rest_adapter.hpp"
#include "qovery_mcp/secret_import.hpp"
#include "qovery_mcp/session_token.hpp"
#include "qovery_mcp/stdio_transport.hpp"
#include "qovery_mcp/text.hpp"
#include "qovery_mcp/tool_caller.hpp"
#include "qovery_mcp/tool_registry.hpp"
#include "qovery_mcp/upstream.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <malloc.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <thread>

namespace {

using namespace qovery_mcp;

constexpr int kConfigError = 2;
/// How long after --deadline a stopping server waits for connections to end.
constexpr std::chrono::seconds kStopGrace{5};

struct Options {
  bool sandbox = false;
  bool stdio = false;
  bool read_only = false;
  bool no_values_from_model = false;
  std::vector<std::string> tools;
  std::string host = "127.0.0.1";
  int mcp_port = -1;  // -1: the capability's port
  int rest_port = -1; // -1: the capability's port; 0: no REST adapter
  std::string api_url;
  std::string auth_scheme = "auto";
  std::string ca_file;
  double timeout_seconds = 30;
  double deadline_seconds = 30;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  int threads = 8;
  int max_connections = 1024;
  int max_connections_per_address = 256;
  int http_timeout_seconds = 10;
  int header_timeout_seconds = 20;
  std::string auth_token_file;
  bool allow_unauthenticated = false;
  double session_timeout_seconds = mcp::SessionStore::kDefaultIdleTimeout.count();
  std::size_t max_sessions = mcp::SessionStore::kDefaultMaxSessions;
  bool stateless = false;
  std::string session_key_file;
  std::string capability_file;
  std::string openapi_file;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string audit_log;
  int entry_link_ttl_seconds = 600;
  std::string public_url;
  std::string confirm_destructive = "auto";
};

int config_error(const std::string &message) {
  log::error(message);
  return kConfigError;
}

std::optional<std::string> read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The OpenAPI document `file`, or a message naming the option and the problem.
Result<OpenApi> read_openapi(const std::string &option, const std::string &file) {
  std::optional<std::string> text = read_file(file);
  if (!text)
    return Result<OpenApi>::failure(option + ": cannot read " + file);
  Result<OpenApi> openapi = OpenApi::parse(*text, file);
  if (!openapi)
    return Result<OpenApi>::failure(option + ": " + openapi.error());
  return openapi;
}

/// The capability served: --capability's file, else the built-in one.
Result<Capability> read_capability(const Options &options) {
  std::optional<std::string> text = options.capability_file.empty()
                                        ? std::string(*resource("capability.naftiko.yaml"))
                                        : read_file(options.capability_file);
  if (!text)
    return Result<Capability>::failure("--capability: cannot read " + options.capability_file);
  Result<Capability> capability = parse_capability(*text);
  if (!capability)
    return Result<Capability>::failure("capability: " + capability.error());
  return capability;
}

std::string env_or_empty(const std::string &name) {
  const char *value = std::getenv(name.c_str());
  return value == nullptr ? std::string() : std::string(value);
}

/// The real Qovery API, with the key from the capability's bound variable.
Result<std::unique_ptr<HttpUpstream>> make_upstream(const Options &options,
                                                    const Capability &capability) {
  using Failure = Result<std::unique_ptr<HttpUpstream>>;
  Result<AuthScheme> scheme = parse_auth_scheme(options.auth_scheme);
  if (!scheme)
    return Failure::failure("--auth-scheme: " + scheme.error());
  std::string variable = capability.api_key_env;
  std::string key = env_or_empty(variable);
  if (key.empty())
    key = env_or_empty(variable = "QOVERY_API_TOKEN");
  if (key.empty())
    return Failure::failure("no API key: set " + capability.api_key_env +
                            " to a Qovery API token (or run with --sandbox to try the tools "
                            "without an account)");
  // A token never holds these; a key that does is a placeholder left as
  // shipped ("<your Qovery API token>") or a paste gone wrong.
  if (key.find_first_of(" \t\r\n<>") != std::string::npos)
    return Failure::failure(variable +
                            " holds a space or a '<' or '>', which no Qovery token has: is it "
                            "still the placeholder of an example? Set it to a Qovery API token");
  HttpUpstreamConfig config;
  config.base_url = options.api_url.empty() ? capability.base_uri : options.api_url;
  if (!options.api_url.empty())
    config.base_url_option = "--api-url";
  config.api_key = std::move(key);
  config.auth_scheme = scheme.value();
  config.ca_file = options.ca_file;
  auto timeout = std::chrono::milliseconds(static_cast<long>(options.timeout_seconds * 1000));
  config.read_timeout = timeout;
  config.connect_timeout = std::min(timeout, std::chrono::milliseconds(10000));
  config.deadline = std::chrono::milliseconds(static_cast<long>(options.deadline_seconds * 1000));
  return HttpUpstream::create(std::move(config));
}

/// A secret given by a file option or an environment variable: the content
/// of `file` (named by `option` in errors) without its trailing newline, else
/// the variable `env`; empty when neither is set. Never quoted in an error.
Result<std::string> secret_from(const char *option, const std::string &file, const char *env) {
  if (file.empty())
    return env_or_empty(env);
  std::optional<std::string> secret = read_file(file);
  if (!secret)
    return Result<std::string>::failure(std::string(option) + ": cannot read " + file);
  while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r'))
    secret->pop_back();
  if (secret->empty())
    return Result<std::string>::failure(std::string(option) + ": " + file + " is empty");
  return *secret;
}

/// The token HTTP clients must send: --auth-token-file, else QOVERY_MCP_AUTH_TOKEN.
Result<std::string> inbound_auth_token(const Options &options) {
  return secret_from("--auth-token-file", options.auth_token_file, "QOVERY_MCP_AUTH_TOKEN");
}

/// With --stateless, what signs the session ids: the key every replica shares
/// (--session-key-file, else QOVERY_MCP_SESSION_KEY), each id valid for
/// --session-timeout from its initialize. Nullopt without --stateless; a
/// failure when the key is missing, too short, or set without --stateless.
Result<std::optional<mcp::SessionTokens>> session_tokens(const Options &options) {
  using Tokens = Result<std::optional<mcp::SessionTokens>>;
  Result<std::string> key =
      secret_from("--session-key-file", options.session_key_file, "QOVERY_MCP_SESSION_KEY");
  if (!key)
    return Tokens::failure(key.error());
  if (!options.stateless) {
    if (!key->empty())
      return Tokens::failure("a session key is set (--session-key-file or "
                             "QOVERY_MCP_SESSION_KEY) but --stateless is not: pass --stateless "
                             "(or QOVERY_MCP_STATELESS=true) to serve as one of several replicas, "
                             "or remove the key");
    return std::optional<mcp::SessionTokens>();
  }
  if (key->empty())
    return Tokens::failure("--stateless needs the key every replica shares, to sign session ids: "
                           "set --session-key-file (or QOVERY_MCP_SESSION_KEY) to at least " +
                           std::to_string(mcp::SessionTokens::kMinKeyBytes) +
                           " bytes (make one with: openssl rand -base64 48)");
  Result<mcp::SessionTokens> tokens = mcp::SessionTokens::create(
      std::move(key.value()),
      std::chrono::seconds(static_cast<long>(options.session_timeout_seconds)));
  if (!tokens)
    return Tokens::failure((options.session_key_file.empty() ? std::string("QOVERY_MCP_SESSION_KEY")
                                                             : "--session-key-file") +
                           ": " + tokens.error());
  return std::optional<mcp::SessionTokens>(std::move(tokens.value()));
}

/// One listener's settings: the options both adapters share, with its own port.
HttpServerOptions http_server_options(const Options &options, const std::string &auth_token,
                                      int port) {
  HttpServerOptions http_options;
  http_options.host = options.host;
  http_options.port = port;
  http_options.allowed_origins = options.allowed_origins;
  http_options.allowed_hosts = options.allowed_hosts;
  http_options.threads = options.threads;
  http_options.max_connections = options.max_connections;
  http_options.max_connections_per_address = options.max_connections_per_address;
  http_options.io_timeout_seconds = options.http_timeout_seconds;
  http_options.head_timeout_seconds = options.header_timeout_seconds;
  http_options.auth_token = auth_token;
  return http_options;
}

/// The first segment of the REST routes' paths, "/v1", for the start-up line.
std::string rest_prefix(const Capability &capability) {
  if (capability.rest_routes.empty())
    return {};
  const std::string &path = capability.rest_routes.front().path;
  return path.substr(0, path.find('/', 1));
}

/// What Elicitation does, from the options: --confirm-destructive, and
/// progress every tenth of a link's life, at most every 10 s (a client whose
/// 60 s timeout resets on progress keeps waiting; a short test link still
/// sees several).
ElicitationOptions elicitation_options(const Options &options) {
  ElicitationOptions elicitation;
  elicitation.confirm = parse_confirm_policy(options.confirm_destructive).value();
  elicitation.progress_every = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(10), std::chrono::milliseconds(options.entry_link_ttl_seconds * 100));
  return elicitation;
}

/// Has `caller` ask the person through `elicitation`: the value of a call
/// without one and the .env file of an import (a URL elicitation, or a
/// link), and the yes to a destructive call unless --confirm-destructive=never.
void ask_person_with(ToolCaller &caller, Elicitation &elicitation) {
  caller.ask_values_with([&elicitation](const ToolRegistry::Tool &tool,
                                        const nlohmann::json &arguments, CallOrigin origin,
                                        const ToolCaller::Context &context) {
    return elicitation.enter_value(tool, arguments, origin, context);
  });
  if (elicitation.options().confirm != ConfirmPolicy::Never)
    caller.confirm_destructive_with(
        [&elicitation](const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                       CallOrigin origin, const ToolCaller::Context &context) {
          return elicitation.confirm(tool, arguments, origin, context);
        });
  caller.serve_own_tools_with([&elicitation](const ToolRegistry::Tool &tool,
                                             const nlohmann::json &arguments, CallOrigin origin,
                                             const ToolCaller::Context &context) {
    return elicitation.enter_value(tool, arguments, origin, context);
  });
}

/// Serves MCP on stdin/stdout until EOF, then answers the calls already read;
/// or until SIGINT or SIGTERM: then the messages being handled are answered
/// first (each call within --deadline), and the process exits with 0.
///
/// A call without a secret's value answers with a link to a value-entry page,
/// as over HTTP: stdio has no listener, so the pages get one of their own on a
/// loopback port the system picks, which the link names. With no inbound
/// token on stdio, the pages serve loopback peers only (EntryPageOptions).
int serve_stdio_until_stopped(const Options &options, mcp::Server &server, ToolCaller &caller,
                              std::size_t tool_count) {
  // Before any thread starts, so that every thread inherits the mask.
  sigset_t stop_signals = block_stop_signals();
  EntryPageOptions entry_options;
  entry_options.ttl = std::chrono::seconds(options.entry_link_ttl_seconds);
  EntryPages entry(caller, std::move(entry_options));
  HttpServerOptions page_options;
  page_options.host = "127.0.0.1";
  page_options.port = 0;
  page_options.threads = 2;
  page_options.max_connections = 64;
  page_options.page_prefixes = {kEntryPrefix};
  ListeningServer pages(std::move(page_options),
                        [](int, const std::string &reason) { return reason; }, {});
  entry.route(pages.http());
  Result<int> page_port = pages.bind();
  if (!page_port)
    return config_error("the value-entry pages' loopback listener: " + page_port.error());
  entry.set_origin(default_origin("127.0.0.1", page_port.value()));
  Elicitation elicitation(caller, entry, elicitation_options(options));
  ask_person_with(caller, elicitation);
  mcp::InputRequired inputs(caller, entry, mcp::RequestStates(), elicitation.options().confirm);
  server.ask_inputs_with(inputs);
  std::thread page_server([&pages] { pages.serve(); });

  // Input ended or stopping: no page may keep a call waiting (2026-07-28).
  StdioTransport transport(server, std::cin, std::cout, [&entry] {
    entry.revoke_all("The assistant's connection ended, so nothing was changed.");
  });
  std::atomic<bool> input_ended{false};
  std::thread signal_waiter([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    transport.stop(); // no message starts any more; those started are answered
    if (input_ended)
      return;
    log::info("stopped");
    // The reading thread may stay blocked on stdin; every answer and audit
    // line is already written and flushed.
    std::_Exit(0);
  });
  log::info("serving MCP on stdin/stdout (" + std::to_string(tool_count) + " tools)");
  transport.serve();
  input_ended = true;
  kill(getpid(), SIGTERM); // wakes the waiter
  signal_waiter.join();
  pages.stop();
  page_server.join();
  return 0;
}

/// Serves MCP on /mcp, and the REST API unless its port is 0, until SIGINT or SIGTERM.
int serve_http(const Options &options, const Capability &capability, mcp::Server &server,
               ToolCaller &caller, std::size_t tool_count) {
  Result<std::string> auth_token = inbound_auth_token(options);
  if (!auth_token)
    return config_error(auth_token.error());
  if (auth_token->empty() && !options.allow_unauthenticated && !is_loopback_host(options.host))
    return config_error("--host " + options.host +
                        " is not a loopback address, and without inbound authentication anyone "
                        "who reaches it could change the job's secrets: set --auth-token-file "
                        "(or QOVERY_MCP_AUTH_TOKEN) to require a bearer token, or pass "
                        "--allow-unauthenticated if something in front of this server "
                        "authenticates its clients");
  Result<std::optional<mcp::SessionTokens>> tokens = session_tokens(options);
  if (!tokens)
    return config_error(tokens.error());
  // A call without a secret's value answers with a link to a page of this
  // listener, where the person types it (EntryPages).
  HttpServerOptions mcp_options = http_server_options(
      options, auth_token.value(), options.mcp_port >= 0 ? options.mcp_port : capability.mcp_port);
  std::string public_host;
  if (!options.public_url.empty()) {
    Result<std::string> origin = parse_origin(options.public_url);
    if (!origin)
      return config_error("--public-url: " + origin.error());
    public_host = origin.value();
    mcp_options.allowed_hosts.push_back(origin_host(public_host));
  }
  EntryPageOptions entry_options;
  entry_options.ttl = std::chrono::seconds(options.entry_link_ttl_seconds);
  entry_options.auth_token = auth_token.value();
  // With --stateless, any replica serves any link and verifies any
  // requestState (README, "Several replicas").
  if (tokens->has_value())
    entry_options.shared_key = (*tokens.value()).derive("qovery-mcp entry-page key");
  EntryPages entry(caller, std::move(entry_options));
  Elicitation elicitation(caller, entry, elicitation_options(options));
  ask_person_with(caller, elicitation);
  mcp::InputRequired inputs(caller, entry,
                            tokens->has_value() ? (*tokens.value()).request_states()
                                                : mcp::RequestStates(),
                            elicitation.options().confirm);
  server.ask_inputs_with(inputs);
  mcp::SessionStore sessions(
      std::chrono::milliseconds(static_cast<long>(options.session_timeout_seconds * 1000)),
      options.max_sessions);
  HttpTransport transport(server, sessions, std::move(mcp_options),
                          tokens->has_value() ? &*tokens.value() : nullptr, &entry);
  Result<int> port = transport.bind();
  if (!port)
    return config_error("--mcp-port: " + port.error());
  entry.set_origin(!public_host.empty() ? public_host : default_origin(options.host, port.value()));
  int rest_port = options.rest_port >= 0 ? options.rest_port : capability.rest_port;
  std::optional<RestAdapter> rest;
  if (rest_port != 0) {
    rest.emplace(capability, caller, http_server_options(options, auth_token.value(), rest_port));
    Result<int> bound = rest->bind();
    if (!bound)
      return config_error("--rest-port: " + bound.error());
  }

  // SIGINT and SIGTERM stop the server from a thread that waits for them.
  // Calls in flight end within --deadline; a client that keeps a connection
  // open past that (idle, or sending a byte at a time) does not hold the
  // process: it exits anyway a few seconds later.
  sigset_t stop_signals = block_stop_signals();
  auto grace =
      std::chrono::milliseconds(static_cast<long>(options.deadline_seconds * 1000)) + kStopGrace;
  std::thread signal_waiter([&, grace] {
    int received = 0;
    sigwait(&stop_signals, &received);
    log::info("stopping: no new connections; calls in flight finish first");
    std::thread([grace] {
      std::this_thread::sleep_for(grace);
      log::warning("stopped: connections still open " +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(grace).count()) +
                   " s after the signal were dropped");
      std::_Exit(0); // every answer given and audit line written is already on its way or on disk
    }).detach();
    entry.revoke_all(
        "The server is stopping, so nothing was changed."); // ends calls waiting on a page
    transport.stop();
    if (rest)
      rest->stop();
  });

  // Start-up parsed the capability and the schemas into memory it has freed.
  malloc_trim(0);
  if (options.stateless)
    log::info("stateless: 2025-11-25 session ids are signed with the shared key and held by no "
              "replica; each is valid " +
              std::to_string(static_cast<long>(options.session_timeout_seconds)) +
              " s from its initialize, and DELETE cannot end one (405)");
  log::info("MCP endpoint http://" + url_host(options.host) + ":" + std::to_string(port.value()) +
            "/mcp (" + std::to_string(tool_count) + " tools)");
  std::thread rest_server;
  if (rest) {
    log::info("REST endpoint http://" + url_host(options.host) + ":" + std::to_string(rest_port) +
              rest_prefix(capability));
    rest_server = std::thread([&] { rest->serve(); });
  }
  transport.serve();
  if (rest) {
    rest->stop();
    rest_server.join();
  }
  kill(getpid(), SIGTERM); // wakes the waiter if the server stopped on its own
  signal_waiter.join();
  log::info("stopped");
  return 0;
}

/// What `openapi` says of `operation`: "; OpenAPI: listJobSecrets, answer
/// 200", "; not in the OpenAPI", or its problem (counted in `problems`).
std::string openapi_match(const OpenApi &openapi, const Capability &capability,
                          const Operation &operation, std::size_t &problems) {
  Result<std::optional<OpenApiOperation>> described =
      openapi.describe(operation, capability.base_uri, "the API");
  if (!described) {
    ++problems;
    return "; cannot read the OpenAPI's: " + described.error();
  }
  if (!described.value())
    return "; not in the OpenAPI (schemas from the capability alone)";
  const OpenApiOperation &found = *described.value();
  std::string text = "; OpenAPI: " + found.path;
  if (!found.operation_id.empty())
    text += " (" + found.operation_id + ")";
  if (found.body)
    text += ", a JSON body";
  if (!found.success_status.empty())
    text +=
        std::string(", answer ") + found.success_status + (found.success ? "" : " with no body");
  return text;
}

/// `check FILE`: prints how the capability document FILE reads, one line per
/// operation, tool and REST route with its line, then each construct that
/// cannot be served, with its line and why; with `openapi_file`, which
/// OpenAPI operation refines each operation. Exit status 0 when everything
/// can be served, 1 when something cannot, 2 when a file cannot be read.
int check_capability_file(const std::string &file, const std::string &openapi_file) {
  std::optional<std::string> text = read_file(file);
  if (!text)
    return config_error("check: cannot read " + file);
  std::optional<OpenApi> openapi;
  if (!openapi_file.empty()) {
    Result<OpenApi> read = read_openapi("check --openapi", openapi_file);
    if (!read)
      return config_error(read.error());
    openapi.emplace(std::move(read.value()));
  }
  std::size_t openapi_problems = 0;
  CapabilityCheck check = check_capability(*text);
  if (check.capability) {
    const Capability &capability = *check.capability;
    std::cout << file << ": \"" << capability.label << "\", " << capability.base_uri
              << (capability.api_key_env.empty() ? "" : ", key from $" + capability.api_key_env)
              << ": " << capability.operations.size() << " operations, " << capability.tools.size()
              << " tools, " << capability.rest_routes.size() << " REST routes\n";
    for (const auto &operation : capability.operations) {
      std::cout << "line " << operation.line << ": operation " << operation.name << ": "
                << operation.method << " " << operation.path;
      const char *separator = "; parameters: ";
      for (const auto &parameter : operation.parameters) {
        std::cout << separator << parameter.name << " (" << parameter.in << ", " << parameter.type
                  << (parameter.required ? ", required" : "") << ")";
        separator = ", ";
      }
      if (openapi)
        std::cout << openapi_match(*openapi, capability, operation, openapi_problems);
      std::cout << "\n";
    }
    auto fixed_text = [](const FixedValues &fixed) {
      std::string out;
      for (const auto &[name, value] : fixed)
        out += (out.empty() ? "; fixed: " : ", ") + name + "=" + value;
      return out;
    };
    for (const auto &tool : capability.tools)
      std::cout << "line " << tool.line << ": tool " << tool.name << " calls "
                << tool.operation->name << (tool.hints.read_only ? "; read-only" : "")
                << (tool.hints.destructive ? "; destructive" : "")
                << (tool.hints.idempotent ? "; idempotent" : "")
                << (tool.sends_body ? "; sends the body" : "") << fixed_text(tool.fixed) << "\n";
    for (const auto &route : capability.rest_routes)
      std::cout << "line " << route.line << ": REST " << route.method << " " << route.path
                << " calls " << route.operation->name
                << (route.sends_body ? "; sends the body" : "") << fixed_text(route.fixed) << "\n";
  }
  for (const auto &problem : check.problems)
    std::cout << "line " << problem.line << ": cannot serve "
              << (problem.where.empty() ? "" : problem.where + ": ") << problem.what << "\n";
  const std::size_t problems = check.problems.size() + openapi_problems;
  if (problems == 0) {
    std::cout << "every construct can be served\n";
    return 0;
  }
  std::cout << problems << (problems == 1 ? " construct cannot" : " constructs cannot")
            << " be served\n";
  return 1;
}

/// `schemas`: writes derive_schema_files' files into `out`, the overlays read
/// from `overlay` ("" for none).
int write_schema_files(const Options &options, const std::string &openapi_file,
                       const std::string &overlay, const std::string &out) {
  Result<Capability> capability = read_capability(options);
  if (!capability)
    return config_error(capability.error());
  Result<OpenApi> openapi = read_openapi("schemas --openapi", openapi_file);
  if (!openapi)
    return config_error(openapi.error());
  auto overlays = [&overlay](const std::string &name) -> std::optional<std::string> {
    return overlay.empty() ? std::nullopt : read_file(overlay + "/" + name);
  };
  Result<std::vector<SchemaFile>> files =
      derive_schema_files(capability.value(), openapi.value(), overlays);
  if (!files)
    return config_error("schemas: " + files.error());
  for (const SchemaFile &file : files.value()) {
    const std::string path = out + "/" + file.name;
    std::ofstream written(path, std::ios::binary);
    if (!(written << file.text) || !written.flush())
      return config_error("schemas: cannot write " + path);
    std::cout << "wrote " << path << "\n";
  }
  return 0;
}

int run(const Options &options) {
  log::Level level;
  if (!log::parse_level(options.log_level, level))
    return config_error("--log-level must be debug, info, warning or error, got \"" +
                        options.log_level + "\"");
  log::set_level(level);
  log::Format format;
  if (!log::parse_format(options.log_format, format))
    return config_error("--log-format must be text or json, got \"" + options.log_format + "\"");
  log::set_format(format);

  Result<Capability> capability = read_capability(options);
  if (!capability)
    return config_error(capability.error());

  // Parsed only when asked for: the built-in tools' schemas are derived
  // already (schemas/, embedded), and a whole OpenAPI takes long to read.
  std::optional<OpenApi> openapi;
  if (!options.openapi_file.empty()) {
    if (options.capability_file.empty())
      return config_error("--openapi refines the schemas of a capability given with "
                          "--capability; the built-in tools' are derived already (see the "
                          "schemas command)");
    Result<OpenApi> read = read_openapi("--openapi", options.openapi_file);
    if (!read)
      return config_error(read.error());
    openapi.emplace(std::move(read.value()));
  }
  Result<ToolRegistry> registry =
      ToolRegistry::create(capability.value(), resource,
                           {options.read_only, options.tools, !options.no_values_from_model},
                           openapi ? &*openapi : nullptr);
  openapi.reset();
  if (!registry)
    return config_error("--tools: " + registry.error());
  // The server's own tool beside the capability's, when its tools are offered.
  add_import_tool(registry.value());
  auto tool_count =
      static_cast<std::size_t>(std::count_if(registry->tools().begin(), registry->tools().end(),
                                             [](const auto &tool) { return tool.selected; }));
  if (tool_count == 0)
    return config_error("--read-only and --tools leave no tool to serve");

  FakeQovery sandbox_fake;
  std::unique_ptr<Upstream> upstream;
  if (options.sandbox) {
    upstream = std::make_unique<SandboxUpstream>(sandbox_fake);
    log::warning("SANDBOX MODE: no request reaches Qovery; an in-memory fake answers, and "
                 "everything is forgotten on exit. Try the job id " +
                 std::string(FakeQovery::kJobId) + ".");
  } else {
    Result<std::unique_ptr<HttpUpstream>> http = make_upstream(options, capability.value());
    if (!http)
      return config_error(http.error());
    upstream = std::move(http.value());
  }

  std::unique_ptr<AuditLog> audit;
  if (!options.audit_log.empty()) {
    Result<std::unique_ptr<AuditLog>> opened = AuditLog::open(options.audit_log);
    if (!opened)
      return config_error("--audit-log: " + opened.error());
    audit = std::move(opened.value());
  }
  ToolCaller caller(capability.value(), registry.value(), *upstream, audit.get());
  // What a model needs to use the tools, when the per-API table has it; the
  // capability's own description is a catalogue sentence ("6 operations. Lead
  // operation: ...").
  const std::string &guide = caller.texts().instructions_resource();
  auto guidance = guide.empty() ? std::nullopt : resource(guide);
  std::string instructions = guidance ? std::string(*guidance) : capability->description;
  mcp::Server server(caller,
                     {capability->mcp_namespace, capability->label, QMCP_VERSION, instructions});
  if (options.stdio && options.stateless)
    return config_error("--stateless is for HTTP replicas behind a load balancer; with --stdio "
                        "the one client's session lives in the process it started");
  if (options.stdio)
    return serve_stdio_until_stopped(options, server, caller, tool_count);
  return serve_http(options, capability.value(), server, caller, tool_count);
}

/// glibc gives a process up to 8 malloc arenas per core, and each keeps up
/// to a few hundred KiB of freed memory resident at its top, which
/// malloc_trim() does not return for any arena but the main one. With a
/// thread per HTTP connection, one burst of connections touches them all (16
/// on 2 cores: about 4 MiB that stays after the burst). Two per core serve
/// the same threads, whose small blocks come from their own caches anyway.
///
/// glibc also raises its mmap threshold (128 KiB at first) up to 32 MiB each
/// time a large block is freed, after which large blocks come from the
/// arenas and stay resident when freed: eight 4 MiB request bodies at once
/// would keep tens of MiB after they ended. A fixed threshold keeps every
/// block of 256 KiB or more in its own mapping, given back on free.
/// MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES, when set, still decide.
void tune_malloc() {
  if (std::getenv("GLIBC_TUNABLES") != nullptr)
    return;
  unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr)
    mallopt(M_ARENA_MAX, static_cast<int>(2 * cores));
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr)
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

/// Keeps secrets out of places they should never reach, before anything is
/// read: no core dump (RLIMIT_CORE 0, soft and hard, so a crash writes
/// nothing with the API key, the inbound token or a value in it) and not
/// dumpable (prctl PR_SET_DUMPABLE 0: other processes of the same user can
/// neither ptrace it nor read its /proc/<pid>/mem or environ, and no core is
/// written whatever the limit). SIGPIPE is ignored for every mode: a client or
/// upstream that closed its end makes a write fail with EPIPE instead of
/// killing the process (cpp-httplib writes without MSG_NOSIGNAL).
void protect_process() {
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ignore_sigpipe();
}

} // namespace

int main(int argc, char **argv) {
  protect_process();
  tune_malloc();
  CLI::App app{"qovery-job-secret-mcp: an MCP server that lets an AI agent list, add, edit, "
               "delete, alias and override the secrets of a Qovery job.\n\nThe API key is read "
               "from the environment (QOVERY_API_KEY, or QOVERY_API_TOKEN), never from the "
               "command line."};
  app.set_version_flag("--version", QMCP_VERSION);
  Options options;
  app.add_flag("--sandbox", options.sandbox,
               "Answer from an in-memory fake of Qovery instead of the real API: try every "
               "tool with no account")
      ->envname("QOVERY_MCP_SANDBOX");
  app.add_flag("--stdio", options.stdio,
               "Speak MCP on stdin/stdout (newline-delimited JSON-RPC), as Claude Desktop "
               "runs local servers, instead of listening on HTTP")
      ->envname("QOVERY_MCP_STDIO");
  app.add_flag("--read-only", options.read_only,
               "Offer only the read-only tools (list-job-secrets): nothing can change")
      ->envname("QOVERY_MCP_READ_ONLY");
  app.add_flag("--no-values-from-model", options.no_values_from_model,
               "Take no secret value from the model: tools/list offers no body.value, and an "
               "MCP call that sends one is refused (nothing is sent to Qovery), so a value "
               "pasted into a chat cannot be forwarded; the person types each value on the "
               "value-entry page (--entry-link-ttl). The REST API, for scripts, still takes "
               "values: set --rest-port 0 to close it")
      ->envname("QOVERY_MCP_NO_VALUES_FROM_MODEL");
  app.add_option("--tools", options.tools,
                 "Offer only these tools (comma-separated names of the capability's); an unknown "
                 "name is an error. The server's own import-job-secrets-from-dotenv (a link to a "
                 "page that imports a .env file) is offered when list-job-secrets, "
                 "add-secret-job, edit-secret-belonging-job and create-secret-override-job-level "
                 "all are")
      ->envname("QOVERY_MCP_TOOLS")
      ->delimiter(',');
  app.add_option("--host", options.host, "Address to listen on")
      ->envname("QOVERY_MCP_HOST")
      ->capture_default_str();
  app.add_option("--mcp-port", options.mcp_port,
                 "Port of the MCP endpoint /mcp (default: the capability's, 9090; 0 picks a "
                 "free port)")
      ->envname("QOVERY_MCP_PORT")
      ->check(CLI::Range(0, 65535));
  app.add_option("--rest-port", options.rest_port,
                 "Port of the REST API /v1 (default: the capability's, 8080; 0 turns the REST "
                 "API off)")
      ->envname("QOVERY_MCP_REST_PORT")
      ->check(CLI::Range(0, 65535));
  app.add_option("--api-url", options.api_url,
                 "Base URL of the Qovery API (default: the capability's, "
                 "https://api.qovery.com); plain http only for a loopback host")
      ->envname("QOVERY_API_URL");
  app.add_option("--auth-scheme", options.auth_scheme,
                 "How the key is sent: token (Authorization: Token, for API tokens), bearer "
                 "(for JWTs), or auto (bearer when the key looks like a JWT)")
      ->envname("QOVERY_AUTH_SCHEME")
      ->check(CLI::IsMember({"auto", "token", "bearer"}))
      ->capture_default_str();
  app.add_option("--ca-file", options.ca_file,
                 "PEM file of extra trusted CA certificates, added to the system's")
      ->envname("QOVERY_CA_FILE");
  app.add_option("--timeout", options.timeout_seconds,
                 "Seconds to wait for Qovery's answer to one request")
      ->envname("QOVERY_MCP_TIMEOUT")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  app.add_option("--deadline", options.deadline_seconds,
                 "Seconds one call may take in all, retries of failed reads included")
      ->envname("QOVERY_MCP_DEADLINE")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--allowed-origin", options.allowed_origins,
                 "Origin accepted besides loopback ones (repeatable; * for any)")
      ->envname("QOVERY_MCP_ALLOWED_ORIGINS")
      ->delimiter(',');
  app.add_option("--allowed-host", options.allowed_hosts,
                 "Host header name accepted besides localhost, 127.0.0.1, [::1] and --host "
                 "(repeatable; * for any)")
      ->envname("QOVERY_MCP_ALLOWED_HOSTS")
      ->delimiter(',');
  app.add_option("--threads", options.threads,
                 "HTTP worker threads started up front; more start while all are busy "
                 "answering, up to --max-connections (idle, slow or kept-alive connections "
                 "hold none)")
      ->envname("QOVERY_MCP_THREADS")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--max-connections", options.max_connections,
                 "HTTP connections open at once, per listener; a newer one is answered 503 "
                 "and closed")
      ->envname("QOVERY_MCP_MAX_CONNECTIONS")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--max-connections-per-address", options.max_connections_per_address,
                 "HTTP connections open at once from one client address, per listener (0: no "
                 "limit); a newer one from it is answered 503 and closed, so that one address "
                 "cannot take them all")
      ->envname("QOVERY_MCP_MAX_CONNECTIONS_PER_ADDRESS")
      ->check(CLI::Range(0, 65536))
      ->capture_default_str();
  app.add_option("--http-timeout", options.http_timeout_seconds,
                 "Seconds an HTTP client may stall while sending a request body or taking a "
                 "response; past its first this-many seconds a body must also come at 500 "
                 "bytes a second or more; an idle connection is closed after 5 s, or this if "
                 "shorter")
      ->envname("QOVERY_MCP_HTTP_TIMEOUT")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--header-timeout", options.header_timeout_seconds,
                 "Seconds an HTTP client may take to send a request's head (request line and "
                 "header fields, at most 32 KiB, 8 KiB a line, 100 fields), from its first "
                 "byte; a slower one is answered 408 and closed")
      ->envname("QOVERY_MCP_HEADER_TIMEOUT")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--auth-token-file", options.auth_token_file,
                 "File holding the token every HTTP client must send as Authorization: Bearer "
                 "(read once at start; the environment variable QOVERY_MCP_AUTH_TOKEN may hold "
                 "the token itself instead)");
  app.add_flag("--allow-unauthenticated", options.allow_unauthenticated,
               "Allow a non-loopback --host without --auth-token-file")
      ->envname("QOVERY_MCP_ALLOW_UNAUTHENTICATED");
  app.add_option("--session-timeout", options.session_timeout_seconds,
                 "Seconds after which an unused MCP session ends (a day by default, so that an "
                 "agent service keeps its session overnight; when --max-sessions is reached, "
                 "a session unused for 30 minutes may end sooner to make room); with --stateless, "
                 "how long a session lasts from its initialize, used or not")
      ->envname("QOVERY_MCP_SESSION_TIMEOUT")
      ->check(CLI::Range(1.0, 86400.0 * 7))
      ->capture_default_str();
  app.add_option("--max-sessions", options.max_sessions,
                 "MCP sessions held at once; when full, the oldest session that never got "
                 "past initialize makes room, else initialize gets 503 (a session that never "
                 "got past initialize ends after 5 minutes unused)")
      ->envname("QOVERY_MCP_MAX_SESSIONS")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  app.add_flag("--stateless", options.stateless,
               "Serve as one of several replicas behind a load balancer with no session "
               "affinity: 2025-11-25 session ids carry the session's state, signed with a key the "
               "replicas share (--session-key-file), so any replica serves any session; a "
               "session then lasts --session-timeout from its initialize, and DELETE cannot end "
               "it (405). 2026-07-28 requests need no session either way. A value-entry "
               "link then carries its pending entry, sealed with the key, so any replica serves "
               "it, but each replica takes one submission per link: route /entry/ by the link "
               "(examples/nginx-replicas.conf). No 2025-11-25 client is asked (elicitation), "
               "since its answer may reach another replica")
      ->envname("QOVERY_MCP_STATELESS");
  app.add_option("--session-key-file", options.session_key_file,
                 "With --stateless: file holding the key (at least 32 bytes, the same on every "
                 "replica) that signs session ids and seals value-entry links (read once at "
                 "start; the environment variable "
                 "QOVERY_MCP_SESSION_KEY may hold the key itself instead)");
  app.add_option("--capability", options.capability_file,
                 "Naftiko capability YAML to serve instead of the built-in one")
      ->envname("QOVERY_MCP_CAPABILITY")
      ->check(CLI::ExistingFile);
  app.add_option("--openapi", options.openapi_file,
                 "OpenAPI 3.0 document (YAML or JSON) of the API a --capability consumes: each "
                 "tool's operation found in it (same method and path) gets its parameters' "
                 "types, enums and descriptions, its request body's schema and its answer's "
                 "schema as outputSchema; read at start (Qovery's whole OpenAPI: about 0.4 s as "
                 "YAML, 0.07 s as JSON)")
      ->envname("QOVERY_MCP_OPENAPI")
      ->check(CLI::ExistingFile);
  app.add_option("--log-level", options.log_level,
                 "debug, info, warning or error (debug logs one line per call)")
      ->envname("QOVERY_MCP_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->capture_default_str();
  app.add_option("--log-format", options.log_format,
                 "text, or json for one JSON object per line; either way on stderr, with "
                 "secret values redacted")
      ->envname("QOVERY_MCP_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option(
         "--entry-link-ttl", options.entry_link_ttl_seconds,
         "Seconds a value-entry link works: a call of add-secret-job, "
         "edit-secret-belonging-job or create-secret-override-job-level without "
         "body.value sends nothing and answers with a link to a page of this server "
         "(/entry/<id> on the MCP port; with --stdio, on a loopback port of its own), "
         "where the person types the value; import-job-secrets-from-dotenv answers "
         "with a link to a page where the person gives a .env file, reviews the plan "
         "and confirms it; each link works once. With "
         "--auth-token-file the page first asks for that token; without it, the page "
         "is served only to loopback peers. A client that declared URL elicitation gets the link "
         "in an elicitation/create request during the call (2025-11-25) or an input_required "
         "result (2026-07-28), and the call then waits for the person (progress every tenth of "
         "this, at most 10 s apart) and answers the outcome")
      ->envname("QOVERY_MCP_ENTRY_LINK_TTL")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--confirm-destructive", options.confirm_destructive,
                 "Whether a destructive call (delete-secret-job: the capability's destructive "
                 "hint) needs the person's yes first: auto asks when the client declared form "
                 "elicitation and sends it unasked otherwise; always asks, and refuses the "
                 "call with a tool error when the client cannot ask; never sends it unasked")
      ->envname("QOVERY_MCP_CONFIRM_DESTRUCTIVE")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.add_option("--public-url", options.public_url,
                 "The origin a person's browser reaches this server at (scheme://host[:port], "
                 "e.g. https://mcp.example.com behind a proxy that terminates TLS): value-entry "
                 "links start with it, their page accepts a form only from it, and its host is "
                 "an allowed Host. Default: http://<--host>:<MCP port>, with localhost for a "
                 "wildcard --host. Never taken from a request's Host header, which a client "
                 "chooses")
      ->envname("QOVERY_MCP_PUBLIC_URL");
  app.add_option("--audit-log", options.audit_log,
                 "Append one JSON line per call that can change something (any method but "
                 "GET) to this file (time, session, adapter, tool, the operation's path "
                 "parameters such as jobId and secretId, the body's key, outcome, upstream "
                 "status; never a value), on disk before the call is answered")
      ->envname("QOVERY_MCP_AUDIT_LOG");
  std::string check_file;
  CLI::App *check = app.add_subcommand(
      "check", "Read a capability document and report, with line numbers, how each operation, "
               "tool and REST route reads and every construct this server cannot serve; exit "
               "status 0 when all can be served, 1 when not, 2 when the file cannot be read. "
               "Serves nothing.");
  check->add_option("FILE", check_file, "The capability document (YAML)")->required();
  std::string check_openapi;
  check
      ->add_option("--openapi", check_openapi,
                   "Also report which operation of this OpenAPI document refines each "
                   "operation, and which have none")
      ->check(CLI::ExistingFile);
  std::string schemas_openapi, schemas_overlay, schemas_out;
  CLI::App *schemas = app.add_subcommand(
      "schemas",
      "Derive the input and output JSON Schema of each tool (of the built-in capability, or "
      "--capability's) from the capability and an OpenAPI document, merge each with its "
      "overlay file (an RFC 7396 JSON merge patch of hand-written extras), and write "
      "<tool>.input.json and <tool>.output.json. schemas/ holds this command's output: "
      "schemas --openapi schemas/qovery-job-secret.openapi.yml --overlay schemas/overlay "
      "--out schemas");
  schemas->add_option("--openapi", schemas_openapi, "The OpenAPI document (YAML or JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  schemas
      ->add_option("--overlay", schemas_overlay,
                   "Folder of overlay files named as the schemas (none: no overlay)")
      ->check(CLI::ExistingDirectory);
  schemas->add_option("--out", schemas_out, "Folder to write the schemas into")
      ->required()
      ->check(CLI::ExistingDirectory);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    app.exit(e);
    return kConfigError;
  }
  if (*check)
    return check_capability_file(check_file, check_openapi);
  if (*schemas)
    return write_schema_files(options, schemas_openapi, schemas_overlay, schemas_out);
  return run(options);
}
