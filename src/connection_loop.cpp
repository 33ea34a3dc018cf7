#include "connection_loop.hpp"

#include "worker_pool.hpp"

#include "qovery_mcp/log.hpp"
#include "qovery_mcp/text.hpp"

#include <httplib.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace qovery_mcp {
namespace {

using Clock = std::chrono::steady_clock;

/// Bytes read from a socket at a time.
constexpr std::size_t kReadChunk = 64 * 1024;
/// Requests served on one connection before it is closed (httplib's keep_alive_max_count).
constexpr int kMaxRequestsPerConnection = 1000;
/// A streamed answer's writer waits while this much of it is unsent.
constexpr std::size_t kMaxUnsentStream = 1024 * 1024;
/// How often deadlines are checked.
constexpr std::chrono::milliseconds kSweepPeriod{200};
/// After an answer that ends the connection, its unread request bytes are
/// read and dropped for this long, up to kLingerFactor times the body limit,
/// so that a client still writing its body sees the answer, not a reset
/// (nginx's lingering_close).
constexpr std::chrono::seconds kLingerTime{5};
constexpr std::size_t kLingerFactor = 16;
/// Connections refused at accept (503) linger for this long, so that their
/// client reads the answer; beyond kMaxRefusedLingering of them, a refused
/// connection is closed at once.
constexpr std::chrono::seconds kRefusedLingerTime{1};
constexpr std::size_t kMaxRefusedLingering = 1024;
/// Once no request has come for this long after some did, the memory the
/// work freed goes back to the system (glibc keeps freed blocks resident in
/// its arenas until trimmed; workers, which no longer come and go with
/// connections, would never trim it).
constexpr std::chrono::seconds kIdleBeforeTrim{2};
/// After stop(), how long a streamed answer may still run.
constexpr std::chrono::seconds kStreamStopGrace{2};

constexpr std::uint64_t kListenerId = 0;
constexpr std::uint64_t kWakeId = 1;

/// The numeric host and the port of a socket address, as httplib writes
/// Request::remote_addr and local_addr.
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

/// Whether a Connection header's comma-separated options include `option`
/// (lower case).
bool has_connection_option(const httplib::Request &req, std::string_view option) {
  for (std::size_t i = 0; i < req.get_header_value_count("Connection"); ++i) {
    std::string value = to_lower(req.get_header_value("Connection", i));
    for (std::size_t start = 0; start <= value.size();) {
      std::size_t comma = std::min(value.find(',', start), value.size());
      if (trim_ows(std::string_view(value.data() + start, comma - start)) == option)
        return true;
      start = comma + 1;
    }
  }
  return false;
}

/// `n` in hexadecimal, as a chunk size.
std::string hex(std::size_t n) {
  char digits[2 * sizeof n + 1];
  std::snprintf(digits, sizeof digits, "%zx", n);
  return digits;
}

/// The status line and header fields of `res`, with Content-Length (or
/// chunked framing for a streamed answer) and Connection as HTTP/1.1 needs.
std::string serialize_head(const httplib::Response &res, bool close, bool chunked,
                           std::size_t length) {
  std::string head =
      "HTTP/1.1 " + std::to_string(res.status) + " " + reason_phrase(res.status) + "\r\n";
  for (const auto &[name, value] : res.headers) {
    std::string lower = to_lower(name);
    if (lower == "content-length" || lower == "connection" || lower == "transfer-encoding")
      continue;
    head += name + ": " + value + "\r\n";
  }
  if (chunked)
    head += "Transfer-Encoding: chunked\r\n";
  else
    head += "Content-Length: " + std::to_string(length) + "\r\n";
  head += close ? "Connection: close\r\n\r\n" : "\r\n";
  return head;
}

/// What a streamed answer's writer and the loop share.
struct StreamState {
  std::mutex mutex;
  std::condition_variable drained;
  std::size_t unsent = 0; ///< bytes handed to the loop and not written yet
  bool closed = false;    ///< the connection ended: further writes fail
};

} // namespace

struct ConnectionLoop::Impl {
  enum class State {
    head,      ///< waiting for or reading a request head
    body,      ///< reading a body
    answering, ///< the answer is being made (by a worker) or written
    lingering, ///< answered for the last time; dropping what the client still sends
  };

