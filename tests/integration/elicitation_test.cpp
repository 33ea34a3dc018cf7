// Elicitation in the 2025-11-25 era (issue 13) on a real server process and
// fake-qovery: a value-less call of a client that declared URL elicitation
// sends elicitation/create during the call (an SSE answer over HTTP, a request
// line over stdio), waits on the value-entry page while sending progress, and
// completes with the secret; decline and cancel revoke the link. A delete of a
// client that declared form elicitation asks the person first
// (--confirm-destructive).

#include "entry_client.hpp"
#include "stack.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>

using nlohmann::json;
using namespace test;

namespace {

const json kUrlElicitation = {{"elicitation", {{"url", json::object()}}}};
const json kFormElicitation = {{"elicitation", json::object()}}; // empty: form only

/// A request POSTed to /mcp on a connection of its own, whose SSE answer is
/// read message by message as the server writes it.
class StreamedRequest {
public:
  StreamedRequest(const McpClient &client, int port, json message) : http_("127.0.0.1", port) {
    http_.set_read_timeout(120, 0);
    thread_ = std::thread([this, session = client.session_id, message = std::move(message)] {
      httplib::Request req;
      req.method = "POST";
      req.path = "/mcp";
      req.headers = {{"Accept", "application/json, text/event-stream"},
                     {"Content-Type", "application/json"},
                     {"Mcp-Session-Id", session},
                     {"MCP-Protocol-Version", "2025-11-25"}};
      req.body = message.dump();
      req.response_handler = [this](const httplib::Response &res) {
        std::lock_guard lock(mutex_);
        content_type_ = res.get_header_value("Content-Type");
        return true;
      };
      req.content_receiver = [this](const char *data, std::size_t length, std::uint64_t,
                                    std::uint64_t) {
        received(std::string(data, length));
        return true;
      };
      httplib::Response res;
      httplib::Error error = httplib::Error::Success;
      http_.send(req, res, error);
      std::lock_guard lock(mutex_);
      ended_ = true;
      changed_.notify_all();
    });
  }
  ~StreamedRequest() { thread_.join(); }
  StreamedRequest(const StreamedRequest &) = delete;
  StreamedRequest &operator=(const StreamedRequest &) = delete;

  /// The next message of the stream; nullopt once it ended without one
  /// (or after 60 s).
  std::optional<json> next() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(60), [&] { return !messages_.empty() || ended_; });
    if (messages_.empty())
      return std::nullopt;
    json message = std::move(messages_.front());
    messages_.pop_front();
    return message;
  }
  /// The next message that is not notifications/progress; counts those in `progress`.
  std::optional<json> next_skipping_progress(int &progress) {
    for (;;) {
      std::optional<json> message = next();
      if (!message || message->value("method", "") != "notifications/progress")
        return message;
      ++progress;
    }
  }
  std::string content_type() {
    std::lock_guard lock(mutex_);
    return content_type_;
  }
  /// Every byte of the stream so far, for the transcript.
  std::string transcript() {
    std::lock_guard lock(mutex_);
    return transcript_;
  }

private:
  void received(const std::string &bytes) {
    std::lock_guard lock(mutex_);
    transcript_ += bytes;
    buffer_ += bytes;
    for (std::size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
      std::string event = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      if (event.rfind("data: ", 0) == 0)
        messages_.push_back(json::parse(event.substr(6)));
    }
    changed_.notify_all();
  }

  httplib::Client http_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<json> messages_;
  std::string buffer_, transcript_, content_type_;
  bool ended_ = false;
};

/// fake-qovery and the server pointed at it, with debug logs.
struct Stack {
  explicit Stack(std::vector<std::string> extra = {})
      : server(with(std::move(extra), fake)), client(server.port) {}
  static std::vector<std::string> with(std::vector<std::string> extra,
                                       const FakeQoveryProcess &fake) {
    std::vector<std::string> args = {"--api-url",          fake.url(),    "--ca-file",
                                     kCertDir + "/ca.pem", "--log-level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(server.port); }
  std::vector<json> writes() { return writes_to(fake); }
  json tools_call(int id, const std::string &tool, const json &arguments,
                  const json &progress_token = nullptr) {
    json params = {{"name", tool}, {"arguments", arguments}};
    if (!progress_token.is_null())
      params["_meta"] = {{"progressToken", progress_token}};
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}};
  }
  /// POSTs the client's response to the server's request `id`: 202 expected.
  void respond(const json &id, const json &result) {
    HttpReply reply = client.post(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}},
                                  {{"MCP-Protocol-Version", "2025-11-25"}});
    CHECK(reply.status == 202);
  }
  FakeQoveryProcess fake;
  ServerProcess server;
  McpClient client;
};

