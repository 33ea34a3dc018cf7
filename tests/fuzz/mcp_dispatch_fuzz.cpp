// Fuzz target for the JSON-RPC/MCP dispatcher, driven the way the transports
// drive mcp::Server, with the sandbox's in-memory fake Qovery as upstream:
//
// - stdio: the input is the client's stream of lines, a whole session
//   (initialize, then calls) through StdioTransport;
// - HTTP: the input is one POST body, parsed and routed as HttpTransport::post
//   does: an initialize request to a new session, anything else to an
//   initialized one. The server's JSON parser must agree with nlohmann::json.
//
// Beyond crashes, it checks what every answer must satisfy: a request gets one
// answer with its id, a notification or a response none; an answer is a
// JSON-RPC 2.0 response that serializes as strict UTF-8 (the HTTP transport
// sends reply->dump()); a secret's value (arguments.body.value) never comes back.
//
// The input is also taken as Qovery's answer to a call: whatever the upstream
// sends, the tool result must be one the transports can send.
#include "fuzz_target.hpp"

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/json_text.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/stdio_transport.hpp"
#include "qovery_mcp/tool_caller.hpp"
#include "qovery_mcp/tool_registry.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace {

using namespace qovery_mcp;
using nlohmann::json;

/// The server as main() wires it with --sandbox, built once.
struct Stack {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  FakeQovery fake;
  SandboxUpstream upstream{fake};
  ToolCaller caller{capability, registry, upstream};
  mcp::Server server{caller, {"qovery-job-secret-mcp", "fuzz", "0", "instructions"}};
};

Stack &stack() {
  static Stack instance;
  return instance;
}

