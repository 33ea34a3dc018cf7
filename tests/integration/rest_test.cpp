// The REST adapter (/v1) as a real process, in front of fake-qovery over HTTPS.

#include "stack.hpp"

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/rest_adapter.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>

using nlohmann::json;
using namespace test;

namespace {

const std::string kSecrets = "/v1/job/" + kJobId + "/secret";

/// A plain HTTP client of the REST API.
class RestClient {
public:
  explicit RestClient(int port) : http("127.0.0.1", port) { http.set_read_timeout(30, 0); }

  /// Sends `method` to `path` with `body` (none when empty) and `headers`.
  HttpReply send(const std::string &method, const std::string &path, const std::string &body = "",
                 const httplib::Headers &headers = {}) {
    httplib::Request request;
    request.method = method;
    request.path = path;
    request.headers = headers;
    request.body = body;
    if (!body.empty())
      request.headers.emplace("Content-Type", "application/json");
    auto res = http.send(request);
    if (!res)
      throw std::runtime_error(method + " " + path + " failed: " + httplib::to_string(res.error()));
    return {res->status, res->body, res->headers};
  }
  HttpReply send_json(const std::string &method, const std::string &path, const json &body) {
    return send(method, path, body.dump());
  }

  httplib::Client http;
};

std::vector<std::string> upstream_args(const FakeQoveryProcess &fake,
                                       std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// fake-qovery and a server with its REST API pointed at it over HTTPS.
struct Stack {
  explicit Stack(std::vector<std::string> extra = {})
      : server(upstream_args(fake, std::move(extra)), {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn),
        client(server.rest_port) {}
  FakeQoveryProcess fake;
  ServerProcess server;
  RestClient client;

  /// The server still answers a good request after whatever came before.
  void check_still_serving() {
    CHECK(client.send("GET", kSecrets).status == 200);
    fake.clear_requests();
  }
};

std::string error_of(const HttpReply &reply) {
  REQUIRE(reply.header("Content-Type") == "application/json");
  return reply.json()["error"].get<std::string>();
}

/// A TCP listener that never accepts, so a connection to it gets no answer.
class SilentListener {
public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr *>(&address), &length) != 0)
      throw std::runtime_error("cannot start a silent listener");
    port = ntohs(address.sin_port);
  }
  ~SilentListener() { close(fd_); }
  SilentListener(const SilentListener &) = delete;
  SilentListener &operator=(const SilentListener &) = delete;
  int port = 0;

private:
  int fd_ = -1;
};

} // namespace

