#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace httplib {
class Server;
}

namespace qovery_mcp {

/// How an HTTP adapter (MCP or REST) listens, and whom it serves.
struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 9090; ///< 0 picks a free port
  /// Origins accepted besides the loopback ones (http://localhost[:port],
  /// http://127.0.0.1[:port], http://[::1][:port]). "*" accepts any.
  std::vector<std::string> allowed_origins;
  /// Host header names accepted besides localhost, 127.0.0.1, [::1] and `host`. "*" accepts any.
  std::vector<std::string> allowed_hosts;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  int threads = 64; ///< worker threads; each open connection holds one
};

/// Whether a Host header names this server: a loopback name, `options.host`,
/// or an allowed host. This is what stops DNS rebinding.
bool host_allowed(std::string_view host_header, const HttpServerOptions &options);
/// Whether a browser Origin may call this server: loopback, or allowed.
bool origin_allowed(std::string_view origin, const HttpServerOptions &options);

/// Settings every adapter's cpp-httplib server gets: the worker pool,
/// TCP_NODELAY (without it each response waits ~40 ms on delayed ACKs),
/// SO_REUSEADDR without SO_REUSEPORT (a port in use fails instead of being
/// shared), the body size limit, and a pre-routing guard answering 403 with
/// `forbidden_body(reason)` when Host or Origin is not allowed.
void configure_server(httplib::Server &server, const HttpServerOptions &options,
                      std::string (*forbidden_body)(const std::string &reason));

/// Binds `server` to the options' host and port; returns the port, or -1.
int bind_server(httplib::Server &server, const HttpServerOptions &options);

} // namespace qovery_mcp