[[noreturn]] void violated(std::string_view rule, std::string_view detail) {
  std::fprintf(stderr, "invariant violated: %.*s\n%.*s\n", static_cast<int>(rule.size()),
               rule.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

std::string lenient_dump(const json &value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Completes initialize on `session`, as the HTTP transport's first POST does.
void initialize(mcp::Session &session) {
  static const json kInitialize = {{"jsonrpc", "2.0"},
                                   {"id", 0},
                                   {"method", "initialize"},
                                   {"params",
                                    {{"protocolVersion", mcp::kLatestProtocolVersion},
                                     {"capabilities", json::object()},
                                     {"clientInfo", {{"name", "fuzz"}, {"version", "1"}}}}}};
  if (!stack().server.handle(kInitialize, session) || !session.initialized())
    violated("initialize must succeed", lenient_dump(kInitialize));
}

/// What HttpTransport::post does with a parsed body that classify() accepts:
/// a 2026-07-28 message is answered without a session, an initialize request
/// goes to a new session, anything else to an initialized one.
std::optional<json> handle_as_http(const json &message) {
  if (mcp::is_modern_request(message))
    return stack().server.handle_modern(message, [](const json &notification) {
      try {
        (void)notification.dump(); // what the HTTP transport sends: throws on invalid UTF-8
      } catch (const json::exception &e) {
        violated("a request's notification serializes as strict JSON", e.what());
      }
    });
  mcp::Session session("fuzz-http");
  if (mcp::classify(message) != mcp::MessageKind::Request || message["method"] != "initialize")
    initialize(session);
  return stack().server.handle(message, session);
}

void check_answer(const json &message, const std::optional<json> &reply) {
  const mcp::MessageKind kind = mcp::classify(message);
  if (kind == mcp::MessageKind::Notification || kind == mcp::MessageKind::Response) {
    if (reply)
      violated("a notification or a response gets no answer", lenient_dump(*reply));
    return;
  }
  if (!reply)
    violated("a request or an invalid message gets an answer", lenient_dump(message));
  // subscriptions/listen is answered with its acknowledgment, naming the request.
  if (reply->value("method", "") == "notifications/subscriptions/acknowledged") {
    static const json::json_pointer kSubscriptionId(
        "/params/_meta/io.modelcontextprotocol~1subscriptionId");
    if (kind != mcp::MessageKind::Request || !reply->contains(kSubscriptionId) ||
        reply->at(kSubscriptionId) != message["id"])
      violated("an acknowledgment names its subscriptions/listen request", lenient_dump(*reply));
    return;
  }
  try {
    (void)reply->dump(); // what the HTTP transport sends: throws on invalid UTF-8
  } catch (const json::exception &e) {
    violated("an answer serializes as strict JSON", e.what());
  }
  if (!reply->is_object() || reply->value("jsonrpc", "") != "2.0" || !reply->contains("id") ||
      reply->contains("result") == reply->contains("error"))
    violated("an answer is a JSON-RPC 2.0 response", lenient_dump(*reply));
  if (kind == mcp::MessageKind::Request && (*reply)["id"] != message["id"])
    violated("an answer carries the request's id", lenient_dump(*reply));
  if (reply->contains("error")) {
    const json &error = (*reply)["error"];
    if (!error.is_object() || !error.value("code", json()).is_number_integer() ||
        error.value("message", "").empty())
      violated("an error has an integer code and a message", lenient_dump(*reply));
  }
}

/// Whether any string in `tree` contains `needle`.
bool mentions(const json &tree, std::string_view needle) {
  if (tree.is_string())
    return tree.get_ref<const std::string &>().find(needle) != std::string::npos;
  if (!tree.is_structured())
    return false;
  for (const auto &element : tree)
    if (mentions(element, needle))
      return true;
  return false;
}

/// Whether `reply` contains the secret as it is, or JSON-escaped (as in a
/// text block that holds a JSON document).
bool echoes(const json &reply, const std::string &secret) {
  const std::string escaped = lenient_dump(json(secret));
  return mentions(reply, secret) || mentions(reply, escaped.substr(1, escaped.size() - 2));
}

/// A secret value must never come back. The answer may still contain the same
/// text for another reason (it is also the key, or a seeded secret's id): it
/// is a leak only if the answer to the same call with another value of the
/// same length does not contain it.
void check_secret_not_echoed(const json &message, const json &reply) {
  if (message.value("method", json()) != "tools/call")
    return;
  const json *value = &message;
  for (const char *key : {"params", "arguments", "body", "value"}) {
    if (!value->is_object() || !value->contains(key))
      return;
    value = &(*value)[key];
  }
  if (!value->is_string())
    return;
  const auto &secret = value->get_ref<const std::string &>();
  if (secret.size() < 4 || !echoes(reply, secret))
    return;
  const char filler = secret.find_first_not_of('#') == std::string::npos ? '%' : '#';
  std::string other;
  for (char c : secret)
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) // one per code point
      other += filler;
  json changed = message;
  changed["params"]["arguments"]["body"]["value"] = other;
  stack().fake.reset();
  std::optional<json> baseline = handle_as_http(changed);
  if (!baseline || !echoes(*baseline, secret))
    violated("a secret value never comes back", lenient_dump(reply));
}

/// The input as Qovery's answer to a few tools' calls, with a success and an
/// error status: the CallToolResult must have a text block and serialize as
/// strict UTF-8, whatever Qovery sent.
void fuzz_upstream_answer(std::string_view text) {
  static const json kArguments = {{"jobId", FakeQovery::kJobId},
                                  {"secretId", FakeQovery::kJobSecretId},
                                  {"body", {{"key", "API_TOKEN"}, {"value", "s3cret"}}}};
  for (const char *name : {"list-job-secrets", "add-secret-job", "delete-secret-job"}) {
    const ToolRegistry::Tool *tool = stack().registry.find(name);
    for (int status : {200, 409}) {
      UpstreamResponse response;
      response.status = status;
      response.body = text;
      const json result =
          stack().caller.result(*tool, kArguments, {CallRefusal::None, {}, response});
      try {
        (void)result.dump();
      } catch (const json::exception &e) {
        violated("a tool result serializes as strict JSON", e.what());
      }
      const json content = result.value("content", json());
      if (!content.is_array() || content.empty() || !content[0].is_object() ||
          !content[0].value("text", json()).is_string())
        violated("a tool result has a text block", lenient_dump(result));
    }
  }
}

void fuzz_stdio(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::ostringstream out;
  StdioTransport(stack().server, in, out).serve();
  // Each answer is one line holding one object; parsing them again would cost
  // more than the rest (a tools/list answer is 60 KB).
  std::istringstream answers(out.str());
  std::string line;
  while (std::getline(answers, line))
    if (line.size() < 2 || line.front() != '{' || line.back() != '}')
      violated("stdio writes one JSON object per line", line);
}

/// The deepest nesting of arrays and objects in `text`, read as JSON.
std::size_t nesting(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// parse_json, the server's own parser, reads what nlohmann::json reads (both
/// keep the last of repeated members) and refuses what it refuses, but for
/// what passes its nesting or size limits, which it refuses, and only then,
/// and text escaping a lone UTF-16 surrogate, which it reads, marked.
void check_parsers_agree(std::string_view text) {
  const ParsedJson parsed = parse_json(text);
  const json reference = json::parse(text, nullptr, false);
  if (parsed.limited) {
    if (!parsed.value.is_discarded() || parsed.error.empty())
      violated("parse_json refuses, saying why, what passes its limits", parsed.error);
    return;
  }
  // A lone surrogate escape: nlohmann refuses the text; parse_json reads it,
  // marked, with the lone surrogate kept where it can be found.
  if (parsed.lone_surrogates) {
    if (!reference.is_discarded() || parsed.value.is_discarded() ||
        !lone_surrogate_path(parsed.value))
      violated("parse_json marks only text with a lone surrogate, and keeps it",
               lenient_dump(parsed.value));
    return;
  }
  if (parsed.value.is_discarded() != reference.is_discarded())
    violated(reference.is_discarded() ? "parse_json refuses what is not JSON"
                                      : "parse_json reads what is JSON",
             parsed.error);
  // Comparing values recurses once per level: only the parsers are stackless.
  constexpr std::size_t kMaxComparedDepth = 1000;
  if (!reference.is_discarded() && nesting(text) <= kMaxComparedDepth && parsed.value != reference)
    violated("parse_json reads the same value", lenient_dump(parsed.value));
  if (parsed.value.is_discarded() && parsed.error.empty())
    violated("parse_json says why the text is not JSON", text);
}

void fuzz_http(std::string_view text) {
  check_parsers_agree(text);
  mcp::ParsedMessage parsed = mcp::parse_message(text);
  if (parsed.error) {
    check_answer(json(), parsed.error); // answered with a 400, without the server
    return;
  }
  const json &message = parsed.message;
  if (mcp::classify(message) == mcp::MessageKind::Invalid) {
    check_answer(message, mcp::invalid_request_response(message));
    return;
  }
  std::optional<json> reply = handle_as_http(message);
  check_answer(message, reply);
  if (reply)
    check_secret_not_echoed(message, *reply);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  stack().fake.reset();
  fuzz_stdio(text);
  stack().fake.reset();
  fuzz_http(text);
  fuzz_upstream_answer(text);
  return 0;
}
