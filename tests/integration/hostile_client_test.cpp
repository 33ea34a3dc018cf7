// Hostile clients and a hostile environment, on real processes: session
// floods, large and deeply nested bodies, slow connections at shutdown, a
// task limit that refuses threads, a client that closes stdout, and what a
// core dump or another process of the same user could read.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using namespace test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

const json kListArguments = {{"jobId", kJobId}};

/// The server binary copied where the user nobody can run it (a fresh clone
/// may sit in a directory only root can enter), for tests that drop privileges.
class NobodyCopy {
public:
  NobodyCopy() {
    char dir[] = "/tmp/qmcp-nobody-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    dir_ = dir;
    chmod(dir_.c_str(), 0755);
    path = dir_ + "/qovery-job-secret-mcp";
    std::filesystem::copy_file(QMCP_SERVER_BIN, path);
    chmod(path.c_str(), 0755);
  }
  ~NobodyCopy() { std::filesystem::remove_all(dir_); }
  /// The command line that runs it as nobody, with `limits` (prlimit options) set.
  std::vector<std::string> launcher(std::vector<std::string> limits = {}) const {
    std::vector<std::string> argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                     "--clear-groups", "--"};
    if (!limits.empty()) {
      argv.emplace_back("/usr/bin/prlimit");
      argv.insert(argv.end(), limits.begin(), limits.end());
      argv.emplace_back("--");
    }
    argv.push_back(path);
    return argv;
  }
  std::string path;

private:
  std::string dir_;
};

/// A client that sends a request's head, or its body, one byte at a time
/// every `gap`, for at most `limit`, from its own thread.
class Trickle {
public:
  Trickle(int port, std::string head, std::chrono::milliseconds gap, Clock::duration limit)
      : fd_(connect_loopback(port)), thread_([this, head = std::move(head), gap, limit] {
          auto until = Clock::now() + limit;
          for (std::size_t i = 0; !stop_ && Clock::now() < until; ++i) {
            char byte = i < head.size() ? head[i] : 'x';
            if (send(fd_, &byte, 1, MSG_NOSIGNAL) != 1)
              return; // the server closed it
            std::this_thread::sleep_for(gap);
          }
        }) {}
  ~Trickle() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

private:
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

json ping(int id) { return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "ping"}}; }

} // namespace

TEST_CASE("Hostile clients: a flood of initialize stays within --max-sessions, and an established "
          "session keeps working",
          "[hostile]") {
  ServerProcess server({"--sandbox", "--max-sessions", "50"}, {});
  McpClient established(server.port);
  established.initialize();
  REQUIRE_FALSE(established.call("list-job-secrets", kListArguments).value("isError", false));

  std::vector<std::string> flood;
  for (int i = 0; i < 400; ++i) {
    McpClient client(server.port);
    client.initialize(); // throws unless 200: the oldest fresh session made room
    flood.push_back(client.session_id);
  }
  CHECK_FALSE(established.call("list-job-secrets", kListArguments).value("isError", false));

  McpClient oldest(server.port);
  oldest.session_id = flood.front();
  CHECK(oldest.post(ping(1)).status == 404); // evicted
  McpClient newest(server.port);
  newest.session_id = flood.back();
  CHECK(newest.post(ping(1)).status == 200);
}

TEST_CASE("Hostile clients: initialize gets 503 when every session is established", "[hostile]") {
  ServerProcess server({"--sandbox", "--max-sessions", "2"}, {});
  std::vector<std::unique_ptr<McpClient>> clients;
  for (int i = 0; i < 2; ++i) {
    clients.push_back(std::make_unique<McpClient>(server.port));
    clients.back()->initialize();
    clients.back()->request("ping", json::object());
  }
  McpClient late(server.port);
  HttpReply refused = late.post(json{{"jsonrpc", "2.0"},
                                     {"id", 9},
                                     {"method", "initialize"},
                                     {"params",
                                      {{"protocolVersion", "2025-11-25"},
                                       {"capabilities", json::object()},
                                       {"clientInfo", {{"name", "late"}, {"version", "1"}}}}}});
  CHECK(refused.status == 503);
  CHECK(refused.header("Retry-After") == "60");
  CHECK(refused.json()["id"] == 9);
  CHECK(refused.header("Mcp-Session-Id").empty());
  REQUIRE(clients[0]->end_session().status == 200);
  late.initialize();
  CHECK_FALSE(late.call("list-job-secrets", kListArguments).value("isError", false));
}

