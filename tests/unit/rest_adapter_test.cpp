#include "qovery_mcp/rest_adapter.hpp"

#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/text.hpp"

#include "catalog.hpp"
#include "recording_upstream.hpp"

#include <catch2/catch.hpp>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

const std::string kJob = "11111111-1111-4111-8111-111111111111";
const std::string kSecret = "22222222-2222-4222-8222-222222222222";

using test::RecordingUpstream;

/// A REST router over `document` (the built-in capability by default) with a
/// recording upstream.
struct Rest {
  explicit Rest(ToolSelection selection = {},
                std::string_view document = *resource("capability.naftiko.yaml"))
      : capability(std::move(parse_capability(document).value())),
        registry(std::move(ToolRegistry::create(capability, resource, selection).value())) {}
  explicit Rest(const std::string &document) : Rest(ToolSelection{}, document) {}
  Capability capability;
  ToolRegistry registry;
  RecordingUpstream upstream;
  ToolCaller caller{capability, registry, upstream};
  RestRouter router{capability, caller};
};

std::string error_of(const RestReply &reply) {
  return json::parse(reply.body)["error"].get<std::string>();
}

UpstreamResponse answered(int status, std::string body) {
  return {status, std::move(body), UpstreamError::None, ""};
}

UpstreamResponse failed(UpstreamError error, std::string message) {
  return {0, "", error, std::move(message)};
}

/// reply_for as the router calls it, for `tool` called with `arguments`.
RestReply reply(const UpstreamResponse &response, const std::string &tool = "add-secret-job",
                const json &arguments = {{"jobId", kJob}}) {
  static const Rest r;
  const ToolRegistry::Tool *found = r.registry.find(tool);
  REQUIRE(found != nullptr);
  return reply_for(*found, arguments, {CallRefusal::None, {}, response}, "Qovery");
}

} // namespace

TEST_CASE("Routes: each path and method finds its route and its segments", "[rest]") {
  Rest r;
  const auto &routes = r.capability.rest_routes;
  RouteMatch list = match_route(routes, "GET", "/v1/job/" + kJob + "/secret");
  REQUIRE(list.route != nullptr);
  CHECK(list.route->operation->name == "listjobsecrets");
  CHECK(list.segments == std::vector<std::string>{kJob});

  RouteMatch alias = match_route(routes, "POST", "/v1/job/j/secret/s/alias");
  REQUIRE(alias.route != nullptr);
  CHECK(alias.route->operation->name == "createjobsecretalias");
  CHECK(alias.segments == std::vector<std::string>{"j", "s"});

  CHECK(match_route(routes, "POST", "/v1/job/j/secret").route->operation->name ==
        "createjobsecret");
  CHECK(match_route(routes, "PUT", "/v1/job/j/secret/s").route->operation->name == "editjobsecret");
  CHECK(match_route(routes, "DELETE", "/v1/job/j/secret/s").route->operation->name ==
        "deletejobsecret");
  CHECK(match_route(routes, "POST", "/v1/job/j/secret/s/override").route->operation->name ==
        "createjobsecretoverride");
}

TEST_CASE("Routes: a known path with another method lists the path's methods", "[rest]") {
  Rest r;
  RouteMatch match = match_route(r.capability.rest_routes, "PATCH", "/v1/job/j/secret/s");
  CHECK(match.route == nullptr);
  CHECK(match.allowed_methods == std::vector<std::string>{"DELETE", "PUT"});
  CHECK(match_route(r.capability.rest_routes, "get", "/v1/job/j/secret").allowed_methods ==
        std::vector<std::string>{"GET", "POST"});
}

TEST_CASE("Routes: unknown paths match nothing", "[rest]") {
  Rest r;
  for (const char *path :
       {"/", "", "/v1", "/v1/job/j", "/v1/job/j/secret/", "/v1/job//secret", "/v2/job/j/secret",
        "/v1/job/j/secret/s/alias/x", "/V1/job/j/secret", "v1/job/j/secret"}) {
    INFO(path);
    RouteMatch match = match_route(r.capability.rest_routes, "GET", path);
    CHECK(match.route == nullptr);
    CHECK(match.allowed_methods.empty());
  }
}

TEST_CASE("Replies: Qovery's status and JSON body pass through unchanged", "[rest]") {
  std::string secret = R"({"id":"x","key":"A","scope":"JOB"})";
  RestReply created = reply(answered(201, secret));
  CHECK(created.status == 201);
  CHECK(created.body == secret);

  RestReply deleted = reply(answered(204, ""));
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());

  std::string conflict = R"({"status":409,"detail":"Variable already exists: A"})";
  CHECK(reply(answered(409, conflict)).body == conflict);
  CHECK(reply(answered(409, conflict)).status == 409);
}

