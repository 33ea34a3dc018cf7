#include "controls.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using fake_qovery::FakeControls;
using nlohmann::json;
using qovery_mcp::FakeQovery;
using qovery_mcp::FakeQoveryOptions;
using qovery_mcp::FakeRequest;

namespace {

const std::string kSecrets = std::string("/job/") + FakeQovery::kJobId + "/secret";
const std::string kUnknownPath = kSecrets + "/99999999-9999-4999-8999-999999999999";
const std::string kApiToken = "qov_test_token_123";

/// Whether the list `controls` answers has a JOB-scope secret named `key`.
bool lists_job_key(FakeControls &controls, const std::string &key) {
  auto listed = controls.handle({"GET", kSecrets, "", ""});
  REQUIRE(listed.status == 200);
  json results = json::parse(listed.body)["results"];
  for (const json &secret : results)
    if (secret["key"] == key && secret["scope"] == "JOB")
      return true;
  return false;
}

fake_qovery::FakeFault fault_of(const json &text) {
  auto fault = fake_qovery::parse_fake_fault(text);
  REQUIRE(fault);
  return fault.value();
}

std::string fault_error(const json &text) {
  auto fault = fake_qovery::parse_fake_fault(text);
  return fault ? "" : fault.error();
}

} // namespace

TEST_CASE("FakeControls: requests are recorded with their scheme but never the key",
          "[fake][controls]") {
  FakeControls controls(FakeQoveryOptions{kApiToken});
  controls.handle({"GET", kSecrets, "Token " + kApiToken, ""});
  controls.handle({"POST", kSecrets, "Bearer " + kApiToken, json{{"key", "REC"}}.dump()});
  controls.handle({"DELETE", kUnknownPath, "", ""});
  controls.handle({"GET", kSecrets, kApiToken, ""});

  auto recorded = controls.recorded();
  REQUIRE(recorded.size() == 4);
  CHECK(recorded[0].method == "GET");
  CHECK(recorded[0].path == kSecrets);
  CHECK(recorded[0].auth_scheme == "Token");
  CHECK(recorded[0].authorized);
  CHECK(recorded[1].method == "POST");
  CHECK(recorded[1].auth_scheme == "Bearer");
  CHECK_FALSE(recorded[1].authorized);
  CHECK(json::parse(recorded[1].body) == json{{"key", "REC"}});
  CHECK(recorded[2].auth_scheme.empty());
  CHECK_FALSE(recorded[2].authorized);
  CHECK(recorded[3].auth_scheme == "other");
  CHECK_FALSE(recorded[3].authorized);
  for (const auto &request : recorded) {
    for (const std::string *text :
         {&request.method, &request.path, &request.auth_scheme, &request.body})
      CHECK(text->find(kApiToken) == std::string::npos);
  }

  controls.clear_recorded();
  CHECK(controls.recorded().empty());
}

TEST_CASE("FakeControls: without an api_key requests are recorded as authorized",
          "[fake][controls]") {
  FakeControls controls;
  controls.handle({"GET", kSecrets, "", ""});
  REQUIRE(controls.recorded().size() == 1);
  CHECK(controls.recorded()[0].authorized);
  CHECK(controls.recorded()[0].auth_scheme.empty());
}

TEST_CASE("FakeControls: reset() restores the seed and forgets requests", "[fake][controls]") {
  FakeControls controls;
  REQUIRE(controls.handle({"POST", kSecrets, "", R"({"key":"TEMP"})"}).status == 201);
  controls.reset();
  CHECK(controls.recorded().empty());
  CHECK_FALSE(lists_job_key(controls, "TEMP"));
  CHECK(lists_job_key(controls, "JOB_SIGNING_KEY"));
}

TEST_CASE("FakeControls: faults are parsed from the control endpoint's JSON",
          "[fake][controls][faults]") {
  auto unavailable = fault_of({{"status", 503}, {"count", 2}, {"retry_after", 1}});
  CHECK(unavailable.status == 503);
  CHECK(unavailable.count == 2);
  CHECK(unavailable.retry_after == 1);
  CHECK(fault_of({{"delay_ms", 800}}).delay == std::chrono::milliseconds(800));
  CHECK(fault_of({{"delay_ms", 800}}).count == 1);
  CHECK(fault_of({{"reset", true}}).reset);
  CHECK(fault_of({{"body", "{\"results\":["}}).body == "{\"results\":[");

  CHECK(fault_error(json::array()) == "a fault must be a JSON object");
  CHECK(fault_error(json::object()) == "a fault needs status, body, reset or delay_ms");
  CHECK(fault_error({{"status", 99}}) == "field 'status' must be an integer from 100 to 599");
  CHECK(fault_error({{"status", "503"}}) == "field 'status' must be an integer from 100 to 599");
  CHECK(fault_error({{"status", 503}, {"count", 0}}) ==
        "field 'count' must be an integer from 1 to 1000000");
  CHECK(fault_error({{"reset", 1}}) == "field 'reset' must be a boolean");
  CHECK(fault_error({{"body", 1}}) == "field 'body' must be a string");
  CHECK(fault_error({{"reset", true}, {"status", 500}}) ==
        "'reset' closes the connection: it takes no status or body");
  CHECK(fault_error({{"retry_after", 1}}) == "'retry_after' needs a status");
  CHECK(fault_error({{"stauts", 503}}).starts_with("unknown field 'stauts'"));
}