  struct Connection {
    std::uint64_t id = 0;
    int fd = -1;
    std::string peer; ///< numeric address, for the per-address count
    int peer_port = -1;
    std::string local;
    int local_port = -1;
    State state = State::head;
    std::string in; ///< read, not yet consumed
    HeadScanner scanner;
    std::unique_ptr<httplib::Request> request; ///< being read
    BodyFraming framing;
    std::unique_ptr<ChunkedDecoder> chunked;
    std::string out; ///< to write
    std::size_t out_sent = 0;
    bool worker_active = false; ///< a worker still has to hand over the answer's last bytes
    bool answer_done = false;   ///< the answer's last bytes are in `out`
    bool close_after = false;
    bool ended = false;  ///< closed; removed once no worker refers to it
    bool counted = true; ///< taken in: counts against the limits (else refused at accept)
    int requests = 0;
    Clock::time_point phase_start;   ///< when the current wait, head, body or linger began
    Clock::time_point last_progress; ///< last byte read or written
    std::size_t lingered = 0;
    std::shared_ptr<StreamState> stream; ///< shared with the worker making the answer
    std::uint32_t events = 0;            ///< registered with epoll
  };

  /// What a worker hands the loop: bytes of an answer, the last ones or not.
  struct Output {
    std::uint64_t id;
    std::string bytes;
    bool last;
    bool close;
  };

  int listening;
  ConnectionLimits limits;
  ConnectionHooks hooks;
  int epoll = -1;
  int wake = -1;
  std::atomic<bool> stopping{false};
  bool accepting = true;
  Clock::time_point stop_time;
  std::uint64_t next_id = kWakeId + 1;
  std::unordered_map<std::uint64_t, Connection> connections;
  std::size_t taken_in = 0; ///< connections that count against max_connections
  std::size_t refused_lingering = 0;
  std::unordered_map<std::string, std::size_t> per_address;
  std::vector<std::uint64_t> ended;   ///< to remove after this turn of the loop
  std::vector<std::uint64_t> pending; ///< kept alive with a next request already read
  std::mutex outputs_mutex;
  std::deque<Output> outputs;
  std::unique_ptr<WorkerPool> workers;
  Clock::time_point last_request;
  bool trimmed = true; ///< no request since the last trim

