// MCP 2026-07-28 over Streamable HTTP, beside 2025-11-25 on the same
// endpoint: stateless requests with _meta and the MCP request headers, the
// status and error code of each refusal (transports/streamable-http), and the
// initialize era unchanged.

#include "stack.hpp"

#include <catch2/catch.hpp>

using nlohmann::json;
using namespace test;

namespace {

json modern_meta(const std::string &version = "2026-07-28") {
  return {{"io.modelcontextprotocol/protocolVersion", version},
          {"io.modelcontextprotocol/clientInfo", {{"name", "integration-test"}, {"version", "1"}}},
          {"io.modelcontextprotocol/clientCapabilities", json::object()}};
}

json modern_request(const std::string &method, json params, int id) {
  params["_meta"] = modern_meta();
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

const json kListArguments = {{"jobId", kJobId}};

} // namespace

TEST_CASE("MCP 2026-07-28 over HTTP: discover, list and call with no session", "[modern][http]") {
  ServerProcess server({"--sandbox"}, {});
  McpClient client(server.port);

  json discover = modern_request("server/discover", json::object(), 1);
  HttpReply reply = client.post(discover, modern_headers(discover));
  INFO(reply.body);
  CHECK(reply.status == 200);
  CHECK(reply.header("Mcp-Session-Id").empty());
  CHECK(reply.json()["result"]["supportedVersions"][0] == "2026-07-28");
  CHECK(reply.json()["result"]["resultType"] == "complete");

  json list = modern_request("tools/list", json::object(), 2);
  reply = client.post(list, modern_headers(list));
  CHECK(reply.status == 200);
  CHECK(reply.json()["result"]["tools"].size() == 7); // with the .env import
  CHECK(reply.json()["result"]["cacheScope"] == "public");

  json call = modern_request("tools/call",
                             {{"name", "list-job-secrets"}, {"arguments", kListArguments}}, 3);
  reply = client.post(call, modern_headers(call));
  CHECK(reply.status == 200);
  CHECK(reply.json()["result"]["resultType"] == "complete");
  CHECK(reply.json()["result"]["structuredContent"]["results"].is_array());

  // The same name sent in its Base64 form, and with blanks around it.
  for (const std::string name : {"=?base64?bGlzdC1qb2Itc2VjcmV0cw==?=", "  list-job-secrets  "}) {
    INFO(name);
    httplib::Headers headers = modern_headers(call);
    headers.erase("Mcp-Name");
    headers.emplace("Mcp-Name", name);
    CHECK(client.post(call, headers).status == 200);
  }
  // Header names are case-insensitive.
  reply = client.post(list, {{"mcp-protocol-version", "2026-07-28"}, {"MCP-METHOD", "tools/list"}});
  CHECK(reply.status == 200);

  // Beside it, the initialize era is unchanged on the same endpoint.
  client.initialize();
  CHECK_FALSE(client.session_id.empty());
  CHECK(client.request("ping", json::object())["result"] == json::object());
  CHECK(client.call("list-job-secrets", kListArguments)["structuredContent"]["results"].is_array());
}

TEST_CASE("MCP 2026-07-28 over HTTP: each refusal has its status, its code and the request's id",
          "[modern][http]") {
  ServerProcess server({"--sandbox"}, {});
  McpClient client(server.port);
  struct Row {
    std::string name;
    json message;
    httplib::Headers headers; ///< replaces modern_headers(message) where given
    int status;
    int code;
  };
  json list = modern_request("tools/list", json::object(), 11);
  json call = modern_request("tools/call",
                             {{"name", "list-job-secrets"}, {"arguments", kListArguments}}, 12);
  json no_meta = {
      {"jsonrpc", "2.0"}, {"id", 13}, {"method", "server/discover"}, {"params", json::object()}};
  json unsupported = modern_request("server/discover", json::object(), 14);
  unsupported["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "v999.0.0";
  json no_capabilities = modern_request("tools/list", json::object(), 15);
  no_capabilities["params"]["_meta"].erase("io.modelcontextprotocol/clientCapabilities");

  std::vector<Row> rows = {
      {"no _meta", no_meta, modern_headers(no_meta), 400, -32602},
      {"no clientCapabilities", no_capabilities, modern_headers(no_capabilities), 400, -32602},
      {"an unsupported version, header and body agreeing",
       unsupported,
       {{"MCP-Protocol-Version", "v999.0.0"}, {"Mcp-Method", "server/discover"}},
       400,
       -32022},
      {"MCP-Protocol-Version not the body's", unsupported, modern_headers(unsupported), 400,
       -32020},
      {"MCP-Protocol-Version missing", list, {{"Mcp-Method", "tools/list"}}, 400, -32020},
      {"Mcp-Method another method",
       list,
       {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "prompts/list"}},
       400,
       -32020},
      {"Mcp-Method missing", list, {{"MCP-Protocol-Version", "2026-07-28"}}, 400, -32020},
      {"Mcp-Method in other case",
       list,
       {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "TOOLS/LIST"}},
       400,
       -32020},
      {"Mcp-Name another tool",
       call,
       {{"MCP-Protocol-Version", "2026-07-28"},
        {"Mcp-Method", "tools/call"},
        {"Mcp-Name", "wrong_tool_name"}},
       400,
       -32020},
      {"Mcp-Name missing",
       call,
       {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}},
       400,
       -32020},
      {"Mcp-Name in broken Base64",
       call,
       {{"MCP-Protocol-Version", "2026-07-28"},
        {"Mcp-Method", "tools/call"},
        {"Mcp-Name", "=?base64?!!!?="}},
       400,
       -32020},
      {"initialize, removed", modern_request("initialize", json::object(), 16), {}, 404, -32601},
      {"ping, removed", modern_request("ping", json::object(), 17), {}, 404, -32601},
      {"logging/setLevel, removed",
       modern_request("logging/setLevel", {{"level", "info"}}, 18),
       {},
       404,
       -32601},
      {"an unknown method", modern_request("prompts/list", json::object(), 19), {}, 404, -32601},
  };
  for (const Row &row : rows) {
    INFO(row.name);
    HttpReply reply =
        client.post(row.message, row.headers.empty() ? modern_headers(row.message) : row.headers);
    INFO(reply.body);
    CHECK(reply.status == row.status);
    json answer = reply.json();
    CHECK(answer["error"]["code"] == row.code);
    CHECK(answer["id"] == row.message["id"]);
    CHECK_FALSE(answer["error"]["message"].get<std::string>().empty());
  }
  // Still serving.
  HttpReply reply = client.post(list, modern_headers(list));
  CHECK(reply.status == 200);
}
