#include "qovery_mcp/http_server.hpp"

#include "cors.hpp"

#include "qovery_mcp/log.hpp"
#include "qovery_mcp/text.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <malloc.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <list>
#include <optional>
#include <system_error>
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
    for (std::size_t i = 0; i < core_workers_; ++i)
      start_worker();
  }

  void enqueue(std::function<void()> connection) override {
    {
      std::unique_lock lock(mutex_);
      slot_free_.wait(lock, [this] { return connections_ < max_connections_; });
      if (waiting_.size() + 1 > idle_workers_ && workers_.size() < max_connections_)
        start_worker();
      if (workers_.empty()) {
        // Not one worker could start: serve it here rather than never.
        lock.unlock();
        connection();
        return;
      }
      ++connections_;
      waiting_.push_back(std::move(connection));
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

  /// Starts a worker; with mutex_ held. When the system refuses a thread (a
  /// task limit: `ulimit -u`, a container's pids limit, systemd's TasksMax),
  /// the connection waits for a worker that exists, and the refusal is logged
  /// once per listener instead of aborting the process.
  void start_worker() {
    auto self = workers_.emplace(workers_.end());
    try {
      *self = std::thread([this, self] { work(self); });
    } catch (const std::system_error &error) {
      workers_.erase(self);
      if (!thread_refused_)
        log::warning(std::string("HTTP: cannot start another worker thread (") + error.what() +
                     "); connections wait for a busy worker instead");
      thread_refused_ = true;
    }
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
  bool thread_refused_ = false; ///< the system refused a thread once: said in the log
};

/// A body over the limit is read and dropped up to this many times the limit
/// before its 413 is sent, so that a client that writes its whole body before
/// reading (most do) gets the answer: closing a connection with bytes unread
/// resets it, and the client may see only the reset. Past that, it is cut off.
constexpr std::size_t kMaxDrainFactor = 16;

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

/// Why the request's framing cannot be trusted or served, or nullopt.
/// cpp-httplib reads a Content-Length that is not a number as 0 (or,
/// negative, as huge), takes the first of two, reads a body announced larger
/// than the limit in full only to discard it, reads a chunked body past the
/// limit, and inflates a compressed body whatever its size. Whatever sits in
/// front of the server may also have framed the body another way (RFC 9112,
/// 6.1 and 6.3). All of this is answered before a byte of the body is read.
std::optional<Refusal> framing_problem(const httplib::Request &req, std::size_t max_body_bytes) {
  std::size_t lengths = req.get_header_value_count("Content-Length");
  for (std::size_t i = 0; i < lengths; ++i) {
    std::string length = req.get_header_value("Content-Length", i);
    if (length.empty() || length.find_first_not_of("0123456789") != std::string::npos)
      return Refusal{400, "bad request: Content-Length must be a number of bytes"};
  }
  bool has_transfer_encoding = req.has_header("Transfer-Encoding");
  if (lengths > 0 && has_transfer_encoding)
    return Refusal{400, "bad request: the body's length is given twice (Content-Length with "
                        "Transfer-Encoding)"};
  for (std::size_t i = 1; i < lengths; ++i)
    if (req.get_header_value("Content-Length", i) != req.get_header_value("Content-Length", 0))
      return Refusal{400, "bad request: the body's length is given twice (Content-Lengths that "
                          "differ)"};
  if (lengths > 0) {
    std::string length = req.get_header_value("Content-Length");
    std::string_view digits(length);
    digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
    if (digits.size() > 18 ||
        (!digits.empty() && std::stoull(std::string(digits)) / kMaxDrainFactor > max_body_bytes))
      return Refusal{413, nullptr};
  }
  if (has_transfer_encoding) {
    if (req.get_header_value_count("Transfer-Encoding") != 1 ||
        to_lower(req.get_header_value("Transfer-Encoding")) != "chunked")
      return Refusal{501, "not implemented: the only transfer coding served is chunked"};
    if (req.method != "POST" && req.method != "PUT" && req.method != "PATCH" &&
        req.method != "DELETE")
      return Refusal{411, "length required: a request of this method takes no chunked body"};
  }
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

/// The framing and the Host header first (400, 411, 413, 415, 501), then
/// Host and Origin (403), then the bearer token when one is required (401),
/// except on a CORS preflight: a browser sends it without credentials. A GET
/// or HEAD of one of `options.public_paths` needs only a readable request.
std::optional<Refusal> refusal_for(const httplib::Request &req, const HttpServerOptions &options) {
  if (std::optional<Refusal> problem = framing_problem(req, options.max_body_bytes))
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

namespace {

/// The numeric host and the port of a socket address, as httplib writes
/// Request::remote_addr and local_addr (getnameinfo, NI_NUMERICHOST).
std::pair<std::string, int> numeric_address(const sockaddr_storage &address, socklen_t length) {
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<const sockaddr *>(&address), length, host, sizeof host, nullptr,
                  0, NI_NUMERICHOST) != 0)
    return {"", -1};
  int port = address.ss_family == AF_INET
                 ? ntohs(reinterpret_cast<const sockaddr_in &>(address).sin_port)
                 : ntohs(reinterpret_cast<const sockaddr_in6 &>(address).sin6_port);
  return {host, port};
}

/// Makes `res` say "Connection: close", once, so that its connection ends
/// after it (end_connection).
void close_after(const httplib::Request &req, httplib::Response &res) {
  if (req.get_header_value("Connection") != "close" && !res.has_header("Connection"))
    res.set_header("Connection", "close"); // else httplib says it, or it was said
}

/// Ends the connection `req` came on once its answer, which says
/// "Connection: close", has been written (httplib's logger runs then).
/// httplib 0.11.4 keeps a connection open whatever the answer says, and
/// would read the unread body of a refused request as the next request
/// (request smuggling). So the socket, found among the process's descriptors
/// by its two addresses (a TCP connection has one socket with them), is shut
/// for reading, and httplib's next read ends the connection. Only refusals
/// and the last answer on a connection say "close", so the scan of
/// /proc/self/fd costs nothing on the request path.
void end_connection(const httplib::Request &req) {
  DIR *descriptors = opendir("/proc/self/fd");
  if (descriptors == nullptr)
    return;
  while (dirent *entry = readdir(descriptors)) {
    char *end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(descriptors))
      continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_length = sizeof local, peer_length = sizeof peer;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr *>(&local), &local_length) !=
            0 ||
        getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr *>(&peer), &peer_length) != 0 ||
        (local.ss_family != AF_INET && local.ss_family != AF_INET6))
      continue;
    if (numeric_address(peer, peer_length) == std::pair(req.remote_addr, req.remote_port) &&
        numeric_address(local, local_length) == std::pair(req.local_addr, req.local_port)) {
      shutdown(static_cast<int>(fd), SHUT_RD);
      break;
    }
  }
  closedir(descriptors);
}

} // namespace