TEST_CASE("Replies: a success body is projected onto the tool's output schema", "[rest]") {
  const std::string secret = R"("created_at":"2026-03-02T09:14:07Z","id":"x","key":"A",)"
                             R"("scope":"JOB")";
  RestReply list = reply(
      answered(200, R"({"results":[{)" + secret +
                        R"(,"value":"leak-1","aliased_secret":{"id":"y","value":"leak-2"}},{)" +
                        secret + R"(,"internal_token":"leak-3"}],"value":"leak-4"})"),
      "list-job-secrets");
  CHECK(list.status == 200);
  CHECK(list.body ==
        R"({"results":[{"aliased_secret":{"id":"y"},)" + secret + "},{" + secret + "}]}");

  RestReply echo = reply(answered(201, "{" + secret + R"(,"value":"leak-5"})"));
  CHECK(echo.status == 201);
  CHECK(echo.body == "{" + secret + "}");

  RestReply deep =
      reply(answered(200, std::string(100, '[') + std::string(100, ']')), "list-job-secrets");
  CHECK(deep.status == 502);
  CHECK(error_of(deep) == "Qovery answered HTTP 200 with JSON nested deeper than 64 levels");
}

TEST_CASE("Replies: an error body quoting a sent value is redacted in every string", "[rest]") {
  const json arguments = {{"jobId", kJob},
                          {"body", {{"key", "K"}, {"value", "rest-s3cret-value"}}}};
  const json quoted = {
      {"status", 400},
      {"detail", R"(Invalid body: {"key":"K","value":"rest-s3cret-value"})"},
      {"errors", {{{"field", "value"}, {"rejected", "rest-s3cret-value"}}}},
      {"rest-s3cret-value", "as a member name"},
  };
  RestReply redacted = reply(answered(400, quoted.dump()), "add-secret-job", arguments);
  CHECK(redacted.status == 400);
  CHECK(json::parse(redacted.body) ==
        json{{"status", 400},
             {"detail", R"(Invalid body: {"key":"K","value":"[redacted]"})"},
             {"errors", {{{"field", "value"}, {"rejected", "[redacted]"}}}},
             {"[redacted]", "as a member name"}});

  RestReply edit = reply(answered(422, R"({"message":"rest-s3cret-value? no"})"),
                         "edit-secret-belonging-job", arguments);
  CHECK(edit.status == 422);
  CHECK(edit.body == R"({"message":"[redacted]? no"})");

  // Without a value sent, Qovery's error passes through byte for byte.
  const std::string spaced = R"({ "status": 404, "detail": "not found" })";
  CHECK(reply(answered(404, spaced), "delete-secret-job").body == spaced);
}

TEST_CASE("Replies: an error status without a JSON body gets a JSON error", "[rest]") {
  RestReply empty = reply(answered(401, ""));
  CHECK(empty.status == 401);
  CHECK(error_of(empty) == "Qovery answered HTTP 401 with no body");

  RestReply html = reply(answered(503, "<html>busy</html>"));
  CHECK(html.status == 503);
  CHECK(error_of(html) == "Qovery answered HTTP 503 with a body that is not JSON");

  RestReply bad_success = reply(answered(200, "<html>"));
  CHECK(bad_success.status == 502);
  CHECK(error_of(bad_success) == "Qovery answered HTTP 200 with a body that is not JSON");
}

TEST_CASE("Replies: transport failures give 502, timeouts 504", "[rest]") {
  RestReply refused = reply(failed(UpstreamError::Connection, "could not connect to h:1"));
  CHECK(refused.status == 502);
  CHECK(error_of(refused) == "could not complete the call to Qovery: could not connect to h:1");
  CHECK(reply(failed(UpstreamError::Tls, "TLS handshake with h:1 failed")).status == 502);
  CHECK(reply(failed(UpstreamError::Other, "request to h:1 failed")).status == 502);
  RestReply slow = reply(failed(UpstreamError::Timeout, "no response from h:1 within 0.5 s"));
  CHECK(slow.status == 504);
  CHECK(error_of(slow) == "Qovery did not answer in time: no response from h:1 within 0.5 s");
}