TEST_CASE("REST: every route end to end against fake-qovery over HTTPS", "[rest]") {
  Stack s;

  // list: Qovery's body, inherited scopes included (the schema declares all the fake sends).
  HttpReply list = s.client.send("GET", kSecrets);
  CHECK(list.status == 200);
  CHECK(list.header("Content-Type") == "application/json");
  std::set<std::string> scopes;
  json listed = list.json();
  for (const auto &secret : listed["results"]) {
    scopes.insert(secret["scope"].get<std::string>());
    CHECK_FALSE(secret.contains("value"));
  }
  CHECK(scopes == std::set<std::string>{"JOB", "PROJECT", "ENVIRONMENT", "BUILT_IN"});
  httplib::Client direct(s.fake.url());
  direct.enable_server_certificate_verification(false);
  auto qovery =
      direct.Get(("/job/" + kJobId + "/secret").c_str(), {{"Authorization", "Token " + kApiKey}});
  REQUIRE(qovery);
  CHECK(list.json() == json::parse(qovery->body));
  s.fake.clear_requests();

  HttpReply list_again = s.client.send("GET", kSecrets);
  CHECK(list_again.status == 200);

  // create: 201 with the new secret
  HttpReply created =
      s.client.send_json("POST", kSecrets, json{{"key", "API_TOKEN"}, {"value", "tok-3b1f9c"}});
  CHECK(created.status == 201);
  CHECK(created.json()["key"] == "API_TOKEN");
  CHECK(created.json()["scope"] == "JOB");
  CHECK_FALSE(created.json().contains("value"));
  std::string new_id = created.json()["id"];

  HttpReply edited = s.client.send_json("PUT", kSecrets + "/" + new_id,
                                        json{{"key", "API_TOKEN"}, {"value", "tok-77aa01"}});
  CHECK(edited.status == 200);
  CHECK(edited.json()["id"] == new_id);

  HttpReply alias = s.client.send_json("POST", kSecrets + "/" + kProjectSecretId + "/alias",
                                       json{{"key", "DB_PASSWORD_ALIAS"}});
  CHECK(alias.status == 201);
  CHECK(alias.json()["variable_type"] == "ALIAS");
  CHECK(alias.json()["aliased_secret"]["id"] == kProjectSecretId);

  HttpReply override_ =
      s.client.send_json("POST", kSecrets + "/" + kEnvironmentSecretId + "/override",
                         json{{"value", "sk_test_override"}});
  CHECK(override_.status == 201);
  CHECK(override_.json()["variable_type"] == "OVERRIDE");

  // delete: 204, no body
  HttpReply deleted = s.client.send("DELETE", kSecrets + "/" + new_id);
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());

  json requests = s.fake.requests();
  REQUIRE(requests.size() == 6);
  std::string job = "/job/" + kJobId + "/secret";
  std::vector<std::tuple<std::string, std::string, json>> expected = {
      {"GET", job, ""},
      {"POST", job, {{"key", "API_TOKEN"}, {"value", "tok-3b1f9c"}}},
      {"PUT", job + "/" + new_id, {{"key", "API_TOKEN"}, {"value", "tok-77aa01"}}},
      {"POST", job + "/" + kProjectSecretId + "/alias", {{"key", "DB_PASSWORD_ALIAS"}}},
      {"POST", job + "/" + kEnvironmentSecretId + "/override", {{"value", "sk_test_override"}}},
      {"DELETE", job + "/" + new_id, ""}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("request " << i);
    CHECK(requests[i]["method"] == std::get<0>(expected[i]));
    CHECK(requests[i]["path"] == std::get<1>(expected[i]));
    CHECK(requests[i]["body"] == std::get<2>(expected[i]));
    CHECK(requests[i]["auth_scheme"] == "Token");
    CHECK(requests[i]["authorized"] == true);
  }

  // Neither the key nor a secret value reached the server's output.
  std::string output = s.server.process->stderr_text();
  for (const char *secret : {"tok-3b1f9c", "tok-77aa01", "sk_test_override"})
    CHECK(output.find(secret) == std::string::npos);
  CHECK(output.find(kApiKey) == std::string::npos);
}

TEST_CASE("REST: invalid requests get 400 naming the problem and reach nothing", "[rest]") {
  Stack s;
  s.fake.clear_requests();

  HttpReply not_uuid = s.client.send("GET", "/v1/job/abc/secret");
  CHECK(not_uuid.status == 400);
  CHECK(error_of(not_uuid) == R"(argument 'jobId' must be a UUID, got "abc")");

  HttpReply bad_secret = s.client.send("DELETE", kSecrets + "/42");
  CHECK(bad_secret.status == 400);
  CHECK(error_of(bad_secret) == R"(argument 'secretId' must be a UUID, got "42")");

  HttpReply not_json = s.client.send("POST", kSecrets, "{\"key\": \"A\",");
  CHECK(not_json.status == 400);
  CHECK(error_of(not_json).starts_with("the request body is not valid JSON ("));

  HttpReply no_body = s.client.send("POST", kSecrets + "/" + kProjectSecretId + "/alias");
  CHECK(no_body.status == 400);
  CHECK(error_of(no_body) == "argument 'body' is required");

  HttpReply no_key = s.client.send_json("POST", kSecrets, json{{"value", "hunter2-secret"}});
  CHECK(no_key.status == 400);
  CHECK(error_of(no_key) == "argument 'body.key' is required");

  HttpReply wrong_type = s.client.send_json("PUT", kSecrets + "/" + kJobSecretId,
                                            json{{"key", "A"}, {"value", 424242}});
  CHECK(wrong_type.status == 400);
  CHECK(error_of(wrong_type).starts_with("argument 'body.value' must be a string"));
  CHECK(wrong_type.body.find("424242") == std::string::npos);

  HttpReply extra = s.client.send_json("POST", kSecrets, json{{"key", "A"}, {"colour", "red"}});
  CHECK(extra.status == 400);
  CHECK(error_of(extra).starts_with("argument 'body.colour' is not allowed here"));

  CHECK(s.fake.requests().empty());
  s.check_still_serving();
}

