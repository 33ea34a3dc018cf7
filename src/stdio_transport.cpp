#include "qovery_mcp/stdio_transport.hpp"

#include "qovery_mcp/log.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace qovery_mcp {
namespace {

/// Reads one line of `in`, without its '\n', into `line`, keeping at most
/// `limit` bytes: a longer line sets `too_long` and the rest is read and
/// dropped, so memory stays bounded. False at the end of input with nothing read.
bool read_line(std::istream &in, std::string &line, std::size_t limit, bool &too_long) {
  line.clear();
  too_long = false;
  std::streambuf *buffer = in.rdbuf();
  bool read_any = false;
  for (;;) {
    int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return read_any;
    }
    read_any = true;
    if (c == '\n')
      return true;
    if (line.size() < limit)
      line.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
}

/// A tools/call read and not answered yet, tracked in the session from when
/// it was read, so that a cancellation read while it waits still finds it.
struct Call {
  nlohmann::json message;
  mcp::InFlightRequest request;
};

} // namespace

struct StdioTransport::Impl {
  const mcp::Server &server;
  std::istream &in;
  std::ostream &out;
  mcp::Session session{"stdio"};

  std::mutex writing; ///< held while one whole line is written and flushed
  std::atomic<bool> out_failed{false};

  std::mutex mutex; ///< guards the members below
  std::condition_variable changed;
  std::deque<Call> waiting;
  std::vector<std::thread> workers; ///< started as calls come, up to kMaxStdioCallsInFlight
  std::size_t idle_workers = 0;
  std::size_t handling = 0; ///< messages started and not yet answered
  bool input_ended = false;
  bool stopping = false;
  bool thread_refused = false; ///< a thread could not be started (logged once)

  /// Writes a notification that belongs to a request (its log messages) at once, before its answer.
  const mcp::Notify notify = [this](const nlohmann::json &notification) {
    write_line(mcp::to_text(notification));
  };

  std::function<void()> on_end; ///< StdioTransport's `ended`

  Impl(const mcp::Server &served, std::istream &input, std::ostream &output,
       std::function<void()> ended)
      : server(served), in(input), out(output), on_end(std::move(ended)) {}

  /// Whether no message may start: stop() was called, or the client went away.
  bool halted() const { return stopping || out_failed; }

  /// Counts one message as started; false when none may start.
  bool begin() {
    std::lock_guard lock(mutex);
    if (halted())
      return false;
    ++handling;
    return true;
  }

  /// Writes `answer`, when there is one, as one line; then counts the message as answered.
  void finish(const std::optional<std::string> &answer) {
    if (answer)
      write_line(*answer);
    std::lock_guard lock(mutex);
    --handling;
    changed.notify_all();
  }

  void write_line(const std::string &text) {
    std::lock_guard lock(writing);
    // Serialized JSON escapes control characters, so an answer is always one line.
    out << text << '\n';
    out.flush();
    if (!out)
      out_failed = true; // the client closed its end
  }

  /// Serves a message that waits on nothing on the reading thread:
  /// `answer()` gives its answer, if any. False when nothing may start.
  template <typename Answer> bool serve_now(const Answer &answer) {
    if (!begin())
      return false;
    finish(answer());
    return true;
  }

  /// Queues a tools/call for a worker, starting one if none is idle; waits
  /// while kMaxStdioCallsWaiting calls wait. False when nothing may start.
  bool queue(nlohmann::json message) {
    mcp::InFlightRequest request(session, message["id"]);
    Call call{std::move(message), std::move(request)};
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return waiting.size() < kMaxStdioCallsWaiting || halted(); });
    if (halted())
      return false;
    waiting.push_back(std::move(call));
    if (idle_workers == 0 && workers.size() < kMaxStdioCallsInFlight && !start_worker() &&
        workers.empty()) {
      // No thread at all: serve the call here, one message at a time.
      Call now = std::move(waiting.front());
      waiting.pop_front();
      ++handling;
      lock.unlock();
      finish(server.respond(now.message, session, &now.request, notify));
      return true;
    }
    changed.notify_all();
    return true;
  }

  /// Starts a worker, with `mutex` held; false when the system refuses a
  /// thread (ulimit -u, a pids limit): the call then waits for a busy worker.
  bool start_worker() {
    try {
      workers.emplace_back([this] { work(); });
      return true;
    } catch (const std::system_error &e) {
      if (!thread_refused) // once: it says what to change, and nothing is lost
        log::warning(std::string("stdio: the system refused a thread for a call (") + e.what() +
                     "); calls wait for the ones in progress");
      thread_refused = true;
      return false;
    }
  }

  /// A worker: serves waiting calls until the input ended and none waits, or
  /// until nothing may start.
  void work() {
    std::unique_lock lock(mutex);
    for (;;) {
      ++idle_workers;
      changed.wait(lock, [&] { return !waiting.empty() || input_ended || halted(); });
      --idle_workers;
      if (waiting.empty() || halted())
        return;
      Call call = std::move(waiting.front());
      waiting.pop_front();
      ++handling;
      changed.notify_all(); // room in `waiting`
      lock.unlock();
      finish(server.respond(call.message, session, &call.request, notify));
      lock.lock();
    }
  }

  /// Serves one line, or returns false when nothing may start any more.
  bool serve_line(const std::string &line, bool too_long) {
    if (too_long)
      return serve_now([] {
        return std::optional(mcp::to_text(
            mcp::error_response(nullptr, mcp::kInvalidRequest,
                                "invalid request: the message is too large: the limit is " +
                                    std::to_string(kMaxStdioMessageBytes) + " bytes a line")));
      });
    mcp::ParsedMessage parsed = mcp::parse_message(line);
    if (parsed.error)
      return serve_now([&] { return std::optional(mcp::to_text(*parsed.error)); });
    if (mcp::Server::waits_on_upstream(parsed.message))
      return queue(std::move(parsed.message));
    return serve_now([&] { return server.respond(parsed.message, session, nullptr, notify); });
  }

  void serve() {
    std::string line;
    bool too_long = false;
    while (read_line(in, line, kMaxStdioMessageBytes, too_long)) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (!too_long && line.find_first_not_of(" \t") == std::string::npos)
        continue;
      if (!serve_line(line, too_long) || out_failed)
        break;
    }
    {
      std::lock_guard lock(mutex);
      input_ended = true;
      changed.notify_all();
    }
    // The client can answer no elicitation any more: the calls that wait
    // on one end (revoking their links) instead of waiting for the person.
    session.client_requests().close();
    if (on_end)
      on_end();
    for (std::thread &worker : workers)
      worker.join();
  }

  void stop() {
    session.client_requests().close(); // calls waiting on the person end now
    if (on_end)
      on_end();
    std::unique_lock lock(mutex);
    stopping = true;
    waiting.clear();
    changed.notify_all();
    changed.wait(lock, [&] { return handling == 0; });
    lock.unlock();
    // The server ends the open subscriptions: each gets its graceful-closure
    // result (basic/patterns/subscriptions), so the client knows it may
    // re-send subscriptions/listen to a new process.
    for (const nlohmann::json &id : session.end_subscriptions())
      if (!out_failed)
        write_line(server.subscription_closed(id));
  }
};

StdioTransport::StdioTransport(const mcp::Server &server, std::istream &in, std::ostream &out,
                               std::function<void()> ended)
    : impl_(std::make_unique<Impl>(server, in, out, std::move(ended))) {}

StdioTransport::~StdioTransport() = default;

void StdioTransport::serve() { impl_->serve(); }

void StdioTransport::stop() { impl_->stop(); }

} // namespace qovery_mcp
