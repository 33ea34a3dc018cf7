#include "qovery_mcp/tool_caller.hpp"

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/rest_adapter.hpp"
#include "qovery_mcp/secret_import.hpp"

#include "catalog.hpp"
#include "recording_upstream.hpp"
#include "temp_file.hpp"

#include <catch2/catch.hpp>

#include <atomic>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

const std::string kJob = FakeQovery::kJobId;
const char *kSecret = "22222222-2222-4222-8222-222222222222";
const std::string kValue = "audit-test-value-do-not-log";

/// The sandbox, counting the requests that reach it.
struct CountingUpstream : Upstream {
  explicit CountingUpstream(FakeQovery &fake) : sandbox(fake) {}
  UpstreamResponse send(const UpstreamRequest &request) override {
    ++sent;
    return sandbox.send(request);
  }
  SandboxUpstream sandbox;
  std::atomic<int> sent{0};
};

/// The embedded capability, its registry and a caller to the in-memory Qovery.
struct Caller {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  FakeQovery fake;
  CountingUpstream upstream{fake};
  ToolCaller caller{capability, registry, upstream};

  const ToolRegistry::Tool &tool(const std::string &name) {
    const auto *found = registry.find(name);
    REQUIRE(found != nullptr);
    return *found;
  }
  /// The CallToolResult for `response`, the upstream's answer to a call.
  json result(const ToolRegistry::Tool &tool, const json &arguments,
              const UpstreamResponse &response) const {
    return caller.result(tool, arguments, {CallRefusal::None, {}, response});
  }
};

/// A Caller whose ToolCaller, `audited`, also writes an audit log to `file`.
struct AuditedCaller : Caller {
  test::TempFile file{kValue};
  std::unique_ptr<AuditLog> audit = std::move(AuditLog::open(file.path).value());
  ToolCaller audited{capability, registry, upstream, audit.get()};
};

std::string text_of(const json &result) { return result["content"][0]["text"]; }

using test::TempFile;

json call_message(const std::string &tool, const json &arguments) {
  return {{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "tools/call"},
          {"params", {{"name", tool}, {"arguments", arguments}}}};
}

} // namespace

TEST_CASE("Caller: upstream answers become results a model can act on", "[caller]") {
  Caller r;
  json args = {{"jobId", kJob}, {"secretId", kSecret}};
  const auto &remove = r.tool("delete-secret-job");

  json deleted = r.result(remove, args, {204, "", UpstreamError::None, ""});
  CHECK(deleted["structuredContent"] ==
        json{{"deleted", true}, {"jobId", kJob}, {"secretId", kSecret}});
  CHECK(json::parse(text_of(deleted)) == deleted["structuredContent"]);
  CHECK_FALSE(deleted.contains("isError"));

  json conflict = r.result(r.tool("add-secret-job"), args,
                           {409, R"({"status":409,"detail":"Variable already exists: API_TOKEN"})",
                            UpstreamError::None, ""});
  CHECK(conflict["isError"] == true);
  CHECK(text_of(conflict).starts_with(
      "Qovery answered HTTP 409: Variable already exists: API_TOKEN. A secret with this key "
      "already exists"));

  json not_found = r.result(remove, args, {404, "", UpstreamError::None, ""});
  CHECK(text_of(not_found).starts_with("Qovery answered HTTP 404. Not found: check that jobId"));

  json unauthorized = r.result(remove, args, {401, "{}", UpstreamError::None, ""});
  CHECK(text_of(unauthorized).find("QOVERY_API_KEY") != std::string::npos);

  json timeout = r.result(
      remove, args, {0, "", UpstreamError::Timeout, "no response from api.test:443 within 30 s"});
  CHECK(timeout["isError"] == true);
  CHECK(text_of(timeout).find("no response from api.test:443 within 30 s") != std::string::npos);
  CHECK(text_of(timeout).find("may or may not have been applied") != std::string::npos);

  json list_timeout = r.result(r.tool("list-job-secrets"), {{"jobId", kJob}},
                               {0, "", UpstreamError::Timeout, "no response"});
  CHECK(text_of(list_timeout).find("may or may not") == std::string::npos);

  json garbage = r.result(r.tool("list-job-secrets"), {{"jobId", kJob}},
                          {200, "<html>", UpstreamError::None, ""});
  CHECK(garbage["isError"] == true);
  CHECK(text_of(garbage).find("not JSON") != std::string::npos);

  // A redirect is not followed: nothing was done, and the address is what to check.
  for (int status : {301, 302, 307, 308}) {
    INFO(status);
    json moved = r.result(remove, args, {status, "", UpstreamError::None, ""});
    CHECK(moved["isError"] == true);
    CHECK(text_of(moved).find("redirect, which this server does not follow") != std::string::npos);
    CHECK(text_of(moved).find("--api-url") != std::string::npos);
    CHECK(text_of(moved).find("refused") == std::string::npos);
    CHECK(text_of(moved).find("may or may not") == std::string::npos);
  }
}

