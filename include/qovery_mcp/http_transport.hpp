#pragma once

#include "qovery_mcp/http_server.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/result.hpp"

#include <memory>

namespace qovery_mcp {

/// The MCP streamable HTTP transport on one endpoint, `/mcp`: sessions,
/// Origin/Host checks, CORS for the accepted origins, content negotiation and
/// the status codes of the 2025-11-25 specification, in front of an mcp::Server.
class HttpTransport {
public:
  HttpTransport(const mcp::Server &server, mcp::SessionStore &sessions, HttpServerOptions options);
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
