#include "qovery_mcp/session_token.hpp"
#include "qovery_mcp/text.hpp"

#include "qovery_mcp/mcp_server.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace qovery_mcp;
using mcp::SessionTokens;

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef-replicas";
const std::string kOtherKey = "fedcba9876543210fedcba9876543210-elsewhere";
constexpr std::int64_t kNow = 1'780'000'000;
constexpr std::chrono::seconds kLifetime{3600};

SessionTokens tokens(const std::string &key = kKey) {
  Result<SessionTokens> made = SessionTokens::create(key, kLifetime);
  REQUIRE(made);
  return std::move(made.value());
}

/// Whether every byte of `id` is visible ASCII (0x21 to 0x7E), as the
/// 2025-11-25 transport requires of Mcp-Session-Id.
bool visible_ascii(const std::string &id) {
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

} // namespace

TEST_CASE("Session tokens: an id issued is read back with its claims", "[session-token]") {
  SessionTokens signer = tokens();
  for (std::string_view version : mcp::kSupportedProtocolVersions) {
    std::string id = signer.issue(version, kNow);
    INFO(id);
    CHECK(visible_ascii(id));
    std::optional<mcp::SessionClaims> claims = signer.verify(id, kNow + 1);
    REQUIRE(claims);
    CHECK(claims->protocol_version == version);
    CHECK(claims->issued_at == kNow);
    CHECK(claims->expires_at == kNow + kLifetime.count());
    CHECK(claims->session_id.size() == 32);
    // The claims' session_id is part of the id, but the id is more than it.
    CHECK(id.find(claims->session_id) != std::string::npos);
    CHECK(id != claims->session_id);
  }
}

TEST_CASE("Session tokens: another replica with the same key reads the id", "[session-token]") {
  std::string id = tokens().issue("2025-11-25", kNow);
  std::optional<mcp::SessionClaims> claims = tokens().verify(id, kNow);
  REQUIRE(claims);
  CHECK(claims->protocol_version == "2025-11-25");
}

TEST_CASE("Session tokens: each session gets its own random session_id", "[session-token]") {
  SessionTokens signer = tokens();
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i)
    seen.insert(signer.verify(signer.issue("2025-11-25", kNow), kNow)->session_id);
  CHECK(seen.size() == 100);
}

TEST_CASE("Session tokens: any byte changed makes the id unknown", "[session-token]") {
  SessionTokens signer = tokens();
  std::string id = signer.issue("2025-06-18", kNow);
  for (std::size_t i = 0; i < id.size(); ++i) {
    for (char replacement : {'0', 'f', '.', 'x'}) {
      if (id[i] == replacement)
        continue;
      std::string altered = id;
      altered[i] = replacement;
      INFO("byte " << i << " -> " << replacement << ": " << altered);
      CHECK_FALSE(signer.verify(altered, kNow));
    }
  }
  // Claims rewritten by hand (a later expiry, another version) keep the old MAC.
  std::string later = id;
  std::string expiry = std::to_string(kNow + kLifetime.count());
  later.replace(later.find(expiry), expiry.size(), std::to_string(kNow + 10 * kLifetime.count()));
  CHECK_FALSE(signer.verify(later, kNow));
  std::string other_version = id;
  other_version.replace(3, 10, "2025-11-25");
  CHECK_FALSE(signer.verify(other_version, kNow));
  // Cut short, lengthened, empty, or a random id of the in-memory store.
  CHECK_FALSE(signer.verify(id.substr(0, id.size() - 1), kNow));
  CHECK_FALSE(signer.verify(id + "0", kNow));
  CHECK_FALSE(signer.verify("", kNow));
  CHECK_FALSE(signer.verify(random_hex(32), kNow));
}

TEST_CASE("Session tokens: an id is unknown from its expiry on", "[session-token]") {
  SessionTokens signer = tokens();
  std::string id = signer.issue("2025-11-25", kNow);
  CHECK(signer.verify(id, kNow + kLifetime.count() - 1));
  CHECK_FALSE(signer.verify(id, kNow + kLifetime.count()));
  CHECK_FALSE(signer.verify(id, kNow + 100 * kLifetime.count()));
}

TEST_CASE("Session tokens: an id made under another key is unknown", "[session-token]") {
  std::string foreign = tokens(kOtherKey).issue("2025-11-25", kNow);
  CHECK_FALSE(tokens().verify(foreign, kNow));
  CHECK(tokens(kOtherKey).verify(foreign, kNow));
}

TEST_CASE("Session tokens: a key shorter than 32 bytes is refused without quoting it",
          "[session-token]") {
  for (const std::string &key : {std::string(), std::string("short-key"), std::string(31, 'k')}) {
    Result<SessionTokens> made = SessionTokens::create(key, kLifetime);
    REQUIRE_FALSE(made);
    CHECK(made.error().find("at least 32") != std::string::npos);
    if (!key.empty())
      CHECK(made.error().find(key) == std::string::npos);
  }
  CHECK(SessionTokens::create(std::string(32, 'k'), kLifetime));
}

TEST_CASE("Elicitation modes: as a client declares them at initialize", "[session-token]") {
  using nlohmann::json;
  CHECK(elicitation_modes(json::object()) == ElicitationModes{});
  CHECK(elicitation_modes({{"elicitation", json::object()}}) == ElicitationModes{true, false});
  CHECK(elicitation_modes({{"elicitation", {{"url", json::object()}}}}) ==
        ElicitationModes{false, true});
  CHECK(elicitation_modes({{"elicitation", {{"form", json::object()}, {"url", json::object()}}}}) ==
        ElicitationModes{true, true});
  CHECK(elicitation_modes({{"elicitation", true}}) == ElicitationModes{});
  CHECK(elicitation_modes(json::array()) == ElicitationModes{});
}
