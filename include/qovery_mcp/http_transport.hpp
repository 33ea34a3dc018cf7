#pragma once

#include "qovery_mcp/http_server.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/result.hpp"

#include <memory>

namespace qovery_mcp {

/// The MCP streamable HTTP transport on one endpoint, `/mcp`: sessions,
/// Origin/Host checks, CORS for the accepted origins, content negotiation and
/// the status codes of the 2025-11-25 specification, in front of an mcp::Server;
/// beside them, the stateless requests of 2026-07-28 on the same endpoint: a
/// subscriptions/listen is answered with an SSE stream that stays open, and a
/// request whose _meta asks for a log level gets its log messages and its
/// result as an SSE stream (otherwise the answer is one JSON object).
class HttpTransport {
public:
  HttpTransport(const mcp::Server &server, mcp::SessionStore &sessions, HttpServerOptions options);
  ~HttpTransport();

  /// Binds the listening socket; returns the port (useful with port 0).
  Result<int> bind();
  /// Serves until stop() is called. Call after a successful bind().
  void serve();
  /// Stops serving; safe from another thread or a signal-watching thread.
  /// The open subscriptions/listen streams end first, each with its
  /// graceful-closure result (waiting for them at most 2 s).
  void stop();

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace qovery_mcp
