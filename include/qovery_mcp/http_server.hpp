#pragma once

#include "qovery_mcp/result.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <regex>
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
  /// Worker threads started up front; more start while all are busy, up to
  /// max_connections (each answers one request at a time).
  int threads = 64;
  /// Connections open at once; a newer one is answered 503 and closed.
  int max_connections = 1024;
  /// Connections open at once from one peer address (0: no limit); a newer
  /// one from it is answered 503 and closed.
  int max_connections_per_address = 256;
  /// Seconds a connection may stall while a request body is read or an
  /// answer written; a body must also keep up 500 bytes a second after its
  /// first this-many seconds. An idle connection is closed after 5 s, or
  /// this if shorter.
  int io_timeout_seconds = 10;
  /// Seconds a request head may take from its first byte (mod_reqtimeout's `header=20`).
  int head_timeout_seconds = 20;
  /// When not empty, every request must carry `Authorization: Bearer <token>`.
  std::string auth_token;
  /// Paths (exact, "/healthz") whose GET and HEAD requests skip the Host,
  /// Origin and bearer token checks: health probes, which Kubernetes sends
  /// with the pod's IP as Host and no credentials. What they serve must be
  /// public. Every other path and method is guarded as before.
  std::vector<std::string> public_paths;
  /// Path prefixes ("/entry/") of pages a person opens in a browser, which
  /// send no bearer token and may send `Origin: null`: the guard checks only
  /// their Host, answers no CORS preflight for them and gives them no
  /// Access-Control-* header; the page checks the origin and the person
  /// itself (EntryPages).
  std::vector<std::string> page_prefixes;
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
/// Whether `path` is under one of `options.page_prefixes`.
bool is_page_path(std::string_view path, const HttpServerOptions &options);
/// Whether a browser Origin may call this server: loopback, or allowed.
bool origin_allowed(std::string_view origin, const HttpServerOptions &options);
/// Whether the `presented` token is `expected`, in time that depends on
/// neither (both are hashed with SHA-256, and the digests compared with
/// CRYPTO_memcmp), so timing tells an attacker nothing about the token.
bool token_matches(std::string_view presented, std::string_view expected);

/// Settings a cpp-httplib server gets (fake-qovery's; the adapters use
/// ListeningServer): the connection pool and
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

/// Binds a cpp-httplib `server` to the options' host and port (0: a free one) with
/// SO_REUSEADDR but not SO_REUSEPORT, so a port in use fails instead of being
/// shared, and a listen backlog of 1,024 instead of httplib's 5, so a burst of
/// connects is not reset. Returns the port, or -1.
int bind_server(httplib::Server &server, const HttpServerOptions &options);

/// The routes of an adapter: handlers by method and path, as cpp-httplib
/// took them (the names are httplib's, whose handlers these were).
class HttpRoutes {
public:
  using Handler = std::function<void(const httplib::Request &, httplib::Response &)>;
  using ExceptionHandler =
      std::function<void(const httplib::Request &, httplib::Response &, std::exception_ptr)>;

  /// Routes `method` requests whose whole path matches the regex `pattern`
  /// to `handler`; the first route added that matches wins.
  void add(const std::string &method, const std::string &pattern, Handler handler);
  /// GET (and HEAD, whose answer has no body) requests.
  void Get(const std::string &pattern, Handler handler) { add("GET", pattern, std::move(handler)); }
  void Options(const std::string &pattern, Handler handler) {
    add("OPTIONS", pattern, std::move(handler));
  }
  /// Called for every answer of status >= 400, to word it.
  void set_error_handler(Handler handler) { error_handler_ = std::move(handler); }
  /// Called with the exception a handler threw; the answer is then a 500.
  void set_exception_handler(ExceptionHandler handler) { exception_handler_ = std::move(handler); }

  /// Answers `req` with its route (404 when none matches).
  void answer(const httplib::Request &req, httplib::Response &res) const;
  /// Runs the error handler on an answer of status >= 400.
  void complete(const httplib::Request &req, httplib::Response &res) const;

private:
  struct Route {
    std::string method;
    std::regex pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
  Handler error_handler_;
  ExceptionHandler exception_handler_;
};

class ConnectionLoop;

/// An adapter's HTTP server: its listening socket, a ConnectionLoop that
/// reads requests under the options' limits, the guard of configure_server()
/// (Host, Origin, bearer token, CORS) and its routes, with the life cycle
/// every adapter needs: bind, serve until stopped, and a stop() that works
/// from any thread at any time, even before serve() began (a signal during
/// start-up).
class ListeningServer {
public:
  ListeningServer(HttpServerOptions options, ErrorBody error_body, CorsPolicy cors);
  /// Stops serving.
  ~ListeningServer();
  ListeningServer(const ListeningServer &) = delete;
  ListeningServer &operator=(const ListeningServer &) = delete;

  /// The routes, to register handlers on before serve().
  HttpRoutes &http() { return routes_; }
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
  /// requests to `pattern` (a regex). The connection layer has read the body
  /// whole, within `max_body_bytes`; a multipart body is refused with 415,
  /// with an empty body for the adapter's error handler to word.
  void on_body(const std::string &method, const std::string &pattern, BodyHandler handler);

  /// Waits up to `period` for a stop; true once stopping. For chores that run
  /// beside serve().
  bool wait_for_stop(std::chrono::milliseconds period);

private:
  HttpServerOptions options_;
  ErrorBody error_body_;
  CorsPolicy cors_;
  HttpRoutes routes_;
  int listening_ = -1;
  std::mutex state_mutex_;
  std::condition_variable state_changed_;
  bool stop_requested_ = false;
  ConnectionLoop *loop_ = nullptr; ///< while serve() runs
};

} // namespace qovery_mcp
