#include "qovery_mcp/http_server.hpp"

#include "connection_loop.hpp"
#include "cors.hpp"
#include "qovery_mcp/http_head.hpp"
#include "worker_pool.hpp"

#include "qovery_mcp/log.hpp"
#include "qovery_mcp/text.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>

namespace qovery_mcp {
namespace {

/// Seconds an idle connection is kept for its next request (httplib's default).
constexpr time_t kKeepAliveSeconds = 5;

/// The host name of a Host header or an origin's authority, without the port:
/// "localhost", "127.0.0.1", "[::1]".
std::string host_name(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    return to_lower(
        authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
  }
  return to_lower(authority.substr(0, authority.find(':')));
}

bool is_loopback_name(const std::string &name) {
  return name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

bool listed(const std::vector<std::string> &list, const std::string &value) {
  return std::find(list.begin(), list.end(), value) != list.end() ||
         std::find(list.begin(), list.end(), "*") != list.end();
}

/// Why the guard refuses a request before routing. The connection is always
/// closed after: a refused request's body is never read, so its bytes would
/// otherwise be taken for the next request.
struct Refusal {
  int status;
  const char *reason;
  const char *challenge = nullptr; ///< the WWW-Authenticate value of a 401
};

/// Whether `value` is a valid Host header (RFC 9112, 3.2; RFC 3986, 3.2.2):
/// an IP literal in brackets or a reg-name (no userinfo, so no '@'), then an
/// optional ":port" of digits. Whether the host is *allowed* is another question.
bool valid_host_header(std::string_view value) {
  std::string_view host = value;
  std::string_view port;
  if (!value.empty() && value.front() == '[') {
    std::size_t close = value.find(']');
    if (close == std::string_view::npos || close == 1)
      return false;
    host = value.substr(1, close - 1);
    if (!std::all_of(host.begin(), host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        }))
      return false;
    std::string_view after = value.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return false;
    port = after.empty() ? after : after.substr(1);
  } else {
    std::size_t colon = value.find(':');
    host = value.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
    bool reg_name = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("-._~%!$&'()*+,;=").find(c) != std::string_view::npos;
    });
    if (!reg_name)
      return false;
    if (colon != std::string_view::npos && port.empty())
      return true; // "host:" is allowed: the port is *DIGIT
  }
  return port.size() <= 5 &&
         std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Why a request's body must not be read: a compressed body (415), which
/// cpp-httplib would inflate whatever its size.
std::optional<Refusal> coding_problem(const httplib::Request &req) {
  for (std::size_t i = 0; i < req.get_header_value_count("Content-Encoding"); ++i) {
    std::string coding = to_lower(req.get_header_value("Content-Encoding", i));
    coding.erase(std::remove(coding.begin(), coding.end(), ' '), coding.end());
    if (!coding.empty() && coding != "identity")
      return Refusal{415, "unsupported media type: a request body must not be compressed "
                          "(Content-Encoding must be identity)"};
  }
  return std::nullopt;
}

/// The token of an `Authorization: Bearer <token>` header (scheme in any
/// case), or nullopt when the request carries no bearer credentials.
std::optional<std::string> bearer_token(const httplib::Request &req) {
  constexpr std::string_view kScheme = "bearer ";
  std::string header = req.get_header_value("Authorization");
  if (to_lower(std::string_view(header).substr(0, kScheme.size())) != kScheme)
    return std::nullopt;
  std::size_t begin = header.find_first_not_of(' ', kScheme.size());
  std::size_t end = header.find_last_not_of(' ');
  return begin == std::string::npos ? std::string() : header.substr(begin, end + 1 - begin);
}

/// A compressed body (415) and the Host header (400) first, then Host and
/// Origin (403), then the bearer token when one is required (401), except on
/// a CORS preflight: a browser sends it without credentials. A page
/// (`options.page_prefixes`) needs only an allowed Host: it checks the rest. A GET or HEAD of
/// one of `options.public_paths` needs only a readable request. The framing
/// was checked before (body_framing()).
std::optional<Refusal> refusal_for(const httplib::Request &req, const HttpServerOptions &options) {
  if (std::optional<Refusal> problem = coding_problem(req))
    return problem;
  if (req.get_header_value_count("Host") != 1)
    return Refusal{400, "bad request: a request must carry exactly one Host header"};
  std::string host = req.get_header_value("Host");
  if (!valid_host_header(host))
    return Refusal{400, "bad request: the Host header is not a valid host[:port]"};
  if ((req.method == "GET" || req.method == "HEAD") &&
      std::find(options.public_paths.begin(), options.public_paths.end(), req.path) !=
          options.public_paths.end())
    return std::nullopt;
  if (!host_allowed(host, options))
    return Refusal{403, "forbidden: Host header not allowed"};
  if (is_page_path(req.path, options))
    return std::nullopt;
  if (req.has_header("Origin") && !origin_allowed(req.get_header_value("Origin"), options))
    return Refusal{403, "forbidden: Origin not allowed"};
  if (options.auth_token.empty() || is_preflight(req))
    return std::nullopt;
  std::optional<std::string> token = bearer_token(req);
  if (!token)
    return Refusal{401, "unauthorized: this server requires an Authorization: Bearer token",
                   "Bearer"};
  if (!token_matches(*token, options.auth_token))
    return Refusal{401, "unauthorized: the bearer token is not valid",
                   "Bearer error=\"invalid_token\""};
  return std::nullopt;
}

} // namespace