/// The path of an elicitation's url, after checking that it is a link of `origin`.
std::string entry_path(const json &elicitation, const std::string &origin) {
  std::string url = elicitation["params"]["url"];
  REQUIRE(url.rfind(origin + "/entry/", 0) == 0);
  return url.substr(origin.size());
}

/// Plays the person: opens the page at `path` and submits `value`.
HttpReply submit(Browser &browser, const std::string &origin, const std::string &path,
                 const std::string &value) {
  HttpReply page = browser.get(path);
  REQUIRE(page.status == 200);
  return browser.post(path, {{"csrf", csrf_in(page.body)}, {"value", value}}, from_page(origin));
}

} // namespace

TEST_CASE("Elicitation: a URL elicitation during the call, then the secret", "[elicitation]") {
  const std::string value = "elicited-value-5c2e9b71";
  // A 30 s link: progress every 3 s.
  Stack s({"--entry-link-ttl", "30"});
  s.client.initialize("2025-11-25", kUrlElicitation);
  StreamedRequest call(s.client, s.server.port,
                       s.tools_call(7, "add-secret-job",
                                    {{"jobId", kJobId}, {"body", {{"key", "ELICITED_KEY"}}}},
                                    "progress-7"));
  std::optional<json> asked = call.next();
  REQUIRE(asked);
  CHECK(call.content_type() == "text/event-stream");
  CHECK((*asked)["method"] == "elicitation/create");
  REQUIRE((*asked)["id"].is_string());
  const json &params = (*asked)["params"];
  CHECK(params["mode"] == "url");
  std::string message = params["message"];
  CHECK(message.find("ELICITED_KEY") != std::string::npos);
  CHECK(message.find(kJobId) != std::string::npos);
  CHECK(message.find("Add a secret") != std::string::npos);
  std::string elicitation_id = params["elicitationId"];
  CHECK(elicitation_id.size() == 32);
  std::string path = entry_path(*asked, s.origin());
  CHECK(s.writes().empty());

  s.respond((*asked)["id"], {{"action", "accept"}});
  // The person takes their time: progress comes meanwhile.
  std::optional<json> progress = call.next();
  REQUIRE(progress);
  CHECK((*progress)["method"] == "notifications/progress");
  CHECK((*progress)["params"]["progressToken"] == "progress-7");
  CHECK((*progress)["params"]["progress"] == 1);

  Browser browser(s.server.port);
  CHECK(submit(browser, s.origin(), path, value).status == 200);
  int more_progress = 0;
  std::optional<json> complete = call.next_skipping_progress(more_progress);
  REQUIRE(complete);
  CHECK((*complete)["method"] == "notifications/elicitation/complete");
  CHECK((*complete)["params"]["elicitationId"] == elicitation_id);
  std::optional<json> answer = call.next_skipping_progress(more_progress);
  REQUIRE(answer);
  CHECK((*answer)["id"] == 7);
  const json &result = (*answer)["result"];
  CHECK_FALSE(result.value("isError", false));
  CHECK(result["structuredContent"]["key"] == "ELICITED_KEY");
  CHECK(result["structuredContent"]["scope"] == "JOB");
  CHECK_FALSE(call.next());

  std::vector<json> writes = s.writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0]["body"]["value"] == value);
  std::string transcript = call.transcript() + s.server.process->stderr_text() + browser.answers;
  CHECK(transcript.find(value) == std::string::npos);
}

