#pragma once

#include "qovery_mcp/result.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

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
  int threads = 64; ///< worker threads started up front; each open connection holds one
  /// Connections served at once; more workers start on demand up to this. At
  /// the cap, accepting pauses until a connection ends.
  int max_connections = 512;
  /// Seconds a connection may stall while a request is read or its response
  /// written; a connection with no request is closed after 5 s, or this if shorter.
  int io_timeout_seconds = 10;
  /// When not empty, every request must carry `Authorization: Bearer <token>`.
  std::string auth_token;
  /// Paths (exact, "/healthz") whose GET and HEAD requests skip the Host,
  /// Origin and bearer token checks: health probes, which Kubernetes sends
  /// with the pod's IP as Host and no credentials. What they serve must be
  /// public. Every other path and method is guarded as before.
  std::vector<std::string> public_paths;
};

/// Builds the JSON body of an answer the guard gives before routing (401, 403),
/// in the adapter's error shape.
using ErrorBody = std::string (*)(int status, const std::string &reason);

/// What an adapter tells a page in a browser under the CORS protocol (Fetch
/// standard, "CORS protocol" and "CORS-preflight fetch"), so that a page from
/// an origin the server accepts (origin_allowed()) can call it with fetch().
struct CorsPolicy {
  /// The methods the route at `path` serves, comma-separated ("POST, DELETE"),
  /// for a preflight's Access-Control-Allow-Methods; empty when no route has
  /// the path (the page may then still send GET or POST, and read the 404).
  std::function<std::string(const std::string &path)> methods;
  /// Access-Control-Allow-Headers of a preflight: the request headers a page
  /// may send besides the CORS-safelisted ones, comma-separated.
  std::string request_headers;
  /// Access-Control-Expose-Headers of every answer: the response headers a
  /// page may read besides the CORS-safelisted ones, comma-separated.
  std::string exposed_headers;
};

/// Whether a Host header names this server: a loopback name, `options.host`,
/// or an allowed host. This is what stops DNS rebinding.
bool host_allowed(std::string_view host_header, const HttpServerOptions &options);
/// Whether a browser Origin may call this server: loopback, or allowed.
bool origin_allowed(std::string_view origin, const HttpServerOptions &options);
/// Whether `host` (a --host value) is a loopback address: 127.0.0.0/8, ::1
/// (bracketed or not, or IPv4-mapped) or "localhost". Anything else, names
/// included, may be reachable from elsewhere.
bool is_loopback_host(std::string_view host);
/// Whether the `presented` token is `expected`, in time that depends on
/// neither (both are hashed with SHA-256, and the digests compared with
/// CRYPTO_memcmp), so timing tells an attacker nothing about the token.
bool token_matches(std::string_view presented, std::string_view expected);

/// Settings every adapter's cpp-httplib server gets: the connection pool and
/// cap, the read/write/keep-alive timeouts, TCP_NODELAY (without it each
/// response waits ~40 ms on delayed ACKs), the body size limit, and a
/// pre-routing guard: 403 when Host or Origin is not allowed, then a CORS
/// preflight (OPTIONS with Origin and Access-Control-Request-Method) gets 204
/// with `cors`' methods and headers and a max age, then, with an auth token,
/// 401 and `WWW-Authenticate: Bearer` without the right bearer token (a
/// preflight needs none: browsers never send credentials on one); bodies from
/// `error_body`. Every answer says `Vary: Origin`; every answer to an allowed
/// Origin, whatever its status, carries `Access-Control-Allow-Origin` (that
/// origin) and `cors.exposed_headers`. A refused Origin gets its 403 and no
/// Access-Control-* header.
void configure_server(httplib::Server &server, const HttpServerOptions &options,
                      ErrorBody error_body, CorsPolicy cors);

/// Binds `server` to the options' host and port (0: a free one) with
/// SO_REUSEADDR but not SO_REUSEPORT, so a port in use fails instead of being
/// shared, and a listen backlog of 1,024 instead of httplib's 5, so a burst of
/// connects is not reset. Returns the port, or -1.
int bind_server(httplib::Server &server, const HttpServerOptions &options);

/// A cpp-httplib server set up by configure_server(), with the life cycle
/// every adapter needs: bind, serve until stopped, and a stop() that works from
/// any thread at any time, even before serve() began (a signal during start-up).
class ListeningServer {
public:
  ListeningServer(HttpServerOptions options, ErrorBody error_body, CorsPolicy cors);
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
  /// A handler of a request whose body was read by on_body().
  using BodyHandler =
      std::function<void(const httplib::Request &, const std::string &body, httplib::Response &)>;
  /// Registers `handler` for `method` ("POST", "PUT", "PATCH" or "DELETE")
  /// requests to `pattern` (a regex, as httplib takes it). The body is read
  /// through httplib's content reader, so a chunked body counts against
  /// `max_body_bytes` as a Content-Length one does and is refused with 413 as
  /// soon as it passes it (httplib 0.11.4 would read it whole); a multipart
  /// body is refused unread with 415. Those answers have an empty body, for
  /// the adapter's error handler to word, and close the connection.
  void on_body(const std::string &method, const std::string &pattern, BodyHandler handler);

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