TEST_CASE("Caller: a successful answer is structured content and the same text", "[caller]") {
  Caller r;
  std::string body = R"({"results":[{"id":"22222222-2222-4222-8222-222222222222","key":"K"}]})";
  json result =
      r.result(r.tool("list-job-secrets"), {{"jobId", kJob}}, {200, body, UpstreamError::None, ""});
  CHECK(result["structuredContent"] == json::parse(body));
  CHECK(json::parse(text_of(result)) == json::parse(body));
}

TEST_CASE("Caller: a success never passes a value or an undeclared member", "[caller]") {
  Caller r;
  const std::string secret = R"("id":"55555555-5555-4555-8555-555555555555","key":"DB_PASSWORD",)"
                             R"("scope":"JOB","created_at":"2026-03-02T09:14:07Z")";
  const std::string alias =
      R"({"id":"22222222-2222-4222-8222-222222222222","key":"POSTGRES_PASSWORD","scope":)"
      R"("ENVIRONMENT","variable_type":"VALUE","mount_path":null,"value":"leak-alias-1"})";
  struct Case {
    std::string tool;
    json arguments;
    std::string body;
    json expected;
  };
  const json job = {{"jobId", kJob}};
  const json add = {{"jobId", kJob}, {"body", {{"key", "DB_PASSWORD"}, {"value", "leak-echo-2"}}}};
  std::vector<Case> cases = {
      {"list-job-secrets", job,
       R"({"results":[{)" + secret + R"(,"value":"leak-item-3","aliased_secret":)" + alias +
           R"(},{)" + secret + R"(,"internal_token":"leak-token-4"}],"next":{"value":"leak-5"}})",
       json::parse(R"({"results":[{)" + secret +
                   R"(,"aliased_secret":{"id":"22222222-2222-4222-8222-222222222222",)"
                   R"("key":"POSTGRES_PASSWORD","scope":"ENVIRONMENT","variable_type":"VALUE",)"
                   R"("mount_path":null}},{)" +
                   secret + "}]}")},
      {"add-secret-job", add, "{" + secret + R"(,"value":"leak-echo-2"})",
       json::parse("{" + secret + "}")},
      {"create-secret-override-job-level",
       {{"jobId", kJob}, {"secretId", kSecret}, {"body", {{"value", "leak-override-6"}}}},
       "{" + secret + R"(,"overridden_secret":{"value":"leak-override-6","key":"K"}})",
       json::parse("{" + secret + R"(,"overridden_secret":{"key":"K"}})")},
  };
  for (const auto &c : cases) {
    INFO(c.tool);
    json result = r.result(r.tool(c.tool), c.arguments, {200, c.body, UpstreamError::None, ""});
    CHECK_FALSE(result.contains("isError"));
    CHECK(result["structuredContent"] == c.expected);
    CHECK(json::parse(text_of(result)) == c.expected);
    CHECK(result.dump().find("leak-") == std::string::npos);
  }
}

