// MCP 2026-07-28's per-request parts on the real binary, over HTTP and stdio:
// subscriptions/listen (acknowledged, held open, ended by the client or with
// the graceful-closure result at SIGTERM), the per-request log level of
// _meta (notifications/message before the answer, none without it), the W3C
// trace context of _meta in the server's own log lines, and a 2026-07-28
// call cancelled on stdio.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include <csignal>

using nlohmann::json;
using namespace test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

json modern_meta() {
  return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
          {"io.modelcontextprotocol/clientInfo", {{"name", "integration-test"}, {"version", "1"}}},
          {"io.modelcontextprotocol/clientCapabilities", json::object()}};
}

json modern_request(const std::string &method, json params, const json &id) {
  params["_meta"] = modern_meta();
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

json listen_request(const json &id) {
  return modern_request("subscriptions/listen", {{"notifications", {{"toolsListChanged", true}}}},
                        id);
}

json list_call(const json &id, const std::string &log_level = "") {
  json call = modern_request(
      "tools/call", {{"name", "list-job-secrets"}, {"arguments", {{"jobId", kJobId}}}}, id);
  if (!log_level.empty())
    call["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = log_level;
  return call;
}

json add_call(const json &id, const std::string &key, const std::string &value,
              const std::string &log_level) {
  json call = modern_request(
      "tools/call",
      {{"name", "add-secret-job"},
       {"arguments", {{"jobId", kJobId}, {"body", {{"key", key}, {"value", value}}}}}},
      id);
  call["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = log_level;
  return call;
}

/// The JSON-RPC messages of the `data:` lines of an SSE body (or of a raw
/// HTTP exchange carrying one), in order.
std::vector<json> sse_messages(const std::string &text) {
  std::vector<json> messages;
  for (std::size_t at = text.find("data: "); at != std::string::npos;
       at = text.find("data: ", at + 1)) {
    std::size_t end = text.find('\n', at);
    messages.push_back(json::parse(text.substr(at + 6, end - at - 6)));
  }
  return messages;
}

/// A POST held open on a raw connection, read as it comes: what an SSE client does.
struct RawStream {
  int fd;
  std::string received;
  bool closed = false;

  RawStream(int port, const json &message) : fd(connect_loopback(port)) {
    std::string body = message.dump();
    std::string request = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\n"
                          "Accept: application/json, text/event-stream\r\n"
                          "MCP-Protocol-Version: 2026-07-28\r\n"
                          "Mcp-Method: " +
                          message["method"].get<std::string>() +
                          "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    REQUIRE(write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  }
  ~RawStream() {
    if (fd >= 0)
      close(fd);
  }
  void close_now() {
    close(fd);
    fd = -1;
  }
  /// Reads until `done()` holds or the peer closes (true if `done()` held),
  /// for at most `timeout`.
  bool read_until(const std::function<bool()> &done, std::chrono::milliseconds timeout) {
    auto until = Clock::now() + timeout;
    while (!done()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      pollfd ready{fd, POLLIN, 0};
      if (closed || left.count() <= 0 || poll(&ready, 1, static_cast<int>(left.count())) <= 0)
        return done();
      char buffer[4096];
      ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) {
        closed = true;
        return done();
      }
      received.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  std::vector<json> messages() const { return sse_messages(received); }
};

/// The acknowledgment a subscription of `id` gets from this server.
json acknowledgment(const json &id) {
  return {{"jsonrpc", "2.0"},
          {"method", "notifications/subscriptions/acknowledged"},
          {"params",
           {{"_meta", {{"io.modelcontextprotocol/subscriptionId", id}}},
            {"notifications", json::object()}}}};
}

void check_closure(const json &message, const json &id) {
  INFO(message.dump());
  CHECK(message["id"] == id);
  CHECK(message["result"]["resultType"] == "complete");
  CHECK(message["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == id);
}

/// A --stdio server against its own fake-qovery, with no initialize: a
/// 2026-07-28 client sends none.
struct ModernStdio {
  explicit ModernStdio(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {QMCP_SERVER_BIN, "--stdio",   "--api-url",
                                     fake.url(),      "--ca-file", kCertDir + "/ca.pem"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server = std::make_unique<Process>(
        argv, std::map<std::string, std::string>{{"QOVERY_API_KEY", kApiKey}});
  }
  void send(const json &message) { server->write_stdin(message.dump() + "\n"); }
  /// The next line of stdout as JSON; null at timeout.
  json next(std::chrono::milliseconds timeout) {
    auto line = server->read_stdout_line(timeout);
    if (!line)
      return nullptr;
    INFO("stdout line: " << *line);
    json message = json::parse(*line, nullptr, false);
    REQUIRE(message.is_object());
    return message;
  }
  FakeQoveryProcess fake;
  std::unique_ptr<Process> server;
};

} // namespace

TEST_CASE("MCP 2026-07-28 over HTTP: subscriptions/listen is an SSE stream that stays open, and "
          "SIGTERM ends it with the graceful-closure result",
          "[modern][http][subscriptions]") {
  ServerProcess server({"--sandbox"}, {});
  RawStream first(server.port, listen_request(1));
  RawStream second(server.port, listen_request("two"));
  for (RawStream *stream : {&first, &second}) {
    REQUIRE(stream->read_until([&] { return !stream->messages().empty(); }, 10s));
    INFO(stream->received);
    CHECK(stream->received.starts_with("HTTP/1.1 200"));
    CHECK(stream->received.find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(stream->received.find("X-Accel-Buffering: no") != std::string::npos);
  }
  CHECK(first.messages() == std::vector<json>{acknowledgment(1)});
  CHECK(second.messages() == std::vector<json>{acknowledgment("two")});
  // The stream stays open: no answer ends it meanwhile, and the server serves.
  CHECK_FALSE(first.read_until([&] { return first.messages().size() > 1; }, 1s));
  CHECK_FALSE(first.closed);
  McpClient client(server.port);
  json discover = modern_request("server/discover", json::object(), 3);
  CHECK(client.post(discover, modern_headers(discover)).status == 200);

  auto stopping = Clock::now();
  kill(server.process->pid(), SIGTERM);
  for (RawStream *stream : {&first, &second}) {
    REQUIRE(stream->read_until([&] { return stream->messages().size() == 2; }, 10s));
    INFO(stream->received);
    check_closure(
        stream->messages()[1],
        stream->messages()[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"]);
    // No event id: nothing tells a client to resume the stream (2026-07-28 has no resumption).
    CHECK(stream->received.find("\nid:") == std::string::npos);
  }
  // Open streams do not hold the process: it exits well before --deadline (30 s) runs out.
  CHECK(server.process->wait(10s) == 0);
  CHECK(Clock::now() - stopping < 10s);
  CHECK(server.process->stderr_text().find("connections still open") == std::string::npos);
}

TEST_CASE("MCP 2026-07-28 over HTTP: a client that closes its listen stream ends it; the server "
          "keeps serving",
          "[modern][http][subscriptions]") {
  ServerProcess server({"--sandbox"}, {});
  for (int round = 0; round < 3; ++round) {
    RawStream stream(server.port, listen_request(round));
    REQUIRE(stream.read_until([&] { return !stream.messages().empty(); }, 10s));
    stream.close_now();
  }
  McpClient client(server.port);
  json list = modern_request("tools/list", json::object(), 9);
  HttpReply reply = client.post(list, modern_headers(list));
  CHECK(reply.status == 200);
  CHECK(reply.json()["result"]["tools"].size() == 7); // with the .env import
  // A listen without its filter is refused as JSON, with its id.
  json bad = modern_request("subscriptions/listen", json::object(), 10);
  reply = client.post(bad, modern_headers(bad));
  CHECK(reply.status == 400);
  CHECK(reply.json()["error"]["code"] == -32602);
  CHECK(reply.json()["id"] == 10);
  CHECK(server.process->stop(SIGTERM, 10s) == 0);
}

TEST_CASE("MCP 2026-07-28 over HTTP: a request's log level brings its log messages on an SSE "
          "answer; none, and plain JSON, without it",
          "[modern][http][logging]") {
  FakeQoveryProcess fake;
  ServerProcess server({"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"});
  McpClient client(server.port);

  // Qovery answers 503 four times: the call is retried, then fails.
  fake.inject_fault({{"status", 503}, {"count", 4}});
  json call = list_call(1, "warning");
  HttpReply reply = client.post(call, modern_headers(call));
  INFO(reply.body);
  CHECK(reply.status == 200);
  CHECK(reply.header("Content-Type").starts_with("text/event-stream"));
  std::vector<json> messages = sse_messages(reply.body);
  REQUIRE(messages.size() == 3);
  // The retries, then the failed call, then the answer.
  for (int i = 0; i < 2; ++i) {
    CHECK(messages[i]["method"] == "notifications/message");
    CHECK(messages[i]["params"]["level"] == "warning");
    CHECK(messages[i]["params"]["logger"] == "qovery-job-secret-mcp");
  }
  CHECK(messages[0]["params"]["data"]["message"].get<std::string>().find("after 4 attempts") !=
        std::string::npos);
  CHECK(messages[1]["params"]["data"]["outcome"] == "failed");
  CHECK(messages[2]["id"] == 1);
  CHECK(messages[2]["result"]["isError"] == true);

  // Without a level: the same failure, one JSON answer, no log message.
  fake.inject_fault({{"status", 503}, {"count", 4}});
  call = list_call(2);
  reply = client.post(call, modern_headers(call));
  CHECK(reply.status == 200);
  CHECK(reply.header("Content-Type").starts_with("application/json"));
  CHECK(reply.json()["id"] == 2);
  CHECK(reply.body.find("notifications/message") == std::string::npos);

  // A change at debug: its log messages hold neither the value nor the API key.
  const std::string value = "per-request-secret-4711";
  record_secret(value);
  json add = add_call(3, "PER_REQUEST_LOG", value, "debug");
  reply = client.post(add, modern_headers(add));
  CHECK(reply.status == 200);
  messages = sse_messages(reply.body);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0]["params"]["level"] == "debug");
  CHECK(messages[0]["params"]["data"]["tool"] == "add-secret-job");
  CHECK(messages[1]["result"]["structuredContent"]["key"] == "PER_REQUEST_LOG");
  CHECK(reply.body.find(value) == std::string::npos);
  CHECK(reply.body.find(kApiKey) == std::string::npos);

  // A level that is not one is refused, 400 and -32602.
  json bad = list_call(4, "loud");
  reply = client.post(bad, modern_headers(bad));
  CHECK(reply.status == 400);
  CHECK(reply.json()["error"]["code"] == -32602);
  CHECK(server.process->stderr_text().find(value) == std::string::npos);
}

TEST_CASE("MCP: the trace context of a request's _meta is in the server's log lines for it, a "
          "malformed one nowhere",
          "[modern][http][trace]") {
  FakeQoveryProcess fake;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--log-level", "debug"});
  McpClient client(server.port);

  json call = list_call(1);
  call["params"]["_meta"]["traceparent"] = kTraceparent;
  call["params"]["_meta"]["tracestate"] = "congo=t61rcWkgMzE";
  CHECK(client.post(call, modern_headers(call)).status == 200);
  std::optional<std::string> line = server.process->wait_for_stderr("debug: call ");
  REQUIRE(line);
  CHECK(line->find("traceparent=" + kTraceparent) != std::string::npos);
  CHECK(line->find("tracestate=\"congo=t61rcWkgMzE\"") != std::string::npos);

  // The initialize era's requests carry it in _meta the same way.
  client.initialize();
  json params = {{"name", "list-job-secrets"},
                 {"arguments", {{"jobId", kJobId}}},
                 {"_meta", {{"traceparent", kTraceparent}}}};
  CHECK(client.request("tools/call", params)["result"]["structuredContent"]["results"].is_array());
  line = server.process->wait_for_stderr("debug: call ");
  REQUIRE(line);
  CHECK(line->find("traceparent=" + kTraceparent) != std::string::npos);

  // Malformed: the call is served, its line carries no trace context, and
  // the text sent is never written.
  for (const std::string &malformed :
       {std::string("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
        std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 injected=yes"),
        std::string("zz-not-a-trace")}) {
    json bad = list_call(2);
    bad["params"]["_meta"]["traceparent"] = malformed;
    bad["params"]["_meta"]["tracestate"] = "smuggled=1";
    CHECK(client.post(bad, modern_headers(bad)).status == 200);
    line = server.process->wait_for_stderr("debug: call ");
    REQUIRE(line);
    CHECK(line->find("traceparent") == std::string::npos);
  }
  std::string log = server.process->stderr_text();
  CHECK(log.find("injected") == std::string::npos);
  CHECK(log.find("smuggled") == std::string::npos);
  CHECK(log.find("4BF92F") == std::string::npos);
}

TEST_CASE("MCP 2026-07-28 over stdio: listen is acknowledged, ended by notifications/cancelled, "
          "and at SIGTERM with the graceful-closure result",
          "[modern][stdio][subscriptions]") {
  ModernStdio s;
  s.send(listen_request("a"));
  CHECK(s.next(10s) == acknowledgment("a"));
  s.send(listen_request(2));
  CHECK(s.next(10s) == acknowledgment(2));
  // The client cancels "a": no answer for it.
  s.send({{"jsonrpc", "2.0"},
          {"method", "notifications/cancelled"},
          {"params", {{"requestId", "a"}, {"reason", "closing the panel"}}}});
  s.send(modern_request("server/discover", json::object(), 3));
  json discover = s.next(10s);
  CHECK(discover["id"] == 3);
  CHECK(s.next(500ms).is_null());
  CHECK(s.server->stderr_text().find("closing the panel") != std::string::npos);

  kill(s.server->pid(), SIGTERM);
  json closed = s.next(10s);
  check_closure(closed, 2);
  CHECK(s.next(1s).is_null()); // none for "a"
  CHECK(s.server->wait(10s) == 0);
}

TEST_CASE("MCP 2026-07-28 over stdio: log messages come before the answer, only when asked",
          "[modern][stdio][logging]") {
  ModernStdio s;
  s.fake.inject_fault({{"status", 503}, {"count", 2}});
  s.send(list_call(1, "info"));
  json retried = s.next(30s);
  CHECK(retried["method"] == "notifications/message");
  CHECK(retried["params"]["level"] == "warning");
  CHECK(retried["params"]["data"]["message"].get<std::string>().find("after 3 attempts") !=
        std::string::npos);
  json answer = s.next(30s);
  CHECK(answer["id"] == 1);
  CHECK(answer["result"]["structuredContent"]["results"].is_array());

  s.fake.inject_fault({{"status", 503}, {"count", 2}});
  s.send(list_call(2));
  answer = s.next(30s);
  CHECK(answer["id"] == 2); // first: no log message without a level
  CHECK(s.next(500ms).is_null());
}

TEST_CASE("MCP 2026-07-28 over stdio: a call cancelled while Qovery answers gets no answer",
          "[modern][stdio][cancel]") {
  ModernStdio s;
  s.fake.inject_fault({{"delay_ms", 3000}});
  s.send(list_call("slow", "debug"));
  REQUIRE(eventually([&] { return s.fake.requests().size() >= 1; }));
  s.send({{"jsonrpc", "2.0"},
          {"method", "notifications/cancelled"},
          {"params", {{"requestId", "slow"}, {"reason", "the user pressed stop"}}}});
  s.send(modern_request("server/discover", json::object(), "after"));
  json discover = s.next(10s);
  CHECK(discover["id"] == "after");
  // Neither the answer nor the call's log message ever comes.
  CHECK(s.next(5s).is_null());
  CHECK(s.server->stderr_text().find("the user pressed stop") != std::string::npos);
  s.server->close_stdin();
  CHECK(s.server->wait(10s) == 0);
}
