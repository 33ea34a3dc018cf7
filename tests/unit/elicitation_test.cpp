#include "qovery_mcp/elicitation.hpp"
#include "qovery_mcp/secret_import.hpp"

#include "qovery_mcp/client_requests.hpp"
#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/resources.hpp"

#include <catch2/catch.hpp>

#include <thread>

using nlohmann::json;
using namespace qovery_mcp;

TEST_CASE("Elicitation: whether a call is confirmed first", "[elicitation]") {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  const ToolRegistry::Tool &remove = *registry.find("delete-secret-job");
  const ToolRegistry::Tool &add = *registry.find("add-secret-job");
  REQUIRE(remove.spec->hints.destructive);
  using enum ConfirmPolicy;
  CHECK(confirmation_for(remove, Auto, true) == Confirmation::Ask);
  CHECK(confirmation_for(remove, Auto, false) == Confirmation::Send);
  CHECK(confirmation_for(remove, Always, true) == Confirmation::Ask);
  CHECK(confirmation_for(remove, Always, false) == Confirmation::Refuse);
  CHECK(confirmation_for(remove, Never, true) == Confirmation::Send);
  for (ConfirmPolicy policy : {Auto, Always, Never})
    for (bool can_ask : {false, true})
      CHECK(confirmation_for(add, policy, can_ask) == Confirmation::Send);

  CHECK(parse_confirm_policy("always") == Always);
  CHECK_FALSE(parse_confirm_policy("Always"));

  json asked = confirmation_request(remove, {{"jobId", "J"}, {"secretId", "S"}},
                                    json{{"id", "S"}, {"key", "DB_URL"}, {"scope", "JOB"}});
  CHECK(asked["mode"] == "form");
  std::string message = asked["message"];
  for (const char *part : {"DB_URL", "JOB scope", "S", "J"})
    CHECK(message.find(part) != std::string::npos);
  CHECK(asked["requestedSchema"]["required"] == json::array({"confirm"}));

  CHECK(confirms({{"action", "accept"}, {"content", {{"confirm", true}}}}));
  CHECK_FALSE(confirms({{"action", "accept"}, {"content", {{"confirm", false}}}}));
  CHECK_FALSE(confirms({{"action", "accept"}, {"content", {{"confirm", "true"}}}}));
  CHECK_FALSE(confirms({{"action", "accept"}}));
  CHECK_FALSE(confirms({{"action", "decline"}, {"content", {{"confirm", true}}}}));
  CHECK_FALSE(confirms(json::array()));
}

TEST_CASE("Elicitation: responses reach the request that waits for them", "[elicitation]") {
  mcp::ClientRequests requests;
  std::string id = requests.open();
  CHECK(id.size() == 17);
  CHECK_FALSE(requests.deliver({{"jsonrpc", "2.0"}, {"id", "q-unknown"}, {"result", {}}}));
  CHECK_FALSE(requests.take(id, std::chrono::steady_clock::now()));

  std::thread client([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(requests.deliver({{"jsonrpc", "2.0"}, {"id", id}, {"result", {{"action", "accept"}}}}));
  });
  auto answer = requests.take(id, std::chrono::steady_clock::now() + std::chrono::minutes(1));
  client.join();
  REQUIRE(answer);
  REQUIRE(*answer);
  CHECK(answer->value()["action"] == "accept");
  CHECK_FALSE(requests.deliver({{"jsonrpc", "2.0"}, {"id", id}, {"result", {}}})); // taken

  std::string refused = requests.open();
  CHECK(requests.deliver(
      {{"jsonrpc", "2.0"}, {"id", refused}, {"error", {{"code", -32602}, {"message", "no url"}}}}));
  auto error = requests.take(refused, std::chrono::steady_clock::now());
  REQUIRE(error);
  CHECK(error->error() == "no url");

  // Ended by the caller's predicate, and by close(), long before the deadline.
  std::string waiting = requests.open();
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(requests.take(waiting, started + std::chrono::minutes(1), [] { return true; }));
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    requests.close();
  });
  CHECK_FALSE(requests.take(waiting, started + std::chrono::minutes(1)));
  closer.join();
  CHECK(requests.closed());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
}

TEST_CASE("Elicitation: which calls may ask the client", "[elicitation]") {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  add_import_tool(registry); // as the server does
  FakeQovery fake;
  SandboxUpstream upstream(fake);
  ToolCaller caller(capability, registry, upstream);
  mcp::Server server(caller, {"t", "T", "1", ""});
  const auto call = [](const std::string &tool, const json &arguments) {
    return json{{"jsonrpc", "2.0"},
                {"id", 1},
                {"method", "tools/call"},
                {"params", {{"name", tool}, {"arguments", arguments}}}};
  };
  const json no_value = {{"jobId", FakeQovery::kJobId}, {"body", {{"key", "K"}}}};
  const json with_value = {{"jobId", FakeQovery::kJobId}, {"body", {{"key", "K"}, {"value", "v"}}}};
  const json secret = {{"jobId", FakeQovery::kJobId}, {"secretId", FakeQovery::kJobSecretId}};

  mcp::Session plain("plain");
  CHECK_FALSE(server.may_ask_client(call("add-secret-job", no_value), plain));
  CHECK_FALSE(server.may_ask_client(call("delete-secret-job", secret), plain));

  mcp::Session asking("asking");
  asking.set_elicitation({true, true});
  // No Confirm hook (--confirm-destructive=never): a delete asks nothing.
  CHECK_FALSE(server.may_ask_client(call("delete-secret-job", secret), asking));
  caller.confirm_destructive_with(
      [](const ToolRegistry::Tool &, const json &, CallOrigin, const ToolCaller::Context &) {
        return std::optional<json>();
      });
  mcp::Session url_only("url"), form_only("form");
  url_only.set_elicitation({false, true});
  form_only.set_elicitation({true, false});
  CHECK_FALSE(server.may_ask_client(call("delete-secret-job", secret), url_only));
  CHECK(server.may_ask_client(call("delete-secret-job", secret), form_only));
  CHECK_FALSE(server.may_ask_client(call("add-secret-job", no_value), form_only));
  CHECK(server.may_ask_client(call("add-secret-job", no_value), url_only));
  CHECK(server.may_ask_client(call("add-secret-job", no_value), asking));
  CHECK(server.may_ask_client(call("add-secret-job", json::object()), asking));
  CHECK(server.may_ask_client(call("delete-secret-job", secret), asking));
  CHECK_FALSE(server.may_ask_client(call("add-secret-job", with_value), asking));
  CHECK_FALSE(server.may_ask_client(call("list-job-secrets", secret), asking));
  CHECK_FALSE(server.may_ask_client(call("no-such-tool", secret), asking));
  CHECK(server.may_ask_client(call("add-secret-job", json::array()), asking)); // refused later
  CHECK_FALSE(server.may_ask_client({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, asking));
  // The .env import asks by URL elicitation only (its page), never by a form,
  // though its hints call it destructive.
  const json job = {{"jobId", FakeQovery::kJobId}};
  CHECK(server.may_ask_client(call(kImportToolName, job), url_only));
  CHECK(server.may_ask_client(call(kImportToolName, job), asking));
  CHECK_FALSE(server.may_ask_client(call(kImportToolName, job), form_only));
  CHECK_FALSE(server.may_ask_client(call(kImportToolName, job), plain));
}
