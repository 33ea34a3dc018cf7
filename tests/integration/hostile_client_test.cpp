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
  // --deadline (1 s) plus the grace of 5 s, and room for a slow machine.
  CHECK(took < 20s);
  CHECK(server.process->stderr_text().find("still open") != std::string::npos);
}

TEST_CASE("Hostile environment: a task limit that refuses threads never aborts the server",
          "[hostile]") {
  NobodyCopy copy;
  ServerProcess server({"--sandbox", "--threads", "2", "--http-timeout", "2"}, {}, Rest::kOff,
                       copy.launcher({"--nproc=8"}));
  // Silent connections want a worker each; the task limit allows few more.
  std::vector<int> silent;
  for (int i = 0; i < 20; ++i)
    silent.push_back(connect_loopback(server.port));
  REQUIRE(server.process->wait_for_stderr("cannot start another worker thread", 10s));
  McpClient client(server.port);
  client.initialize(); // served once a silent connection times out
  CHECK_FALSE(client.call("list-job-secrets", kListArguments).value("isError", false));
  for (int fd : silent)
    close(fd);
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
           // Methods whose body httplib never reads: answered, then closed.
           {"OPTIONS with a body", server.port,
            "OPTIONS /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n", "401"},
           {"a preflight with a body", server.port,
            "OPTIONS /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://localhost\r\n"
            "Access-Control-Request-Method: POST\r\nContent-Length: 5\r\n\r\n",
            "204"},
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
    CHECK(received.find("HTTP/1.1", 1) == std::string::npos); // one answer, then closed
  }
}