  Impl(int listening_socket, ConnectionLimits connection_limits, ConnectionHooks connection_hooks)
      : listening(listening_socket), limits(connection_limits), hooks(std::move(connection_hooks)),
        epoll(epoll_create1(EPOLL_CLOEXEC)), wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    control(EPOLL_CTL_ADD, listening, kListenerId, EPOLLIN);
    control(EPOLL_CTL_ADD, wake, kWakeId, EPOLLIN);
  }

  ~Impl() {
    close(epoll);
    close(wake);
  }

  void control(int operation, int fd, std::uint64_t id, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = id;
    epoll_ctl(epoll, operation, fd, &event);
  }

  /// Level-triggered interest in `events` of `c`'s socket.
  void want(Connection &c, std::uint32_t events) {
    if (c.ended || c.events == events)
      return;
    control(EPOLL_CTL_MOD, c.fd, c.id, events);
    c.events = events;
  }

  void want_listener(bool on) {
    if (accepting == on || stopping)
      return;
    accepting = on;
    control(EPOLL_CTL_MOD, listening, kListenerId, on ? std::uint32_t{EPOLLIN} : 0U);
  }

  void notify() {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(wake, &one, sizeof one);
  }

  // --- accepting ------------------------------------------------------------

  void accept_one() {
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    int fd = accept4(listening, reinterpret_cast<sockaddr *>(&peer), &peer_length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors or memory: pause accepting until the next sweep.
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        want_listener(false);
      return;
    }
    auto [address, port] = numeric_address(peer, peer_length);
    const char *refusal = nullptr;
    if (taken_in >= limits.max_connections)
      refusal = "service unavailable: the server has as many connections open as it serves at "
                "once; retry later";
    else if (limits.max_connections_per_address > 0 &&
             per_address[address] >= limits.max_connections_per_address)
      refusal = "service unavailable: this address has as many connections open as the server "
                "allows one address; retry later";
    if (refusal != nullptr && refused_lingering >= kMaxRefusedLingering) {
      close(fd); // refusing too many to answer each
      return;
    }
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    sockaddr_storage local{};
    socklen_t local_length = sizeof local;
    getsockname(fd, reinterpret_cast<sockaddr *>(&local), &local_length);
    Connection &c = connections[next_id];
    c.id = next_id++;
    c.fd = fd;
    std::tie(c.peer, c.peer_port) = std::pair(address, port);
    std::tie(c.local, c.local_port) = numeric_address(local, local_length);
    c.phase_start = c.last_progress = Clock::now();
    c.events = EPOLLIN | EPOLLRDHUP;
    control(EPOLL_CTL_ADD, fd, c.id, c.events);
    if (refusal == nullptr) {
      ++taken_in;
      ++per_address[address];
      return;
    }
    // Answered 503 before anything is read; the connection then lingers
    // briefly, so that the client reads the answer instead of a reset.
    c.counted = false;
    ++refused_lingering;
    httplib::Response res;
    res.status = 503;
    res.set_header("Retry-After", "1");
    res.set_content(hooks.error_body(503, refusal), "application/json");
    answer_here(c, res, true);
  }

  // --- reading --------------------------------------------------------------

  /// One read (the socket is level-triggered: what is left is reported again).
  void on_readable(Connection &c) {
    char buffer[kReadChunk];
    ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    if (n <= 0)
      return end(c); // the peer closed, or the connection failed
    c.last_progress = Clock::now();
    if (c.state == State::lingering) {
      c.lingered += static_cast<std::size_t>(n);
      if (c.lingered > kLingerFactor * limits.max_body_bytes)
        end(c);
      return;
    }
    c.in.append(buffer, static_cast<std::size_t>(n));
    consume(c);
  }

  /// Makes what progress the bytes in `c.in` allow: heads, bodies, dispatch.
  void consume(Connection &c) {
    while (!c.ended && (c.state == State::head || c.state == State::body)) {
      if (c.state == State::head) {
        if (c.in.empty())
          return;
        if (!c.request) {
          c.request = std::make_unique<httplib::Request>();
          c.phase_start = Clock::now();
        }
        std::variant<std::size_t, HttpRefusal> scanned = c.scanner.scan(c.in);
        if (auto *refusal = std::get_if<HttpRefusal>(&scanned))
          return refuse(c, *refusal);
        std::size_t head_size = std::get<std::size_t>(scanned);
        if (head_size == 0)
          return;
        start_request(c, head_size);
        continue;
      }
      if (!read_body(c))
        return;
      dispatch(c);
    }
  }

  /// The head of `c.in` is whole: parses and screens it, then reads its body
  /// (State::body) or answers here.
  void start_request(Connection &c, std::size_t head_size) {
    httplib::Request &req = *c.request;
    std::optional<HttpRefusal> refusal =
        parse_head(std::string_view(c.in).substr(0, head_size), req);
    c.in.erase(0, head_size);
    c.scanner.reset();
    req.remote_addr = c.peer;
    req.remote_port = c.peer_port;
    req.local_addr = c.local;
    req.local_port = c.local_port;
    if (refusal)
      return refuse(c, *refusal);
    std::variant<BodyFraming, HttpRefusal> framing = body_framing(req, limits.max_body_bytes);
    if (auto *problem = std::get_if<HttpRefusal>(&framing))
      return refuse(c, *problem);
    c.framing = std::get<BodyFraming>(framing);
    httplib::Response res;
    if (hooks.screen(req, res))
      // A body left unread ends the connection: it is never taken for a request.
      return answer_here(c, res, res.status >= 400 || c.framing.kind != BodyFraming::Kind::none);
    if (c.framing.kind != BodyFraming::Kind::none && req.has_header("Expect")) {
      if (to_lower(req.get_header_value("Expect")) != "100-continue")
        return refuse(c, {417, "expectation failed: the only expectation served is 100-continue"});
      if (c.in.empty()) {
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        flush(c);
      }
    }
    if (c.framing.kind == BodyFraming::Kind::chunked)
      c.chunked = std::make_unique<ChunkedDecoder>(limits.max_body_bytes);
    else if (c.framing.kind == BodyFraming::Kind::length)
      req.body.reserve(static_cast<std::size_t>(c.framing.length));
    c.state = State::body;
    c.phase_start = Clock::now();
  }

  /// Moves body bytes from `c.in` to the request; true once the body is
  /// whole. A refusal ends the request.
  bool read_body(Connection &c) {
    httplib::Request &req = *c.request;
    if (c.framing.kind == BodyFraming::Kind::length) {
      std::size_t needed = static_cast<std::size_t>(c.framing.length) - req.body.size();
      std::size_t take = std::min(needed, c.in.size());
      req.body.append(c.in, 0, take);
      c.in.erase(0, take);
      return take == needed;
    }
    if (c.framing.kind == BodyFraming::Kind::chunked) {
      std::size_t offset = 0;
      auto status = c.chunked->decode(c.in, offset, req.body);
      c.in.erase(0, offset);
      if (auto *refusal = std::get_if<HttpRefusal>(&status)) {
        refuse(c, *refusal);
        return false;
      }
      return std::get<ChunkedDecoder::Status>(status) == ChunkedDecoder::Status::complete;
    }
    return true;
  }

  // --- answering ------------------------------------------------------------

  /// Hands the whole request of `c` to a worker.
  void dispatch(Connection &c) {
    c.state = State::answering;
    c.chunked.reset();
    ++c.requests;
    // Not read while answered: what the client sends next waits in the kernel.
    want(c, 0);
    if (c.in.capacity() > kReadChunk && c.in.size() < kReadChunk)
      c.in.shrink_to_fit();
    bool close = stopping || c.requests >= kMaxRequestsPerConnection;
    last_request = Clock::now();
    trimmed = false;
    c.stream = std::make_shared<StreamState>();
    c.worker_active = true;
    std::shared_ptr<httplib::Request> req(c.request.release());
    workers->enqueue(
        [this, id = c.id, req, close, stream = c.stream] { answer(id, *req, close, *stream); });
  }

  /// On a worker: makes the answer to `req` and hands its bytes to the loop.
  void answer(std::uint64_t id, const httplib::Request &req, bool close, StreamState &stream) {
    httplib::Response res;
    hooks.answer(req, res);
    if (res.status == -1)
      res.status = 200;
    hooks.complete(req, res);
    close = close || has_connection_option(req, "close") ||
            (req.version == "HTTP/1.0" && !has_connection_option(req, "keep-alive")) ||
            to_lower(res.get_header_value("Connection")) == "close";
    bool head = req.method == "HEAD";
    if (!res.content_provider_ || !res.is_chunked_content_provider_) {
      if (!res.has_header("Content-Type") && !res.body.empty())
        res.set_header("Content-Type", "text/plain");
      std::string bytes = serialize_head(res, close, false, res.body.size());
      if (!head)
        bytes += res.body;
      post(stream, {id, std::move(bytes), true, close});
      return;
    }
    // A streamed answer: a chunk for each write (RFC 9112, 7.1), as httplib does.
    bool ok = post(stream, {id, serialize_head(res, close, true, 0), false, close});
    bool more = !head;
    httplib::DataSink sink;
    sink.write = [&](const char *data, std::size_t length) {
      if (length == 0 || !ok)
        return ok;
      ok = post(stream,
                {id, hex(length) + "\r\n" + std::string(data, length) + "\r\n", false, close});
      return ok;
    };
    sink.done = [&] { more = false; };
    sink.is_writable = [&] {
      std::lock_guard lock(stream.mutex);
      return ok && !stream.closed;
    };
    std::size_t offset = 0;
    while (ok && more && res.content_provider_(offset, 0, sink))
      ;
    res.content_provider_success_ = ok && !more;
    post(stream, {id, res.content_provider_success_ && !head ? "0\r\n\r\n" : "", true,
                  close || !res.content_provider_success_});
  }

  /// Hands bytes to the loop, waiting while more than kMaxUnsentStream is
  /// unsent; false once the connection has ended (the last bytes are always
  /// handed over: they tell the loop the worker is done).
  bool post(StreamState &stream, Output output) {
    {
      std::unique_lock lock(stream.mutex);
      stream.drained.wait(
          lock, [&] { return stream.closed || output.last || stream.unsent < kMaxUnsentStream; });
      if (stream.closed && !output.last)
        return false;
      stream.unsent += output.bytes.size();
    }
    {
      std::lock_guard lock(outputs_mutex);
      outputs.push_back(std::move(output));
    }
    notify();
    return true;
  }

  /// Takes what workers handed over, and writes it.
  void take_outputs() {
    std::uint64_t count;
    [[maybe_unused]] ssize_t r = ::read(wake, &count, sizeof count);
    std::deque<Output> taken;
    {
      std::lock_guard lock(outputs_mutex);
      taken.swap(outputs);
    }
    for (Output &output : taken) {
      auto found = connections.find(output.id);
      if (found == connections.end())
        continue;
      Connection &c = found->second;
      if (output.last)
        c.worker_active = false;
      if (c.ended) {
        if (output.last)
          ended.push_back(c.id);
        continue;
      }
      c.out += output.bytes;
      c.close_after = c.close_after || output.close;
      c.answer_done = output.last;
      flush(c);
    }
  }

  /// Answers on the loop thread: a refusal, a preflight, a timeout.
  void answer_here(Connection &c, httplib::Response &res, bool close) {
    httplib::Request none;
    const httplib::Request &req = c.request ? *c.request : none;
    hooks.complete(req, res);
    c.out += serialize_head(res, close, false, res.body.size());
    if (req.method != "HEAD")
      c.out += res.body;
    c.request.reset();
    c.chunked.reset();
    c.state = State::answering;
    c.close_after = close;
    c.answer_done = true;
    flush(c);
  }

  /// Refuses the request being read; the connection ends after the answer.
  void refuse(Connection &c, const HttpRefusal &refusal) {
    httplib::Response res;
    res.status = refusal.status;
    if (!refusal.reason.empty())
      res.set_content(hooks.error_body(refusal.status, refusal.reason), "application/json");
    answer_here(c, res, true);
  }

  /// Writes what the socket takes of `c.out`; once an answer is all written,
  /// goes on to the connection's next request, or lingers before closing.
  void flush(Connection &c) {
    while (c.out_sent < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        want(c, c.state == State::body ? EPOLLIN | EPOLLOUT | EPOLLRDHUP
                                       : EPOLLOUT | streaming_events(c));
        return;
      }
      if (n <= 0)
        return end(c);
      c.out_sent += static_cast<std::size_t>(n);
      c.last_progress = Clock::now();
    }
    c.out.clear();
    c.out_sent = 0;
    if (c.out.capacity() > kReadChunk)
      c.out.shrink_to_fit();
    if (c.stream) {
      std::lock_guard lock(c.stream->mutex);
      c.stream->unsent = 0;
      c.stream->drained.notify_all();
    }
    if (c.state == State::body) {
      want(c, EPOLLIN | EPOLLRDHUP);
      return;
    }
    if (c.state != State::answering)
      return;
    want(c, streaming_events(c));
    if (!c.answer_done)
      return; // a streamed answer: more to come
    c.answer_done = false;
    c.stream.reset();
    if (c.close_after || stopping)
      return linger(c);
    c.state = State::head;
    c.phase_start = Clock::now();
    want(c, EPOLLIN | EPOLLRDHUP);
    if (!c.in.empty())
      pending.push_back(c.id);
  }

  /// While an answer streams, a client that closes its end is noticed at
  /// once (EPOLLRDHUP), and the stream's writes fail; a whole answer being
  /// made is not watched, so a client that half-closes after its request
  /// still gets it.
  static std::uint32_t streaming_events(const Connection &c) {
    return c.worker_active && !c.answer_done ? EPOLLRDHUP : 0U;
  }

  /// The last answer on `c` is written: stop sending, drop what the client
  /// still sends for a while, then close.
  void linger(Connection &c) {
    c.state = State::lingering;
    c.in.clear();
    c.in.shrink_to_fit();
    c.phase_start = Clock::now();
    shutdown(c.fd, SHUT_WR);
    want(c, EPOLLIN | EPOLLRDHUP);
  }

  /// Closes `c`. Its entry stays until its worker, if any, has handed over
  /// the answer's last bytes, so that the answer is dropped, not sent to
  /// another connection.
  void end(Connection &c) {
    if (c.ended)
      return;
    c.ended = true;
    if (c.stream) {
      std::lock_guard lock(c.stream->mutex);
      c.stream->closed = true;
      c.stream->drained.notify_all();
    }
    epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    if (!c.counted) {
      --refused_lingering;
    } else {
      --taken_in;
      auto count = per_address.find(c.peer);
      if (count != per_address.end() && --count->second == 0)
        per_address.erase(count);
    }
    if (!c.worker_active)
      ended.push_back(c.id);
  }

  // --- time -----------------------------------------------------------------

  /// Ends or answers the connections whose time is up.
  void sweep() {
    Clock::time_point now = Clock::now();
    if (!accepting)
      want_listener(true);
    if (!trimmed && now - last_request > kIdleBeforeTrim) {
      malloc_trim(0);
      trimmed = true;
    }
    for (auto &[id, c] : connections) {
      if (c.ended || !timed_out(c, now))
        continue;
      if (stopping && c.state == State::answering && c.stream && c.out_sent == c.out.size()) {
        // A stream still running after stop(): its writes now fail.
        std::lock_guard lock(c.stream->mutex);
        c.stream->closed = true;
        c.stream->drained.notify_all();
      } else if (!stopping && c.state == State::head && c.request) {
        refuse(c, {408, "request timeout: the request head was not received within " +
                            std::to_string(limits.head_timeout.count()) + " s"});
      } else if (!stopping && c.state == State::body) {
        refuse(c, {408, "request timeout: the request body came too slowly (it must keep up " +
                            std::to_string(static_cast<int>(limits.min_body_rate)) +
                            " bytes a second, and never stall for " +
                            std::to_string(limits.io_timeout.count()) + " s)"});
      } else {
        end(c);
      }
    }
  }

  bool timed_out(const Connection &c, Clock::time_point now) const {
    switch (c.state) {
    case State::head:
      return stopping ||
             now - c.phase_start > (c.request ? limits.head_timeout : limits.keep_alive);
    case State::body: {
      if (stopping || now - c.last_progress > limits.io_timeout)
        return true;
      std::chrono::duration<double> allowed =
          limits.io_timeout +
          std::chrono::duration<double>(static_cast<double>(c.request->body.size()) /
                                        limits.min_body_rate);
      return now - c.phase_start > allowed;
    }
    case State::answering:
      if (c.out_sent < c.out.size())
        return now - c.last_progress > limits.io_timeout; // a client that does not read
      return stopping && c.stream != nullptr && now - stop_time > kStreamStopGrace;
    case State::lingering:
      return now - c.phase_start > (stopping || !c.counted ? kRefusedLingerTime : kLingerTime);
    }
    return false;
  }

  // --- the loop -------------------------------------------------------------

  void run() {
    workers = std::make_unique<WorkerPool>(std::min(limits.threads, limits.max_connections),
                                           limits.max_connections);
    std::vector<epoll_event> events(256);
    Clock::time_point next_sweep = Clock::now() + kSweepPeriod;
    bool stop_seen = false;
    while (!stop_seen || !connections.empty()) {
      int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(kSweepPeriod.count()));
      if (stopping && !stop_seen) {
        stop_seen = true;
        stop_time = Clock::now();
        epoll_ctl(epoll, EPOLL_CTL_DEL, listening, nullptr);
        next_sweep = stop_time;
      }
      for (int i = 0; i < std::max(ready, 0); ++i) {
        const epoll_event &event = events[static_cast<std::size_t>(i)];
        if (event.data.u64 == kListenerId) {
          if (!stopping)
            accept_one();
          continue;
        }
        if (event.data.u64 == kWakeId) {
          take_outputs();
          continue;
        }
        auto found = connections.find(event.data.u64);
        if (found == connections.end() || found->second.ended)
          continue;
        Connection &c = found->second;
        if (event.events & EPOLLOUT)
          flush(c);
        if (!c.ended && (event.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
          on_readable(c);
      }
      for (std::size_t i = 0; i < pending.size(); ++i) {
        auto found = connections.find(pending[i]);
        if (found != connections.end() && !found->second.ended)
          consume(found->second);
      }
      pending.clear();
      if (Clock::now() >= next_sweep) {
        sweep();
        next_sweep = Clock::now() + kSweepPeriod;
      }
      for (std::uint64_t id : ended)
        connections.erase(id);
      ended.clear();
    }
    workers->shutdown();
  }
};

ConnectionLoop::ConnectionLoop(int listening, ConnectionLimits limits, ConnectionHooks hooks)
    : impl_(std::make_unique<Impl>(listening, limits, std::move(hooks))) {}

ConnectionLoop::~ConnectionLoop() = default;

void ConnectionLoop::run() { impl_->run(); }

void ConnectionLoop::stop() {
  impl_->stopping = true;
  impl_->notify();
}

} // namespace qovery_mcp
