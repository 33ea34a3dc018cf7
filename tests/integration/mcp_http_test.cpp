// The server and fake-qovery as real processes, over real HTTP and TLS.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

using nlohmann::json;
using namespace test;

namespace {

std::string text_of(const json &result) { return result["content"][0]["text"]; }

/// fake-qovery and a server pointed at it over HTTPS, with an initialized client.
struct Stack {
  FakeQoveryProcess fake;
  ServerProcess server{{"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"}};
  McpClient client{server.port};
  Stack() {
    client.initialize();
    fake.clear_requests();
  }
};

} // namespace

TEST_CASE("HTTP: every tool end to end against fake-qovery over HTTPS", "[http]") {
  Stack s;
  json tools = s.client.request("tools/list", json::object())["result"]["tools"];
  REQUIRE(tools.size() == 7); // the six of the capability, and the .env import

  // list: the job's own and inherited secrets, never a value.
  json list = s.client.call("list-job-secrets", {{"jobId", kJobId}});
  REQUIRE_FALSE(list.contains("isError"));
  std::set<std::string> scopes;
  for (const auto &secret : list["structuredContent"]["results"]) {
    scopes.insert(secret["scope"].get<std::string>());
    CHECK_FALSE(secret.contains("value"));
  }
  CHECK(scopes == std::set<std::string>{"JOB", "PROJECT", "ENVIRONMENT", "BUILT_IN"});
  CHECK(json::parse(text_of(list)) == list["structuredContent"]);

  // add
  json added =
      s.client.call("add-secret-job",
                    {{"jobId", kJobId}, {"body", {{"key", "API_TOKEN"}, {"value", "tok-3b1f9c"}}}});
  REQUIRE_FALSE(added.contains("isError"));
  CHECK(added["structuredContent"]["key"] == "API_TOKEN");
  CHECK(added["structuredContent"]["scope"] == "JOB");
  CHECK_FALSE(added["structuredContent"].contains("value"));
  std::string new_id = added["structuredContent"]["id"];

  // edit
  json edited = s.client.call("edit-secret-belonging-job",
                              {{"jobId", kJobId},
                               {"secretId", new_id},
                               {"body", {{"key", "API_TOKEN"}, {"value", "tok-77aa01"}}}});
  REQUIRE_FALSE(edited.contains("isError"));
  CHECK(edited["structuredContent"]["id"] == new_id);

  // alias of the PROJECT secret, override of the ENVIRONMENT secret
  json alias =
      s.client.call("create-secret-alias-job-level", {{"jobId", kJobId},
                                                      {"secretId", kProjectSecretId},
                                                      {"body", {{"key", "DB_PASSWORD_ALIAS"}}}});
  REQUIRE_FALSE(alias.contains("isError"));
  CHECK(alias["structuredContent"]["variable_type"] == "ALIAS");
  CHECK(alias["structuredContent"]["aliased_secret"]["id"] == kProjectSecretId);
  json override_ = s.client.call("create-secret-override-job-level",
                                 {{"jobId", kJobId},
                                  {"secretId", kEnvironmentSecretId},
                                  {"body", {{"value", "sk_test_override"}}}});
  REQUIRE_FALSE(override_.contains("isError"));
  CHECK(override_["structuredContent"]["variable_type"] == "OVERRIDE");
  CHECK(override_["structuredContent"]["key"] == "STRIPE_API_KEY");

  // delete
  json deleted = s.client.call("delete-secret-job", {{"jobId", kJobId}, {"secretId", new_id}});
  REQUIRE_FALSE(deleted.contains("isError"));
  CHECK(deleted["structuredContent"] ==
        json{{"deleted", true}, {"jobId", kJobId}, {"secretId", new_id}});

  // What reached Qovery: method, path, the key as "Token", the JSON body.
  json requests = s.fake.requests();
  REQUIRE(requests.size() == 6);
  std::string job = "/job/" + kJobId + "/secret";
  std::vector<std::pair<std::string, std::string>> expected = {
      {"GET", job},
      {"POST", job},
      {"PUT", job + "/" + new_id},
      {"POST", job + "/" + kProjectSecretId + "/alias"},
      {"POST", job + "/" + kEnvironmentSecretId + "/override"},
      {"DELETE", job + "/" + new_id}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("request " << i);
    CHECK(requests[i]["method"] == expected[i].first);
    CHECK(requests[i]["path"] == expected[i].second);
    CHECK(requests[i]["auth_scheme"] == "Token");
    CHECK(requests[i]["authorized"] == true);
  }
  CHECK(requests[1]["body"] == json{{"key", "API_TOKEN"}, {"value", "tok-3b1f9c"}});
  CHECK(requests[3]["body"] == json{{"key", "DB_PASSWORD_ALIAS"}});
  CHECK(requests[5]["body"] == "");

  // The session ends with DELETE; afterwards it is unknown.
  CHECK(s.client.end_session().status == 200);
  CHECK(s.client.post(json{{"jsonrpc", "2.0"}, {"id", 99}, {"method", "ping"}}).status == 404);

  // Neither the key nor a secret value reached the server's output.
  std::string output = s.server.process->stderr_text();
  for (const char *secret : {"tok-3b1f9c", "tok-77aa01", "sk_test_override"})
    CHECK(output.find(secret) == std::string::npos);
  CHECK(output.find(kApiKey) == std::string::npos);
}

