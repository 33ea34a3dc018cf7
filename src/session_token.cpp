#include "qovery_mcp/session_token.hpp"

#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/text.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace qovery_mcp::mcp {
namespace {

constexpr std::string_view kFormat = "s1";
constexpr std::size_t kSessionIdBytes = 16;
constexpr std::size_t kMacHexDigits = 64;

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// A decimal Unix time of the claims: digits only, no sign, no leading zero.
std::optional<std::int64_t> parse_time(std::string_view text) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text.front() == '0'))
    return std::nullopt;
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

} // namespace

Result<SessionTokens> SessionTokens::create(std::string key, std::chrono::seconds lifetime) {
  if (key.size() < kMinKeyBytes) {
    std::size_t size = key.size();
    OPENSSL_cleanse(key.data(), key.size());
    return Result<SessionTokens>::failure(
        "the session key is " + std::to_string(size) + " bytes; it must be at least " +
        std::to_string(kMinKeyBytes) + " (make one with: openssl rand -base64 48)");
  }
  return SessionTokens(std::move(key), lifetime);
}

SessionTokens::~SessionTokens() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string hmac_sha256_hex(std::string_view key, std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char *>(text.data()), text.size(), digest.data(), &length);
  return to_hex(std::string_view(reinterpret_cast<const char *>(digest.data()), length));
}

std::string SessionTokens::derive(std::string_view label) const {
  return hmac_sha256_hex(key_, label);
}

RequestStates SessionTokens::request_states() const {
  return RequestStates(derive("qovery-mcp requestState key"));
}

std::string SessionTokens::mac(std::string_view claims_text) const {
  return hmac_sha256_hex(key_, claims_text);
}

std::string SessionTokens::issue(std::string_view protocol_version, std::int64_t now) const {
  std::string claims = std::string(kFormat) + "." + std::string(protocol_version) + "." +
                       random_hex(kSessionIdBytes) + "." + std::to_string(now) + "." +
                       std::to_string(now + lifetime_.count());
  return claims + "." + mac(claims);
}

std::optional<SessionClaims> SessionTokens::verify(std::string_view token, std::int64_t now) const {
  std::size_t last_dot = token.rfind('.');
  if (last_dot == std::string_view::npos || token.size() - last_dot - 1 != kMacHexDigits)
    return std::nullopt;
  std::string_view claims_text = token.substr(0, last_dot);
  std::string expected = mac(claims_text);
  if (CRYPTO_memcmp(expected.data(), token.data() + last_dot + 1, kMacHexDigits) != 0)
    return std::nullopt;
  // Authentic from here on: the fields are ours, but still read strictly.
  return read_claims(claims_text, now);
}

std::optional<SessionClaims> SessionTokens::read_claims(std::string_view claims_text,
                                                        std::int64_t now) {
  std::array<std::string_view, 5> fields;
  std::string_view rest = claims_text;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::size_t dot = rest.find('.');
    if ((dot == std::string_view::npos) != (i == fields.size() - 1))
      return std::nullopt;
    fields[i] = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  // A protocol version holds no dot, so the fields are where they should be.
  if (fields[0] != kFormat || !is_supported_protocol_version(fields[1]) ||
      fields[2].size() != kSessionIdBytes * 2 || !is_hex(fields[2]))
    return std::nullopt;
  std::optional<std::int64_t> issued_at = parse_time(fields[3]);
  std::optional<std::int64_t> expires_at = parse_time(fields[4]);
  if (!issued_at || !expires_at || now >= *expires_at)
    return std::nullopt;
  return SessionClaims{std::string(fields[2]), std::string(fields[1]), *issued_at, *expires_at};
}

std::int64_t SessionTokens::now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace qovery_mcp::mcp