TEST_CASE("Hostile clients: large nested, flat and chunked bodies at once cost bounded memory, "
          "given back after",
          "[hostile]") {
  ServerProcess server({"--sandbox"}, {});
  McpClient setup(server.port);
  setup.initialize();
  int pid = server.process->pid();
  long rss_before = proc_status(pid, "VmRSS");

  const std::size_t size = 4 * kMiB - 64;
  std::string nested = std::string(size / 2, '[') + std::string(size / 2, ']');
  std::string flat = "[0";
  while (flat.size() < size - 2)
    flat += ",0";
  flat += "]";
  std::string objects = "{";
  for (int i = 0; objects.size() < size - 32; ++i)
    objects += (i ? ",\"" : "\"") + std::to_string(i) + "\":{}";
  objects += "}";
  const std::vector<const std::string *> bodies = {&nested, &flat, &objects};
  std::atomic<int> next{0};
  std::vector<std::string> failures = run_concurrently(9, [&] {
    const std::string &body = *bodies[static_cast<std::size_t>(next++) % bodies.size()];
    McpClient client(server.port);
    client.session_id = setup.session_id;
    HttpReply reply = client.post(body);
    if (reply.status != 400 || reply.json()["error"]["code"] != -32600)
      throw std::runtime_error("not refused: " + std::to_string(reply.status) + " " +
                               reply.body.substr(0, 200));
  });
  CHECK(failures.empty());
  for (const auto &failure : failures)
    INFO(failure);

  // Chunked past the limit: read and dropped, never kept.
  std::string chunked_head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                             "application/json\r\nAccept: application/json, text/event-stream\r\n"
                             "Mcp-Session-Id: " +
                             setup.session_id + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  failures = run_concurrently(2, [&] {
    int fd = connect_loopback(server.port);
    std::string chunk = "100000\r\n" + std::string(kMiB, ' ') + "\r\n";
    send(fd, chunked_head.data(), chunked_head.size(), MSG_NOSIGNAL);
    for (int i = 0; i < 40; ++i)
      if (send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0)
        break; // cut off past 16 times the limit
    char answer[64] = {};
    recv(fd, answer, sizeof answer - 1, 0);
    close(fd);
    if (std::string(answer).find(" 413 ") == std::string::npos)
      throw std::runtime_error(std::string("not 413: ") + answer);
  });
  CHECK(failures.empty());
  for (const auto &failure : failures)
    INFO(failure);

  // Before the limits, the nested bodies alone took the peak past 1 GB and
  // kept about 1 GB after; now the bodies themselves dominate (peak about
  // 66 MiB, after within 10 to 50 MiB of before, depending on when the
  // workers retire). The bounds are an order of magnitude below the old figures.
  long peak = proc_status(pid, "VmHWM");
  // The surplus workers end 5 s after their last connection; the last one
  // hands the arenas' free memory back (the large blocks went back at once).
  std::this_thread::sleep_for(10s);
  long rss_after = proc_status(pid, "VmRSS");
  INFO("VmRSS before " << rss_before << " KiB, peak " << peak << " KiB, after " << rss_after
                       << " KiB");
  if (!kSanitized) {
    CHECK(peak < 200 * 1024);
    CHECK(rss_after < rss_before + 120 * 1024);
  }
  CHECK(setup.request("ping", json::object())["result"] == json::object());
}

TEST_CASE("Hostile clients: after SIGTERM, connections that trickle do not hold the process",
          "[hostile]") {
  ServerProcess server({"--sandbox", "--deadline", "1", "--http-timeout", "3"}, {});
  std::vector<std::unique_ptr<Trickle>> slow;
  for (int i = 0; i < 3; ++i) // a head that never ends
    slow.push_back(std::make_unique<Trickle>(
        server.port, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 300ms, 40s));
  for (int i = 0; i < 3; ++i) // a body that never ends
    slow.push_back(std::make_unique<Trickle>(
        server.port,
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000000\r\n\r\n",
        300ms, 40s));
  std::this_thread::sleep_for(1s);
  auto started = Clock::now();
  int status = server.process->stop(SIGTERM, 30s);
  auto took = Clock::now() - started;
  CHECK(status == 0);
  // The connection layer closes them at once: the backstop (--deadline plus
  // 5 s, then an exit that drops what is still open) is not needed.
  CHECK(took < 20s);
  CHECK(server.process->stderr_text().find("still open") == std::string::npos);
}