TEST_CASE("HTTP: Qovery's errors become tool errors with advice", "[http]") {
  Stack s;
  json duplicate =
      s.client.call("add-secret-job",
                    {{"jobId", kJobId}, {"body", {{"key", "JOB_SIGNING_KEY"}, {"value", "x"}}}});
  CHECK(duplicate["isError"] == true);
  CHECK(text_of(duplicate).starts_with("Qovery answered HTTP 409"));
  CHECK(text_of(duplicate).find("JOB_SIGNING_KEY") != std::string::npos);
  CHECK(text_of(duplicate).find("edit that secret instead") != std::string::npos);

  json unknown_job =
      s.client.call("list-job-secrets", {{"jobId", "99999999-9999-4999-8999-999999999999"}});
  CHECK(unknown_job["isError"] == true);
  CHECK(text_of(unknown_job).starts_with("Qovery answered HTTP 404"));

  json built_in =
      s.client.call("delete-secret-job", {{"jobId", kJobId}, {"secretId", kBuiltInSecretId}});
  CHECK(built_in["isError"] == true);
  CHECK(text_of(built_in).starts_with("Qovery answered HTTP 400"));
}

TEST_CASE("HTTP: invalid arguments are refused before any upstream request", "[http]") {
  Stack s;
  json cases = json::array({
      json{{"jobId", "not-a-uuid"}},
      json::object(),
      json{{"jobId", kJobId}, {"body", "KEY=value"}},
      json{{"jobId", kJobId},
           {"body", {{"key", std::string(10, 'K')}, {"description", std::string(300, 'd')}}}},
      json{{"jobId", kJobId}, {"body", {{"key", "QOVERY_MINE"}}}},
  });
  std::vector<std::string> tools = {"list-job-secrets", "list-job-secrets", "add-secret-job",
                                    "add-secret-job", "add-secret-job"};
  std::vector<std::string> names = {"'jobId'", "'jobId'", "'body'", "'body.description'",
                                    "'body.key'"};
  for (std::size_t i = 0; i < tools.size(); ++i) {
    json result = s.client.call(tools[i], cases[i]);
    INFO(text_of(result));
    CHECK(result["isError"] == true);
    CHECK(text_of(result).starts_with("argument " + names[i]));
  }
  CHECK(s.fake.requests().empty());
}