TEST_CASE("Elicitation: declined or cancelled, the link is revoked and nothing is sent",
          "[elicitation]") {
  Stack s;
  s.client.initialize("2025-11-25", kUrlElicitation);
  Browser browser(s.server.port);
  const json arguments = {{"jobId", kJobId}, {"body", {{"key", "NEVER_SET"}}}};

  SECTION("the person declines") {
    StreamedRequest call(s.client, s.server.port, s.tools_call(3, "add-secret-job", arguments));
    std::optional<json> asked = call.next();
    REQUIRE(asked);
    std::string path = entry_path(*asked, s.origin());
    HttpReply page = browser.get(path); // opened before the answer
    REQUIRE(page.status == 200);
    s.respond((*asked)["id"], {{"action", "decline"}});
    std::optional<json> answer = call.next();
    REQUIRE(answer);
    CHECK((*answer)["result"]["isError"] == true);
    std::string text = text_of((*answer)["result"]);
    CHECK(text.find("declined") != std::string::npos);
    CHECK(text.find("nothing was changed") != std::string::npos);
    HttpReply revoked = browser.get(path);
    CHECK(revoked.status == 410);
    CHECK(revoked.body.find("This request was cancelled") != std::string::npos);
    CHECK(browser
              .post(path, {{"csrf", csrf_in(page.body)}, {"value", "declined-value-1"}},
                    from_page(s.origin()))
              .status == 410);
  }

  SECTION("the person dismisses it") {
    StreamedRequest call(s.client, s.server.port, s.tools_call(4, "add-secret-job", arguments));
    std::optional<json> asked = call.next();
    REQUIRE(asked);
    s.respond((*asked)["id"], {{"action", "cancel"}});
    std::optional<json> answer = call.next();
    REQUIRE(answer);
    CHECK(text_of((*answer)["result"]).find("dismissed") != std::string::npos);
    CHECK(browser.get(entry_path(*asked, s.origin())).status == 410);
  }

  SECTION("the client cancels the call") {
    StreamedRequest call(s.client, s.server.port, s.tools_call(5, "add-secret-job", arguments));
    std::optional<json> asked = call.next();
    REQUIRE(asked);
    std::string path = entry_path(*asked, s.origin());
    s.respond((*asked)["id"], {{"action", "accept"}});
    HttpReply cancelled =
        s.client.post(json{{"jsonrpc", "2.0"},
                           {"method", "notifications/cancelled"},
                           {"params", {{"requestId", 5}, {"reason", "the user pressed stop"}}}},
                      {{"MCP-Protocol-Version", "2025-11-25"}});
    CHECK(cancelled.status == 202);
    // A cancelled request gets no answer; its stream ends, and its link is revoked.
    CHECK_FALSE(call.next());
    HttpReply revoked = browser.get(path);
    CHECK(revoked.status == 410);
    CHECK(revoked.body.find("This request was cancelled") != std::string::npos);
  }
  CHECK(s.writes().empty());
}

TEST_CASE("Elicitation: a client without URL elicitation keeps the link flow", "[elicitation]") {
  Stack s;
  s.client.initialize("2025-11-25", kFormElicitation);
  HttpReply reply = s.client.post(
      s.tools_call(2, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "LINKED"}}}}),
      {{"MCP-Protocol-Version", "2025-11-25"}});
  // Answered as one JSON object, with the link for the model to show.
  CHECK(reply.header("Content-Type") == "application/json");
  CHECK(reply.json()["result"]["structuredContent"]["status"] == "awaiting_value");
}

TEST_CASE("Elicitation: over --stdio, a request line and the response routed back",
          "[elicitation]") {
  const std::string value = "stdio-elicited-value-0e4d";
  FakeQoveryProcess fake;
  StdioServer server(fake);
  CHECK(server.initialize(kUrlElicitation)["id"] == 1);
  server.send(StdioServer::call(2, "add-secret-job",
                                {{"jobId", kJobId}, {"body", {{"key", "STDIO_ELICITED"}}}}));
  json asked = server.read();
  REQUIRE(asked["method"] == "elicitation/create");
  CHECK(asked["params"]["mode"] == "url");
  const LoopbackLink link = loopback_link(asked["params"]["url"]);
  server.send({{"jsonrpc", "2.0"}, {"id", asked["id"]}, {"result", {{"action", "accept"}}}});
  // A ping is answered while the call waits on the person.
  CHECK(server.exchange({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "ping"}})["id"] == 3);

  Browser browser(link.port);
  CHECK(submit(browser, link.origin(), link.path, value).status == 200);
  json complete = server.read();
  CHECK(complete["method"] == "notifications/elicitation/complete");
  json answer = server.read();
  CHECK(answer["id"] == 2);
  CHECK(answer["result"]["structuredContent"]["key"] == "STDIO_ELICITED");
  REQUIRE(fake.requests().size() == 1); // the write, from the page
  CHECK(fake.requests()[0]["body"]["value"] == value);
  server.process.close_stdin();
  CHECK(server.process.wait() == 0);
  const std::string transcript = server.transcript + server.process.stderr_text() + browser.answers;
  CHECK(transcript.find(value) == std::string::npos);
}

TEST_CASE("Elicitation: over --stdio, stopping ends a call that waits on the person",
          "[elicitation]") {
  FakeQoveryProcess fake;
  StdioServer server(fake);
  server.initialize(kUrlElicitation);
  CHECK(server.exchange(StdioServer::call(
            2, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "STOPPED"}}}}))["method"] ==
        "elicitation/create");
  auto started = std::chrono::steady_clock::now();
  int status = server.process.stop(SIGTERM, std::chrono::seconds(20));
  CHECK(status == 0);
  // Within a few polls, not the link's 600 s.
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
  CHECK(fake.requests().empty());
}