TEST_CASE("Router: each route sends its operation's request", "[rest]") {
  Rest r;
  r.router.handle("GET", "/v1/job/" + kJob + "/secret", "");
  r.router.handle("POST", "/v1/job/" + kJob + "/secret", R"({"key":"A","value":"v"})");
  r.router.handle("PUT", "/v1/job/" + kJob + "/secret/" + kSecret, R"({"key":"B","value":"w"})");
  r.router.handle("DELETE", "/v1/job/" + kJob + "/secret/" + kSecret, "");
  r.router.handle("POST", "/v1/job/" + kJob + "/secret/" + kSecret + "/alias", R"({"key":"C"})");
  r.router.handle("POST", "/v1/job/" + kJob + "/secret/" + kSecret + "/override",
                  R"({"value":"x"})");
  REQUIRE(r.upstream.requests.size() == 6);
  std::string base = "/job/" + kJob + "/secret";
  std::vector<std::tuple<std::string, std::string, std::string>> expected = {
      {"GET", base, ""},
      {"POST", base, R"({"key":"A","value":"v"})"},
      {"PUT", base + "/" + kSecret, R"({"key":"B","value":"w"})"},
      {"DELETE", base + "/" + kSecret, ""},
      {"POST", base + "/" + kSecret + "/alias", R"({"key":"C"})"},
      {"POST", base + "/" + kSecret + "/override", R"({"value":"x"})"},
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(i);
    CHECK(r.upstream.requests[i].method == std::get<0>(expected[i]));
    CHECK(r.upstream.requests[i].path == std::get<1>(expected[i]));
    CHECK(r.upstream.requests[i].body == std::get<2>(expected[i]));
  }
}

TEST_CASE("Router: the upstream's answer is the reply, projected", "[rest]") {
  Rest r;
  r.upstream.answer = answered(201, R"({"id":"x","value":"router-v4lue"})");
  RestReply created = r.router.handle("POST", "/v1/job/" + kJob + "/secret", R"({"key":"A"})");
  CHECK(created.status == 201);
  CHECK(created.body == R"({"id":"x"})");
}

TEST_CASE("Router: a change whose audit line cannot be written gets 503, sends nothing", "[rest]") {
  auto audit = AuditLog::open("/dev/full"); // opens; every write fails with ENOSPC
  REQUIRE(audit);
  Rest r;
  ToolCaller caller(r.capability, r.registry, r.upstream, audit.value().get());
  RestRouter router(r.capability, caller);
  std::string secrets = "/v1/job/" + kJob + "/secret";
  for (const auto &[method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", secrets, R"({"key":"A","value":"v"})"},
           {"PUT", secrets + "/" + kSecret, R"({"key":"B","value":"w"})"},
           {"DELETE", secrets + "/" + kSecret, ""},
           {"POST", secrets + "/" + kSecret + "/alias", R"({"key":"C"})"},
           {"POST", secrets + "/" + kSecret + "/override", R"({"value":"x"})"}}) {
    INFO(method << " " << path);
    RestReply refused = router.handle(method, path, body);
    CHECK(refused.status == 503);
    CHECK(error_of(refused).starts_with(
        "the audit log could not be written (No space left on device), so the change was not "
        "sent to Qovery and nothing changed."));
  }
  CHECK(r.upstream.requests.empty());
  // Reads are not audited: they keep working.
  CHECK(router.handle("GET", secrets, "").status == 200);
  CHECK(r.upstream.requests.size() == 1);
}

TEST_CASE("Router: invalid requests get 400 naming the problem, and send nothing", "[rest]") {
  Rest r;
  std::string secrets = "/v1/job/" + kJob + "/secret";
  RestReply not_uuid = r.router.handle("GET", "/v1/job/abc/secret", "");
  CHECK(not_uuid.status == 400);
  CHECK(error_of(not_uuid) == R"(argument 'jobId' must be a UUID, got "abc")");

  RestReply bad_secret = r.router.handle("DELETE", secrets + "/nope", "");
  CHECK(bad_secret.status == 400);
  CHECK(error_of(bad_secret) == R"(argument 'secretId' must be a UUID, got "nope")");

  RestReply not_json = r.router.handle("POST", secrets, "{\"key\":");
  CHECK(not_json.status == 400);
  CHECK(error_of(not_json).starts_with("the request body is not valid JSON ("));

  RestReply missing = r.router.handle("POST", secrets + "/" + kSecret + "/alias", "");
  CHECK(missing.status == 400);
  CHECK(error_of(missing) == "argument 'body' is required");

  RestReply no_key = r.router.handle("POST", secrets, R"({"value":"hunter2"})");
  CHECK(no_key.status == 400);
  CHECK(error_of(no_key) == "argument 'body.key' is required");

  CHECK(r.upstream.requests.empty());
}