TEST_CASE("HTTP: the portable schemas validate as strictly as before", "[http]") {
  Stack s;
  json tools = s.client.request("tools/list", json::object())["result"]["tools"];
  for (const auto &tool : tools) {
    INFO(tool["name"]);
    const std::string schema = tool["inputSchema"].dump();
    CHECK(schema.find("\"type\":[") == std::string::npos);
    CHECK(schema.find("(?") == std::string::npos);
  }

  // A reserved key: refused in words, nothing sent.
  for (const char *key : {"QOVERY_MINE", "QOVERY_"}) {
    json refused = s.client.call("add-secret-job",
                                 {{"jobId", kJobId}, {"body", {{"key", key}, {"value", "v"}}}});
    CHECK(refused["isError"] == true);
    CHECK(text_of(refused) == "argument 'body.key' must not start with QOVERY_ (reserved for "
                              "Qovery's built-in variables), got " +
                                  json(key).dump() +
                                  ". Fix the arguments and call add-secret-job again.");
  }
  CHECK(s.fake.requests().empty());

  // null for the optional fields: still accepted, and reaches Qovery as sent.
  const json body = {{"key", "PORTABLE_NULLS"},
                     {"value", "v"},
                     {"mount_path", nullptr},
                     {"description", nullptr},
                     {"enable_interpolation_in_file", nullptr}};
  json added = s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", body}});
  INFO(added.dump());
  CHECK_FALSE(added.contains("isError"));
  CHECK(added["structuredContent"]["key"] == "PORTABLE_NULLS");
  CHECK(added["structuredContent"]["variable_type"] == "VALUE");
  json sent = s.fake.requests();
  REQUIRE(sent.size() == 1);
  INFO(sent.dump());
  CHECK(sent[0]["method"] == "POST");
  CHECK(sent[0]["body"] == body);
}

TEST_CASE("HTTP: the statuses of the streamable HTTP transport", "[http]") {
  Stack s;
  json ping = {{"jsonrpc", "2.0"}, {"id", 7}, {"method", "ping"}};
  CHECK(s.client.post(ping).status == 200);
  CHECK(s.client.post(ping).json()["result"] == json::object());

  SECTION("notification and response: 202, no body") {
    auto reply = s.client.post(json{{"jsonrpc", "2.0"},
                                    {"method", "notifications/cancelled"},
                                    {"params", {{"requestId", 12345}}}});
    CHECK(reply.status == 202);
    CHECK(reply.body.empty());
    CHECK(s.client.post(json{{"jsonrpc", "2.0"}, {"id", 1}, {"result", json::object()}}).status ==
          202);
  }
  SECTION("session header: missing 400, unknown 404") {
    CHECK(s.client.post(ping, {{"Mcp-Session-Id", ""}}).status == 400);
    CHECK(s.client.post(ping, {{"Mcp-Session-Id", "0123abcd"}}).status == 404);
  }
  SECTION("MCP-Protocol-Version: unsupported 400, any supported one accepted") {
    CHECK(s.client.post(ping, {{"MCP-Protocol-Version", "2099-01-01"}}).status == 400);
    CHECK(s.client.post(ping, {{"MCP-Protocol-Version", "2025-03-26"}}).status == 200);
  }
  SECTION("Accept must list both types: 406") {
    CHECK(s.client.post(ping, {{"Accept", "application/json"}}).status == 406);
    CHECK(s.client.post(ping, {{"Accept", "text/event-stream"}}).status == 406);
    CHECK(s.client.post(ping, {{"Accept", "*/*"}}).status == 200);
  }
  SECTION("Content-Type must be JSON: 415") {
    CHECK(s.client.post(ping, {{"Content-Type", "text/plain"}}).status == 415);
    CHECK(s.client.post(ping, {{"Content-Type", "application/json; charset=utf-8"}}).status == 200);
  }
  SECTION("Origin and Host from elsewhere: 403") {
    CHECK(s.client.post(ping, {{"Origin", "https://evil.example"}}).status == 403);
    CHECK(s.client.post(ping, {{"Origin", "http://localhost:6274"}}).status == 200);
    CHECK(s.client.post(ping, {{"Host", "evil.example:9090"}}).status == 403);
    CHECK(s.client.post(ping, {{"Host", "localhost:9090"}}).status == 200);
  }
  SECTION("body over 4 MiB: 413") {
    std::string big = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" +
                      std::string(5 * 1024 * 1024, 'a') + "\"}}";
    CHECK(s.client.post(big).status == 413);
  }
  SECTION("malformed messages: JSON-RPC errors with 400") {
    auto parse_error = s.client.post(std::string("{\"jsonrpc\":"));
    CHECK(parse_error.status == 400);
    CHECK(parse_error.json()["error"]["code"] == -32700);
    auto batch = s.client.post(json::array({ping, ping}));
    CHECK(batch.status == 400);
    CHECK(batch.json()["error"]["code"] == -32600);
    auto unknown = s.client.post(json{{"jsonrpc", "2.0"}, {"id", 8}, {"method", "nope/nope"}});
    CHECK(unknown.status == 200);
    CHECK(unknown.json()["error"]["code"] == -32601);
    auto unknown_tool =
        s.client.request("tools/call", {{"name", "nope"}, {"arguments", json::object()}});
    CHECK(unknown_tool["error"]["code"] == -32602);
  }
  SECTION("GET 405, other paths 404") {
    auto get = s.client.http.Get("/mcp", {{"Accept", "text/event-stream"}});
    REQUIRE(get);
    CHECK(get->status == 405);
    CHECK(get->get_header_value("Allow") == "POST, DELETE");
    auto other = s.client.http.Get("/other");
    REQUIRE(other);
    CHECK(other->status == 404);
  }
  // Whatever came before, the server still serves.
  CHECK(s.client.post(ping).status == 200);
}