bool host_allowed(std::string_view host_header, const HttpServerOptions &options) {
  std::string name = host_name(host_header);
  return is_loopback_name(name) || name == to_lower(options.host) ||
         name == "[" + to_lower(options.host) + "]" || listed(options.allowed_hosts, name);
}

bool is_page_path(std::string_view path, const HttpServerOptions &options) {
  return std::any_of(options.page_prefixes.begin(), options.page_prefixes.end(),
                     [path](const std::string &prefix) { return path.starts_with(prefix); });
}

bool token_matches(std::string_view presented, std::string_view expected) {
  unsigned char presented_digest[SHA256_DIGEST_LENGTH];
  unsigned char expected_digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char *>(presented.data()), presented.size(),
         presented_digest);
  SHA256(reinterpret_cast<const unsigned char *>(expected.data()), expected.size(),
         expected_digest);
  return CRYPTO_memcmp(presented_digest, expected_digest, SHA256_DIGEST_LENGTH) == 0;
}

bool origin_allowed(std::string_view origin, const HttpServerOptions &options) {
  if (listed(options.allowed_origins, std::string(origin)))
    return true;
  std::size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos)
    return false;
  std::string scheme = to_lower(origin.substr(0, scheme_end));
  return (scheme == "http" || scheme == "https") &&
         is_loopback_name(host_name(origin.substr(scheme_end + 3)));
}

constexpr int kListenBacklog = 1024;

void configure_server(httplib::Server &server, const HttpServerOptions &options,
                      ErrorBody error_body, CorsPolicy cors) {
  auto threads = static_cast<std::size_t>(std::max(options.threads, 1));
  auto max_connections = static_cast<std::size_t>(std::max(options.max_connections, 1));
  server.new_task_queue = [threads, max_connections] {
    return new WorkerPool(threads, max_connections);
  };
  time_t io_timeout = std::max(options.io_timeout_seconds, 1);
  server.set_read_timeout(io_timeout);
  server.set_write_timeout(io_timeout);
  // A silent connection, new or kept alive, also delays stop() this long.
  server.set_keep_alive_timeout(std::min(io_timeout, kKeepAliveSeconds));
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000);
  server.set_payload_max_length(options.max_body_bytes);
  server.set_pre_routing_handler(
      [options, error_body, cors](const httplib::Request &req, httplib::Response &res) {
        std::optional<Refusal> refusal;
        auto framing = body_framing(req, options.max_body_bytes);
        if (auto *problem = std::get_if<HttpRefusal>(&framing))
          refusal = Refusal{problem->status, nullptr};
        else
          refusal = refusal_for(req, options);
        if (!refusal && is_preflight(req)) {
          answer_preflight(req, cors, res);
          return httplib::Server::HandlerResponse::Handled;
        }
        if (!refusal)
          return httplib::Server::HandlerResponse::Unhandled;
        res.status = refusal->status;
        res.set_header("Connection", "close");
        if (refusal->challenge != nullptr)
          res.set_header("WWW-Authenticate", refusal->challenge);
        res.set_content(error_body(refusal->status, refusal->reason != nullptr
                                                        ? refusal->reason
                                                        : "the request cannot be served"),
                        "application/json");
        return httplib::Server::HandlerResponse::Handled;
      });
  // httplib calls this for every answer it writes, routed, refused or failed.
  server.set_post_routing_handler(
      [options, cors](const httplib::Request &req, httplib::Response &res) {
        add_cors_headers(req, options, cors, res);
      });
}

int bind_server(httplib::Server &server, const HttpServerOptions &options) {
  // Replaces httplib's default socket options, which also set SO_REUSEPORT.
  socket_t listening = INVALID_SOCKET;
  server.set_socket_options([&listening](socket_t socket) {
    int on = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    listening = socket;
  });
  int port = options.port == 0
                 ? server.bind_to_any_port(options.host)
                 : (server.bind_to_port(options.host, options.port) ? options.port : -1);
  // httplib 0.11.4 listens with a backlog of 5, compiled into the library: a
  // burst of connects overflows it, and an overflowed connect can end in a
  // reset. Listening again on the bound socket raises the backlog.
  if (port >= 0 && listening != INVALID_SOCKET)
    ::listen(listening, kListenBacklog);
  return port;
}

void HttpRoutes::add(const std::string &method, const std::string &pattern, Handler handler) {
  routes_.push_back({method, std::regex(pattern), std::move(handler)});
}

void HttpRoutes::answer(const httplib::Request &request, httplib::Response &res) const {
  // The route's match groups go in the request, as httplib puts them.
  auto &req = const_cast<httplib::Request &>(request);
  const std::string &method = req.method == "HEAD" ? std::string("GET") : req.method;
  for (const Route &route : routes_) {
    if (route.method != method || !std::regex_match(req.path, req.matches, route.pattern))
      continue;
    try {
      route.handler(req, res);
    } catch (...) {
      res = httplib::Response();
      res.status = 500;
      if (exception_handler_)
        exception_handler_(req, res, std::current_exception());
    }
    return;
  }
  res.status = 404;
}