TEST_CASE("Caller: Qovery's detail never quotes a value the call sent", "[caller]") {
  Caller r;
  const auto &add = r.tool("add-secret-job");
  auto detail_of = [&](const json &arguments, const json &body) {
    json result = r.result(add, arguments, {400, body.dump(), UpstreamError::None, ""});
    CHECK(result["isError"] == true);
    return text_of(result);
  };
  json args = {{"jobId", kJob}, {"body", {{"key", "K"}, {"value", "hunter2-s3cret"}}}};
  CHECK(detail_of(args, {{"detail", R"(Invalid body: {"key":"K","value":"hunter2-s3cret"})"}})
            .starts_with(
                R"(Qovery answered HTTP 400: Invalid body: {"key":"K","value":"[redacted]"}.)"));
  CHECK(detail_of(args, {{"message", "hunter2-s3cret is too weak"}})
            .starts_with("Qovery answered HTTP 400: [redacted] is too weak."));
  CHECK(detail_of(args, {{"error", "twice: hunter2-s3cret hunter2-s3cret"}})
            .starts_with("Qovery answered HTTP 400: twice: [redacted] [redacted]."));

  // A value that JSON text escapes is found as sent and as escaped.
  json quoted = {{"jobId", kJob}, {"body", {{"key", "K"}, {"value", "a\"b\\c\né"}}}};
  std::string escaped = detail_of(
      quoted,
      {{"detail",
        "as text: a\"b\\c\né; as JSON: \"a\\\"b\\\\c\\né\"; ascii: a\\\"b\\\\c\\n\\u00e9"}});
  CHECK(escaped.starts_with(
      R"(Qovery answered HTTP 400: as text: [redacted]; as JSON: "[redacted]"; ascii: [redacted].)"));

  // A short value is redacted too; an empty one matches nothing.
  json short_value = {{"jobId", kJob}, {"body", {{"key", "K"}, {"value", "ab"}}}};
  CHECK(detail_of(short_value, {{"detail", "value ab is too short"}})
            .starts_with("Qovery answered HTTP 400: value [redacted] is too short."));
  json empty_value = {{"jobId", kJob}, {"body", {{"key", "K"}, {"value", ""}}}};
  CHECK(detail_of(empty_value, {{"detail", "value is empty"}})
            .starts_with("Qovery answered HTTP 400: value is empty."));

  // Redacted before the detail is cut at 300 bytes, so no beginning of a value remains.
  json long_detail = {{"detail", std::string(295, '.') + "hunter2-s3cret and more"}};
  std::string cut = detail_of(args, long_detail);
  CHECK(cut.find("hunter") == std::string::npos);
  CHECK(cut.starts_with("Qovery answered HTTP 400: " + std::string(295, '.') + "[reda..."));
}

TEST_CASE("Caller: sent_values finds every value of the body, longest first", "[caller]") {
  json arguments = {{"jobId", kJob},
                    {"body",
                     {{"key", "K"},
                      {"value", "top-value"},
                      {"nested", {{"value", "nested-value-longer"}, {"list", {{{"value", "x"}}}}}},
                      {"other", {{"value", 12}}},
                      {"empty", {{"value", ""}}}}}};
  CHECK(sent_values(arguments) ==
        std::vector<std::string>{"nested-value-longer", "top-value", "x"});
  CHECK(sent_values({{"jobId", kJob}}).empty());
  CHECK(sent_values({{"value", "not in a body"}}).empty());

  // One pass, longest match first: "ab" inside "abc" does not cut the longer one.
  CHECK(redact("abc ab a", {"abc", "ab"}) == "[redacted] [redacted] a");
  CHECK(redact("nothing here", {}) == "nothing here");
  CHECK(redact("a-a", {"a"}) == "[redacted]-[redacted]");
}

TEST_CASE("Caller: a call cancelled before it is sent is a tool error, and sends nothing",
          "[caller]") {
  Caller r;
  json result = r.caller.call(r.tool("add-secret-job"),
                              {{"jobId", kJob}, {"body", {{"key", "K"}, {"value", "never-sent"}}}},
                              {"mcp", "s"}, [] { return true; });
  CHECK(result["isError"] == true);
  CHECK(text_of(result) ==
        "the client cancelled the call before it was sent to Qovery; nothing changed");
  CHECK(r.upstream.sent == 0);
}

TEST_CASE("Caller: invalid arguments are refused before anything is sent", "[caller]") {
  Caller r;
  bool asked = false;
  CallOutcome outcome = r.caller.send(r.tool("list-job-secrets"), {{"jobId", "abc"}}, {"rest", ""},
                                      [&asked] { return asked = true; });
  CHECK(outcome.refusal == CallRefusal::InvalidArguments);
  CHECK(outcome.message == R"(argument 'jobId' must be a UUID, got "abc")");
  CHECK_FALSE(asked);
  CHECK(r.upstream.sent == 0);
  CHECK(text_of(r.caller.result(r.tool("list-job-secrets"), {{"jobId", "abc"}}, outcome)) ==
        R"(argument 'jobId' must be a UUID, got "abc". Fix the arguments and call )"
        "list-job-secrets again.");
}