TEST_CASE("Elicitation: a delete is confirmed by the person first", "[elicitation][confirm]") {
  const json arguments = {{"jobId", kJobId}, {"secretId", kJobSecretId}};
  const auto deletes = [](Stack &s) {
    int count = 0;
    for (const json &write : s.writes())
      count += write["method"] == "DELETE";
    return count;
  };

  SECTION("a yes deletes, a no does not") {
    Stack s;
    s.client.initialize("2025-11-25", kFormElicitation);
    for (bool yes : {false, true}) {
      INFO("confirm " << yes);
      StreamedRequest call(s.client, s.server.port,
                           s.tools_call(yes ? 11 : 10, "delete-secret-job", arguments, "p"));
      std::optional<json> asked = call.next();
      REQUIRE(asked);
      CHECK((*asked)["method"] == "elicitation/create");
      const json &params = (*asked)["params"];
      CHECK(params["mode"] == "form");
      std::string message = params["message"];
      CHECK(message.find("JOB_SIGNING_KEY") != std::string::npos);
      CHECK(message.find("JOB scope") != std::string::npos);
      CHECK(message.find(kJobId) != std::string::npos);
      CHECK(params["requestedSchema"]["properties"]["confirm"]["type"] == "boolean");
      CHECK(deletes(s) == 0);
      s.respond((*asked)["id"], {{"action", "accept"}, {"content", {{"confirm", yes}}}});
      std::optional<json> answer = call.next();
      REQUIRE(answer);
      const json &result = (*answer)["result"];
      CHECK(result.value("isError", false) == !yes);
      if (!yes)
        CHECK(text_of(result).find("nothing was deleted") != std::string::npos);
      CHECK(deletes(s) == (yes ? 1 : 0));
    }
  }

  SECTION("declined") {
    Stack s;
    s.client.initialize("2025-11-25", {{"elicitation", {{"form", json::object()}}}});
    StreamedRequest call(s.client, s.server.port, s.tools_call(12, "delete-secret-job", arguments));
    std::optional<json> asked = call.next();
    REQUIRE(asked);
    s.respond((*asked)["id"], {{"action", "decline"}});
    std::optional<json> answer = call.next();
    REQUIRE(answer);
    CHECK(text_of((*answer)["result"]).find("nothing was deleted") != std::string::npos);
    CHECK(deletes(s) == 0);
  }

  SECTION("always: a client that cannot ask gets a tool error saying how to allow it") {
    Stack s({"--confirm-destructive", "always"});
    s.client.initialize();
    json result = s.client.call("delete-secret-job", arguments);
    CHECK(result["isError"] == true);
    CHECK(text_of(result).find("--confirm-destructive=auto") != std::string::npos);
    CHECK(deletes(s) == 0);
  }

  SECTION("auto: a client that cannot ask deletes unasked") {
    Stack s;
    s.client.initialize();
    CHECK_FALSE(s.client.call("delete-secret-job", arguments).value("isError", false));
    CHECK(deletes(s) == 1);
  }

  SECTION("never: no question, even to a client that can ask") {
    Stack s({"--confirm-destructive", "never"});
    s.client.initialize("2025-11-25", kFormElicitation);
    CHECK_FALSE(s.client.call("delete-secret-job", arguments).value("isError", false));
    CHECK(deletes(s) == 1);
  }
}

TEST_CASE("Elicitation: --stateless asks no 2025-11-25 client, whose answer may reach another "
          "replica",
          "[elicitation]") {
  TempPath key;
  {
    std::ofstream out(key.path);
    out << std::string(48, 'k');
  }
  Stack s({"--stateless", "--session-key-file", key.path});
  s.client.initialize("2025-11-25",
                      {{"elicitation", {{"form", json::object()}, {"url", json::object()}}}});
  CHECK(s.client.session_id.rfind("s1.2025-11-25.", 0) == 0);
  // A value-less add gets the link flow's plain answer, not an SSE stream
  // that asks; a delete is not confirmed (auto: the client cannot be asked).
  HttpReply added = s.client.post(
      s.tools_call(2, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "ASKED"}}}}));
  CHECK(added.header("Content-Type").rfind("application/json", 0) == 0);
  const json result = json::parse(added.body)["result"];
  CHECK(result["structuredContent"]["status"] == "awaiting_value");
  CHECK(s.writes().empty());
  HttpReply deleted = s.client.post(
      s.tools_call(3, "delete-secret-job", {{"jobId", kJobId}, {"secretId", kJobSecretId}}));
  CHECK(deleted.header("Content-Type").rfind("application/json", 0) == 0);
  CHECK_FALSE(json::parse(deleted.body)["result"].value("isError", false));
  CHECK(s.writes().size() == 1);
  CHECK(s.writes()[0]["method"] == "DELETE");
}