TEST_CASE("Hostile environment: a task limit that refuses threads never aborts the server",
          "[hostile]") {
  NobodyCopy copy;
  // 16 workers up front, under a limit of 8 tasks for the user: most cannot start.
  ServerProcess server({"--sandbox", "--threads", "16"}, {}, Rest::kOff,
                       copy.launcher({"--nproc=8"}));
  REQUIRE(server.process->wait_for_stderr("cannot start another worker thread", 10s));
  std::vector<std::string> failures = run_concurrently(8, [&] {
    McpClient client(server.port);
    client.initialize();
    if (client.call("list-job-secrets", kListArguments).value("isError", false))
      throw std::runtime_error("the call failed");
  });
  CHECK(failures.empty());
  CHECK(server.process->wait(100ms) == -1); // still running
}

TEST_CASE("Hostile environment: no core dump, and other processes of the user cannot read it",
          "[hostile]") {
  NobodyCopy copy;
  ServerProcess server({"--sandbox"}, {}, Rest::kOff, copy.launcher());
  std::string proc = "/proc/" + std::to_string(server.process->pid());
  std::ifstream limits(proc + "/limits");
  std::string line;
  bool core_line = false;
  while (std::getline(limits, line))
    if (line.starts_with("Max core file size")) {
      core_line = true;
      CHECK(line.find("0                    0") != std::string::npos);
    }
  CHECK(core_line);
  // A process that is not dumpable has its /proc files owned by root, not by
  // its user: another process of the user can neither read its memory nor
  // its environment (where QOVERY_API_KEY is), nor ptrace it.
  struct stat environ_file {};
  REQUIRE(stat((proc + "/environ").c_str(), &environ_file) == 0);
  CHECK(proc_status(server.process->pid(), "Uid") == 65534);
  CHECK(environ_file.st_uid == 0);
}

TEST_CASE("Hostile clients: on stdio, a client that closed stdout ends the server cleanly",
          "[hostile][stdio]") {
  // --sandbox creates no HTTP upstream, the one place SIGPIPE used to be ignored.
  Process server({QMCP_SERVER_BIN, "--stdio", "--sandbox"});
  REQUIRE(server.wait_for_stderr("serving MCP"));
  server.close_stdout();
  server.write_stdin(ping(1).dump() + "\n");
  CHECK(server.wait(10s) == 0); // not 141: killed by SIGPIPE
}