TEST_CASE("Caller: a retried call that failed says how many attempts were made", "[caller]") {
  Caller r;
  UpstreamResponse unavailable{503, R"({"status":503,"detail":"down"})", UpstreamError::None, ""};
  unavailable.attempts = 4;
  json list = r.result(r.tool("list-job-secrets"), {{"jobId", kJob}}, unavailable);
  CHECK(list["isError"] == true);
  CHECK(text_of(list).starts_with("Qovery answered HTTP 503 after 4 attempts: down."));

  UpstreamResponse timeout{0, "", UpstreamError::Timeout,
                           "no response from api.test:443 within 2 s"};
  timeout.attempts = 3;
  json timed_out = r.result(r.tool("list-job-secrets"), {{"jobId", kJob}}, timeout);
  CHECK(text_of(timed_out) == "could not complete the call after 3 attempts: no response from "
                              "api.test:443 within 2 s.");

  UpstreamResponse once{503, "", UpstreamError::None, ""};
  json single = r.result(r.tool("list-job-secrets"), {{"jobId", kJob}}, once);
  CHECK(text_of(single).find("attempts") == std::string::npos);
}

TEST_CASE("Caller: a create that failed without a clear answer says to list before retrying",
          "[caller]") {
  Caller r;
  json args = {{"jobId", kJob}, {"body", {{"key", "K"}, {"value", "v"}}}};
  const auto &add = r.tool("add-secret-job");
  for (const UpstreamResponse &response :
       {UpstreamResponse{503, "", UpstreamError::None, ""},
        UpstreamResponse{0, "", UpstreamError::Connection, "connection to a:1 closed"},
        UpstreamResponse{0, "", UpstreamError::Timeout, "no response from a:1 within 1 s"},
        UpstreamResponse{201, "{\"id\":", UpstreamError::None, ""}}) {
    json result = r.result(add, args, response);
    INFO(text_of(result));
    CHECK(result["isError"] == true);
    CHECK(text_of(result).find("may or may not have been applied: list the job's secrets to "
                               "check before trying again") != std::string::npos);
  }
  // A refusal is clear: nothing was created.
  json refused = r.result(add, args, {409, "", UpstreamError::None, ""});
  CHECK(text_of(refused).find("may or may not") == std::string::npos);
  // So is a host name that does not resolve: nothing was sent.
  json unresolved = r.result(add, args,
                             {0, "", UpstreamError::Unresolved,
                              "could not connect to a:1: the host name a does not resolve"});
  CHECK(text_of(unresolved) == "could not complete the call: could not connect to a:1: the host "
                               "name a does not resolve.");
  // A read whose answer was not JSON can simply be tried again.
  json garbage = r.result(r.tool("list-job-secrets"), {{"jobId", kJob}},
                          {200, "{\"results\":[", UpstreamError::None, ""});
  CHECK(text_of(garbage) == "Qovery answered HTTP 200 with a body that is not JSON. Try the call "
                            "again.");
}
TEST_CASE("Caller: every MCP change is recorded before the answer, reads are not", "[caller]") {
  AuditedCaller s;
  test::TempFile &file = s.file;
  mcp::Server server(s.audited, {"n", "t", "v", ""});
  mcp::Session session("stdio");
  server.handle(call_message("list-job-secrets", {{"jobId", kJob}}), session);
  CHECK(file.lines().empty());

  auto added = server.handle(
      call_message("add-secret-job",
                   {{"jobId", kJob}, {"body", {{"key", "NEW_KEY"}, {"value", kValue}}}}),
      session);
  REQUIRE(added);
  // The intent and the outcome are on disk by the time the answer exists.
  auto lines = file.lines();
  REQUIRE(lines.size() == 2);
  std::string new_id = (*added)["result"]["structuredContent"]["id"];
  CHECK(lines[0]["phase"] == "intent");
  CHECK(lines[0]["secretId"].is_null());
  CHECK(lines[1]["phase"] == "outcome");
  CHECK(lines[1]["secretId"] == new_id);
  CHECK(lines[1]["session"] == "stdio");
  CHECK(lines[1]["outcome"] == "ok");

  server.handle(call_message("add-secret-job",
                             {{"jobId", kJob}, {"body", {{"key", "NEW_KEY"}, {"value", kValue}}}}),
                session);
  server.handle(call_message("delete-secret-job", {{"jobId", kJob}, {"secretId", new_id}}),
                session);
  auto alias = server.handle(
      call_message("create-secret-alias-job-level", {{"jobId", kJob},
                                                     {"secretId", FakeQovery::kProjectSecretId},
                                                     {"body", {{"key", "ALIASED"}}}}),
      session);
  REQUIRE(alias);
  lines = file.lines();
  REQUIRE(lines.size() == 8);
  CHECK(lines[3]["outcome"] == "rejected"); // the key exists: 409
  CHECK(lines[3]["upstreamStatus"] == 409);
  CHECK(lines[4]["phase"] == "intent");
  CHECK(lines[4]["secretId"] == new_id);
  CHECK(lines[5]["tool"] == "delete-secret-job");
  CHECK(lines[5]["secretId"] == new_id);
  CHECK(lines[5]["upstreamStatus"] == 204);
  CHECK(lines[7]["tool"] == "create-secret-alias-job-level");
  CHECK(lines[7]["targetSecretId"] == FakeQovery::kProjectSecretId);
  CHECK(lines[7]["secretId"] == (*alias)["result"]["structuredContent"]["id"]);
  CHECK(lines[7]["secretId"] != FakeQovery::kProjectSecretId);

  // Arguments that fail validation never reach Qovery, so nothing changed.
  server.handle(call_message("add-secret-job", {{"jobId", "not-a-uuid"}}), session);
  CHECK(file.lines().size() == 8);
}

