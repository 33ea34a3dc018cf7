// Upstream faults injected into fake-qovery at run time (POST /_fake/faults),
// and the server's answer to each: retried reads, never-retried creates,
// deadlines kept. Time bounds are generous: no test fails on a slow machine.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

using nlohmann::json;
using namespace test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

/// Added to every bound on how long a call takes: a loaded machine is slow.
constexpr auto kSlack = 6s;

std::string text_of(const json &result) { return result["content"][0]["text"]; }

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> upstream_args(const FakeQoveryProcess &fake,
                                       std::vector<std::string> more) {
  std::vector<std::string> args = {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

/// fake-qovery, the server pointed at it (with `more` options), an initialized client.
struct FaultStack {
  explicit FaultStack(std::vector<std::string> more = {},
                      std::map<std::string, std::string> env = {{"QOVERY_API_KEY", kApiKey}})
      : server(upstream_args(fake, std::move(more)), std::move(env)), client(server.port) {
    client.initialize();
    fake.clear_requests();
  }
  json list() { return client.call("list-job-secrets", {{"jobId", kJobId}}); }
  json add(const std::string &key) {
    return client.call("add-secret-job",
                       {{"jobId", kJobId}, {"body", {{"key", key}, {"value", "faulty-v4lue"}}}});
  }
  bool listed(const std::string &key) {
    json result = list();
    for (const auto &secret : result["structuredContent"]["results"])
      if (secret["key"] == key)
        return true;
    return false;
  }

  FakeQoveryProcess fake;
  ServerProcess server;
  McpClient client;
};

/// The methods of the requests fake-qovery received.
std::vector<std::string> methods(const json &requests) {
  std::vector<std::string> result;
  for (const auto &request : requests)
    result.push_back(request["method"]);
  return result;
}

} // namespace

TEST_CASE("Faults: a list answered 503 twice succeeds on the third attempt", "[faults]") {
  FaultStack s;
  s.fake.inject_fault({{"status", 503}, {"count", 2}});
  json list = s.list();
  INFO(list.dump());
  CHECK_FALSE(list.contains("isError"));
  CHECK(list["structuredContent"]["results"].size() >= 4);
  CHECK(methods(s.fake.requests()) == std::vector<std::string>{"GET", "GET", "GET"});
  CHECK(s.server.process->wait_for_stderr("HTTP 200 after 3 attempts (the first: HTTP 503)"));
}

TEST_CASE("Faults: a 429's Retry-After is honoured", "[faults]") {
  FaultStack s;
  s.fake.inject_fault({{"status", 429}, {"retry_after", 1}});
  auto started = Clock::now();
  json list = s.list();
  auto elapsed = Clock::now() - started;
  CHECK_FALSE(list.contains("isError"));
  CHECK(elapsed >= 900ms);
  CHECK(elapsed < 1s + kSlack);
  CHECK(s.fake.requests().size() == 2);
  CHECK(s.server.process->wait_for_stderr("HTTP 200 after 2 attempts (the first: HTTP 429)"));
}

TEST_CASE("Faults: a Retry-After beyond the deadline ends the call with Qovery's answer",
          "[faults]") {
  FaultStack s({}, {{"QOVERY_API_KEY", kApiKey}, {"QOVERY_MCP_DEADLINE", "2"}});
  s.fake.inject_fault({{"status", 429}, {"retry_after", 30}});
  auto started = Clock::now();
  json list = s.list();
  CHECK(Clock::now() - started < 2s + kSlack);
  CHECK(list["isError"] == true);
  CHECK(text_of(list).starts_with("Qovery answered HTTP 429: fault injected by the test. Qovery "
                                  "is rate limiting requests"));
  CHECK(s.fake.requests().size() == 1);
}

TEST_CASE("Faults: a create answered 503 is not retried and says to list first", "[faults]") {
  FaultStack s;
  s.fake.inject_fault({{"status", 503}, {"count", 3}});
  json added = s.add("NOT_RETRIED");
  CHECK(added["isError"] == true);
  CHECK(text_of(added).starts_with("Qovery answered HTTP 503"));
  CHECK(contains(text_of(added), "list the job's secrets to check before trying again"));
  CHECK(methods(s.fake.requests()) == std::vector<std::string>{"POST"});
}

TEST_CASE("Faults: an answer slower than --timeout is a timeout within the deadline", "[faults]") {
  FaultStack s({"--timeout", "0.5", "--deadline", "2"});

  SECTION("a list is retried until the deadline, then says how often it tried") {
    s.fake.inject_fault({{"delay_ms", 20000}, {"count", 100}});
    auto started = Clock::now();
    json list = s.list();
    CHECK(Clock::now() - started < 2s + kSlack);
    INFO(text_of(list));
    CHECK(list["isError"] == true);
    CHECK(text_of(list).starts_with("could not complete the call after "));
    CHECK(contains(text_of(list), "attempts: no response from 127.0.0.1:"));
    CHECK(s.fake.requests().size() >= 2);
  }
  SECTION("a create is sent once, and may have happened after all") {
    s.fake.inject_fault({{"delay_ms", 1500}});
    auto started = Clock::now();
    json added = s.add("SLOW_CREATE");
    CHECK(Clock::now() - started < 2s + kSlack);
    CHECK(added["isError"] == true);
    CHECK(text_of(added).starts_with("could not complete the call: no response from"));
    CHECK(contains(text_of(added), "may or may not have been applied: list the job's secrets"));
    CHECK(methods(s.fake.requests()) == std::vector<std::string>{"POST"});
    // The fake did the work after the server stopped waiting: listing shows it.
    auto until = Clock::now() + 1500ms + kSlack;
    bool created = false;
    while (!created && Clock::now() < until) {
      std::this_thread::sleep_for(100ms);
      created = s.listed("SLOW_CREATE");
    }
    CHECK(created);
  }
}

TEST_CASE("Faults: a connection closed without an answer", "[faults]") {
  FaultStack s;
  SECTION("a list is retried and succeeds") {
    s.fake.inject_fault({{"reset", true}});
    json list = s.list();
    INFO(list.dump());
    CHECK_FALSE(list.contains("isError"));
    CHECK(methods(s.fake.requests()) == std::vector<std::string>{"GET", "GET"});
  }
  SECTION("a create is not retried and says the outcome is unknown") {
    s.fake.inject_fault({{"reset", true}});
    json added = s.add("DROPPED");
    CHECK(added["isError"] == true);
    CHECK(contains(text_of(added), "closed before a response"));
    CHECK(contains(text_of(added), "may or may not have been applied: list the job's secrets"));
    CHECK(methods(s.fake.requests()) == std::vector<std::string>{"POST"});
    CHECK_FALSE(s.listed("DROPPED"));
  }
}

TEST_CASE("Faults: a truncated JSON body is a tool error saying it was not JSON", "[faults]") {
  FaultStack s;
  s.fake.inject_fault({{"body", "{\"results\":["}});
  json list = s.list();
  CHECK(list["isError"] == true);
  CHECK(text_of(list) == "Qovery answered HTTP 200 with a body that is not JSON. Try the call "
                         "again.");
  CHECK(s.fake.requests().size() == 1);
  CHECK_FALSE(s.list().contains("isError"));
}

TEST_CASE("Faults: every tools/call gets exactly one answer within its deadline", "[faults]") {
  FaultStack s({"--timeout", "0.5", "--deadline", "2"});
  for (const json &fault :
       {json{{"status", 503}, {"count", 6}}, json{{"reset", true}, {"count", 4}},
        json{{"delay_ms", 1500}, {"count", 6}},
        json{{"status", 429}, {"retry_after", 1}, {"count", 3}}, json{{"body", "{"}, {"count", 3}},
        json{{"status", 502}, {"count", 6}}, json{{"status", 504}, {"count", 4}}})
    s.fake.inject_fault(fault);

  constexpr int kClients = 8, kCalls = 6;
  std::atomic<int> answered{0}, next_key{0};
  std::vector<std::string> failures = run_concurrently(kClients, [&] {
    McpClient client(s.server.port);
    client.initialize();
    for (int i = 0; i < kCalls; ++i) {
      int id = client.next_id;
      json arguments = {{"jobId", kJobId}};
      std::string tool = "list-job-secrets";
      if (i % 2 == 1) {
        tool = "add-secret-job";
        arguments["body"] = {{"key", "CONCURRENT_" + std::to_string(next_key++)}, {"value", "v"}};
      }
      auto started = Clock::now();
      json response = client.request("tools/call", {{"name", tool}, {"arguments", arguments}});
      if (Clock::now() - started >= 2s + kSlack)
        throw std::runtime_error(tool + " took longer than its deadline");
      if (response["id"] != id || !response["result"]["content"].is_array())
        throw std::runtime_error("unexpected answer: " + response.dump());
      ++answered;
    }
  });
  for (const auto &failure : failures)
    UNSCOPED_INFO(failure);
  CHECK(failures.empty());
  CHECK(answered == kClients * kCalls);

  // Over stdio, where nothing but the framing separates answers: one line per request.
  Process stdio({QMCP_SERVER_BIN, "--stdio", "--api-url", s.fake.url(), "--ca-file",
                 kCertDir + "/ca.pem", "--timeout", "0.5", "--deadline", "2"},
                {{"QOVERY_API_KEY", kApiKey}});
  s.fake.inject_fault({{"status", 503}, {"count", 2}});
  s.fake.inject_fault({{"reset", true}});
  s.fake.inject_fault({{"delay_ms", 3000}, {"count", 3}});
  stdio.write_stdin(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":)"
                    R"("2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
                    "\n");
  for (int id = 1; id <= 4; ++id)
    stdio.write_stdin(list_call_line(id));
  std::multiset<int> ids;
  auto until = Clock::now() + 4 * 2s + kSlack;
  while (ids.size() < 5 && Clock::now() < until) {
    auto line = stdio.read_stdout_line(
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
    if (!line)
      break;
    ids.insert(json::parse(*line)["id"].get<int>());
  }
  CHECK(ids == std::multiset<int>{0, 1, 2, 3, 4});
  CHECK_FALSE(stdio.read_stdout_line(500ms)); // nothing more
}
