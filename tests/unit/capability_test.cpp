#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/resources.hpp"

#include "catalog.hpp"

#include <catch2/catch.hpp>

using qovery_mcp::parse_capability;
using qovery_mcp::test::read_text;

namespace {

/// A minimal valid document, with `extra` appended to its one MCP tool.
std::string document(const std::string &operations, const std::string &tool) {
  return R"(naftiko: 1.0.0-alpha2
binds:
- namespace: env
  keys:
    KEY: MY_KEY
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: https://example.test
    authentication:
      type: bearer
      token: '{{env.KEY}}'
    resources:
    - name: things
      path: /thing/{thingId}
      operations:
)" + operations +
         R"(
  exposes:
  - type: mcp
    tools:
)" + tool;
}

const std::string kGet = R"(      - name: getthing
        method: GET
)";
const std::string kTool = R"(    - name: get-thing
      call: api.getthing
)";

/// Why `text` cannot be served, as parse_capability says.
std::string error_of(const std::string &text) {
  auto capability = parse_capability(text);
  REQUIRE_FALSE(capability);
  return capability.error();
}

} // namespace

TEST_CASE("Capability: the embedded document declares the six job-secret operations",
          "[capability]") {
  auto capability = parse_capability(*qovery_mcp::resource("capability.naftiko.yaml"));
  REQUIRE(capability);
  CHECK(capability->base_uri == "https://api.qovery.com");
  CHECK(capability->api_key_env == "QOVERY_API_KEY");
  CHECK(capability->mcp_port == 9090);
  CHECK(capability->rest_port == 8080);
  REQUIRE(capability->operations.size() == 6);
  REQUIRE(capability->tools.size() == 6);
  CHECK(capability->rest_routes.size() == 6);

  const auto *list = capability->find_tool("list-job-secrets");
  REQUIRE(list != nullptr);
  CHECK(list->operation->method == "GET");
  CHECK(list->operation->path == "/job/{jobId}/secret");
  CHECK(list->operation->path_params == std::vector<std::string>{"jobId"});
  CHECK_FALSE(list->sends_body);
  CHECK(list->hints.read_only);
  CHECK(list->hints.idempotent);
  CHECK_FALSE(list->hints.destructive);

  const auto *remove = capability->find_tool("delete-secret-job");
  REQUIRE(remove != nullptr);
  CHECK(remove->operation->method == "DELETE");
  CHECK(remove->operation->path_params == std::vector<std::string>{"jobId", "secretId"});
  CHECK(remove->hints.destructive);
  CHECK(remove->hints.idempotent);
  CHECK_FALSE(remove->sends_body);

  const auto *edit = capability->find_tool("edit-secret-belonging-job");
  REQUIRE(edit != nullptr);
  CHECK(edit->operation->method == "PUT");
  CHECK(edit->sends_body);
  CHECK(edit->operation->body_required);

  const auto *alias = capability->find_tool("create-secret-alias-job-level");
  REQUIRE(alias != nullptr);
  CHECK(alias->operation->path == "/job/{jobId}/secret/{secretId}/alias");
  CHECK(alias->sends_body);
  CHECK_FALSE(alias->hints.idempotent);
}

TEST_CASE("Capability: the embedded copy is the reference document", "[capability]") {
  CHECK(std::string(*qovery_mcp::resource("capability.naftiko.yaml")) ==
        read_text(QMCP_SOURCE_DIR "/schemas/capability.naftiko.yaml"));
}

TEST_CASE("Capability: REST routes name their operations and parameters", "[capability]") {
  auto capability = parse_capability(*qovery_mcp::resource("capability.naftiko.yaml"));
  REQUIRE(capability);
  const auto &route = capability->rest_routes.at(2);
  CHECK(route.method == "DELETE");
  CHECK(route.path == "/v1/job/{jobid}/secret/{secretid}");
  CHECK(route.path_params == std::vector<std::string>{"jobid", "secretid"});
  CHECK(route.operation->name == "deletejobsecret");
  CHECK_FALSE(route.sends_body);
  CHECK(capability->rest_routes.at(1).sends_body);
}

TEST_CASE("Capability: the sibling capabilities load too", "[capability]") {
  for (const char *name : qovery_mcp::test::kCatalog) {
    INFO(name);
    CHECK_FALSE(qovery_mcp::test::catalog_capability(name).tools.empty());
  }
}

TEST_CASE("Capability: query parameters and explicit path parameters", "[capability]") {
  auto capability = parse_capability(document(R"(      - name: getthing
        method: get
        inputParameters:
        - name: thingId
          in: path
        - name: verbose
          in: query
)",
                                              kTool));
  REQUIRE(capability);
  const auto &operation = capability->operations.at(0);
  CHECK(operation.method == "GET");
  CHECK(operation.query_params == std::vector<std::string>{"verbose"});
  CHECK_FALSE(operation.has_body);
  CHECK(capability->api_key_env == "MY_KEY");
  REQUIRE(operation.parameters.size() == 2);
  CHECK(operation.parameters[0].name == "thingId");
  CHECK(operation.parameters[0].in == "path");
  CHECK(operation.parameters[0].required);
  CHECK(operation.parameters[1].name == "verbose");
  CHECK(operation.parameters[1].in == "query");
  CHECK(operation.parameters[1].type == "string");
  CHECK_FALSE(operation.parameters[1].required);
}