TEST_CASE("HTTP: initialize negotiates the version and issues a session", "[http]") {
  FakeQoveryProcess fake;
  ServerProcess server({"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"});
  McpClient old_client(server.port);
  CHECK(old_client.initialize("2024-11-05")["result"]["protocolVersion"] == "2024-11-05");
  McpClient future_client(server.port);
  CHECK(future_client.initialize("2031-01-01")["result"]["protocolVersion"] == "2025-11-25");
  CHECK(old_client.session_id.size() == 64);
  CHECK(old_client.session_id != future_client.session_id);
}

TEST_CASE("HTTP: idle sessions expire", "[http]") {
  FakeQoveryProcess fake;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--session-timeout", "1"});
  McpClient client(server.port);
  client.initialize();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(client.post(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}).status == 404);
}

TEST_CASE("HTTP: a JWT-shaped key goes as Bearer, an API token as Token", "[http]") {
  const std::string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";
  FakeQoveryProcess fake(jwt);
  ServerProcess server({"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"},
                       {{"QOVERY_API_KEY", jwt}});
  McpClient client(server.port);
  client.initialize();
  json list = client.call("list-job-secrets", {{"jobId", kJobId}});
  CHECK_FALSE(list.contains("isError"));
  CHECK(fake.requests().back()["auth_scheme"] == "Bearer");

  ServerProcess forced(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--auth-scheme", "token"},
      {{"QOVERY_API_KEY", jwt}});
  McpClient forced_client(forced.port);
  forced_client.initialize();
  json refused = forced_client.call("list-job-secrets", {{"jobId", kJobId}});
  CHECK(refused["isError"] == true);
  CHECK(text_of(refused).starts_with("Qovery answered HTTP 401"));
  CHECK(text_of(refused).find("QOVERY_API_KEY") != std::string::npos);
  CHECK(text_of(refused).find(jwt) == std::string::npos);
}