TEST_CASE("Router: errors never echo a secret's value", "[rest]") {
  Rest r;
  RestReply reply =
      r.router.handle("POST", "/v1/job/" + kJob + "/secret", R"({"key":"A","value":12345678})");
  CHECK(reply.status == 400);
  CHECK(reply.body.find("12345678") == std::string::npos);
  CHECK(r.upstream.requests.empty());
}

TEST_CASE("Router: unknown paths get 404, other methods 405 with Allow", "[rest]") {
  Rest r;
  RestReply missing = r.router.handle("GET", "/v1/jobs", "");
  CHECK(missing.status == 404);
  CHECK(error_of(missing).find("/v1/job/{jobid}/secret/{secretid}/alias") != std::string::npos);

  RestReply wrong = r.router.handle("GET", "/v1/job/" + kJob + "/secret/" + kSecret, "");
  CHECK(wrong.status == 405);
  CHECK(wrong.allow == "DELETE, PUT");
  CHECK(error_of(wrong) == "GET is not allowed on this path; use DELETE or PUT");
  CHECK(r.upstream.requests.empty());
}

TEST_CASE("Router: routes of unselected tools answer 403 and send nothing", "[rest]") {
  Rest read_only(ToolSelection{true, {}});
  std::string secrets = "/v1/job/" + kJob + "/secret";
  RestReply create = read_only.router.handle("POST", secrets, R"({"key":"A"})");
  CHECK(create.status == 403);
  CHECK(error_of(create) == "POST /v1/job/{jobid}/secret calls add-secret-job, which is "
                            "disabled on this server (--read-only or --tools)");
  CHECK(read_only.router.handle("DELETE", secrets + "/" + kSecret, "").status == 403);
  CHECK(read_only.upstream.requests.empty());
  CHECK(read_only.router.handle("GET", secrets, "").status == 200);
  CHECK(read_only.upstream.requests.size() == 1);

  Rest named(ToolSelection{false, {"delete-secret-job"}});
  CHECK(named.router.handle("GET", secrets, "").status == 403);
  CHECK(named.router.handle("DELETE", secrets + "/" + kSecret, "").status == 200);
}

TEST_CASE("Router: a body must say it is JSON, once per member name", "[rest]") {
  Rest r;
  std::string secrets = "/v1/job/" + kJob + "/secret";
  RestReply plain = r.router.handle("POST", secrets, R"({"key":"A"})", "text/plain");
  CHECK(plain.status == 415);
  CHECK(error_of(plain) ==
        "POST /v1/job/{jobid}/secret takes a JSON body: Content-Type must be application/json");
  CHECK(r.router.handle("PUT", secrets + "/" + kSecret, R"({"key":"A"})", "").status == 415);
  CHECK(r.upstream.requests.empty());
  // Parameters and case do not matter; a route without a body ignores the type.
  CHECK(r.router.handle("POST", secrets, R"({"key":"A"})", "Application/JSON; charset=utf-8")
            .status == 200);
  CHECK(r.router.handle("GET", secrets, "", "text/plain").status == 200);

  RestReply twice = r.router.handle("POST", secrets, R"({"key":"SAFE","key":"QOVERY_X"})");
  CHECK(twice.status == 400);
  CHECK(error_of(twice) ==
        R"(the request body is ambiguous: the member "key" appears twice in one object)");
  CHECK(r.upstream.requests.size() == 2);
}

TEST_CASE("REST: a query parameter the route does not take is refused, naming it", "[rest]") {
  Rest r;
  RestReply unknown =
      r.router.handle("GET", "/v1/job/" + kJob + "/secret", "", "", {{"limit", "5"}});
  CHECK(unknown.status == 400);
  CHECK(error_of(unknown) == "unknown query parameter \"limit\" (this route takes none)");
  CHECK(r.upstream.requests.empty());
}

/// One resource with a GET that takes query parameters and a PUT that takes
/// header parameters, one of each fixed; the tools' input schemas are derived.
const std::string kThingsCapability = test::example_capability(R"(    - name: things
      path: /thing/{thingId}
      operations:
      - name: getthing
        method: GET
        inputParameters:
        - {name: verbose, in: query, type: boolean}
        - {name: count, in: query, type: integer}
        - {name: name, in: query, type: string}
        - {name: region, in: query, type: string}
      - name: putthing
        method: PUT
        inputParameters:
        - {name: If-Match, in: header, type: integer}
        - {name: X-Tenant, in: header}
        - {name: body, in: body}
)",
                                                               R"(  - type: rest
    resources:
    - path: /v1/thing/{thingid}
      operations:
      - method: GET
        call: api.getthing
        with:
          region: eu
      - method: PUT
        call: api.putthing
        with:
          X-Tenant: acme corp
          body: rest.body
  - type: mcp
    tools:
    - name: get-thing
      call: api.getthing
      with:
        region: eu
    - name: put-thing
      call: api.putthing
      with:
        X-Tenant: acme corp
        body: tools.body
)");

