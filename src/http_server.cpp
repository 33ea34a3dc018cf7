#include "qovery_mcp/http_server.hpp"

#include "qovery_mcp/text.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <deque>
#include <list>
#include <optional>
#include <thread>

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

/// Workers for cpp-httplib's connections. httplib's ThreadPool queues them
/// without bound behind a fixed set of workers, so clients that connect and
/// stay silent starve everyone else until they time out. This pool starts
/// `threads` workers and adds one whenever a connection arrives and none is
/// free, up to `max_connections`; at that cap enqueue() waits for a
/// connection to end, which pauses accept(): newcomers wait in the kernel's
/// listen backlog, and beyond it the kernel refuses them. A worker beyond the
/// first `threads` ends once it has had no connection for kIdleWorkerLifetime:
/// each thread keeps its stack and glibc's per-thread cache of freed blocks
/// (tens of KiB each) for as long as it lives, so after a burst of 200
/// connections the pool would otherwise hold megabytes it no longer needs.
class ConnectionPool final : public httplib::TaskQueue {
public:
  ConnectionPool(std::size_t threads, std::size_t max_connections)
      : core_workers_(std::min(threads, max_connections)), max_connections_(max_connections) {
    std::lock_guard lock(mutex_);
    while (workers_.size() < core_workers_)
      start_worker();
  }

  void enqueue(std::function<void()> connection) override {
    {
      std::unique_lock lock(mutex_);
      slot_free_.wait(lock, [this] { return connections_ < max_connections_; });
      ++connections_;
      waiting_.push_back(std::move(connection));
      if (waiting_.size() > idle_workers_ && workers_.size() < max_connections_)
        start_worker();
    }
    connection_waiting_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      shutting_down_ = true;
    }
    connection_waiting_.notify_all();
    // Once shutting down no worker retires, and only the accept thread, which
    // is calling this, adds workers: both lists are final.
    for (auto &worker : workers_)
      worker.join();
    for (auto &worker : retired_)
      worker.join();
  }

private:
  using Workers = std::list<std::thread>;

  /// How long a worker beyond the first `threads` waits for a connection before it ends.
  static constexpr std::chrono::seconds kIdleWorkerLifetime{5};

  /// Starts a worker; with mutex_ held.
  void start_worker() {
    auto self = workers_.emplace(workers_.end());
    *self = std::thread([this, self] { work(self); });
  }

  /// Serves connections until shutdown() and none is left waiting, or until
  /// it has idled for kIdleWorkerLifetime while the pool has more than its
  /// core workers.
  void work(Workers::iterator self) {
    for (;;) {
      std::function<void()> connection;
      {
        std::unique_lock lock(mutex_);
        ++idle_workers_;
        bool woken = connection_waiting_.wait_for(
            lock, kIdleWorkerLifetime, [this] { return !waiting_.empty() || shutting_down_; });
        --idle_workers_;
        if (!woken) {
          if (workers_.size() > core_workers_)
            return retire(self, lock);
          continue;
        }
        if (waiting_.empty())
          return;
        connection = std::move(waiting_.front());
        waiting_.pop_front();
      }
      connection();
      {
        std::lock_guard lock(mutex_);
        --connections_;
      }
      slot_free_.notify_one();
    }
  }

  /// Leaves the pool: this worker's thread is joined by the next worker that
  /// retires, or by shutdown(); it joins the one that retired before it. The
  /// last surplus worker to go hands the memory the burst used back to the
  /// system: glibc keeps freed blocks in its arenas, resident, until trimmed.
  void retire(Workers::iterator self, std::unique_lock<std::mutex> &lock) {
    Workers finished;
    finished.swap(retired_);
    retired_.splice(retired_.end(), workers_, self);
    bool back_to_core = workers_.size() == core_workers_;
    lock.unlock();
    for (auto &worker : finished)
      worker.join();
    if (back_to_core)
      malloc_trim(0);
  }

  const std::size_t core_workers_;
  const std::size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable connection_waiting_;
  std::condition_variable slot_free_;
  std::deque<std::function<void()>> waiting_;
  Workers workers_;
  Workers retired_; ///< ended or ending, not joined yet
  std::size_t idle_workers_ = 0;
  std::size_t connections_ = 0; ///< waiting or being served
  bool shutting_down_ = false;
};