TEST_CASE("HTTP: QOVERY_API_TOKEN is accepted when QOVERY_API_KEY is unset", "[http]") {
  FakeQoveryProcess fake;
  ServerProcess server({"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"},
                       {{"QOVERY_API_KEY", ""}, {"QOVERY_API_TOKEN", kApiKey}});
  McpClient client(server.port);
  client.initialize();
  CHECK_FALSE(client.call("list-job-secrets", {{"jobId", kJobId}}).contains("isError"));
}

TEST_CASE("HTTP: transport failures are tool errors that say which", "[http]") {
  SECTION("untrusted certificate: TLS") {
    FakeQoveryProcess fake(kApiKey, "untrusted");
    ServerProcess server({"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"});
    McpClient client(server.port);
    client.initialize();
    json result = client.call("list-job-secrets", {{"jobId", kJobId}});
    CHECK(result["isError"] == true);
    CHECK(text_of(result).find("TLS") != std::string::npos);
    CHECK(fake.requests().empty());
  }
  SECTION("unknown host name: connection, naming the host") {
    ServerProcess server({"--api-url", "https://qovery-api.invalid", "--deadline", "1"});
    McpClient client(server.port);
    client.initialize();
    json result = client.call("list-job-secrets", {{"jobId", kJobId}});
    CHECK(result["isError"] == true);
    CHECK(text_of(result).find("qovery-api.invalid") != std::string::npos);
  }
  SECTION("an upstream that accepts and never answers: timeout") {
    httplib::Server silent;
    silent.Get(".*", [](const httplib::Request &, httplib::Response &) {
      std::this_thread::sleep_for(std::chrono::seconds(3));
    });
    int silent_port = silent.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { silent.listen_after_bind(); });
    {
      ServerProcess server({"--api-url", "http://127.0.0.1:" + std::to_string(silent_port),
                            "--timeout", "0.5", "--deadline", "1"});
      McpClient client(server.port);
      client.initialize();
      auto started = std::chrono::steady_clock::now();
      json result = client.call("list-job-secrets", {{"jobId", kJobId}});
      CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
      CHECK(result["isError"] == true);
      CHECK(text_of(result).find("no response") != std::string::npos);
    }
    silent.stop();
    serving.join();
  }
  SECTION("nothing listening: connection") {
    int port;
    {
      FakeQoveryProcess gone;
      port = gone.port;
    }
    ServerProcess server({"--api-url", "https://127.0.0.1:" + std::to_string(port), "--ca-file",
                          kCertDir + "/ca.pem"});
    McpClient client(server.port);
    client.initialize();
    json result = client.call("add-secret-job",
                              {{"jobId", kJobId}, {"body", {{"key", "A"}, {"value", "v"}}}});
    CHECK(result["isError"] == true);
    CHECK(text_of(result).find("could not connect") != std::string::npos);
  }
}

TEST_CASE("HTTP: many clients and sessions at once", "[http]") {
  Stack s;
  constexpr int kClients = 16, kCalls = 25;
  std::atomic<int> good{0};
  std::vector<std::string> failures = run_concurrently(kClients, [&] {
    McpClient client(s.server.port);
    client.initialize();
    for (int i = 0; i < kCalls; ++i) {
      json list = client.call("list-job-secrets", {{"jobId", kJobId}});
      if (!list.contains("isError") && list["structuredContent"]["results"].size() >= 4)
        ++good;
    }
    client.end_session();
  });
  for (const auto &failure : failures)
    UNSCOPED_INFO(failure);
  CHECK(failures.empty());
  CHECK(good == kClients * kCalls);
}