TEST_CASE("Capability: typed parameters, arguments and fixed values from with", "[capability]") {
  auto capability = parse_capability(document(R"(      - name: getthing
        method: DELETE
        inputParameters:
        - name: thingId
          in: path
          type: string
          description: the thing
        - name: force
          in: query
          type: boolean
          required: true
        - name: limit
          in: query
          type: integer
        - name: body
          in: body
          type: object
)",
                                              kTool + R"(      with:
        thingId: tools.thingId
        force: 'true'
        body: tools.body
)"));
  REQUIRE(capability);
  const auto &operation = capability->operations.at(0);
  REQUIRE(operation.parameters.size() == 4);
  CHECK(operation.parameters[0].description == "the thing");
  CHECK(operation.parameters[1].type == "boolean");
  CHECK(operation.parameters[1].required);
  CHECK(operation.parameters[2].type == "integer");
  CHECK(operation.find_parameter("body")->in == "body");
  CHECK(operation.find_parameter("nothing") == nullptr);
  const auto &tool = capability->tools.at(0);
  // A DELETE may carry a body when the document says so.
  CHECK(tool.sends_body);
  CHECK(tool.fixed == qovery_mcp::FixedValues{{"force", "true"}});
}

TEST_CASE("Capability: errors name the field that is wrong", "[capability]") {
  CHECK(error_of("capability: [unclosed").find("not valid YAML") != std::string::npos);
  CHECK(error_of("info: {}") == "document: missing 'capability'");
  CHECK(error_of(document(kGet, "    - name: get-thing\n      call: api.nothing\n")) ==
        "capability.exposes[0].tools[0].call: unknown operation 'api.nothing'");
  CHECK(error_of(document(kGet, "    - name: get-thing\n      call: other.getthing\n")) ==
        "capability.exposes[0].tools[0].call: must name an operation of 'api', got "
        "'other.getthing'");
  CHECK(error_of(document("      - name: getthing\n        method: FETCH\n", kTool)) ==
        "capability.consumes[0].resources[0].operations[0].method: unsupported HTTP method "
        "'FETCH'");
  CHECK(error_of(document(kGet, kTool + "      with:\n        body: tools.body\n")) ==
        "capability.exposes[0].tools[0].with.body: operation 'getthing' has no parameter 'body'");
  CHECK(error_of(document(kGet, kTool + "      with:\n        id: tools.id\n")) ==
        "capability.exposes[0].tools[0].with.id: operation 'getthing' has no parameter 'id'");
  CHECK(error_of(document(kGet, kTool + "      with:\n        thingId: tools.other\n")) ==
        "capability.exposes[0].tools[0].with.thingId: must be 'tools.thingId': an argument has "
        "the name of the parameter it fills");
  CHECK(error_of(document(kGet + "        inputParameters:\n        - name: body\n          in: "
                                 "body\n",
                          kTool + "      with:\n        body: '{}'\n")) ==
        "capability.exposes[0].tools[0].with.body: a fixed body is not supported: use 'body: "
        "tools.body'");
  CHECK(error_of(document(kGet + "        inputParameters:\n        - name: n\n          in: "
                                 "query\n          type: date\n",
                          kTool)) ==
        "capability.consumes[0].resources[0].operations[0].inputParameters[0].type: unsupported "
        "type 'date' (string, boolean, number, integer, object or array)");
  CHECK(error_of(document(kGet + "        inputParameters:\n        - name: zone\n          in: "
                                 "path\n",
                          kTool)) ==
        "capability.consumes[0].resources[0].operations[0].inputParameters[0]: path parameter "
        "'zone' does not appear in /thing/{thingId}");
  CHECK(error_of(document(kGet + "        inputParameters:\n        - name: x\n          in: "
                                 "cookie\n",
                          kTool)) ==
        "capability.consumes[0].resources[0].operations[0].inputParameters[0].in: unsupported "
        "parameter location 'cookie' (body, query, header or path)");
  std::string route = document(kGet, kTool + "      with:\n        thingId: fixed\n");
  route += R"(  - type: rest
    resources:
    - path: /v1/thing/{thingid}
      operations:
      - method: GET
        call: api.getthing
)";
  CHECK(error_of(route) == "capability.exposes: the REST route GET /v1/thing/{thingid} and the "
                           "tool get-thing call getthing with different fixed values (with:)");
  CHECK(error_of(document(kGet, kTool + kTool)) ==
        "capability.exposes[0].tools[1].name: duplicate tool 'get-thing'");
  std::string unbound = document(kGet, kTool);
  unbound.replace(unbound.find("{{env.KEY}}"), 11, "{{env.OTHER}}");
  CHECK(error_of(unbound) == "capability.consumes[0].authentication.token: refers to "
                             "'env.OTHER', which no bind declares");
}