TEST_CASE("Elicitation: over HTTP, stopping ends a call that waits on the person",
          "[elicitation]") {
  Stack s;
  s.client.initialize("2025-11-25", kUrlElicitation);
  StreamedRequest call(
      s.client, s.server.port,
      s.tools_call(2, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "STOPPED"}}}}));
  std::optional<json> asked = call.next();
  REQUIRE(asked);
  auto started = std::chrono::steady_clock::now();
  CHECK(s.server.process->stop(SIGTERM, std::chrono::seconds(20)) == 0);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
  // The call's answer went out before the server stopped: a tool error, nothing changed.
  std::optional<json> answer = call.next();
  REQUIRE(answer);
  CHECK((*answer)["result"]["isError"] == true);
  CHECK(text_of((*answer)["result"]).find("nothing was changed") != std::string::npos);
  CHECK(s.writes().empty());
}

TEST_CASE("Elicitation: the .env import by URL elicitation, then each line's outcome",
          "[elicitation][import]") {
  const std::string value = "elicited-import-value-0e93a1";
  Stack s;
  s.client.initialize("2025-11-25", kUrlElicitation);
  const std::string tool = "import-job-secrets-from-dotenv";
  StreamedRequest call(s.client, s.server.port, s.tools_call(5, tool, {{"jobId", kJobId}}));
  std::optional<json> asked = call.next();
  REQUIRE(asked);
  CHECK(call.content_type() == "text/event-stream");
  CHECK((*asked)["method"] == "elicitation/create");
  const json &params = (*asked)["params"];
  CHECK(params["mode"] == "url");
  CHECK(params["message"].get<std::string>().find(".env file") != std::string::npos);
  CHECK(params["message"].get<std::string>().find(kJobId) != std::string::npos);
  const std::string path = entry_path(*asked, s.origin());
  Browser browser(s.server.port);

  SECTION("the person applies one line of two") {
    s.respond((*asked)["id"], {{"action", "accept"}});
    const std::string csrf = csrf_in(browser.get(path).body);
    HttpReply plan = send_file(browser, path, csrf,
                               "ELICIT_IMPORTED=" + value + "\nELICIT_SKIPPED=" + value + "-2\n",
                               from_page(s.origin()));
    REQUIRE(plan.status == 200);
    HttpReply applied = browser.post(path + "/apply",
                                     {{"csrf", csrf},
                                      {"plan", plan_token(plan.body)},
                                      {"line", plan_of(plan.body)["ELICIT_IMPORTED"].index}},
                                     from_page(s.origin()));
    CHECK(applied.status == 200);
    std::optional<json> complete = call.next();
    REQUIRE(complete);
    CHECK((*complete)["method"] == "notifications/elicitation/complete");
    std::optional<json> answer = call.next();
    REQUIRE(answer);
    const json &result = (*answer)["result"];
    CHECK_FALSE(result.value("isError", false));
    CHECK(result["structuredContent"]["status"] == "imported");
    CHECK(result["structuredContent"]["lines"] ==
          json::array({{{"line", 1}, {"key", "ELICIT_IMPORTED"}, {"outcome", "created"}},
                       {{"line", 2}, {"key", "ELICIT_SKIPPED"}, {"outcome", "unchecked"}}}));
    std::vector<json> writes = s.writes();
    REQUIRE(writes.size() == 1);
    CHECK(writes[0]["body"]["key"] == "ELICIT_IMPORTED");
  }

  SECTION("the person declines: the page is revoked") {
    s.respond((*asked)["id"], {{"action", "decline"}});
    std::optional<json> answer = call.next();
    REQUIRE(answer);
    CHECK((*answer)["result"]["isError"] == true);
    CHECK(text_of((*answer)["result"]).find("declined to give the .env file") != std::string::npos);
    CHECK(browser.get(path).status == 410);
    CHECK(s.writes().empty());
  }
  std::string transcript = call.transcript() + s.server.process->stderr_text() + browser.answers;
  CHECK(transcript.find(value) == std::string::npos);
}
