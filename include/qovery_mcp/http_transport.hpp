#pragma once

#include "qovery_mcp/entry_page.hpp"
#include "qovery_mcp/http_server.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/session_token.hpp"

#include <memory>

namespace qovery_mcp {

/// The path of the health endpoint beside /mcp, for load balancers' and
/// Kubernetes' probes: GET or HEAD answers 200 `{"status":"ok"}` once the
/// server serves, without the bearer token and whatever the Host header
/// (HttpServerOptions::public_paths), as probes send neither; it says nothing
/// else, and it checks nothing upstream (a Qovery outage must not take every
/// replica out of a load balancer: calls then fail as tool errors that say so).
inline constexpr const char *kHealthPath = "/healthz";

/// The MCP streamable HTTP transport on one endpoint, `/mcp`: sessions,
/// Origin/Host checks, CORS for the accepted origins, content negotiation and
/// the status codes of the 2025-11-25 specification, in front of an mcp::Server;
/// beside them, the stateless requests of 2026-07-28 on the same endpoint: a
/// subscriptions/listen is answered with an SSE stream that stays open, and a
/// request whose _meta asks for a log level gets its log messages and its
/// result as an SSE stream (otherwise the answer is one JSON object); a
/// 2025-11-25 tools/call that may ask the person (Server::may_ask_client) is
/// answered as an SSE stream carrying its elicitation/create request, its
/// progress and its result, and the client's response, POSTed on its own,
/// is routed to it (202); and the health endpoint, kHealthPath.
class HttpTransport {
public:
  /// Sessions of the 2025-11-25 era are held in `sessions`; or, with `tokens`
  /// (--stateless), each session id carries its own state (SessionTokens), so
  /// that any replica sharing the key serves any session: `sessions` is then
  /// unused, and DELETE gets 405 (sessions cannot be ended before they expire).
  ///
  /// With `entry` (which must outlive the transport), its value-entry pages
  /// are served under kEntryPrefix (HttpServerOptions::page_prefixes).
  HttpTransport(const mcp::Server &server, mcp::SessionStore &sessions, HttpServerOptions options,
                const mcp::SessionTokens *tokens = nullptr, EntryPages *entry = nullptr);
  ~HttpTransport();

  /// Binds the listening socket; returns the port (useful with port 0).
  Result<int> bind();
  /// Serves until stop() is called. Call after a successful bind().
  void serve();
  /// Stops serving; safe from another thread or a signal-watching thread.
  /// The open subscriptions/listen streams end first, each with its
  /// graceful-closure result, and the calls waiting on the person, each with
  /// its tool error and its link revoked (waiting for them at most 2 s).
  void stop();

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace qovery_mcp
