// Stopping with calls in flight, the audit log and JSON logs, on real processes.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using namespace test;

namespace {

const std::string kValue = "lifecycle-s3cret-4d1f";

json add_arguments(const std::string &key) {
  return {{"jobId", kJobId}, {"body", {{"key", key}, {"value", kValue}}}};
}

} // namespace

TEST_CASE("Lifecycle: SIGTERM lets the call in flight finish, audits it, exits 0", "[lifecycle]") {
  FakeQoveryProcess fake;
  TempPath audit;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--audit-log", audit.path});
  McpClient client(server.port);
  client.initialize();
  fake.inject_fault({{"delay_ms", 1500}});
  auto in_flight = std::async(std::launch::async,
                              [&] { return client.call("add-secret-job", add_arguments("SLOW")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500)); // the call waits on the fake
  kill(server.process->pid(), SIGTERM);

  json result = in_flight.get();
  CHECK_FALSE(result.contains("isError"));
  CHECK(result["structuredContent"]["key"] == "SLOW");
  CHECK(server.process->wait(std::chrono::seconds(15)) == 0);
  auto lines = audit.json_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["phase"] == "intent");
  CHECK(lines[1]["phase"] == "outcome");
  CHECK(lines[1]["tool"] == "add-secret-job");
  CHECK(lines[1]["outcome"] == "ok");
  CHECK(lines[1]["secretId"] == result["structuredContent"]["id"]);
  // Stopped means stopped: nobody is listening any more.
  httplib::Client late("127.0.0.1", server.port);
  late.set_connection_timeout(std::chrono::seconds(1));
  auto refused = late.Get("/mcp");
  CHECK(refused.error() == httplib::Error::Connection);
}

TEST_CASE("Lifecycle: on stdio, SIGTERM answers the message in flight, then exits 0",
          "[lifecycle]") {
  FakeQoveryProcess fake;
  TempPath audit;
  Process server({QMCP_SERVER_BIN, "--stdio", "--api-url", fake.url(), "--ca-file",
                  kCertDir + "/ca.pem", "--audit-log", audit.path},
                 {{"QOVERY_API_KEY", kApiKey}});
  REQUIRE(server.wait_for_stderr("serving MCP on stdin/stdout"));
  fake.inject_fault({{"delay_ms", 1500}});
  server.write_stdin(
      json{{"jsonrpc", "2.0"},
           {"id", 7},
           {"method", "tools/call"},
           {"params", {{"name", "add-secret-job"}, {"arguments", add_arguments("SLOW")}}}}
          .dump() +
      "\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(server.pid(), SIGTERM);
  auto answer = server.read_stdout_line(std::chrono::seconds(10));
  REQUIRE(answer);
  json reply = json::parse(*answer);
  CHECK(reply["id"] == 7);
  CHECK(reply["result"]["structuredContent"]["key"] == "SLOW");
  CHECK(server.wait(std::chrono::seconds(10)) == 0);
  auto lines = audit.json_lines();
  REQUIRE(lines.size() == 2); // the intent, and the outcome written before the answer
  CHECK(lines[1]["outcome"] == "ok");
}

TEST_CASE("Lifecycle: SIGINT while idle on stdio exits 0 at once", "[lifecycle]") {
  Process server({QMCP_SERVER_BIN, "--stdio", "--sandbox"});
  REQUIRE(server.wait_for_stderr("serving MCP on stdin/stdout"));
  CHECK(server.stop(SIGINT, std::chrono::seconds(5)) == 0);
}

TEST_CASE("Lifecycle: the audit log records MCP and REST changes, never a value", "[lifecycle]") {
  FakeQoveryProcess fake;
  TempPath audit;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--audit-log", audit.path},
      {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
  McpClient client(server.port);
  client.initialize();
  json added = client.call("add-secret-job", add_arguments("VIA_MCP"));
  client.call("list-job-secrets", {{"jobId", kJobId}}); // a read: not audited
  httplib::Client rest("127.0.0.1", server.rest_port);
  auto posted = rest.Post(("/v1/job/" + kJobId + "/secret").c_str(),
                          json{{"key", "VIA_REST"}, {"value", kValue}}.dump(), "application/json");
  REQUIRE(posted);
  CHECK(posted->status == 201);
  auto refused = rest.Post(("/v1/job/" + kJobId + "/secret").c_str(),
                           json{{"key", "VIA_REST"}, {"value", kValue}}.dump(), "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 409);

  std::ifstream in(audit.path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find(kValue) == std::string::npos);
  auto lines = audit.json_lines();
  REQUIRE(lines.size() == 6); // an intent, then an outcome, per change
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i].dump());
    CHECK(lines[i]["phase"] == (i % 2 == 0 ? "intent" : "outcome"));
    CHECK(lines[i].contains("upstreamStatus") == (i % 2 == 1));
    CHECK(lines[i]["jobId"] == kJobId);
    CHECK(lines[i]["tool"] == "add-secret-job");
    CHECK(lines[i].contains("time"));
  }
  CHECK(lines[0]["adapter"] == "mcp");
  CHECK(lines[0]["key"] == "VIA_MCP");
  CHECK(lines[1]["adapter"] == "mcp");
  CHECK(lines[1]["session"] == client.session_id.substr(0, 8));
  CHECK(lines[1]["key"] == "VIA_MCP");
  CHECK(lines[1]["secretId"] == added["structuredContent"]["id"]);
  CHECK(lines[1]["upstreamStatus"] == 201);
  CHECK(lines[3]["adapter"] == "rest");
  CHECK(lines[3]["key"] == "VIA_REST");
  CHECK(lines[3]["secretId"] == json::parse(posted->body)["id"]);
  CHECK(lines[5]["outcome"] == "rejected");
  CHECK(lines[5]["upstreamStatus"] == 409);
}

