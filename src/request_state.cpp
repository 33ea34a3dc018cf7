#include "qovery_mcp/request_state.hpp"

#include "qovery_mcp/session_token.hpp"
#include "qovery_mcp/text.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace qovery_mcp::mcp {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "q1.";
constexpr std::size_t kMacHexDigits = 64;

} // namespace

std::string call_digest(const json &arguments) {
  const std::string text = arguments.dump(-1, ' ', false, json::error_handler_t::replace);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char *>(text.data()), text.size(), digest);
  return to_hex(std::string_view(reinterpret_cast<const char *>(digest), sizeof digest));
}

RequestStates::RequestStates(std::string key) : key_(std::move(key)) {}

RequestStates::RequestStates() : key_(random_hex(32)) {}

RequestStates::~RequestStates() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string RequestStates::seal(const RequestStateClaims &claims) const {
  const json body = {{"p", claims.purpose},
                     {"t", claims.tool},
                     {"a", claims.arguments},
                     {"s", claims.subject},
                     {"x", claims.expires_at}};
  std::string text = std::string(kFormat) + to_hex(body.dump());
  return text + "." + hmac_sha256_hex(key_, text);
}

Result<RequestStateClaims> RequestStates::open(std::string_view state, std::int64_t now) const {
  using Opened = Result<RequestStateClaims>;
  const std::size_t dot = state.rfind('.');
  if (!state.starts_with(kFormat) || dot == std::string_view::npos ||
      state.size() - dot - 1 != kMacHexDigits)
    return Opened::failure("requestState is not one this server made");
  const std::string_view text = state.substr(0, dot);
  const std::string expected = hmac_sha256_hex(key_, text);
  if (CRYPTO_memcmp(expected.data(), state.data() + dot + 1, kMacHexDigits) != 0)
    return Opened::failure("requestState does not verify: it was altered, or made by a server "
                           "with another key");
  // Authentic from here on: the claims are ours, but still read strictly.
  std::optional<std::string> bytes = from_hex(text.substr(kFormat.size()));
  json body = bytes ? json::parse(*bytes, nullptr, false) : json();
  RequestStateClaims claims;
  try {
    claims = {body.at("p").get<std::string>(), body.at("t").get<std::string>(),
              body.at("a").get<std::string>(), body.at("s").get<std::string>(),
              body.at("x").get<std::int64_t>()};
  } catch (const json::exception &) {
    return Opened::failure("requestState is not one this server made");
  }
  if (now >= claims.expires_at)
    return Opened::failure("requestState has expired");
  return claims;
}

} // namespace qovery_mcp::mcp