/// Why the guard refuses a request before routing.
struct Refusal {
  int status;
  const char *reason;
  const char *challenge = nullptr; ///< the WWW-Authenticate value of a 401
  bool close = false;              ///< the connection cannot carry another request
};

/// Why the request's body length cannot be trusted, or nullptr. cpp-httplib
/// reads a Content-Length that is not a number as 0 (or, negative, as huge),
/// and takes the first of two; whatever sits in front of the server may have
/// framed the body another way, and what it takes for the body this server
/// would take for a request (RFC 9112, 6.1 and 6.3).
const char *framing_problem(const httplib::Request &req) {
  std::size_t lengths = req.get_header_value_count("Content-Length");
  for (std::size_t i = 0; i < lengths; ++i) {
    std::string length = req.get_header_value("Content-Length", i);
    if (length.empty() || length.find_first_not_of("0123456789") != std::string::npos)
      return "bad request: Content-Length must be a number of bytes";
  }
  if (lengths > 0 && req.has_header("Transfer-Encoding"))
    return "bad request: the body's length is given twice (Content-Length with "
           "Transfer-Encoding)";
  for (std::size_t i = 1; i < lengths; ++i)
    if (req.get_header_value("Content-Length", i) != req.get_header_value("Content-Length", 0))
      return "bad request: the body's length is given twice (Content-Lengths that differ)";
  return nullptr;
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

/// Host and Origin first (403), then the bearer token when one is required (401).
std::optional<Refusal> refusal_for(const httplib::Request &req, const HttpServerOptions &options) {
  if (const char *problem = framing_problem(req))
    return Refusal{400, problem, nullptr, true};
  if (req.has_header("Host") && !host_allowed(req.get_header_value("Host"), options))
    return Refusal{403, "forbidden: Host header not allowed"};
  if (req.has_header("Origin") && !origin_allowed(req.get_header_value("Origin"), options))
    return Refusal{403, "forbidden: Origin not allowed"};
  if (options.auth_token.empty())
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

bool is_loopback_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string address(host);
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  return to_lower(host) == "localhost";
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
                      ErrorBody error_body) {
  auto threads = static_cast<std::size_t>(std::max(options.threads, 1));
  auto max_connections = static_cast<std::size_t>(std::max(options.max_connections, 1));
  server.new_task_queue = [threads, max_connections] {
    return new ConnectionPool(threads, max_connections);
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
      [options, error_body](const httplib::Request &req, httplib::Response &res) {
        std::optional<Refusal> refusal = refusal_for(req, options);
        if (!refusal)
          return httplib::Server::HandlerResponse::Unhandled;
        res.status = refusal->status;
        if (refusal->challenge != nullptr)
          res.set_header("WWW-Authenticate", refusal->challenge);
        if (refusal->close)
          res.set_header("Connection", "close");
        res.set_content(error_body(refusal->status, refusal->reason), "application/json");
        return httplib::Server::HandlerResponse::Handled;
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

ListeningServer::ListeningServer(HttpServerOptions options, ErrorBody error_body)
    : options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  configure_server(*http_, options_, error_body);
}

ListeningServer::~ListeningServer() { stop(); }

Result<int> ListeningServer::bind() {
  int port = bind_server(*http_, options_);
  if (port < 0)
    return Result<int>::failure("cannot listen on " + options_.host + ":" +
                                std::to_string(options_.port) +
                                " (in use, or not an address of this machine)");
  return port;
}

void ListeningServer::serve() {
  {
    std::lock_guard lock(state_mutex_);
    if (stop_requested_)
      return;
    serving_ = true;
  }
  http_->listen_after_bind();
  {
    std::lock_guard lock(state_mutex_);
    stop_requested_ = true;
    serving_ = false;
  }
  state_changed_.notify_all();
}

void ListeningServer::stop() {
  {
    std::lock_guard lock(state_mutex_);
    stop_requested_ = true;
  }
  state_changed_.notify_all();
  // listen_after_bind() may not have begun: httplib ignores a stop until it has.
  while (serving_ && !http_->is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  http_->stop();
}

bool ListeningServer::wait_for_stop(std::chrono::milliseconds period) {
  std::unique_lock lock(state_mutex_);
  return state_changed_.wait_for(lock, period, [this] { return stop_requested_; });
}

} // namespace qovery_mcp