TEST_CASE("Hostile clients: a refused request's unread body is never read as the next request",
          "[hostile]") {
  // The refused request announces a body and sends none; what follows on the
  // connection would be a second request to a server that kept it open.
  ServerProcess server({"--sandbox", "--http-timeout", "2"},
                       {{"QOVERY_MCP_AUTH_TOKEN", "a-token-for-this-test"}}, Rest::kOn);
  const std::string second = "GET /v1/job/" + kJobId +
                             "/secret HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: Bearer a-token-for-this-test\r\n\r\n";
  struct Row {
    std::string name;
    int port;
    std::string head;
    std::string status;
  };
  for (const Row &row : std::vector<Row>{
           {"403, an Origin not allowed", server.port,
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
            "Authorization: Bearer a-token-for-this-test\r\nContent-Length: 5\r\n\r\n",
            "403"},
           {"401, no token", server.port,
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 5\r\n\r\n",
            "401"},
           {"415, a gzip body on REST", server.rest_port,
            "POST /v1/job/" + kJobId +
                "/secret HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                "a-token-for-this-test\r\nContent-Type: application/json\r\n"
                "Content-Encoding: gzip\r\nContent-Length: 5\r\n\r\n",
            "415"},
           // Answered before the body is read (a refusal, a preflight): then closed.
           {"OPTIONS with a body", server.port,
            "OPTIONS /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n", "401"},
           {"a preflight with a body", server.port,
            "OPTIONS /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://localhost\r\n"
            "Access-Control-Request-Method: POST\r\nContent-Length: 5\r\n\r\n",
            "204"},
           // A body is read by its Content-Length whatever the method: its 5 bytes
           // come from what follows, and the rest is no request that is served.
           {"GET with a body", server.rest_port,
            "GET /v1/job/" + kJobId +
                "/secret HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                "a-token-for-this-test\r\nContent-Length: 5\r\n\r\n",
            "200"},
       }) {
    INFO(row.name);
    int fd = connect_loopback(row.port);
    REQUIRE(send(fd, row.head.data(), row.head.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(row.head.size()));
    std::this_thread::sleep_for(200ms);
    // Sent after the refusal: a server that kept the connection would answer it.
    send(fd, second.data(), second.size(), MSG_NOSIGNAL);
    std::string received;
    char buffer[4096];
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    while (true) {
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0)
        break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
    close(fd);
    INFO(received);
    CHECK(received.starts_with("HTTP/1.1 " + row.status));
    CHECK(received.find("HTTP/1.1 200", 1) == std::string::npos); // the second is never served
  }
}

namespace {

/// Reads what the server sends on `fd` until it closes the connection or
/// `limit` passes; the answer's status line and how long it took.
struct RawAnswer {
  std::string text;
  Clock::duration took;
  bool closed = false;
};

RawAnswer read_answer(int fd, Clock::duration limit) {
  RawAnswer answer;
  auto start = Clock::now();
  timeval tick{0, 200 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  char buffer[4096];
  while (Clock::now() - start < limit) {
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      answer.text.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      answer.closed = true;
      break;
    }
  }
  answer.took = Clock::now() - start;
  return answer;
}

std::string status_line(const std::string &text) { return text.substr(0, text.find("\r\n")); }

} // namespace

TEST_CASE("Hostile clients: heads without end are refused, 431 or 414, and cost no memory",
          "[hostile]") {
  ServerProcess server({"--sandbox"}, {{"QOVERY_MCP_AUTH_TOKEN", "a-token-for-this-test"}},
                       Rest::kOn);
  int pid = server.process->pid();
  long rss_before = proc_status(pid, "VmRSS");
  // Four connections each try to send 50 MB of header lines, without the
  // token: before, RSS went from 10 to 620 MB and stayed there.
  std::vector<std::string> failures = run_concurrently(4, [&] {
    int fd = connect_loopback(server.port);
    std::string head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    std::string line = "X-Pad: " + std::string(1000, 'a') + "\r\n";
    std::string block;
    for (int i = 0; i < 64; ++i)
      block += line;
    std::size_t sent = 0;
    while (sent < 50 * kMiB && send(fd, block.data(), block.size(), MSG_NOSIGNAL) > 0)
      sent += block.size();
    RawAnswer answer = read_answer(fd, 10s);
    close(fd);
    // What the client still sends after the 431 is read and dropped for a
    // few seconds (so that it reads the answer, not a reset), never kept.
    if (status_line(answer.text) != "HTTP/1.1 431 Request Header Fields Too Large")
      throw std::runtime_error("not 431 after " + std::to_string(sent) +
                               " bytes: " + answer.text.substr(0, 200));
  });
  std::string why;
  for (const auto &failure : failures)
    why += failure + "\n";
  INFO(why);
  CHECK(failures.empty());
  long peak = proc_status(pid, "VmHWM");
  INFO("VmRSS before " << rss_before << " KiB, peak " << peak << " KiB");
  if (!kSanitized)
    CHECK(peak < rss_before + 40 * 1024);

  struct Row {
    std::string name;
    int port;
    std::string head;
    std::string status;
    std::string reason; ///< what the answer's body says
  };
  std::string many_fields = "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 101; ++i)
    many_fields += "X-" + std::to_string(i) + ": 1\r\n";
  for (const Row &row : std::vector<Row>{
           {"a request line over 8 KiB", server.port,
            "GET /mcp?" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "HTTP/1.1 414 URI Too Long", "URI too long: the request line passed 8 KiB"},
           {"a header line over 8 KiB, on REST", server.rest_port,
            "GET /v1/job/" + kJobId + "/secret HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " +
                std::string(9000, 'a') + "\r\n\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large", "a header line passed 8 KiB"},
           {"102 header fields", server.port, many_fields + "\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large", "more than 100 header lines"},
           {"a space before a colon", server.port, "GET /mcp HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n",
            "HTTP/1.1 400 Bad Request", "RFC 9112, 5.1"},
           {"HTTP/2.0 in an HTTP/1 request line", server.port,
            "GET /mcp HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n",
            "HTTP/1.1 505 HTTP Version Not Supported", "HTTP version not supported"},
       }) {
    INFO(row.name);
    int fd = connect_loopback(row.port);
    send(fd, row.head.data(), row.head.size(), MSG_NOSIGNAL);
    RawAnswer answer = read_answer(fd, 10s);
    close(fd);
    CHECK(status_line(answer.text) == row.status);
    CHECK(answer.closed);
    // The answer names what was wrong.
    CHECK(answer.text.find(row.reason) != std::string::npos);
  }
  // Still serving.
  httplib::Client rest("127.0.0.1", server.rest_port);
  auto listed = rest.Get("/v1/job/" + kJobId + "/secret",
                         {{"Authorization", "Bearer a-token-for-this-test"}});
  REQUIRE(listed);
  CHECK(listed->status == 200);
}

TEST_CASE("Hostile clients: a head or a body that trickles is cut off in bounded time, 408",
          "[hostile]") {
  ServerProcess server({"--sandbox", "--http-timeout", "2", "--header-timeout", "3"}, {});
  struct Row {
    std::string name;
    std::string head;
    std::chrono::milliseconds gap;
  };
  for (const Row &row : std::vector<Row>{
           // Each byte arrives well within --http-timeout: only a deadline for the
           // whole head, or a minimum rate for the body, ends them.
           {"a head, a byte every 100 ms",
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 100ms},
           {"a body, a byte every 100 ms (10 bytes a second)",
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000\r\n\r\n",
            100ms},
       }) {
    INFO(row.name);
    int fd = connect_loopback(server.port);
    send(fd, row.head.data(), row.head.size(), MSG_NOSIGNAL);
    auto start = Clock::now();
    std::atomic<bool> done{false};
    std::thread trickle([&] {
      while (!done && send(fd, "x", 1, MSG_NOSIGNAL) == 1)
        std::this_thread::sleep_for(row.gap);
    });
    RawAnswer answer = read_answer(fd, 60s);
    done = true;
    trickle.join();
    close(fd);
    auto took = Clock::now() - start;
    CHECK(status_line(answer.text) == "HTTP/1.1 408 Request Timeout");
    CHECK(answer.text.find("request timeout") != std::string::npos);
    // --header-timeout 3 s, or --http-timeout 2 s plus what 500 bytes a second allows.
    CHECK(took > 1500ms);
    CHECK(took < 20s);
  }
}

TEST_CASE("Hostile clients: 600 slow connections from one address keep no one else out",
          "[hostile]") {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, std::min<rlim_t>(files.rlim_max, 4096));
  setrlimit(RLIMIT_NOFILE, &files); // the server, started after, inherits it
  ServerProcess server({"--sandbox"}, {});
  std::vector<int> slow;
  for (int i = 0; i < 600; ++i) {
    int fd = connect_loopback(server.port);
    send(fd, "POST /mcp HTTP/1.1\r\n", 20, MSG_NOSIGNAL);
    slow.push_back(fd);
  }
  // Beyond --max-connections-per-address (256), each is answered 503 at once.
  std::size_t refused = 0;
  for (std::size_t i = 256; i < slow.size(); ++i) {
    RawAnswer answer = read_answer(slow[i], 2s);
    refused += status_line(answer.text) == "HTTP/1.1 503 Service Unavailable" ? 1 : 0;
  }
  CHECK(refused == 600 - 256);
  // A client from another address is served at once, while the 256 stay open.
  auto start = Clock::now();
  int fd = connect_loopback(server.port, "127.0.0.2");
  std::string initialize = json{{"jsonrpc", "2.0"},
                                {"id", 1},
                                {"method", "initialize"},
                                {"params",
                                 {{"protocolVersion", "2025-11-25"},
                                  {"capabilities", json::object()},
                                  {"clientInfo", {{"name", "other-address"}, {"version", "1"}}}}}}
                               .dump();
  std::string request = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                        "application/json\r\nAccept: application/json, text/event-stream\r\n"
                        "Content-Length: " +
                        std::to_string(initialize.size()) + "\r\nConnection: close\r\n\r\n" +
                        initialize;
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  RawAnswer answer = read_answer(fd, 10s);
  close(fd);
  auto took = Clock::now() - start;
  INFO(answer.text);
  CHECK(status_line(answer.text) == "HTTP/1.1 200 OK");
  CHECK(answer.text.find("qovery-job-secret-mcp") != std::string::npos);
  CHECK(took < 5s);
  for (int slow_fd : slow)
    close(slow_fd);
  // Once they are gone, the address is served again.
  McpClient client(server.port);
  client.initialize();
  CHECK_FALSE(client.call("list-job-secrets", kListArguments).value("isError", false));
}
