// --stdio serves messages concurrently, and notifications/cancelled stops the
// answer to a call (on HTTP too), on real processes against a slow fake-qovery.

#include "stack.hpp"

#include "qovery_mcp/stdio_transport.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <future>
#include <set>
#include <thread>

using nlohmann::json;
using namespace test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string line_of(const json &message) { return message.dump() + "\n"; }

json ping(const json &id) { return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "ping"}}; }

json add_call(const json &id, const std::string &key) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "tools/call"},
          {"params",
           {{"name", "add-secret-job"},
            {"arguments", {{"jobId", kJobId}, {"body", {{"key", key}, {"value", "v-77"}}}}}}}};
}

json cancelled(const json &id) {
  return {{"jsonrpc", "2.0"},
          {"method", "notifications/cancelled"},
          {"params", {{"requestId", id}, {"reason", "the user pressed stop"}}}};
}

/// A --stdio server against its own fake-qovery, with an audit log,
/// initialized as Claude Desktop does.
struct StdioStack {
  FakeQoveryProcess fake;
  TempPath audit;
  Process server{{QMCP_SERVER_BIN, "--stdio", "--api-url", fake.url(), "--ca-file",
                  kCertDir + "/ca.pem", "--audit-log", audit.path},
                 {{"QOVERY_API_KEY", kApiKey}}};

  StdioStack() {
    server.write_stdin(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
        "\n"
        R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
        "\n");
    json initialized = answer(10s);
    REQUIRE(initialized["id"] == 0);
  }

  /// The next line of stdout, which must be one JSON-RPC message; null at timeout.
  json answer(std::chrono::milliseconds timeout) {
    auto line = server.read_stdout_line(timeout);
    if (!line)
      return nullptr;
    INFO("stdout line: " << *line);
    json message = json::parse(*line, nullptr, false);
    REQUIRE(message.is_object());
    CHECK(message["jsonrpc"] == "2.0");
    return message;
  }

  /// The requests fake-qovery received, once it received at least `count`.
  json requests_once(std::size_t count) {
    json requests;
    bool reached = eventually([&] {
      requests = fake.requests();
      return requests.size() >= count;
    });
    INFO("fake-qovery received " << requests.size() << " of " << count << " requests");
    REQUIRE(reached);
    return requests;
  }
};

} // namespace

TEST_CASE("stdio: a ping is answered at once while a call waits on a slow Qovery",
          "[stdio][concurrency]") {
  StdioStack s;
  s.fake.inject_fault({{"delay_ms", 8000}});
  s.server.write_stdin(list_call_line(1));
  s.requests_once(1); // the call waits on Qovery
  s.server.write_stdin(line_of(ping(2)));
  json pong = s.answer(3s); // one message at a time would answer it 8 s later
  REQUIRE(pong.is_object());
  CHECK(pong == json{{"jsonrpc", "2.0"}, {"id", 2}, {"result", json::object()}});
  json call = s.answer(30s);
  REQUIRE(call.is_object());
  CHECK(call["id"] == 1);
  CHECK(call["result"]["structuredContent"]["results"].size() >= 4);
}

TEST_CASE("stdio: slow calls overlap, and at the end of input all are answered before exit 0",
          "[stdio][concurrency]") {
  StdioStack s;
  constexpr int kCalls = 4;
  s.fake.inject_fault({{"delay_ms", 4000}, {"count", kCalls}});
  auto started = Clock::now();
  for (int id = 1; id <= kCalls; ++id)
    s.server.write_stdin(list_call_line(id));
  s.server.close_stdin();
  std::set<json> ids;
  for (int i = 0; i < kCalls; ++i) {
    json call = s.answer(30s);
    REQUIRE(call.is_object());
    CHECK(call["result"]["structuredContent"]["results"].size() >= 4);
    ids.insert(call["id"]);
  }
  auto elapsed = Clock::now() - started;
  CHECK(ids == std::set<json>{1, 2, 3, 4});
  CHECK(elapsed >= 4s);
  CHECK(elapsed < 10s); // one after another they take 16 s
  CHECK(s.server.wait(10s) == 0);
}

TEST_CASE("stdio: a call cancelled while Qovery answers gets no answer; its change is made and "
          "audited",
          "[stdio][concurrency][cancel]") {
  StdioStack s;
  s.fake.inject_fault({{"delay_ms", 3000}});
  s.server.write_stdin(line_of(add_call(5, "CANCELLED_ADD")));
  json requests = s.requests_once(1);
  CHECK(requests[0]["method"] == "POST");
  s.server.write_stdin(line_of(cancelled(5)));
  // The outcome is audited when Qovery answers, just before an answer would be written.
  REQUIRE(eventually([&] { return s.audit.json_lines().size() == 2; }));
  s.server.write_stdin(line_of(ping(6)));
  json pong = s.answer(10s);
  REQUIRE(pong.is_object());
  CHECK(pong["id"] == 6);
  CHECK(s.answer(2s).is_null()); // the cancelled call's answer never comes
  auto lines = s.audit.json_lines();
  CHECK(lines[0]["phase"] == "intent");
  CHECK(lines[1]["phase"] == "outcome");
  CHECK(lines[1]["key"] == "CANCELLED_ADD");
  CHECK(lines[1]["outcome"] == "ok");
  // The secret reached Qovery.
  s.server.write_stdin(list_call_line(7));
  json list = s.answer(30s);
  REQUIRE(list.is_object());
  CHECK(list["id"] == 7);
  CHECK(list["result"]["structuredContent"].dump().find("CANCELLED_ADD") != std::string::npos);
  std::string log = s.server.stderr_text();
  CHECK(log.find("request cancelled by the client") != std::string::npos);
  CHECK(log.find("the user pressed stop") != std::string::npos);
}