TEST_CASE("Server: start-up refuses a missing key and explains", "[server]") {
  Process server({QMCP_SERVER_BIN, "--mcp-port", "0"},
                 {{"QOVERY_API_KEY", ""}, {"QOVERY_API_TOKEN", ""}});
  CHECK(server.wait() == 2);
  CHECK(server.stderr_text().find("QOVERY_API_KEY") != std::string::npos);

  Process bad_option({QMCP_SERVER_BIN, "--no-such-option"});
  CHECK(bad_option.wait() == 2);

  Process plain_http({QMCP_SERVER_BIN, "--api-url", "http://api.qovery.com"},
                     {{"QOVERY_API_KEY", kApiKey}});
  CHECK(plain_http.wait() == 2);
  CHECK(plain_http.stderr_text().find("--api-url") != std::string::npos);

  // The Claude Desktop example's placeholder, as shipped, and pastes gone wrong.
  for (const auto &[variable, key] : std::vector<std::pair<std::string, std::string>>{
           {"QOVERY_API_KEY", "<your Qovery API token>"},
           {"QOVERY_API_KEY", "qov_abc def"},
           {"QOVERY_API_KEY", "qov_abc\n"},
           {"QOVERY_API_TOKEN", "<token>"}}) {
    INFO(key);
    std::map<std::string, std::string> env = {{"QOVERY_API_KEY", ""}, {"QOVERY_API_TOKEN", ""}};
    env[variable] = key;
    Process placeholder({QMCP_SERVER_BIN, "--mcp-port", "0", "--rest-port", "0"}, env);
    CHECK(placeholder.wait() == 2);
    std::string said = placeholder.stderr_text();
    CHECK(said.find(variable + " holds a space or a '<' or '>'") != std::string::npos);
    CHECK(said.find(key) == std::string::npos);
  }
}

TEST_CASE("Server: the instructions start with what a model needs", "[server]") {
  ServerProcess server({"--sandbox"}, {});
  McpClient client(server.port);
  std::string instructions = client.initialize()["result"]["instructions"];
  CHECK(instructions.starts_with("These tools manage the secrets of one Qovery job"));
  CHECK(instructions.find("6 operations") == std::string::npos);
}

TEST_CASE("HTTP: /mcp/ is the same endpoint as /mcp", "[http]") {
  ServerProcess server({"--sandbox"}, {});
  McpClient client(server.port);
  client.initialize();
  httplib::Headers headers = {{"Accept", "application/json, text/event-stream"},
                              {"Mcp-Session-Id", client.session_id}};
  auto ping = client.http.Post("/mcp/", headers, R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
                               "application/json");
  REQUIRE(ping);
  CHECK(ping->status == 200);
  CHECK(json::parse(ping->body)["result"] == json::object());
  auto get = client.http.Get("/mcp/", headers);
  REQUIRE(get);
  CHECK(get->status == 405);
  auto ended = client.http.Delete("/mcp/", headers);
  REQUIRE(ended);
  CHECK(ended->status == 200);
  CHECK(client.post(json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}}).status == 404);
  auto other = client.http.Post("/mcp//", headers, "{}", "application/json");
  REQUIRE(other);
  CHECK(other->status == 404);
}

TEST_CASE("Server: --sandbox serves every tool with no account", "[server]") {
  ServerProcess server({"--sandbox"}, {{"QOVERY_API_KEY", ""}});
  CHECK(server.process->stderr_text().find("SANDBOX") != std::string::npos);
  McpClient client(server.port);
  client.initialize();
  json added = client.call("add-secret-job",
                           {{"jobId", kJobId}, {"body", {{"key", "TRY_IT"}, {"value", "v"}}}});
  REQUIRE_FALSE(added.contains("isError"));
  json list = client.call("list-job-secrets", {{"jobId", kJobId}});
  bool found = false;
  for (const auto &secret : list["structuredContent"]["results"])
    found = found || secret["key"] == "TRY_IT";
  CHECK(found);
}

TEST_CASE("Server: SIGTERM stops it with status 0", "[server]") {
  ServerProcess server({"--sandbox"});
  CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("Server: a port already in use is an error, not a shared port", "[server]") {
  ServerProcess first({"--sandbox"});
  Process second({QMCP_SERVER_BIN, "--sandbox", "--mcp-port", std::to_string(first.port)});
  CHECK(second.wait() == 2);
  CHECK(second.stderr_text().find("--mcp-port") != std::string::npos);
}