void configure_server(httplib::Server &server, const HttpServerOptions &options,
                      ErrorBody error_body, CorsPolicy cors) {
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
      [options, error_body, cors](const httplib::Request &req, httplib::Response &res) {
        std::optional<Refusal> refusal = refusal_for(req, options);
        // httplib reads no body of these methods: the connection ends after
        // the answer, so that the body is never read as the next request.
        if ((req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS") &&
            req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0")
          close_after(req, res);
        if (!refusal && is_preflight(req)) {
          answer_preflight(req, cors, res);
          return httplib::Server::HandlerResponse::Handled;
        }
        if (!refusal)
          return httplib::Server::HandlerResponse::Unhandled;
        res.status = refusal->status;
        if (refusal->challenge != nullptr)
          res.set_header("WWW-Authenticate", refusal->challenge);
        close_after(req, res);
        // Without a reason, the adapter's error handler words it (413).
        if (refusal->reason != nullptr)
          res.set_content(error_body(refusal->status, refusal->reason), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      });
  // Called once an answer is written: one that says "close" ends its connection.
  server.set_logger([](const httplib::Request &req, const httplib::Response &res) {
    if (res.get_header_value("Connection") == "close")
      end_connection(req);
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

ListeningServer::ListeningServer(HttpServerOptions options, ErrorBody error_body, CorsPolicy cors)
    : options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  configure_server(*http_, options_, error_body, std::move(cors));
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

void ListeningServer::on_body(const std::string &method, const std::string &pattern,
                              BodyHandler handler) {
  std::size_t limit = options_.max_body_bytes;
  auto read_then_handle =
      [limit, handler = std::move(handler)](const httplib::Request &req, httplib::Response &res,
                                            const httplib::ContentReader &content_reader) {
        // Refuse before reading: close the connection, as the body stays unread.
        auto refuse = [&req, &res](int status) {
          res.status = status;
          close_after(req, res);
        };
        if (req.is_multipart_form_data())
          return refuse(415);
        std::string body;
        if (req.has_header("Content-Length"))
          // Digits only, and within the limit: the pre-routing guard checked.
          body.reserve(
              std::min<std::size_t>(std::stoull(req.get_header_value("Content-Length")), limit));
        std::size_t received = 0;
        bool read = content_reader([&](const char *data, std::size_t length) {
          received += length;
          if (received <= limit)
            body.append(data, length);
          return received / kMaxDrainFactor <= limit;
        });
        // httplib itself answers 413 to a Content-Length over the limit.
        if (received > limit || res.status == 413)
          return refuse(413);
        if (!read)
          return refuse(400);
        handler(req, body, res);
      };
  if (method == "POST")
    http_->Post(pattern, read_then_handle);
  else if (method == "PUT")
    http_->Put(pattern, read_then_handle);
  else if (method == "PATCH")
    http_->Patch(pattern, read_then_handle);
  else if (method == "DELETE")
    http_->Delete(pattern, read_then_handle);
}

bool ListeningServer::wait_for_stop(std::chrono::milliseconds period) {
  std::unique_lock lock(state_mutex_);
  return state_changed_.wait_for(lock, period, [this] { return stop_requested_; });
}

} // namespace qovery_mcp