TEST_CASE("Lifecycle: an alias or override is audited with its target and its new id",
          "[lifecycle]") {
  FakeQoveryProcess fake;
  TempPath audit;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--audit-log", audit.path},
      {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
  McpClient client(server.port);
  client.initialize();
  json alias = client.call(
      "create-secret-alias-job-level",
      {{"jobId", kJobId}, {"secretId", kProjectSecretId}, {"body", {{"key", "AUDITED_ALIAS"}}}});
  REQUIRE_FALSE(alias.contains("isError"));
  httplib::Client rest("127.0.0.1", server.rest_port);
  auto overridden =
      rest.Post(("/v1/job/" + kJobId + "/secret/" + kEnvironmentSecretId + "/override").c_str(),
                json{{"value", kValue}}.dump(), "application/json");
  REQUIRE(overridden);
  REQUIRE(overridden->status == 201);

  auto lines = audit.json_lines();
  REQUIRE(lines.size() == 4);
  CHECK(lines[0]["phase"] == "intent");
  CHECK(lines[0]["targetSecretId"] == kProjectSecretId);
  CHECK(lines[0]["secretId"].is_null());
  CHECK(lines[1]["tool"] == "create-secret-alias-job-level");
  CHECK(lines[1]["targetSecretId"] == kProjectSecretId);
  CHECK(lines[1]["secretId"] == alias["structuredContent"]["id"]);
  CHECK(lines[1]["secretId"] != kProjectSecretId);
  CHECK(lines[3]["tool"] == "create-secret-override-job-level");
  CHECK(lines[3]["adapter"] == "rest");
  CHECK(lines[3]["targetSecretId"] == kEnvironmentSecretId);
  CHECK(lines[3]["secretId"] == json::parse(overridden->body)["id"]);
  CHECK(lines[3]["secretId"] != kEnvironmentSecretId);
}

TEST_CASE("Lifecycle: an audit log that cannot be written refuses changes, sends nothing",
          "[lifecycle]") {
  FakeQoveryProcess fake;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--audit-log", "/dev/full"},
      {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
  McpClient client(server.port);
  client.initialize();
  fake.clear_requests();
  const std::string refusal = "the audit log could not be written (No space left on device), so "
                              "the change was not sent to Qovery and nothing changed.";

  json added = client.call("add-secret-job", add_arguments("NEVER_ADDED"));
  CHECK(added["isError"] == true);
  CHECK(added["content"][0]["text"].get<std::string>().starts_with(refusal));
  json removed = client.call("delete-secret-job", {{"jobId", kJobId}, {"secretId", kJobSecretId}});
  CHECK(removed["isError"] == true);

  httplib::Client rest("127.0.0.1", server.rest_port);
  auto posted =
      rest.Post(("/v1/job/" + kJobId + "/secret").c_str(),
                json{{"key", "NEVER_ADDED"}, {"value", kValue}}.dump(), "application/json");
  REQUIRE(posted);
  CHECK(posted->status == 503);
  CHECK(json::parse(posted->body)["error"].get<std::string>().starts_with(refusal));
  auto edited = rest.Put(("/v1/job/" + kJobId + "/secret/" + kJobSecretId).c_str(),
                         json{{"key", "EDITED"}, {"value", kValue}}.dump(), "application/json");
  REQUIRE(edited);
  CHECK(edited->status == 503);
  CHECK(fake.requests().empty());

  // Reads are not audited: they keep working, and show that nothing changed.
  json listed = client.call("list-job-secrets", {{"jobId", kJobId}});
  REQUIRE_FALSE(listed.contains("isError"));
  for (const auto &secret : listed["structuredContent"]["results"])
    CHECK(secret["key"] != "NEVER_ADDED");
  auto got = rest.Get(("/v1/job/" + kJobId + "/secret").c_str());
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(fake.requests().size() == 2);
  CHECK(server.process->stderr_text().find("audit log /dev/full: write failed") !=
        std::string::npos);
}

TEST_CASE("Lifecycle: an audit log that cannot be opened stops the start, naming it",
          "[lifecycle]") {
  Process server({QMCP_SERVER_BIN, "--sandbox", "--audit-log", "/nonexistent-dir/audit.jsonl"});
  CHECK(server.wait(std::chrono::seconds(10)) == 2);
  CHECK(server.stderr_text().find("--audit-log: cannot open /nonexistent-dir/audit.jsonl") !=
        std::string::npos);
}

TEST_CASE("Lifecycle: --log-format json writes only JSON lines, values redacted", "[lifecycle]") {
  FakeQoveryProcess fake;
  ServerProcess server({"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--log-format",
                        "json", "--log-level", "debug"});
  McpClient client(server.port);
  client.initialize();
  client.call("add-secret-job", add_arguments("JSON_LOG"));
  client.call("list-job-secrets", {{"jobId", kJobId}});
  CHECK(server.process->stop(SIGTERM) == 0);

  std::istringstream lines(server.process->stderr_text());
  std::vector<json> calls;
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    INFO(line);
    json parsed = json::parse(line); // throws, failing the test, on a line that is not JSON
    CHECK(parsed.contains("time"));
    CHECK(parsed.contains("level"));
    if (parsed["msg"] == "call")
      calls.push_back(parsed);
  }
  CHECK(count >= 4); // endpoint, two calls, stopping, stopped
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]["tool"] == "add-secret-job");
  CHECK(calls[0]["status"] == 201);
  CHECK(calls[0]["adapter"] == "mcp");
  CHECK(calls[1]["tool"] == "list-job-secrets");
  CHECK(server.process->stderr_text().find(kValue) == std::string::npos);
}