TEST_CASE("REST: Qovery's error answers pass through", "[rest]") {
  Stack s;
  json key = {{"key", "DUPLICATE_ME"}, {"value", "v"}};
  CHECK(s.client.send_json("POST", kSecrets, key).status == 201);
  HttpReply conflict = s.client.send_json("POST", kSecrets, key);
  CHECK(conflict.status == 409);
  CHECK(conflict.json() ==
        json{{"status", 409}, {"detail", "Variable already exists: DUPLICATE_ME"}});

  std::string unknown_job = "99999999-9999-4999-8999-999999999999";
  HttpReply not_found = s.client.send("GET", "/v1/job/" + unknown_job + "/secret");
  CHECK(not_found.status == 404);
  CHECK(not_found.header("Content-Type") == "application/json");
  CHECK(not_found.json()["detail"] == "job not found: " + unknown_job);

  HttpReply same_scope = s.client.send_json("POST", kSecrets + "/" + kJobSecretId + "/alias",
                                            json{{"key", "ALIAS_OF_JOB_SECRET"}});
  CHECK(same_scope.status == 400);
  CHECK(same_scope.json()["status"] == 400);
  s.check_still_serving();

  FakeQoveryProcess other_key("qov_other_key");
  ServerProcess refused(upstream_args(other_key), {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
  HttpReply unauthorized = RestClient(refused.rest_port).send("GET", kSecrets);
  CHECK(unauthorized.status == 401);
  CHECK(unauthorized.json()["status"] == 401);
  CHECK(unauthorized.body.find(kApiKey) == std::string::npos);
}

TEST_CASE("REST and MCP: a value in Qovery's answer never passes, at any depth", "[rest]") {
  Stack s;
  McpClient mcp(s.server.port);
  mcp.initialize();
  const std::vector<std::string> leaks = {"answer-item-v4lue", "answer-alias-v4lue",
                                          "answer-token-v4lue", "answer-echo-v4lue"};
  for (const auto &leak : leaks)
    record_secret(leak); // the secret scan also watches the servers' output for them
  const json secret = {{"id", kJobSecretId},
                       {"created_at", "2026-03-02T09:14:07Z"},
                       {"key", "DB_PASSWORD"},
                       {"scope", "JOB"}};
  json listed = secret;
  listed["value"] = leaks[0];
  listed["aliased_secret"] = {{"id", kProjectSecretId}, {"key", "PG"}, {"value", leaks[1]}};
  listed["internal_token"] = leaks[2];
  json expected_item = secret;
  expected_item["aliased_secret"] = {{"id", kProjectSecretId}, {"key", "PG"}};
  const json list_answer = {{"results", {listed, secret}}};
  const json expected_list = {{"results", {expected_item, secret}}};
  json echo = secret;
  echo["value"] = leaks[3];

  auto no_leak = [&leaks](const std::string &text) {
    for (const auto &leak : leaks)
      CHECK(text.find(leak) == std::string::npos);
  };

  s.fake.inject_fault({{"body", list_answer.dump()}, {"count", 2}});
  json result = mcp.call("list-job-secrets", {{"jobId", kJobId}});
  CHECK(result["structuredContent"] == expected_list);
  CHECK(json::parse(result["content"][0]["text"].get<std::string>()) == expected_list);
  no_leak(result.dump());
  HttpReply got = s.client.send("GET", kSecrets);
  CHECK(got.status == 200);
  CHECK(got.json() == expected_list);
  no_leak(got.body);

  s.fake.inject_fault({{"body", echo.dump()}, {"status", 201}, {"count", 2}});
  json added = mcp.call("add-secret-job",
                        {{"jobId", kJobId}, {"body", {{"key", "ECHOED"}, {"value", leaks[3]}}}});
  CHECK(added["structuredContent"] == secret);
  no_leak(added.dump());
  HttpReply posted = s.client.send_json("POST", kSecrets, {{"key", "ECHOED"}, {"value", leaks[3]}});
  CHECK(posted.status == 201);
  CHECK(posted.json() == secret);
  no_leak(posted.body);
}

TEST_CASE("REST and MCP: Qovery's detail quoting the sent value is redacted", "[rest]") {
  Stack s;
  McpClient mcp(s.server.port);
  mcp.initialize();
  const std::string value = "quoted-back-v4lue";
  const json body = {{"key", "QUOTED"}, {"value", value}};
  const json error = {{"status", 400},
                      {"detail", "Invalid body: " + body.dump()},
                      {"errors", {{{"rejected", value}}}}};
  s.fake.inject_fault({{"status", 400}, {"body", error.dump()}, {"count", 2}});

  json added = mcp.call("add-secret-job", {{"jobId", kJobId}, {"body", body}});
  CHECK(added["isError"] == true);
  std::string text = added["content"][0]["text"];
  CHECK(text.starts_with(
      R"(Qovery answered HTTP 400: Invalid body: {"key":"QUOTED","value":"[redacted]"}.)"));
  CHECK(text.find(value) == std::string::npos);

  HttpReply posted = s.client.send_json("POST", kSecrets, body);
  CHECK(posted.status == 400);
  CHECK(posted.json() == json{{"status", 400},
                              {"detail", R"(Invalid body: {"key":"QUOTED","value":"[redacted]"})"},
                              {"errors", {{{"rejected", "[redacted]"}}}}});
  CHECK(posted.body.find(value) == std::string::npos);
}

TEST_CASE("REST: unknown paths get 404, other methods 405 with Allow", "[rest]") {
  Stack s;
  s.fake.clear_requests();
  for (const std::string &path : std::vector<std::string>{"/", "/v1", "/v1/jobs", "/mcp",
                                                          kSecrets + "/", "/v1/job//secret"}) {
    INFO(path);
    HttpReply missing = s.client.send("GET", path);
    CHECK(missing.status == 404);
    CHECK(error_of(missing).starts_with("no route for this path"));
  }

  HttpReply get_one = s.client.send("GET", kSecrets + "/" + kJobSecretId);
  CHECK(get_one.status == 405);
  CHECK(get_one.header("Allow") == "DELETE, PUT");
  CHECK(error_of(get_one) == "GET is not allowed on this path; use DELETE or PUT");

  HttpReply put_list = s.client.send_json("PUT", kSecrets, json{{"key", "A"}});
  CHECK(put_list.status == 405);
  CHECK(put_list.header("Allow") == "GET, POST");

  HttpReply delete_alias = s.client.send("DELETE", kSecrets + "/" + kJobSecretId + "/alias");
  CHECK(delete_alias.status == 405);
  CHECK(delete_alias.header("Allow") == "POST");

  CHECK(s.client.send_json("PATCH", kSecrets + "/" + kJobSecretId, json{{"key", "A"}}).status ==
        405);
  CHECK(s.client.send("OPTIONS", kSecrets).status == 405);
  CHECK(s.fake.requests().empty());
  s.check_still_serving();
}

TEST_CASE("REST: --read-only answers 403 on the routes that change things", "[rest]") {
  Stack s({"--read-only"});
  s.fake.clear_requests();
  HttpReply create = s.client.send_json("POST", kSecrets, json{{"key", "A"}});
  CHECK(create.status == 403);
  CHECK(error_of(create) == "POST /v1/job/{jobid}/secret calls add-secret-job, which is "
                            "disabled on this server (--read-only or --tools)");
  CHECK(s.client.send_json("PUT", kSecrets + "/" + kJobSecretId, json{{"key", "A"}}).status == 403);
  CHECK(s.client.send("DELETE", kSecrets + "/" + kJobSecretId).status == 403);
  CHECK(s.client.send_json("POST", kSecrets + "/" + kProjectSecretId + "/alias", json{{"key", "A"}})
            .status == 403);
  CHECK(s.client
            .send_json("POST", kSecrets + "/" + kEnvironmentSecretId + "/override",
                       json{{"value", "v"}})
            .status == 403);
  CHECK(s.fake.requests().empty());
  CHECK(s.client.send("GET", kSecrets).status == 200);
  CHECK(s.fake.requests().size() == 1);
}

TEST_CASE("REST: --tools leaves the other routes answering 403", "[rest]") {
  Stack s({"--tools", "delete-secret-job"});
  s.fake.clear_requests();
  HttpReply list = s.client.send("GET", kSecrets);
  CHECK(list.status == 403);
  CHECK(error_of(list).find("list-job-secrets") != std::string::npos);
  CHECK(s.fake.requests().empty());
  CHECK(s.client.send("DELETE", kSecrets + "/" + kJobSecretId).status == 204);
}

TEST_CASE("REST: a foreign Origin or Host is refused with 403", "[rest]") {
  Stack s({"--allowed-origin", "https://console.example.com"});
  s.fake.clear_requests();
  HttpReply origin = s.client.send("GET", kSecrets, "", {{"Origin", "https://evil.example"}});
  CHECK(origin.status == 403);
  CHECK(error_of(origin) == "forbidden: Origin not allowed");

  HttpReply host = s.client.send("POST", kSecrets, R"({"key":"A"})", {{"Host", "evil.example"}});
  CHECK(host.status == 403);
  CHECK(error_of(host) == "forbidden: Host header not allowed");
  CHECK(s.fake.requests().empty());

  CHECK(s.client.send("GET", kSecrets, "", {{"Origin", "https://console.example.com"}}).status ==
        200);
  CHECK(s.client.send("GET", kSecrets, "", {{"Origin", "http://localhost:3000"}}).status == 200);
  s.check_still_serving();
}

TEST_CASE("REST: a body over 4 MiB gets 413", "[rest]") {
  Stack s;
  s.fake.clear_requests();
  std::string huge = R"({"key":"A","value":")" + std::string(4 * 1024 * 1024, 'x') + R"("})";
  HttpReply reply = s.client.send("POST", kSecrets, huge);
  CHECK(reply.status == 413);
  CHECK(error_of(reply) == "the request body is too large: the limit is 4194304 bytes");
  CHECK(s.fake.requests().empty());
  s.check_still_serving();
}

TEST_CASE("REST: an unreachable upstream gives 502, a silent one 504", "[rest]") {
  SECTION("nothing listening: 502") {
    ServerProcess server({"--api-url", "https://127.0.0.1:" + std::to_string(free_port()),
                          "--ca-file", kCertDir + "/ca.pem", "--deadline", "1"},
                         {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
    RestClient client(server.rest_port);
    HttpReply reply = client.send_json("POST", kSecrets, json{{"key", "A"}});
    CHECK(reply.status == 502);
    CHECK(error_of(reply).starts_with("could not complete the call to Qovery: could not connect"));
    CHECK(client.send("GET", kSecrets).status == 502);
  }
  SECTION("untrusted certificate: 502 naming TLS") {
    FakeQoveryProcess fake(kApiKey, "untrusted");
    ServerProcess server(upstream_args(fake), {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
    HttpReply reply = RestClient(server.rest_port).send("GET", kSecrets);
    CHECK(reply.status == 502);
    CHECK(error_of(reply).find("TLS") != std::string::npos);
    CHECK(fake.requests().empty());
  }
  SECTION("an upstream that accepts and never answers: 504") {
    SilentListener silent;
    ServerProcess server({"--api-url", "http://127.0.0.1:" + std::to_string(silent.port),
                          "--timeout", "0.5", "--deadline", "1"},
                         {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
    RestClient client(server.rest_port);
    HttpReply reply = client.send("GET", kSecrets);
    CHECK(reply.status == 504);
    CHECK(error_of(reply).starts_with("Qovery did not answer in time: no response from"));
    CHECK(client.send("GET", "/v1/nothing").status == 404);
  }
}

TEST_CASE("REST: MCP and REST serve side by side on one upstream", "[rest]") {
  Stack s;
  CHECK(s.client.send_json("POST", kSecrets, json{{"key", "FROM_REST"}, {"value", "v"}}).status ==
        201);
  McpClient mcp(s.server.port);
  mcp.initialize();
  json list = mcp.call("list-job-secrets", {{"jobId", kJobId}});
  bool found = false;
  for (const auto &secret : list["structuredContent"]["results"])
    found = found || secret["key"] == "FROM_REST";
  CHECK(found);
}

TEST_CASE("REST: many clients at once", "[rest]") {
  Stack s;
  constexpr int kClients = 16, kCalls = 25;
  std::atomic<int> good{0};
  std::vector<std::string> failures = run_concurrently(kClients, [&] {
    RestClient client(s.server.rest_port);
    for (int i = 0; i < kCalls; ++i) {
      HttpReply reply = client.send("GET", kSecrets);
      if (reply.status == 200 && reply.json()["results"].size() >= 4)
        ++good;
    }
  });
  for (const auto &failure : failures)
    UNSCOPED_INFO(failure);
  CHECK(failures.empty());
  CHECK(good == kClients * kCalls);
}

TEST_CASE("REST: the port comes from --rest-port, 0 or --stdio turn it off", "[rest]") {
  SECTION("SIGTERM stops both listeners with status 0") {
    ServerProcess server({"--sandbox"}, {{"QOVERY_API_KEY", ""}}, Rest::kOn);
    CHECK(RestClient(server.rest_port).send("GET", kSecrets).status == 200);
    CHECK(server.process->stop(SIGTERM) == 0);
  }
  SECTION("a REST port in use is an error naming --rest-port") {
    ServerProcess first({"--sandbox"}, {{"QOVERY_API_KEY", ""}}, Rest::kOn);
    Process second({QMCP_SERVER_BIN, "--sandbox", "--mcp-port", "0", "--rest-port",
                    std::to_string(first.rest_port)});
    CHECK(second.wait() == 2);
    CHECK(second.stderr_text().find("--rest-port") != std::string::npos);
  }
  SECTION("QOVERY_MCP_REST_PORT sets the port") {
    int port = free_port();
    Process server({QMCP_SERVER_BIN, "--sandbox", "--mcp-port", "0"},
                   {{"QOVERY_MCP_REST_PORT", std::to_string(port)}});
    auto line = server.wait_for_stderr("REST endpoint");
    REQUIRE(line);
    CHECK(line->find("http://127.0.0.1:" + std::to_string(port) + "/v1") != std::string::npos);
    CHECK(RestClient(port).send("GET", kSecrets).status == 200);
  }
  SECTION("--rest-port 0 serves MCP only") {
    ServerProcess server({"--sandbox"});
    CHECK(server.process->stderr_text().find("REST endpoint") == std::string::npos);
  }
  SECTION("--stdio opens no listener") {
    int port = free_port();
    Process server({QMCP_SERVER_BIN, "--stdio", "--sandbox", "--rest-port", std::to_string(port)});
    server.write_stdin(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"
                       "\n");
    REQUIRE(server.read_stdout_line());
    httplib::Client client("127.0.0.1", port);
    CHECK_FALSE(client.Get("/v1"));
    CHECK(server.stderr_text().find("REST endpoint") == std::string::npos);
  }
  SECTION("a port outside 0-65535 is refused") {
    Process server({QMCP_SERVER_BIN, "--sandbox", "--rest-port", "65536"});
    CHECK(server.wait() == 2);
    CHECK(server.stderr_text().find("--rest-port") != std::string::npos);
  }
}

TEST_CASE("REST: stop() ends serve() whenever it comes", "[rest]") {
  using namespace qovery_mcp;
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  FakeQovery fake;
  SandboxUpstream upstream(fake);
  ToolCaller caller(capability, registry, upstream);
  HttpServerOptions options;
  options.port = 0;

  RestAdapter early(capability, caller, options);
  REQUIRE(early.bind());
  early.stop();
  early.serve(); // returns at once

  // A stop racing the start of serve(), as a signal during start-up does.
  for (int i = 0; i < 20; ++i) {
    RestAdapter adapter(capability, caller, options);
    REQUIRE(adapter.bind());
    std::thread serving([&] { adapter.serve(); });
    adapter.stop();
    serving.join();
  }

  RestAdapter serving_adapter(capability, caller, options);
  Result<int> port = serving_adapter.bind();
  REQUIRE(port);
  std::thread serving([&] { serving_adapter.serve(); });
  CHECK(RestClient(port.value()).send("GET", kSecrets).status == 200);
  serving_adapter.stop();
  serving.join();
}
