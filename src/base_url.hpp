#pragma once

#include "qovery_mcp/result.hpp"

#include <string>
#include <string_view>

namespace qovery_mcp {

/// The parts of --api-url.
struct BaseUrl {
  bool tls = true;
  std::string host; ///< without brackets for an IPv6 literal
  int port = 443;
  std::string prefix; ///< "" or "/api", never ending with '/'
};

/// --api-url taken apart: scheme://host[:port][/prefix], https, or http for a
/// loopback host only; no userinfo, query or fragment (refused first, without
/// echoing the URL, which may hold a credential). Fails with a message that
/// starts "--api-url: " and says what is wrong.
Result<BaseUrl> parse_base_url(const std::string &url);

/// Characters allowed in a URL path as sent: printable ASCII except space.
bool is_path_text(std::string_view text);
/// Whether `host` is an IPv6 address (without brackets).
bool is_ipv6_literal(const std::string &host);
/// Whether `host` is an IPv4 or IPv6 address.
bool is_ip_literal(const std::string &host);

} // namespace qovery_mcp
