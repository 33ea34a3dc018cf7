#include "qovery_mcp/upstream.hpp"

#include <algorithm>

namespace qovery_mcp {

Result<AuthScheme> parse_auth_scheme(std::string_view text) {
  if (text == "auto")
    return AuthScheme::Auto;
  if (text == "token")
    return AuthScheme::Token;
  if (text == "bearer")
    return AuthScheme::Bearer;
  return Result<AuthScheme>::failure("auth scheme must be auto, token or bearer, got \"" +
                                     std::string(text.substr(0, 32)) + "\"");
}

bool looks_like_jwt(std::string_view key) {
  auto is_base64url = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
  };
  int parts = 1;
  std::size_t part_length = 0;
  for (char c : key) {
    if (c == '.') {
      if (part_length == 0)
        return false;
      ++parts;
      part_length = 0;
      continue;
    }
    if (!is_base64url(c))
      return false;
    ++part_length;
  }
  return parts == 3 && part_length > 0;
}

std::string authorization_value(std::string_view key, AuthScheme scheme) {
  bool bearer = scheme == AuthScheme::Bearer || (scheme == AuthScheme::Auto && looks_like_jwt(key));
  std::string value = bearer ? "Bearer " : "Token ";
  value += key;
  return value;
}

} // namespace qovery_mcp
