#include "qovery_mcp/stdio_transport.hpp"

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/resources.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <sstream>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

/// Runs a whole stdio conversation against the sandbox; returns the answer lines.
std::vector<json> converse(const std::string &input) {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  FakeQovery fake;
  SandboxUpstream upstream(fake);
  ToolCaller caller(capability, registry, upstream);
  mcp::Server server(caller, {"n", "t", "v", ""});
  std::istringstream in(input);
  std::ostringstream out;
  StdioTransport(server, in, out).serve();
  std::vector<json> answers;
  std::istringstream lines(out.str());
  std::string line;
  while (std::getline(lines, line))
    answers.push_back(json::parse(line)); // every line of stdout is one JSON message
  return answers;
}

} // namespace

TEST_CASE("stdio: one answer line per request, none for notifications", "[stdio]") {
  auto answers = converse(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})"
      "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"
      "\r\n\n"
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list-job-secrets","arguments":{"jobId":"11111111-1111-4111-8111-111111111111"}}})");
  REQUIRE(answers.size() == 3);
  CHECK(answers[0]["result"]["protocolVersion"] == "2025-06-18");
  CHECK(answers[1]["id"] == 2);
  CHECK(answers[1]["result"]["tools"].size() == 6);
  CHECK(answers[2]["result"]["structuredContent"]["results"].size() >= 4);
}

TEST_CASE("stdio: a malformed line gets an error and the next line is served", "[stdio]") {
  auto answers = converse("{oops\n[1,2]\n"
                          R"({"jsonrpc":"2.0","id":9,"method":"ping"})"
                          "\n");
  REQUIRE(answers.size() == 3);
  CHECK(answers[0]["error"]["code"] == -32700);
  CHECK(answers[1]["error"]["code"] == -32600);
  CHECK(answers[2] == json{{"jsonrpc", "2.0"}, {"id", 9}, {"result", json::object()}});
}

TEST_CASE("stdio: a line with a newline inside a string stays one line", "[stdio]") {
  auto answers = converse(R"({"jsonrpc":"2.0","id":"a\nb","method":"ping"})"
                          "\n");
  REQUIRE(answers.size() == 1);
  CHECK(answers[0]["id"] == "a\nb");
}

TEST_CASE("stdio: a line over the size limit gets -32600 and the next line is served", "[stdio]") {
  std::string huge = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" +
                     std::string(kMaxStdioMessageBytes, 'a') + "\"}}";
  auto answers = converse(huge + "\n" +
                          R"({"jsonrpc":"2.0","id":2,"method":"ping"})"
                          "\n");
  REQUIRE(answers.size() == 2);
  CHECK(answers[0]["id"].is_null());
  CHECK(answers[0]["error"]["code"] == -32600);
  CHECK(answers[0]["error"]["message"] ==
        "invalid request: the message is too large: the limit is 4194304 bytes a line");
  CHECK(answers[1] == json{{"jsonrpc", "2.0"}, {"id", 2}, {"result", json::object()}});
  // A line of exactly the limit is read whole.
  std::string fits = R"({"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":")";
  fits += std::string(kMaxStdioMessageBytes - fits.size() - 3, 'a') + "\"}}";
  REQUIRE(fits.size() == kMaxStdioMessageBytes);
  auto fitting = converse(fits + "\n");
  REQUIRE(fitting.size() == 1);
  CHECK(fitting[0]["result"] == json::object());
}

TEST_CASE("stdio: many calls and pings at once: each answered once, on a whole line of its own",
          "[stdio]") {
  constexpr int kCalls = 3 * static_cast<int>(kMaxStdioCallsInFlight);
  std::string input;
  std::set<json> expected;
  for (int i = 0; i < kCalls; ++i) {
    input += json{{"jsonrpc", "2.0"},
                  {"id", i},
                  {"method", "tools/call"},
                  {"params",
                   {{"name", "list-job-secrets"}, {"arguments", {{"jobId", FakeQovery::kJobId}}}}}}
                 .dump() +
             "\n";
    input +=
        json{{"jsonrpc", "2.0"}, {"id", "ping-" + std::to_string(i)}, {"method", "ping"}}.dump() +
        "\n";
    expected.insert(i);
    expected.insert("ping-" + std::to_string(i));
  }
  std::vector<json> answers = converse(input); // every line parses as one message
  std::set<json> ids;
  for (const json &answer : answers) {
    CHECK(answer["jsonrpc"] == "2.0");
    CHECK(ids.insert(answer["id"]).second); // never answered twice
    if (answer["id"].is_number())
      CHECK(answer["result"]["structuredContent"]["results"].size() >= 4);
    else
      CHECK(answer["result"] == json::object());
  }
  CHECK(ids == expected);
}