TEST_CASE("stdio: calls beyond the limit wait, none is dropped; one cancelled while it waits is "
          "never sent",
          "[stdio][concurrency][cancel]") {
  StdioStack s;
  const int in_flight = static_cast<int>(qovery_mcp::kMaxStdioCallsInFlight);
  // Long enough that the first calls are still waiting on Qovery when the
  // cancellation is read, however slowly the calls started.
  s.fake.inject_fault({{"delay_ms", 8000}, {"count", in_flight}});
  for (int id = 1; id <= in_flight; ++id)
    s.server.write_stdin(list_call_line(id));
  s.requests_once(in_flight);
  s.server.write_stdin(line_of(add_call(100, "NEVER_SENT")));
  s.server.write_stdin(list_call_line(101));
  s.server.write_stdin(line_of(cancelled(100)));
  s.server.write_stdin(line_of(ping(102)));
  json pong = s.answer(3s); // the waiting calls hold no one up
  REQUIRE(pong.is_object());
  CHECK(pong["id"] == 102);
  std::this_thread::sleep_for(1s);
  CHECK(s.fake.requests().size() == static_cast<std::size_t>(in_flight)); // the rest wait
  std::set<json> ids;
  for (int i = 0; i < in_flight + 1; ++i) {
    json call = s.answer(30s);
    REQUIRE(call.is_object());
    CHECK(call["result"]["structuredContent"]["results"].size() >= 4);
    ids.insert(call["id"]);
  }
  std::set<json> expected{101};
  for (int id = 1; id <= in_flight; ++id)
    expected.insert(id);
  CHECK(ids == expected);
  CHECK(s.answer(1s).is_null()); // none for the cancelled call
  json requests = s.fake.requests();
  CHECK(requests.size() == static_cast<std::size_t>(in_flight + 1));
  for (const json &request : requests)
    CHECK(request["method"] == "GET");
  CHECK(s.audit.json_lines().empty()); // nothing was about to change
}

TEST_CASE("stdio: many requests at once: each answer is one whole JSON message on its own line",
          "[stdio][concurrency]") {
  StdioStack s;
  const int calls = kSanitized ? 16 : 48;
  s.fake.inject_fault({{"delay_ms", 100}, {"count", calls}});
  std::string input;
  std::set<json> expected;
  for (int i = 0; i < calls; ++i) {
    // Adds make the list answers grow to many KB: long lines to interleave.
    input +=
        i % 2 == 0 ? list_call_line(i) : line_of(add_call(i, "CONCURRENT_" + std::to_string(i)));
    input += line_of(ping("ping-" + std::to_string(i)));
    expected.insert(i);
    expected.insert("ping-" + std::to_string(i));
  }
  s.server.write_stdin(input);
  s.server.close_stdin();
  std::set<json> ids;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    json message = s.answer(30s); // a line holding two messages, or half of one, fails here
    REQUIRE(message.is_object());
    CHECK(ids.insert(message["id"]).second);
    if (message["id"].is_number())
      CHECK_FALSE(message["result"].contains("isError"));
  }
  CHECK(ids == expected);
  CHECK(s.server.wait(30s) == 0);
  CHECK_FALSE(s.server.read_stdout_line(200ms)); // nothing else on stdout
}

TEST_CASE("stdio: SIGTERM answers every call in flight, then exits 0", "[stdio][concurrency]") {
  StdioStack s;
  s.fake.inject_fault({{"delay_ms", 6000}, {"count", 2}});
  s.server.write_stdin(line_of(add_call(1, "STOPPING_1")));
  s.server.write_stdin(line_of(add_call(2, "STOPPING_2")));
  s.requests_once(2);
  CHECK_FALSE(s.server.read_stdout_line(200ms)); // both reached Qovery before either was answered
  kill(s.server.pid(), SIGTERM);
  std::set<json> ids;
  for (int i = 0; i < 2; ++i) {
    json call = s.answer(15s);
    REQUIRE(call.is_object());
    CHECK(call["result"]["structuredContent"]["key"].get<std::string>().starts_with("STOPPING_"));
    ids.insert(call["id"]);
  }
  CHECK(ids == std::set<json>{1, 2});
  CHECK(s.server.wait(10s) == 0);
  CHECK(s.audit.json_lines().size() == 4); // an intent and an outcome each
}

TEST_CASE("HTTP: a call cancelled in its session gets 202 with no answer; its change is made",
          "[http][cancel]") {
  FakeQoveryProcess fake;
  TempPath audit;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--audit-log", audit.path});
  McpClient client(server.port);
  client.initialize();
  fake.inject_fault({{"delay_ms", 3000}});
  auto in_flight = std::async(std::launch::async, [&] {
    McpClient caller(server.port);
    caller.session_id = client.session_id;
    return caller.post(add_call(9, "CANCELLED_OVER_HTTP"));
  });
  REQUIRE(eventually([&] { return fake.requests().size() == 1; }));
  CHECK(client.post(cancelled(9)).status == 202);
  HttpReply reply = in_flight.get();
  CHECK(reply.status == 202);
  CHECK(reply.body.empty());
  auto lines = audit.json_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[1]["key"] == "CANCELLED_OVER_HTTP");
  CHECK(lines[1]["outcome"] == "ok");
  // The session goes on.
  CHECK(client.post(ping(10)).json() ==
        json{{"jsonrpc", "2.0"}, {"id", 10}, {"result", json::object()}});
}
