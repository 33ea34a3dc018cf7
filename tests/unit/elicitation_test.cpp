#include "qovery_mcp/elicitation.hpp"

#include "qovery_mcp/client_requests.hpp"
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