TEST_CASE("Caller: a change whose intent cannot be written is refused and never sent", "[caller]") {
  Caller s;
  auto audit = AuditLog::open("/dev/full"); // opens; every write fails with ENOSPC
  REQUIRE(audit);
  ToolCaller caller(s.capability, s.registry, s.upstream, audit.value().get());
  mcp::Server server(caller, {"n", "t", "v", ""});
  mcp::Session session("stdio");
  auto added = server.handle(
      call_message("add-secret-job",
                   {{"jobId", kJob}, {"body", {{"key", "NEVER_SENT"}, {"value", kValue}}}}),
      session);
  REQUIRE(added);
  const json &result = (*added)["result"];
  CHECK(result["isError"] == true);
  CHECK(result["content"][0]["text"] ==
        "the audit log could not be written (No space left on device), so the change was not "
        "sent to Qovery and nothing changed. The user must fix the server's --audit-log file; "
        "until then no change can be made, and secrets can still be listed.");
  auto removed = server.handle(
      call_message("delete-secret-job", {{"jobId", kJob}, {"secretId", FakeQovery::kJobSecretId}}),
      session);
  REQUIRE(removed);
  CHECK((*removed)["result"]["isError"] == true);
  CHECK(s.upstream.sent == 0);

  auto listed = server.handle(call_message("list-job-secrets", {{"jobId", kJob}}), session);
  REQUIRE(listed);
  CHECK_FALSE((*listed)["result"].contains("isError"));
  CHECK(s.upstream.sent == 1);
}

TEST_CASE("Caller: REST changes are recorded with their adapter", "[caller]") {
  AuditedCaller s;
  test::TempFile &file = s.file;
  RestRouter router(s.capability, s.audited);
  RestReply reply = router.handle("POST", "/v1/job/" + kJob + "/secret",
                                  json{{"key", "REST_KEY"}, {"value", kValue}}.dump());
  CHECK(reply.status == 201);
  router.handle("GET", "/v1/job/" + kJob + "/secret", "");
  auto lines = file.lines();
  REQUIRE(lines.size() == 2);
  for (const auto &line : lines) {
    CHECK(line["adapter"] == "rest");
    CHECK(line["key"] == "REST_KEY");
    CHECK(line["session"] == "");
  }
  CHECK(lines[0]["phase"] == "intent");
  CHECK(lines[1]["phase"] == "outcome");
  CHECK(lines[1]["secretId"] == json::parse(reply.body)["id"]);
}