void HttpRoutes::complete(const httplib::Request &req, httplib::Response &res) const {
  if (res.status >= 400 && error_handler_)
    error_handler_(req, res);
}

ListeningServer::ListeningServer(HttpServerOptions options, ErrorBody error_body, CorsPolicy cors)
    : options_(std::move(options)), error_body_(error_body), cors_(std::move(cors)) {}

ListeningServer::~ListeningServer() {
  stop();
  if (listening_ >= 0)
    close(listening_);
}

Result<int> ListeningServer::bind() {
  auto failure = [this](const std::string &why) {
    return Result<int>::failure("cannot listen on " + options_.host + ":" +
                                std::to_string(options_.port) + " (" + why + ")");
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo *found = nullptr;
  std::string host = options_.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (getaddrinfo(host.c_str(), std::to_string(options_.port).c_str(), &hints, &found) != 0)
    return failure("not an address of this machine");
  std::unique_ptr<addrinfo, void (*)(addrinfo *)> addresses(found, freeaddrinfo);
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return failure(std::strerror(errno));
  // SO_REUSEADDR but not SO_REUSEPORT: a port in use fails instead of being shared.
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, kListenBacklog) != 0) {
    int error = errno;
    close(fd);
    return failure(error == EADDRINUSE ? "in use" : std::strerror(error));
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &length);
  listening_ = fd;
  return bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in &>(bound).sin_port)
                                    : ntohs(reinterpret_cast<sockaddr_in6 &>(bound).sin6_port);
}

void ListeningServer::serve() {
  ConnectionLimits limits;
  limits.max_body_bytes = options_.max_body_bytes;
  limits.max_connections = static_cast<std::size_t>(std::max(options_.max_connections, 1));
  limits.max_connections_per_address =
      static_cast<std::size_t>(std::max(options_.max_connections_per_address, 0));
  limits.threads = static_cast<std::size_t>(std::max(options_.threads, 1));
  limits.io_timeout = std::chrono::seconds(std::max(options_.io_timeout_seconds, 1));
  limits.keep_alive = std::min(limits.keep_alive, limits.io_timeout);
  limits.head_timeout = std::chrono::seconds(std::max(options_.head_timeout_seconds, 1));
  ConnectionHooks hooks;
  hooks.screen = [this](const httplib::Request &req, httplib::Response &res) {
    std::optional<Refusal> refusal = refusal_for(req, options_);
    // RFC 9110, 9.1: a method the server does not know is answered 501; a
    // known one it does not serve on a path is the adapter's 405.
    static const std::set<std::string> kKnownMethods = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    std::string unserved;
    if (!refusal && kKnownMethods.count(req.method) == 0) {
      unserved = "not implemented: this server serves no " + req.method + " request";
      refusal = Refusal{501, unserved.c_str()};
    }
    if (!refusal && is_preflight(req) && !is_page_path(req.path, options_)) {
      answer_preflight(req, cors_, res);
      return true;
    }
    if (!refusal)
      return false;
    res.status = refusal->status;
    if (refusal->challenge != nullptr)
      res.set_header("WWW-Authenticate", refusal->challenge);
    res.set_content(error_body_(refusal->status, refusal->reason), "application/json");
    return true;
  };
  hooks.answer = [this](const httplib::Request &req, httplib::Response &res) {
    routes_.answer(req, res);
  };
  hooks.complete = [this](const httplib::Request &req, httplib::Response &res) {
    routes_.complete(req, res);
    add_cors_headers(req, options_, cors_, res);
  };
  hooks.error_body = [this](int status, const std::string &reason) {
    return error_body_(status, reason);
  };
  ConnectionLoop loop(listening_, limits, std::move(hooks));
  {
    std::lock_guard lock(state_mutex_);
    if (stop_requested_ || listening_ < 0)
      return;
    loop_ = &loop;
  }
  loop.run();
  {
    std::lock_guard lock(state_mutex_);
    loop_ = nullptr;
    stop_requested_ = true;
  }
  state_changed_.notify_all();
}

void ListeningServer::stop() {
  {
    std::lock_guard lock(state_mutex_);
    stop_requested_ = true;
    if (loop_ != nullptr)
      loop_->stop();
  }
  state_changed_.notify_all();
}

void ListeningServer::on_body(const std::string &method, const std::string &pattern,
                              BodyHandler handler) {
  routes_.add(method, pattern,
              [handler = std::move(handler)](const httplib::Request &req, httplib::Response &res) {
                // A multipart body is never what an adapter takes.
                if (req.is_multipart_form_data()) {
                  res.status = 415;
                  return;
                }
                handler(req, req.body, res);
              });
}

bool ListeningServer::wait_for_stop(std::chrono::milliseconds period) {
  std::unique_lock lock(state_mutex_);
  return state_changed_.wait_for(lock, period, [this] { return stop_requested_; });
}

} // namespace qovery_mcp