TEST_CASE("REST: query parameters become arguments of their declared types", "[rest]") {
  Rest r(kThingsCapability);
  r.upstream.answer = answered(200, R"({"ok":true})");

  RestReply reply = r.router.handle("GET", "/v1/thing/" + kJob, "", "",
                                    {{"verbose", "true"}, {"count", "12"}, {"name", "a b&c"}});
  CHECK(reply.status == 200);
  REQUIRE(r.upstream.requests.size() == 1);
  CHECK(r.upstream.requests[0].path ==
        "/thing/" + kJob + "?verbose=true&count=12&name=a%20b%26c&region=eu");

  struct Refused {
    QueryParameters query;
    std::string error;
  };
  for (const auto &[query, error] :
       {Refused{{{"verbose", "yes"}},
                "query parameter 'verbose' must be true or false, got \"yes\""},
        Refused{{{"count", "1.5"}}, "query parameter 'count' must be an integer, got \"1.5\""},
        Refused{{{"count", "1"}, {"count", "2"}},
                "query parameter 'count' is given more than once"},
        Refused{{{"region", "us"}},
                "unknown query parameter \"region\" (this route takes verbose, count, name)"}}) {
    RestReply refused = r.router.handle("GET", "/v1/thing/" + kJob, "", "", query);
    INFO(refused.body);
    CHECK(refused.status == 400);
    CHECK(error_of(refused) == error);
  }
  CHECK(r.upstream.requests.size() == 1);
}

TEST_CASE("REST: header parameters come from the request's fields of the same name", "[rest]") {
  Rest r(kThingsCapability);
  r.upstream.answer = answered(200, R"({"ok":true})");
  const std::map<std::string, std::string> fields{{"if-match", "12"}, {"X-Tenant", "not me"}};
  const HeaderLookup header = [&fields](const std::string &name) -> std::optional<std::string> {
    for (const auto &[field, value] : fields)
      if (to_lower(field) == to_lower(name))
        return value;
    return std::nullopt;
  };
  const std::string path = "/v1/thing/" + kJob;
  RestReply reply = r.router.handle("PUT", path, "{}", "application/json", {}, header);
  INFO(reply.body);
  CHECK(reply.status == 200);
  REQUIRE(r.upstream.requests.size() == 1);
  // Declared order; the fixed X-Tenant is the capability's, not the request's.
  CHECK(r.upstream.requests[0].headers == std::vector<std::pair<std::string, std::string>>{
                                              {"If-Match", "12"}, {"X-Tenant", "acme corp"}});

  const HeaderLookup wrong_type = [](const std::string &name) -> std::optional<std::string> {
    return name == "If-Match" ? std::optional<std::string>("soon") : std::nullopt;
  };
  RestReply refused = r.router.handle("PUT", path, "{}", "application/json", {}, wrong_type);
  CHECK(refused.status == 400);
  CHECK(error_of(refused) == "header parameter 'If-Match' must be an integer, got \"soon\"");
  // Without the fields: no header sent.
  CHECK(r.router.handle("PUT", path, "{}", "application/json", {}).status == 200);
  REQUIRE(r.upstream.requests.size() == 2);
  CHECK(r.upstream.requests[1].headers ==
        std::vector<std::pair<std::string, std::string>>{{"X-Tenant", "acme corp"}});
}

TEST_CASE("Reply: a tool without an output schema passes the JSON through", "[rest]") {
  Capability members = test::catalog_capability("qovery-members");
  auto registry = ToolRegistry::create(
      members, [](std::string_view) { return std::optional<std::string_view>(); });
  REQUIRE(registry);
  const ToolRegistry::Tool *list = registry->find("get-organization-members");
  REQUIRE(list != nullptr);
  REQUIRE_FALSE(list->output);
  // Nothing is declared, so nothing is removed: the members and their order stay.
  const std::string body = R"({"results":[{"id":"m-1","role":"ADMIN","value":"kept"}]})";
  RestReply passed = reply_for(*list, {{"organizationId", kJob}},
                               {CallRefusal::None, {}, answered(200, body)}, "Qovery");
  CHECK(passed.status == 200);
  CHECK(passed.body == body);
  // With an output schema, the same member is projected away.
  CHECK(reply(answered(200, R"({"results":[],"value":"gone"})"), "list-job-secrets").body ==
        R"({"results":[]})");
}