namespace {

const std::string kId = "33333333-3333-4333-8333-333333333333";

/// Each raw value the routing test sends or fixes, as a path segment or a
/// query value must carry it (RFC 3986, 2.1: all but unreserved characters
/// percent-encoded).
const std::map<std::string, std::string> kEncoded = {
    {kId, kId},       {"a b&c", "a%20b%26c"}, {"eu west/1", "eu%20west%2F1"},
    {"true", "true"}, {"1.5", "1.5"},         {"7", "7"}};

/// A valid value for an argument of `schema`: a UUID for an id, "a b&c" for
/// any other string (it needs percent-encoding), a small object for a body.
json value_for(const json &schema) {
  const std::string type = schema.at("type");
  if (type == "string")
    return schema.contains("format") ? json(kId) : json("a b&c");
  if (type == "boolean")
    return true;
  if (type == "number")
    return 1.5;
  if (type == "integer")
    return 7;
  return {{"note", "a b&c"}};
}

/// What an argument or fixed value is sent as, before encoding.
std::string raw_text(const json &value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string encoded(const std::string &raw) {
  auto found = kEncoded.find(raw);
  if (found == kEncoded.end())
    FAIL("no encoding known for " << raw);
  return found->second;
}

/// Calls every tool of `capability` twice, with every argument and with the
/// required ones only, and checks the request the upstream got: the
/// operation's method, its path with each placeholder filled and encoded,
/// the given and fixed query parameters in the declared order, the given and
/// fixed header fields, not encoded, in the declared order, and the body;
/// then an empty success answer, which names the path arguments given.
void check_routes(const Capability &capability) {
  auto registry = ToolRegistry::create(
      capability, [](std::string_view) { return std::optional<std::string_view>(); });
  if (!registry)
    FAIL(registry.error());
  test::RecordingUpstream upstream;
  ToolCaller caller(capability, registry.value(), upstream);
  for (const ToolRegistry::Tool &tool : registry->tools()) {
    const Operation &operation = *tool.spec->operation;
    const json &properties = tool.input.document().at("properties");
    const json required = tool.input.document().value("required", json::array());
    for (bool all : {true, false}) {
      json arguments = json::object();
      for (const auto &[name, schema] : properties.items())
        if (all || std::find(required.begin(), required.end(), name) != required.end())
          arguments[name] = value_for(schema);
      INFO(tool.spec->name << " " << arguments.dump());
      upstream.requests.clear();
      json result = caller.call(tool, arguments, {"mcp", "s"});
      REQUIRE(upstream.requests.size() == 1);
      const UpstreamRequest &sent = upstream.requests.front();
      CHECK(sent.method == operation.method);
      std::string path = operation.path;
      for (const std::string &name : path_placeholders(operation.path)) {
        auto fixed = tool.spec->fixed.find(name);
        std::string raw =
            fixed != tool.spec->fixed.end() ? fixed->second : raw_text(arguments.at(name));
        path.replace(path.find("{" + name + "}"), name.size() + 2, encoded(raw));
      }
      std::string query;
      for (const std::string &name : operation.query_params) {
        auto fixed = tool.spec->fixed.find(name);
        if (fixed == tool.spec->fixed.end() && !arguments.contains(name))
          continue;
        std::string raw =
            fixed != tool.spec->fixed.end() ? fixed->second : raw_text(arguments.at(name));
        query += (query.empty() ? "?" : "&") + name + "=" + encoded(raw);
      }
      CHECK(sent.path == path + query);
      std::vector<std::pair<std::string, std::string>> headers;
      for (const std::string &name : operation.header_params) {
        auto fixed = tool.spec->fixed.find(name);
        if (fixed != tool.spec->fixed.end())
          headers.emplace_back(name, fixed->second);
        else if (arguments.contains(name))
          headers.emplace_back(name, raw_text(arguments.at(name)));
      }
      CHECK(sent.headers == headers);
      CHECK(sent.body == (arguments.contains("body") ? arguments["body"].dump() : ""));
      // No output schema: the answer as it came, as text only.
      CHECK(result == json{{"content", {{{"type", "text"}, {"text", R"({"results":[]})"}}}}});
      // An empty success (204) names the path arguments given; a fixed one is no argument.
      const UpstreamResponse answer = upstream.answer;
      upstream.answer = {204, "", UpstreamError::None, ""};
      json empty = caller.call(tool, arguments, {"mcp", "s"});
      upstream.answer = answer;
      CHECK_FALSE(empty.value("isError", false));
      const std::string text = empty["content"][0]["text"];
      for (const std::string &name : operation.path_params) {
        INFO(name);
        CHECK((text.find('"' + name + '"') != std::string::npos) == arguments.contains(name));
      }
    }
  }
}

} // namespace

TEST_CASE(
    "Caller: every tool of every catalog capability sends its method and path and query and body",
    "[caller]") {
  for (const char *name : test::kCatalog) {
    INFO(name);
    check_routes(test::catalog_capability(name));
  }
  INFO("fixed values");
  Result<Capability> fixed = parse_capability(test::kFixedValuesCapability);
  REQUIRE(fixed);
  check_routes(fixed.value());
}

TEST_CASE("Caller: a call without a secret's value goes to the value entry and not upstream",
          "[caller][entry]") {
  Caller c;
  CHECK(ToolCaller::takes_value(c.tool("add-secret-job")));
  CHECK(ToolCaller::takes_value(c.tool("edit-secret-belonging-job")));
  CHECK(ToolCaller::takes_value(c.tool("create-secret-override-job-level")));
  CHECK_FALSE(ToolCaller::takes_value(c.tool("list-job-secrets")));
  CHECK_FALSE(ToolCaller::takes_value(c.tool("delete-secret-job")));
  CHECK_FALSE(ToolCaller::takes_value(c.tool("create-secret-alias-job-level")));

  const json no_value = {{"jobId", kJob}, {"body", {{"key", "ASKED"}}}};
  // Without a ValueEntry, a value-less call is sent as it is.
  CHECK_FALSE(c.caller.call(c.tool("add-secret-job"), no_value, {"mcp", "s"}).contains("isError"));
  CHECK(c.upstream.sent == 1);

  std::vector<json> asked;
  c.caller.ask_values_with([&](const ToolRegistry::Tool &tool, const json &arguments, CallOrigin,
                               const ToolCaller::Context &) {
    asked.push_back({{"tool", tool.spec->name}, {"arguments", arguments}});
    return json{{"content", json::array({{{"type", "text"}, {"text", "a link"}}})}};
  });
  json override_args = {{"jobId", kJob}, {"secretId", kSecret}, {"body", json::object()}};
  CHECK(c.caller.call(c.tool("add-secret-job"), no_value, {"mcp", "s"})["content"][0]["text"] ==
        "a link");
  CHECK(c.caller.call(c.tool("create-secret-override-job-level"), override_args,
                      {"mcp", "s"})["content"][0]["text"] == "a link");
  REQUIRE(asked.size() == 2);
  CHECK(asked[0] == json{{"tool", "add-secret-job"}, {"arguments", no_value}});
  CHECK(c.upstream.sent == 1);

  // Invalid arguments are refused as before, and open nothing.
  json invalid =
      c.caller.call(c.tool("add-secret-job"),
                    {{"jobId", "not-a-uuid"}, {"body", {{"key", "ASKED"}}}}, {"mcp", "s"});
  CHECK(invalid["isError"] == true);
  CHECK(asked.size() == 2);
  // With the value, or for a tool that takes none, the call is sent.
  json with_value = no_value;
  with_value["body"] = {{"key", "GIVEN"}, {"value", kValue}};
  CHECK_FALSE(
      c.caller.call(c.tool("add-secret-job"), with_value, {"mcp", "s"}).contains("isError"));
  CHECK_FALSE(c.caller.call(c.tool("list-job-secrets"), {{"jobId", kJob}}, {"mcp", "s"})
                  .contains("isError"));
  CHECK(c.upstream.sent == 3);
  CHECK(asked.size() == 2);
}

TEST_CASE("Caller: without values from the model, no tool offers a value and none takes one",
          "[caller][entry]") {
  Caller c;
  ToolSelection closed;
  closed.values_from_model = false;
  ToolRegistry registry = std::move(ToolRegistry::create(c.capability, resource, closed).value());
  ToolCaller caller{c.capability, registry, c.upstream};
  CHECK_FALSE(registry.values_from_model());

  // tools/list: every tool that takes a value lost it, and nothing else changed.
  const json open_list = c.registry.tools_list()["tools"];
  const json closed_list = registry.tools_list()["tools"];
  REQUIRE(open_list.size() == closed_list.size());
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < open_list.size(); ++i) {
    const json &before = open_list[i];
    const json &after = closed_list[i];
    INFO(before["name"]);
    if (before == after)
      continue;
    changed.push_back(before["name"]);
    const json &body = after["inputSchema"]["properties"]["body"];
    CHECK_FALSE(body["properties"].contains("value"));
    const json required = body.value("required", json::array());
    CHECK(std::count(required.begin(), required.end(), "value") == 0);
    CHECK(body["description"].get<std::string>().find("types it") != std::string::npos);
    json restored = after;
    restored["inputSchema"] = before["inputSchema"];
    CHECK(restored == before); // only the input schema differs
  }
  CHECK(changed == std::vector<std::string>{"add-secret-job", "edit-secret-belonging-job",
                                            "create-secret-override-job-level"});

