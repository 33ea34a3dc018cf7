#pragma once

#include "qovery_mcp/mcp_server.hpp"

#include <cstddef>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>

namespace qovery_mcp {

/// The longest message line a StdioTransport reads (the HTTP body limit too);
/// a longer one gets a -32600 error with id null, and the next line is served.
inline constexpr std::size_t kMaxStdioMessageBytes = 4 * 1024 * 1024;

/// The most tools/call requests a StdioTransport serves at once, each on its
/// own thread; the calls read beyond them wait for one to end.
inline constexpr std::size_t kMaxStdioCallsInFlight = 8;

/// The most tools/call requests read and waiting to start. Beyond them, stdin
/// is not read until one starts, which bounds the memory a client that sends
/// calls faster than Qovery answers can take (a line holds up to 4 MiB).
inline constexpr std::size_t kMaxStdioCallsWaiting = 64;

/// Serves MCP over stdio, the way Claude Desktop runs local servers: one
/// JSON-RPC message per line of `in` (MCP 2025-11-25, basic/transports), each
/// answer written to `out` as one whole line and flushed, one writer at a time,
/// and nothing else ever written to `out`. A malformed line gets a JSON-RPC
/// error and the next line is served.
///
/// Messages are served concurrently, as over HTTP: a tools/call, which waits
/// on Qovery, runs on one of up to kMaxStdioCallsInFlight threads and is
/// answered when it ends, so answers may come in another order than their
/// requests; every other message (ping, initialize, tools/list, ...) is
/// answered as soon as it is read, even while calls wait on a slow Qovery.
/// notifications/cancelled naming a call not answered yet means the call gets
/// no answer: one still waiting never starts, one not yet sent to Qovery is
/// not sent, and one already sent completes (and is audited) unanswered.
/// A call that asks the person (a client that declared elicitation, 2025-11-25)
/// writes its elicitation/create request and its notifications as lines
/// before its answer; the client's response line is routed to it. The end of
/// input and stop() end such calls at once (their links revoked).
/// Both protocol eras are served on the same stream, message by message; a
/// 2026-07-28 request's log messages (its _meta's log level) are written as
/// they happen, before its answer, and a 2026-07-28 subscriptions/listen is
/// acknowledged and stays open until notifications/cancelled names it (it
/// then gets no answer) or stop() ends it with its graceful-closure result.
class StdioTransport {
public:
  /// Serves `server` on `in` and `out`, which must outlive the transport.
  /// `ended`, when given, is called once input ends or stop() is called,
  /// before waiting for the calls in flight: what they wait on that is not
  /// the client (a 2026-07-28 call waiting on a value-entry page:
  /// EntryPages::revoke_all) must end then, or the wait would outlast the
  /// client.
  StdioTransport(const mcp::Server &server, std::istream &in, std::ostream &out,
                 std::function<void()> ended = nullptr);
  ~StdioTransport();
  StdioTransport(const StdioTransport &) = delete;
  StdioTransport &operator=(const StdioTransport &) = delete;

  /// Reads and serves messages until the end of `in`, or until a write to
  /// `out` has failed (the client went away), then answers the calls already
  /// read (none after a failed write) and returns. Each call ends within the
  /// upstream's deadline.
  void serve();

  /// Stops serving: no message starts any more (calls read but not started
  /// get no answer), and returns once every message started is answered and
  /// each open subscription got its graceful-closure result.
  /// Safe from another thread while serve() runs; serve() itself may stay
  /// blocked reading `in`.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace qovery_mcp
