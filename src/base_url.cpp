#include "base_url.hpp"

#include "qovery_mcp/text.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>

namespace qovery_mcp {
namespace {

bool is_host_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

Result<int> parse_port(std::string_view text) {
  auto invalid = [&] {
    return Result<int>::failure("--api-url: invalid port \"" + std::string(text.substr(0, 16)) +
                                "\"");
  };
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return invalid();
  int port = std::stoi(std::string(text));
  if (port < 1 || port > 65535)
    return invalid();
  return port;
}

} // namespace

bool is_path_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f;
  });
}

bool is_ipv6_literal(const std::string &host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

bool is_ip_literal(const std::string &host) {
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || is_ipv6_literal(host);
}

Result<BaseUrl> parse_base_url(const std::string &url) {
  auto fail = [](std::string message) { return Result<BaseUrl>::failure(std::move(message)); };
  // Checked first, so that no other message echoes a password or a key
  // given in a query ("?api_key=...") or a fragment.
  if (url.find('@') != std::string::npos)
    return fail("--api-url: '@' is not allowed (credentials in the URL are not supported; the "
                "API key is given separately)");
  if (url.find_first_of("?#") != std::string::npos)
    return fail("--api-url: a query or fragment is not allowed (the URL is not shown: it may "
                "hold a credential; the API key is given separately)");
  auto quoted = "\"" + url + "\"";

  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return fail("--api-url: expected scheme://host[:port][/prefix], got " + quoted);
  std::string scheme = to_lower(std::string_view(url).substr(0, scheme_end));
  if (scheme != "https" && scheme != "http")
    return fail("--api-url: scheme must be https (or http for a loopback host), got " + quoted);

  BaseUrl base;
  base.tls = scheme == "https";
  base.port = base.tls ? 443 : 80;

  std::string_view rest = std::string_view(url).substr(scheme_end + 3);
  auto authority_end = rest.find('/');
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view prefix =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail("--api-url: unterminated IPv6 literal in " + quoted);
    base.host = std::string(authority.substr(1, close - 1));
    if (!is_ipv6_literal(base.host))
      return fail("--api-url: invalid IPv6 address \"" + base.host + "\" in " + quoted);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return fail("--api-url: unexpected text after the IPv6 literal in " + quoted);
    has_port = !after.empty();
    port_text = has_port ? after.substr(1) : std::string_view();
  } else {
    auto colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
      return fail("--api-url: an IPv6 address must be written in brackets ([::1]), got " + quoted);
    base.host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    port_text = has_port ? authority.substr(colon + 1) : std::string_view();
    if (base.host.empty())
      return fail("--api-url: missing host in " + quoted);
    if (!is_host_name(base.host))
      return fail("--api-url: invalid host \"" + base.host + "\" in " + quoted);
  }
  if (has_port) {
    auto port = parse_port(port_text);
    if (!port)
      return fail(port.error());
    base.port = port.value();
  }

  if (!is_path_text(prefix))
    return fail("--api-url: the path may not contain spaces or control characters, got " + quoted);
  while (!prefix.empty() && prefix.back() == '/')
    prefix.remove_suffix(1);
  base.prefix = std::string(prefix);

  if (!base.tls && !is_loopback_host(base.host))
    return fail("--api-url: plain http is only allowed for a loopback host (127.0.0.0/8, ::1, "
                "localhost), got " +
                quoted + "; use https");
  return base;
}

} // namespace qovery_mcp
