// The requestState of 2026-07-28 input_required results: sealed under a
// key, verified strictly, bound to one call, lapsing.

#include "qovery_mcp/request_state.hpp"
#include "qovery_mcp/session_token.hpp"
#include "qovery_mcp/text.hpp"

#include <catch2/catch.hpp>

using namespace qovery_mcp;
using namespace qovery_mcp::mcp;
using nlohmann::json;

namespace {

const RequestStateClaims kClaims{"value", "add-secret-job",
                                 call_digest({{"jobId", "j"}, {"body", {{"key", "K"}}}}),
                                 "0123456789abcdef0123456789abcdef", 2000};

} // namespace

TEST_CASE("Request state: what is sealed opens, unchanged, until it lapses", "[request-state]") {
  RequestStates states(std::string(32, 'k'));
  const std::string state = states.seal(kClaims);
  CHECK(state.rfind("q1.", 0) == 0);
  Result<RequestStateClaims> opened = states.open(state, 1999);
  REQUIRE(opened);
  CHECK(opened->purpose == kClaims.purpose);
  CHECK(opened->tool == kClaims.tool);
  CHECK(opened->arguments == kClaims.arguments);
  CHECK(opened->subject == kClaims.subject);
  CHECK(opened->expires_at == kClaims.expires_at);
  Result<RequestStateClaims> lapsed = states.open(state, 2000);
  REQUIRE_FALSE(lapsed);
  CHECK(lapsed.error().find("expired") != std::string::npos);
}

TEST_CASE("Request state: any altered character, another key or another shape is refused",
          "[request-state]") {
  RequestStates states(std::string(32, 'k'));
  const std::string state = states.seal(kClaims);
  for (std::size_t at = 0; at < state.size(); ++at) {
    std::string altered = state;
    altered[at] = altered[at] == 'a' ? 'b' : 'a';
    INFO(at);
    CHECK_FALSE(states.open(altered, 0));
  }
  CHECK_FALSE(RequestStates(std::string(32, 'x')).open(state, 0));
  CHECK_FALSE(RequestStates().open(state, 0)); // a random key: another process's
  for (const std::string &shape :
       {std::string(), std::string("q1."), state.substr(0, state.size() - 1), state + "0",
        "s1" + state.substr(2), state.substr(0, state.rfind('.'))}) {
    INFO(shape);
    CHECK_FALSE(states.open(shape, 0));
  }
  // Authentic but not claims: a MAC over text that is not the claims' JSON.
  const std::string key(32, 'k');
  for (const std::string &body : {std::string("zz"), to_hex("[]"), to_hex("{\"p\":1}")}) {
    std::string text = "q1." + body;
    CHECK_FALSE(states.open(text + "." + hmac_sha256_hex(key, text), 0));
  }
}

TEST_CASE("Request state: the replicas' states verify on every replica, under a key of their own",
          "[request-state]") {
  auto tokens = SessionTokens::create(std::string(48, 's'), std::chrono::seconds(60));
  auto other = SessionTokens::create(std::string(48, 's'), std::chrono::seconds(60));
  REQUIRE(tokens);
  REQUIRE(other);
  const std::string state = tokens->request_states().seal(kClaims);
  CHECK(other->request_states().open(state, 0));
  // Not under the session key itself: a state and a session id never pass for each other.
  CHECK_FALSE(RequestStates(std::string(48, 's')).open(state, 0));
}

TEST_CASE("Request state: the call digest names the arguments, not their order",
          "[request-state]") {
  const json a = json::parse(R"({"jobId":"j","body":{"key":"K","description":"d"}})");
  const json b = json::parse(R"({"body":{"description":"d","key":"K"},"jobId":"j"})");
  CHECK(call_digest(a) == call_digest(b));
  CHECK(call_digest(a).size() == 64);
  json c = a;
  c["body"]["key"] = "L";
  CHECK(call_digest(a) != call_digest(c));
}

TEST_CASE("Text: from_hex reads what to_hex writes, and nothing else", "[text]") {
  const std::string bytes("\x00\x7f\x80\xff"
                          "abc",
                          7);
  CHECK(from_hex(to_hex(bytes)) == bytes);
  CHECK(from_hex("ABCDEF") == std::string("\xab\xcd\xef"));
  CHECK(from_hex("") == std::string());
  for (const char *bad : {"0", "0g", "g0", "  ", "0x"})
    CHECK_FALSE(from_hex(bad));
}
