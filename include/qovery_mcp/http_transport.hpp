#pragma once

#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/result.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace qovery_mcp {

struct HttpTransportOptions {
  std::string host = "127.0.0.1";
  int port = 9090; ///< 0 picks a free port
  /// Origins accepted besides the loopback ones (http://localhost[:port],
  /// http://127.0.0.1[:port], http://[::1][:port]). "*" accepts any.
  std::vector<std::string> allowed_origins;
  /// Host header names accepted besides localhost, 127.0.0.1 and [::1]. "*" accepts any.
  std::vector<std::string> allowed_hosts;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  int threads = 64; ///< worker threads; each open connection holds one
};

/// The MCP streamable HTTP transport on one endpoint, `/mcp`: sessions,
/// Origin/Host checks, content negotiation and the status codes of the
/// 2025-11-25 specification, in front of an mcp::Server.
class HttpTransport {
public:
  HttpTransport(const mcp::Server &server, mcp::SessionStore &sessions,
                HttpTransportOptions options);
  ~HttpTransport();

  /// Binds the listening socket; returns the port (useful with port 0).
  Result<int> bind();
  /// Serves until stop() is called. Call after a successful bind().
  void serve();
  /// Stops serving; safe from another thread or a signal-watching thread.
  void stop();

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace qovery_mcp
