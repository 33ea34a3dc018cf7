#pragma once

#include "qovery_mcp/result.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
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

/// A cpp-httplib server set up by configure_server(), with the life cycle
/// every adapter needs: bind, serve until stopped, and a stop() that works from
/// any thread at any time, even before serve() began (a signal during start-up).
class ListeningServer {
public:
  ListeningServer(HttpServerOptions options,
                  std::string (*forbidden_body)(const std::string &reason));
  /// Stops serving.
  ~ListeningServer();
  ListeningServer(const ListeningServer &) = delete;
  ListeningServer &operator=(const ListeningServer &) = delete;

  /// The server, to register handlers on before serve().
  httplib::Server &http() { return *http_; }
  const HttpServerOptions &options() const { return options_; }

  /// Binds the listening socket; returns the port (useful with port 0), or
  /// fails naming the address.
  Result<int> bind();
  /// Serves until stop() is called; returns at once if it already was. Call
  /// after a successful bind().
  void serve();
  /// Stops serving; safe from any thread, before or during serve().
  void stop();
  /// Waits up to `period` for a stop; true once stopping. For chores that run
  /// beside serve().
  bool wait_for_stop(std::chrono::milliseconds period);

private:
  HttpServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  std::mutex state_mutex_;
  std::condition_variable state_changed_;
  bool stop_requested_ = false;
  std::atomic<bool> serving_{false};
};

} // namespace qovery_mcp