TEST_CASE("Capability: header parameters, and the fields that cannot be one", "[capability]") {
  auto capability = parse_capability(document(kGet + R"(        inputParameters:
        - name: X-Request-Id
          in: header
        - name: If-Match
          in: header
          type: integer
          required: true
)",
                                              kTool));
  REQUIRE(capability);
  const auto &operation = capability->operations.at(0);
  CHECK(operation.header_params == std::vector<std::string>{"X-Request-Id", "If-Match"});
  CHECK(operation.query_params.empty());
  CHECK(operation.find_parameter("If-Match")->type == "integer");
  CHECK(operation.find_parameter("If-Match")->required);

  const std::string at = "capability.consumes[0].resources[0].operations[0].inputParameters[0]";
  const auto refused = [&](const std::string &name, const std::string &type = "string") {
    return error_of(document(kGet + "        inputParameters:\n        - name: '" + name +
                                 "'\n          in: header\n          type: " + type + "\n",
                             kTool));
  };
  for (const char *name : {"Authorization", "authorization", "HOST", "Content-Length",
                           "Transfer-Encoding", "Cookie", "Connection", "Accept-Encoding"}) {
    INFO(name);
    CHECK(refused(name) == at + ".name: header parameter '" + name +
                               "' is a field the server sets itself or that frames the message, "
                               "not an argument");
  }
  for (const char *name : {"X Id", "X-Id:", "X(Id)", "é"}) {
    INFO(name);
    CHECK(refused(name) ==
          at + ".name: header parameter '" + name +
              "' is not an HTTP field name (RFC 9110, 5.1: letters, digits and !#$%&'*+-.^_`|~)");
  }
  CHECK(refused("X-Filter", "object") ==
        at + ".type: a header parameter must be a string, integer, number or boolean");
}

TEST_CASE("Capability: path placeholders in order", "[capability]") {
  CHECK(qovery_mcp::path_placeholders("/a/{x}/b/{y}/c") == std::vector<std::string>{"x", "y"});
  CHECK(qovery_mcp::path_placeholders("/plain").empty());
}

TEST_CASE(
    "Capability: check serves what it can and reports each construct it cannot, with its line",
    "[capability]") {
  const std::string text = document(kGet + R"(      - name: listthing
        method: GET
        inputParameters:
        - name: trace
          in: cookie
)",
                                    kTool + R"(    - name: list-thing
      call: api.listthing
    - name: other-thing
      call: api.getthing
      with:
        thingId: tools.id
)");
  qovery_mcp::CapabilityCheck check = qovery_mcp::check_capability(text);
  REQUIRE(check.capability);
  CHECK(check.capability->operations.size() == 1);
  REQUIRE(check.capability->tools.size() == 1);
  CHECK(check.capability->tools[0].name == "get-thing");
  CHECK(check.capability->tools[0].line == 29);
  CHECK(check.capability->operations[0].line == 18);
  REQUIRE(check.problems.size() == 3);
  CHECK(check.problems[0].line == 24);
  CHECK(check.problems[0].where ==
        "capability.consumes[0].resources[0].operations[1].inputParameters[0].in");
  CHECK(check.problems[1].line == 32);
  CHECK(check.problems[1].what ==
        "calls 'api.listthing', which cannot be served (its problem is above)");
  CHECK(check.problems[2].line == 36);
  CHECK(check.problems[2].where == "capability.exposes[0].tools[2].with.thingId");
  // Serving takes the whole document or nothing, and says why with the first problem.
  CHECK(parse_capability(text).error() == check.problems[0].where + ": " + check.problems[0].what);

  qovery_mcp::CapabilityCheck unreadable = qovery_mcp::check_capability("a: [\nb: c\n");
  CHECK_FALSE(unreadable.capability);
  REQUIRE(unreadable.problems.size() == 1);
  CHECK(unreadable.problems[0].what.find("not valid YAML") != std::string::npos);
}

TEST_CASE("Capability: a node of the wrong kind is a problem, not a crash", "[capability]") {
  // Found by the fuzzer: `capability` is a string, then indexed as a mapping.
  for (const char *text : {"capability:\n  'consumes: []'\n", "capability: [1, 2]\n",
                           "capability:\n  consumes: [{type: http, resources: 3}]\n"}) {
    INFO(text);
    qovery_mcp::CapabilityCheck check = qovery_mcp::check_capability(text);
    CHECK_FALSE(check.capability);
    REQUIRE_FALSE(check.problems.empty());
    CHECK_FALSE(parse_capability(text));
  }
  qovery_mcp::CapabilityCheck scalar =
      qovery_mcp::check_capability("capability:\n  'consumes: []'\n");
  REQUIRE(scalar.problems.size() == 1);
  CHECK(scalar.problems[0].line == 2);
  CHECK(scalar.problems[0].what.rfind("wrong shape: ", 0) == 0);
}