TEST_CASE("FakeControls: an injected status answers the next N requests, then the API again",
          "[fake][controls][faults]") {
  FakeControls controls;
  controls.inject(fault_of({{"status", 503}, {"count", 2}, {"retry_after", 1}}));
  for (int i = 0; i < 2; ++i) {
    auto response = controls.handle({"GET", kSecrets, "", ""});
    CHECK(response.status == 503);
    CHECK(json::parse(response.body)["status"] == 503);
    CHECK(response.retry_after == 1);
  }
  auto recovered = controls.handle({"GET", kSecrets, "", ""});
  CHECK(recovered.status == 200);
  CHECK_FALSE(recovered.retry_after);
  CHECK(controls.recorded().size() == 3);
}

TEST_CASE("FakeControls: faults apply in the order they were injected",
          "[fake][controls][faults]") {
  FakeControls controls;
  controls.inject(fault_of({{"status", 429}}));
  controls.inject(fault_of({{"reset", true}}));
  controls.inject(fault_of({{"body", "{\"results\":["}}));
  CHECK(controls.handle({"GET", kSecrets, "", ""}).status == 429);
  CHECK(controls.handle({"GET", kSecrets, "", ""}).reset);
  auto truncated = controls.handle({"GET", kSecrets, "", ""});
  CHECK(truncated.status == 200);
  CHECK(truncated.body == "{\"results\":[");
  CHECK(controls.handle({"GET", kSecrets, "", ""}).body.starts_with("{\"results\":[{"));
}

TEST_CASE("FakeControls: a fault with a path or a key applies to those requests only",
          "[fake][controls][faults]") {
  CHECK(fault_of({{"status", 400}, {"key", "BROKEN"}}).key == "BROKEN");
  CHECK(fault_error({{"status", 400}, {"path", 1}}) == "field 'path' must be a string");
  FakeControls controls;
  const std::string project = kSecrets + "/" + FakeQovery::kProjectSecretId + "/override";
  controls.inject(fault_of({{"status", 400}, {"key", "BROKEN"}}));
  controls.inject(fault_of({{"status", 502}, {"path", project}}));
  // Requests that match neither pass both by, and leave them waiting.
  CHECK(controls.handle({"POST", kSecrets, "", R"({"key":"FINE","value":"v"})"}).status == 201);
  CHECK(controls.handle({"POST", kSecrets, "", "not json"}).status == 400);
  CHECK(controls.handle({"GET", kSecrets, "", ""}).status == 200);
  CHECK(controls.handle({"POST", project, "", R"({"value":"v"})"}).status == 502);
  CHECK(controls.handle({"POST", kSecrets, "", R"({"key":"BROKEN","value":"v"})"}).status == 400);
  CHECK_FALSE(lists_job_key(controls, "BROKEN"));
  CHECK(controls.handle({"POST", kSecrets, "", R"({"key":"BROKEN","value":"v"})"}).status == 201);
}

TEST_CASE("FakeControls: a delayed answer still does the work, a reset one does not",
          "[fake][controls][faults]") {
  FakeControls controls;
  controls.inject(fault_of({{"delay_ms", 800}}));
  auto delayed = controls.handle({"POST", kSecrets, "", R"({"key":"LATE","value":"v"})"});
  CHECK(delayed.delay == std::chrono::milliseconds(800));
  CHECK(delayed.status == 201);
  CHECK(lists_job_key(controls, "LATE"));

  controls.inject(fault_of({{"reset", true}}));
  CHECK(controls.handle({"POST", kSecrets, "", R"({"key":"DROPPED","value":"v"})"}).reset);
  CHECK_FALSE(lists_job_key(controls, "DROPPED"));
}

TEST_CASE("FakeControls: clear_faults() and reset() forget waiting faults",
          "[fake][controls][faults]") {
  FakeControls controls;
  controls.inject(fault_of({{"status", 500}, {"count", 5}}));
  controls.clear_faults();
  CHECK(controls.handle({"GET", kSecrets, "", ""}).status == 200);
  controls.inject(fault_of({{"status", 500}, {"count", 5}}));
  controls.reset();
  CHECK(controls.handle({"GET", kSecrets, "", ""}).status == 200);
}