  // A model's call with a value is refused, and nothing is sent.
  int asked = 0;
  caller.ask_values_with(
      [&](const ToolRegistry::Tool &, const json &, CallOrigin, const ToolCaller::Context &) {
        ++asked;
        return json{{"content", json::array({{{"type", "text"}, {"text", "a link"}}})}};
      });
  const json calls[] = {
      {{"jobId", kJob}, {"body", {{"key", "K"}, {"value", kValue}}}},
      {{"jobId", kJob}, {"secretId", kSecret}, {"body", {{"key", "K"}, {"value", kValue}}}},
      {{"jobId", kJob}, {"secretId", kSecret}, {"body", {{"value", kValue}}}},
  };
  for (std::size_t i = 0; i < changed.size(); ++i) {
    INFO(changed[i]);
    const ToolRegistry::Tool &tool = *registry.find(changed[i]);
    json refused = caller.call(tool, calls[i], {"mcp", "s"});
    CHECK(refused["isError"] == true);
    const std::string text = refused["content"][0]["text"];
    CHECK(text.find("--no-values-from-model") != std::string::npos);
    CHECK(text.find("without body.value") != std::string::npos);
    CHECK(text.find(kValue) == std::string::npos);
    // Without the value, the call goes to the value entry as usual.
    json without = calls[i];
    without["body"].erase("value");
    CHECK(caller.call(tool, without, {"mcp", "s"})["content"][0]["text"] == "a link");
  }
  CHECK(c.upstream.sent == 0);
  CHECK(asked == 3);
  // The value page adds the person's value and sends it (send(), not call()).
  CallOutcome sent = caller.send(*registry.find("add-secret-job"), calls[0], {"entry-page", "s"});
  CHECK(sent.refusal == CallRefusal::None);
  CHECK(c.upstream.sent == 1);
}

