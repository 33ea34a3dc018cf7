#pragma once

#include "qovery_mcp/http_head.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace qovery_mcp {

/// What the connection layer bounds, per listener. The defaults follow
/// Apache's mod_reqtimeout (`header=20-40,MinRate=500`) and nginx's header
/// buffers: a client that sends slowly, hugely or not at all is cut off in
/// bounded time and memory, and cannot keep others out.
struct ConnectionLimits {
  HeadLimits head;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  /// Connections open at once; a newer one is answered 503 and closed.
  std::size_t max_connections = 1024;
  /// Connections open at once from one peer address; a newer one from it is
  /// answered 503 and closed, so one address cannot take every connection.
  std::size_t max_connections_per_address = 256;
  /// Workers started up front; more start while every one is busy, up to
  /// max_connections (a connection has at most one request in flight).
  std::size_t threads = 8;
  /// A stall this long while a body is read or an answer written ends the
  /// connection.
  std::chrono::seconds io_timeout{10};
  /// From a request's first byte, the time its whole head may take.
  std::chrono::seconds head_timeout{20};
  /// How long a connection may wait, idle, for its next request (and a new
  /// one for its first byte).
  std::chrono::seconds keep_alive{5};
  /// Bytes per second a body must keep up after its first io_timeout.
  double min_body_rate = 500;
};

/// What the adapter does with the requests the connection layer reads.
struct ConnectionHooks {
  /// On the loop thread, once a head is read and before a byte of its body
  /// is: true when `res` is already the whole answer (the guard's refusal, a
  /// CORS preflight). A refusal (status >= 400) ends the connection.
  std::function<bool(const httplib::Request &, httplib::Response &)> screen;
  /// On a worker thread, with the whole request: makes the answer.
  std::function<void(const httplib::Request &, httplib::Response &)> answer;
  /// On any thread, last, for every answer: the adapter's error body for an
  /// empty one of status >= 400, and the CORS headers.
  std::function<void(const httplib::Request &, httplib::Response &)> complete;
  /// The adapter's error body for a refusal with a reason.
  std::function<std::string(int status, const std::string &reason)> error_body;
};

/// The HTTP/1.1 server side of one listening socket (RFC 9112): one thread
/// runs an epoll loop that accepts, reads each request head and body under
/// ConnectionLimits, and writes answers; a WorkerPool makes the answers.
/// A connection holds no thread while it is idle, slow or being written to,
/// so slow or idle clients cost memory (a few KiB each) but never workers.
/// A request is handed to a worker only once it is whole; a streamed answer
/// (Response::set_chunked_content_provider) keeps its worker while it runs,
/// and its writes wait while more than 1 MiB of it is unsent.
class ConnectionLoop {
public:
  /// `listening` is a bound, listening socket, which the caller keeps and closes.
  ConnectionLoop(int listening, ConnectionLimits limits, ConnectionHooks hooks);
  ~ConnectionLoop();
  ConnectionLoop(const ConnectionLoop &) = delete;
  ConnectionLoop &operator=(const ConnectionLoop &) = delete;

  /// Serves until stop(). It then stops accepting, closes the connections
  /// that wait for or send a request, lets the answers being made finish
  /// (streams get 2 s), and returns once every connection is closed.
  void run();
  /// Makes run() return as described; from any thread, at any time.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace qovery_mcp
