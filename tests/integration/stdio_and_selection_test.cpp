// --stdio as Claude Desktop runs it, and tool selection, on real processes.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using nlohmann::json;
using namespace test;

namespace {

std::string initialize_line() {
  return json{{"jsonrpc", "2.0"},
              {"id", 1},
              {"method", "initialize"},
              {"params",
               {{"protocolVersion", "2025-06-18"},
                {"capabilities", json::object()},
                {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}
             .dump() +
         "\n";
}

json tool_names(const json &tools_list_result) {
  json names = json::array();
  for (const auto &tool : tools_list_result["tools"])
    names.push_back(tool["name"]);
  return names;
}

} // namespace

TEST_CASE("stdio: a whole session against fake-qovery, then EOF exits 0", "[stdio]") {
  FakeQoveryProcess fake;
  Process server(
      {QMCP_SERVER_BIN, "--stdio", "--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"},
      {{"QOVERY_API_KEY", kApiKey}});
  server.write_stdin(initialize_line());
  server.write_stdin(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                     "\n");
  server.write_stdin("this is not json\n");
  server.write_stdin(
      json{{"jsonrpc", "2.0"},
           {"id", 2},
           {"method", "tools/call"},
           {"params",
            {{"name", "add-secret-job"},
             {"arguments",
              {{"jobId", kJobId}, {"body", {{"key", "FROM_STDIO"}, {"value", "v-91"}}}}}}}}
          .dump() +
      "\n");
  auto first = server.read_stdout_line();
  REQUIRE(first);
  CHECK(json::parse(*first)["result"]["protocolVersion"] == "2025-06-18");
  auto second = server.read_stdout_line();
  REQUIRE(second);
  CHECK(json::parse(*second)["error"]["code"] == -32700);
  auto third = server.read_stdout_line();
  REQUIRE(third);
  CHECK(json::parse(*third)["result"]["structuredContent"]["key"] == "FROM_STDIO");
  CHECK(fake.requests().back()["method"] == "POST");

  server.close_stdin();
  CHECK(server.wait() == 0);
  CHECK_FALSE(server.read_stdout_line(std::chrono::milliseconds(100))); // nothing else on stdout
  CHECK(server.stderr_text().find("v-91") == std::string::npos);
}

TEST_CASE("Selection: --read-only offers and allows only list-job-secrets", "[selection]") {
  ServerProcess server({"--sandbox", "--read-only"});
  McpClient client(server.port);
  client.initialize();
  CHECK(tool_names(client.request("tools/list", json::object())["result"]) ==
        json{"list-job-secrets"});
  json refused = client.request("tools/call",
                                {{"name", "add-secret-job"},
                                 {"arguments", {{"jobId", kJobId}, {"body", {{"key", "NOPE"}}}}}});
  CHECK(refused["error"]["code"] == -32602);
  CHECK_FALSE(client.call("list-job-secrets", {{"jobId", kJobId}}).contains("isError"));
}

TEST_CASE("Selection: --tools and the environment variables", "[selection]") {
  ServerProcess named({"--sandbox", "--tools", "delete-secret-job,list-job-secrets"});
  McpClient client(named.port);
  client.initialize();
  CHECK(tool_names(client.request("tools/list", json::object())["result"]) ==
        json{"list-job-secrets", "delete-secret-job"});

  ServerProcess from_env({"--sandbox"}, {{"QOVERY_MCP_TOOLS", "add-secret-job"}});
  McpClient env_client(from_env.port);
  env_client.initialize();
  CHECK(tool_names(env_client.request("tools/list", json::object())["result"]) ==
        json{"add-secret-job"});

  ServerProcess read_only_env({"--sandbox"}, {{"QOVERY_MCP_READ_ONLY", "1"}});
  McpClient read_only_client(read_only_env.port);
  read_only_client.initialize();
  CHECK(tool_names(read_only_client.request("tools/list", json::object())["result"]) ==
        json{"list-job-secrets"});
}

TEST_CASE("Selection: an unknown tool name stops the server with the valid names", "[selection]") {
  Process server({QMCP_SERVER_BIN, "--sandbox", "--mcp-port", "0", "--tools", "list-secrets"});
  CHECK(server.wait() == 2);
  std::string output = server.stderr_text();
  CHECK(output.find("unknown tool 'list-secrets'") != std::string::npos);
  CHECK(output.find("list-job-secrets, add-secret-job") != std::string::npos);

  Process nothing_left({QMCP_SERVER_BIN, "--sandbox", "--mcp-port", "0", "--read-only", "--tools",
                        "add-secret-job"});
  CHECK(nothing_left.wait() == 2);
}

TEST_CASE("CLI: --help documents every option, --version prints it", "[cli]") {
  Process help({QMCP_SERVER_BIN, "--help"});
  CHECK(help.wait() == 0);
  std::string text;
  while (auto line = help.read_stdout_line(std::chrono::milliseconds(500)))
    text += *line + "\n";
  for (const char *option :
       {"--sandbox",      "--stdio",          "--read-only",       "--tools",
        "--host",         "--mcp-port",       "--api-url",         "--auth-scheme",
        "--ca-file",      "--timeout",        "--deadline",        "--allowed-origin",
        "--allowed-host", "--threads",        "--max-connections", "--max-connections-per-address",
        "--http-timeout", "--header-timeout", "--session-timeout", "--capability",
        "--log-level",    "QOVERY_API_KEY"})
    CHECK(text.find(option) != std::string::npos);
  CHECK(text.find("--confirm-destructive") != std::string::npos);
  CHECK(text.find("QOVERY_MCP_CONFIRM_DESTRUCTIVE") != std::string::npos);
  Process version({QMCP_SERVER_BIN, "--version"});
  CHECK(version.wait() == 0);
  auto line = version.read_stdout_line();
  REQUIRE(line);
  CHECK(*line == "0.1.0");
}

TEST_CASE("CLI: check reports how a capability reads, and each construct it cannot serve",
          "[cli]") {
  auto output_of = [](Process &process) {
    std::string text;
    while (auto line = process.read_stdout_line(std::chrono::milliseconds(2000)))
      text += *line + "\n";
    return text;
  };
  Process members(
      {QMCP_SERVER_BIN, "check", QMCP_SOURCE_DIR "/tests/unit/data/qovery-members.naftiko.yaml"});
  std::string text = output_of(members);
  CHECK(members.wait() == 0);
  CHECK(text.find("9 operations, 9 tools, 9 REST routes") != std::string::npos);
  CHECK(text.find("line 25: operation getorganizationinvitedmembers: GET "
                  "/organization/{organizationId}/inviteMember; parameters: organizationId "
                  "(path, string, required)\n") != std::string::npos);
  CHECK(text.find(": tool remove-member calls deletemember; destructive; idempotent; sends the "
                  "body\n") != std::string::npos);
  CHECK(text.find("every construct can be served") != std::string::npos);

  std::string broken = kOutputDir + "/broken.naftiko.yaml";
  {
    std::ofstream out(broken);
    out << R"(capability:
  consumes:
  - type: http
    namespace: api
    baseUri: https://example.test
    resources:
    - path: /thing/{thingId}
      operations:
      - name: getthing
        method: GET
        inputParameters:
        - name: trace
          in: cookie
      - name: listthings
        method: GET
  exposes:
  - type: mcp
    tools:
    - name: get-thing
      call: api.getthing
    - name: list-things
      call: api.listthings
      with:
        limit: tools.limit
)";
  }
  Process check({QMCP_SERVER_BIN, "check", broken});
  text = output_of(check);
  CHECK(check.wait() == 1);
  CHECK(text.find("line 13: cannot serve "
                  "capability.consumes[0].resources[0].operations[0].inputParameters[0].in: "
                  "unsupported parameter location 'cookie'") != std::string::npos);
  CHECK(text.find("line 20: cannot serve capability.exposes[0].tools[0].call: calls "
                  "'api.getthing', which cannot be served") != std::string::npos);
  CHECK(text.find("line 24: cannot serve capability.exposes[0].tools[1].with.limit: operation "
                  "'listthings' has no parameter 'limit'") != std::string::npos);
  CHECK(text.find("3 constructs cannot be served") != std::string::npos);

  // With the OpenAPI: which of its operations refines each one.
  Process typed({QMCP_SERVER_BIN, "check",
                 QMCP_SOURCE_DIR "/tests/unit/data/qovery-members.naftiko.yaml", "--openapi",
                 QMCP_SOURCE_DIR "/tests/unit/data/qovery-openapi.yaml"});
  text = output_of(typed);
  CHECK(typed.wait() == 0);
  CHECK(text.find("line 99: operation deletemember: DELETE /organization/{organizationId}/member; "
                  "parameters: organizationId (path, string, required), body (body, object); "
                  "OpenAPI: /organization/{organizationId}/member (deleteMember), a JSON body, "
                  "answer 204 with no body\n") != std::string::npos);
  const std::string elsewhere = kOutputDir + "/elsewhere.naftiko.yaml";
  std::ofstream(elsewhere) << R"(capability:
  consumes:
  - type: http
    namespace: api
    baseUri: https://example.test
    resources:
    - path: /nowhere
      operations:
      - name: getnothing
        method: GET
  exposes:
  - type: mcp
    tools:
    - name: get-nothing
      call: api.getnothing
)";
  Process untyped({QMCP_SERVER_BIN, "check", elsewhere, "--openapi",
                   QMCP_SOURCE_DIR "/tests/unit/data/qovery-openapi.yaml"});
  text = output_of(untyped);
  CHECK(untyped.wait() == 0);
  CHECK(text.find("operation getnothing: GET /nowhere; not in the OpenAPI (schemas from the "
                  "capability alone)\n") != std::string::npos);

  Process missing({QMCP_SERVER_BIN, "check", kOutputDir + "/no-such-file.yaml"});
  CHECK(missing.wait() == 2);
  CHECK(missing.stderr_text().find("cannot read") != std::string::npos);
}

TEST_CASE("Catalog: --openapi types a sibling's tools; without --capability it is refused",
          "[catalog]") {
  Process server({QMCP_SERVER_BIN, "--capability",
                  QMCP_SOURCE_DIR "/tests/unit/data/qovery-members.naftiko.yaml", "--openapi",
                  QMCP_SOURCE_DIR "/tests/unit/data/qovery-openapi.yaml", "--stdio", "--sandbox"});
  server.write_stdin(initialize_line());
  server.write_stdin(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                     "\n");
  server.write_stdin(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"
                     "\n");
  REQUIRE(server.read_stdout_line());
  auto listed = server.read_stdout_line();
  REQUIRE(listed);
  const json tools = json::parse(*listed)["result"]["tools"];
  REQUIRE(tools.size() == 9);
  for (const json &tool : tools) {
    INFO(tool.dump());
    CHECK(tool["inputSchema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema");
  }
  // remove-member: the body's members come from the OpenAPI, closed; its
  // 204 answer is described as the ToolCaller makes it.
  const json &remove = tools[7];
  // Qovery's OpenAPI names the member user_id (the capability alone takes any).
  CHECK(remove["inputSchema"]["properties"]["body"]["required"] == json{"user_id"});
  CHECK(remove["inputSchema"]["properties"]["body"]["additionalProperties"] == false);
  CHECK(remove["outputSchema"]["required"] == json{"deleted", "organizationId"});
  CHECK(tools[5]["outputSchema"]["type"] == "object"); // get-organization-members
  server.close_stdin();
  CHECK(server.wait() == 0);

  Process builtin({QMCP_SERVER_BIN, "--openapi",
                   QMCP_SOURCE_DIR "/tests/unit/data/qovery-openapi.yaml", "--stdio", "--sandbox"});
  CHECK(builtin.wait() == 2);
  CHECK(builtin.stderr_text().find("--openapi refines the schemas of a capability given with "
                                   "--capability") != std::string::npos);
}

TEST_CASE("Catalog: --capability serves a sibling's tools over stdio and routes a call",
          "[catalog]") {
  FakeQoveryProcess fake;
  Process server({QMCP_SERVER_BIN, "--capability",
                  QMCP_SOURCE_DIR "/tests/unit/data/qovery-members.naftiko.yaml", "--stdio",
                  "--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"},
                 {{"QOVERY_API_KEY", kApiKey}});
  server.write_stdin(initialize_line());
  server.write_stdin(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                     "\n");
  server.write_stdin(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"
                     "\n");
  const std::string organization = "66666666-6666-4666-8666-666666666666";
  const std::string user = "77777777-7777-4777-8777-777777777777";
  server.write_stdin(
      json{{"jsonrpc", "2.0"},
           {"id", 3},
           {"method", "tools/call"},
           {"params",
            {{"name", "remove-member"},
             {"arguments", {{"organizationId", organization}, {"body", {{"userId", user}}}}}}}}
          .dump() +
      "\n");
  auto initialized = server.read_stdout_line();
  REQUIRE(initialized);
  CHECK(json::parse(*initialized)["result"]["protocolVersion"] == "2025-06-18");

  auto listed = server.read_stdout_line();
  REQUIRE(listed);
  const json list = json::parse(*listed)["result"];
  CHECK(tool_names(list) == json{"get-invited-members", "invite-someone-organization",
                                 "get-member-invitation", "accept-invite-organization",
                                 "remove-invited-member", "get-organization-members",
                                 "edit-organization-member-role", "remove-member",
                                 "transfer-organization-ownership-another-user"});
  for (const json &tool : list["tools"]) {
    INFO(tool.dump());
    CHECK_FALSE(tool.contains("outputSchema"));
    CHECK(tool["inputSchema"]["required"].front() == "organizationId");
    CHECK(tool["inputSchema"]["properties"]["organizationId"]["format"] == "uuid");
  }
  const json &remove = list["tools"][7];
  CHECK(remove["annotations"] == json{{"title", "Remove a member"},
                                      {"readOnlyHint", false},
                                      {"destructiveHint", true},
                                      {"idempotentHint", true},
                                      {"openWorldHint", true}});
  CHECK(remove["inputSchema"]["properties"]["body"]["type"] == "object");

  // fake-qovery knows no organization: it answers 404, but it recorded the call.
  auto called = server.read_stdout_line();
  REQUIRE(called);
  CHECK(json::parse(*called)["result"]["isError"] == true);
  const json sent = fake.requests().back();
  CHECK(sent["method"] == "DELETE");
  CHECK(sent["path"] == "/organization/" + organization + "/member");
  CHECK(sent["body"] == json{{"userId", user}});
  CHECK(sent["authorized"] == true);

  server.close_stdin();
  CHECK(server.wait() == 0);
}