TEST_CASE("Caller: a call of the server's own tool goes to its handler and sends nothing",
          "[caller][import]") {
  Caller c;
  add_import_tool(c.registry);
  ToolCaller caller{c.capability, c.registry, c.upstream}; // made after the tool was added
  const ToolRegistry::Tool &import = c.tool(kImportToolName);
  const json arguments = {{"jobId", kJob}};
  json unserved = caller.call(import, arguments, {"mcp", "s"});
  CHECK(unserved["isError"] == true);
  CHECK(unserved["content"][0]["text"].get<std::string>().find(kImportToolName) !=
        std::string::npos);

  std::vector<json> handled;
  caller.serve_own_tools_with([&](const ToolRegistry::Tool &tool, const json &given, CallOrigin,
                                  const ToolCaller::Context &) {
    handled.push_back({{"tool", tool.spec->name}, {"arguments", given}});
    return json{{"content", json::array({{{"type", "text"}, {"text", "a link"}}})}};
  });
  CHECK(caller.call(import, arguments, {"mcp", "s"})["content"][0]["text"] == "a link");
  json invalid = caller.call(import, {{"jobId", "not-a-uuid"}}, {"mcp", "s"});
  CHECK(invalid["isError"] == true);
  CHECK(invalid["content"][0]["text"].get<std::string>().find("'jobId'") != std::string::npos);
  REQUIRE(handled.size() == 1);
  CHECK(handled[0] == json{{"tool", kImportToolName}, {"arguments", arguments}});
  CHECK(c.upstream.sent == 0);
  // The capability's tools are called as before.
  CHECK_FALSE(caller.call(c.tool("list-job-secrets"), arguments, {"mcp", "s"}).contains("isError"));
  CHECK(c.upstream.sent == 1);
}
