#include "qovery_mcp/upstream.hpp"

#include "qovery_mcp/text.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <set>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace qovery_mcp;
using namespace std::chrono_literals;

namespace {

const std::string kCertDir = QMCP_CERT_DIR;
const std::string kJwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";

/// Runs tasks like httplib's own pool and counts the connections the server
/// has finished with (closed), so a test can wait for the server to close one.
class CountingTaskQueue : public httplib::TaskQueue {
public:
  CountingTaskQueue(std::atomic<int> &closed, std::condition_variable &changed, std::mutex &mutex)
      : pool_(32), closed_(closed), changed_(changed), mutex_(mutex) {}
  void enqueue(std::function<void()> fn) override {
    pool_.enqueue([this, fn = std::move(fn)] {
      fn();
      {
        std::lock_guard lock(mutex_);
        ++closed_;
      }
      changed_.notify_all();
    });
  }
  void shutdown() override { pool_.shutdown(); }

private:
  httplib::ThreadPool pool_;
  std::atomic<int> &closed_;
  std::condition_variable &changed_;
  std::mutex &mutex_;
};

/// An in-process httplib server on a loopback address, plain or TLS, that
/// records what it receives. Listens from start() until destroyed.
class TestServer {
public:
  /// Plain HTTP.
  TestServer() : server_(std::make_unique<httplib::Server>()) { configure(); }
  /// TLS with `cert_name`.pem and `cert_name`-key.pem from the test CA directory.
  explicit TestServer(const std::string &cert_name)
      : server_(std::make_unique<httplib::SSLServer>(
            (kCertDir + "/" + cert_name + ".pem").c_str(),
            (kCertDir + "/" + cert_name + "-key.pem").c_str())) {
    REQUIRE(server_->is_valid());
    configure();
  }
  ~TestServer() {
    server_->stop();
    if (thread_.joinable())
      thread_.join();
  }
  TestServer(const TestServer &) = delete;
  TestServer &operator=(const TestServer &) = delete;

  httplib::Server &http() { return *server_; }

  /// Binds to `host` on a free port and serves in a thread; returns the port,
  /// or 0 when `host` cannot be bound.
  int start(const std::string &host = "127.0.0.1") {
    port_ = server_->bind_to_any_port(host);
    if (port_ <= 0)
      return 0;
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!server_->is_running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    REQUIRE(server_->is_running());
    return port_;
  }
  int port() const { return port_; }

  /// Records each request's remote port, to count TCP connections.
  void record(const httplib::Request &request) {
    std::lock_guard lock(mutex_);
    remote_ports_.insert(request.remote_port);
    last_ = request;
  }
  std::size_t connections_seen() {
    std::lock_guard lock(mutex_);
    return remote_ports_.size();
  }
  httplib::Request last_request() {
    std::lock_guard lock(mutex_);
    return last_;
  }

  /// Waits until the server has closed `count` connections (at most 10 s).
  bool wait_for_closed(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return closed_ >= count; });
  }

private:
  void configure() {
    server_->set_tcp_nodelay(true);
    server_->set_keep_alive_timeout(1);
    server_->new_task_queue = [this] { return new CountingTaskQueue(closed_, changed_, mutex_); };
  }

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::atomic<int> closed_{0};
  std::set<int> remote_ports_;
  httplib::Request last_;
};

HttpUpstreamConfig config_for(const std::string &base_url, const std::string &key = "qov_key") {
  HttpUpstreamConfig config;
  config.base_url = base_url;
  config.api_key = key;
  config.connect_timeout = 5s;
  config.read_timeout = 10s;
  return config;
}

HttpUpstreamConfig tls_config_for(int port, const std::string &prefix = "",
                                  const std::string &key = "qov_key") {
  auto config = config_for("https://127.0.0.1:" + std::to_string(port) + prefix, key);
  config.ca_file = kCertDir + "/ca.pem";
  return config;
}

std::unique_ptr<HttpUpstream> make_upstream(HttpUpstreamConfig config) {
  auto created = HttpUpstream::create(std::move(config));
  INFO((created ? std::string() : created.error()));
  REQUIRE(created);
  return std::move(created.value());
}

/// A loopback port that refuses connections: bound, never listening, and
/// held for the lifetime of this object so nothing else takes it.
class RefusingPort {
public:
  RefusingPort() : socket_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(socket_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(socket_, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(socket_, reinterpret_cast<sockaddr *>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~RefusingPort() { ::close(socket_); }
  RefusingPort(const RefusingPort &) = delete;
  RefusingPort &operator=(const RefusingPort &) = delete;
  int port() const { return port_; }

private:
  int socket_;
  int port_ = 0;
};

/// Sets an environment variable until destroyed, then restores it.
class EnvironmentOverride {
public:
  /// Sets `name` to `value`, or unsets it when `value` is nullopt.
  EnvironmentOverride(std::string name, const std::optional<std::string> &value)
      : name_(std::move(name)) {
    if (const char *old = std::getenv(name_.c_str()))
      old_ = old;
    if (value)
      ::setenv(name_.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ~EnvironmentOverride() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  EnvironmentOverride(const EnvironmentOverride &) = delete;
  EnvironmentOverride &operator=(const EnvironmentOverride &) = delete;

private:
  std::string name_;
  std::optional<std::string> old_;
};

/// A fresh directory under the temporary directory, removed with its content.
class TempDirectory {
public:
  TempDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "qmcp-certs-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory &) = delete;
  TempDirectory &operator=(const TempDirectory &) = delete;
  const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// Serves GET/POST/PUT/DELETE on every path, answering with the request's
/// method, path and body so a test can check them.
void serve_echo(TestServer &server) {
  auto echo = [&server](const httplib::Request &request, httplib::Response &response) {
    server.record(request);
    response.status = request.method == "POST" ? 201 : 200;
    response.set_content(request.method + " " + request.path + " " + request.body,
                         "application/json");
  };
  server.http().Get(".*", echo).Post(".*", echo).Put(".*", echo).Delete(".*", echo);
}

/// A raw TCP server on 127.0.0.1 that answers with whatever bytes a test
/// scripts, however hostile: `answer(server, socket, n)` writes the answer to
/// the n-th request (1-based, counted over all connections) and returns
/// whether the connection stays open for another. One thread serves one
/// connection at a time; it ends when the client leaves or the server is destroyed.
class HostileServer {
public:
  using Answer = std::function<bool(HostileServer &server, int socket, int request)>;

  explicit HostileServer(Answer answer)
      : answer_(std::move(answer)), listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr *>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~HostileServer() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }
  HostileServer(const HostileServer &) = delete;
  HostileServer &operator=(const HostileServer &) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }
  /// The bytes the answers managed to write so far.
  std::size_t bytes_written() const { return bytes_written_; }
  /// The head (request line and headers) of the last request.
  std::string last_request() {
    std::lock_guard lock(mutex_);
    return last_request_;
  }
  /// Waits until the server has finished with `count` connections (at most 10 s).
  bool wait_for_closed(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return closed_ >= count; });
  }

  /// Writes `data`; false once the client is gone or the server stops.
  bool write(int socket, std::string_view data) {
    while (!data.empty()) {
      if (!wait_for(socket, POLLOUT))
        return false;
      ssize_t sent = ::send(socket, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (sent <= 0)
        return false;
      bytes_written_ += static_cast<std::size_t>(sent);
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }
  /// Writes `data` one byte per `interval`; false as write().
  bool trickle(int socket, std::string_view data, std::chrono::milliseconds interval) {
    for (char byte : data) {
      if (!write(socket, std::string_view(&byte, 1)))
        return false;
      std::this_thread::sleep_for(interval);
    }
    return true;
  }
  /// Keeps the connection open, writing nothing, until the client leaves.
  void hold(int socket) {
    char buffer[4096];
    while (wait_for(socket, POLLIN) && ::recv(socket, buffer, sizeof buffer, 0) > 0) {
    }
  }

private:
  /// Waits until `socket` is ready for `events`; false when the server stops
  /// or the socket failed.
  bool wait_for(int socket, short events) {
    while (!stopping_) {
      pollfd entry{socket, events, 0};
      int ready = ::poll(&entry, 1, 20);
      if (ready > 0)
        return (entry.revents & (POLLERR | POLLNVAL)) == 0;
      if (ready < 0 && errno != EINTR)
        return false;
    }
    return false;
  }
  void run() {
    while (!stopping_) {
      if (!wait_for(listener_, POLLIN))
        continue;
      int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0)
        continue;
      serve(connection);
      ::close(connection);
      {
        std::lock_guard lock(mutex_);
        ++closed_;
      }
      changed_.notify_all();
    }
  }
  /// Reads request heads (the upstream's requests here have no body) and
  /// answers each as the test scripted.
  void serve(int connection) {
    std::string received;
    char buffer[4096];
    for (;;) {
      auto end = received.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (!wait_for(connection, POLLIN))
          return;
        ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
        if (got <= 0)
          return;
        received.append(buffer, static_cast<std::size_t>(got));
        continue;
      }
      {
        std::lock_guard lock(mutex_);
        last_request_ = received.substr(0, end);
      }
      received.erase(0, end + 4);
      if (!answer_(*this, connection, ++requests_))
        return;
    }
  }

  Answer answer_;
  int listener_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<std::size_t> bytes_written_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
  int closed_ = 0;
  std::string last_request_;
  std::thread thread_;
};

/// An HTTP/1.1 200 answer head with `headers` (each ending in CRLF).
std::string answer_head(const std::string &headers, int status = 200) {
  return "HTTP/1.1 " + std::to_string(status) + " Whatever\r\n" + headers + "\r\n";
}

/// A chunked body's chunk.
std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

/// Sends stderr to a temporary file until destroyed, for a test to read
/// what was logged.
class StderrCapture {
public:
  StderrCapture() : file_(std::tmpfile()), saved_(::dup(STDERR_FILENO)) {
    REQUIRE(file_);
    REQUIRE(saved_ >= 0);
    std::fflush(stderr);
    REQUIRE(::dup2(::fileno(file_), STDERR_FILENO) >= 0);
  }
  ~StderrCapture() {
    restore();
    std::fclose(file_);
  }
  StderrCapture(const StderrCapture &) = delete;
  StderrCapture &operator=(const StderrCapture &) = delete;

  /// Restores stderr and returns what was written to it meanwhile.
  std::string text() {
    restore();
    std::string captured;
    std::rewind(file_);
    char buffer[4096];
    while (std::size_t got = std::fread(buffer, 1, sizeof buffer, file_))
      captured.append(buffer, got);
    return captured;
  }

private:
  void restore() {
    if (saved_ < 0)
      return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  FILE *file_;
  int saved_;
};

/// The lines of `text` that hold `part`.
std::vector<std::string> lines_with(const std::string &text, const std::string &part) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find(part) != std::string::npos)
      lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::chrono::steady_clock::duration elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::steady_clock::now() - start;
}

} // namespace

TEST_CASE("Upstream: each method reaches the server with path prefix, headers and body",
          "[upstream]") {
  TestServer server("server");
  serve_echo(server);
  int port = server.start();
  auto upstream = make_upstream(tls_config_for(port, "/api/v1/"));

  struct Case {
    const char *method;
    const char *body;
    int status;
  };
  for (auto [method, body, status] :
       {Case{"GET", "", 200}, Case{"POST", R"({"key":"A"})", 201},
        Case{"PUT", R"({"key":"B"})", 200}, Case{"DELETE", "", 200}}) {
    INFO(method);
    auto response = upstream->send(
        {method, "/job/42/secret?x=1", body, {{"X-Request-Id", "r 1"}, {"If-Match", "7"}}});
    REQUIRE(response.error == UpstreamError::None);
    CHECK(response.status == status);
    CHECK(response.body == std::string(method) + " /api/v1/job/42/secret " + body);

    auto request = server.last_request();
    CHECK(request.method == method);
    CHECK(request.path == "/api/v1/job/42/secret");
    CHECK(request.get_param_value("x") == "1");
    CHECK(request.get_header_value("Authorization") == "Token qov_key");
    CHECK(request.get_header_value("Accept") == "application/json");
    CHECK(request.get_header_value("User-Agent") == "qovery-job-secret-mcp");
    CHECK(request.get_header_value("Host") == "127.0.0.1:" + std::to_string(port));
    CHECK(request.get_header_value("X-Request-Id") == "r 1"); // a header parameter
    CHECK(request.get_header_value("If-Match") == "7");
    CHECK(request.body == body);
    if (*body) {
      CHECK(request.get_header_value("Content-Type") == "application/json");
    } else {
      CHECK_FALSE(request.has_header("Content-Type"));
    }
  }
}

TEST_CASE("Upstream: the Authorization header follows the key's shape or the chosen scheme",
          "[upstream]") {
  TestServer server;
  serve_echo(server);
  int port = server.start();
  auto base_url = "http://127.0.0.1:" + std::to_string(port);

  struct Case {
    std::string key;
    AuthScheme scheme;
    std::string expected;
  };
  for (const auto &[key, scheme, expected] : {
           Case{"qov_plain_key", AuthScheme::Auto, "Token qov_plain_key"},
           Case{kJwt, AuthScheme::Auto, "Bearer " + kJwt},
           Case{"qov_plain_key", AuthScheme::Bearer, "Bearer qov_plain_key"},
           Case{kJwt, AuthScheme::Token, "Token " + kJwt},
       }) {
    auto config = config_for(base_url, key);
    config.auth_scheme = scheme;
    auto upstream = make_upstream(config);
    REQUIRE(upstream->send({"GET", "/job/1/secret", ""}).status == 200);
    CHECK(server.last_request().get_header_value("Authorization") == expected);
  }
}

TEST_CASE("Upstream: status and body come back as received", "[upstream]") {
  TestServer server("server");
  server.http().Post("/created", [](const httplib::Request &, httplib::Response &response) {
    response.status = 201;
    response.set_content(R"({"id":"s1"})", "application/json");
  });
  server.http().Delete("/deleted", [](const httplib::Request &, httplib::Response &response) {
    response.status = 204;
  });
  server.http().Get("/missing", [](const httplib::Request &, httplib::Response &response) {
    response.status = 404;
    response.set_content(R"({"status":404,"detail":"job not found"})", "application/json");
  });
  server.http().Get("/moved", [](const httplib::Request &, httplib::Response &response) {
    response.set_redirect("/elsewhere", 302);
  });
  int port = server.start();
  auto upstream = make_upstream(tls_config_for(port));

  auto created = upstream->send({"POST", "/created", R"({"key":"K"})"});
  CHECK(created.error == UpstreamError::None);
  CHECK(created.status == 201);
  CHECK(created.body == R"({"id":"s1"})");

  auto deleted = upstream->send({"DELETE", "/deleted", ""});
  CHECK(deleted.error == UpstreamError::None);
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());

  auto missing = upstream->send({"GET", "/missing", ""});
  CHECK(missing.error == UpstreamError::None);
  CHECK(missing.status == 404);
  CHECK(missing.body == R"({"status":404,"detail":"job not found"})");

  auto moved = upstream->send({"GET", "/moved", ""});
  CHECK(moved.error == UpstreamError::None);
  CHECK(moved.status == 302);
}

TEST_CASE("Upstream: HTTPS to localhost verifies the host name against the certificate",
          "[upstream]") {
  TestServer server("server");
  serve_echo(server);
  int port = server.start();
  auto config = config_for("https://localhost:" + std::to_string(port));
  config.ca_file = kCertDir + "/ca.pem";
  auto upstream = make_upstream(config);
  auto response = upstream->send({"GET", "/job", ""});
  INFO(response.error_message);
  CHECK(response.error == UpstreamError::None);
  CHECK(response.status == 200);
}

TEST_CASE("Upstream: an IPv6 literal base URL reaches [::1] when IPv6 loopback is available",
          "[upstream]") {
  // Plain http: over TLS, httplib 0.11.4's own IP address check compares 16
  // bytes against each IP SAN, reading past the 4-byte IPv4 one of this
  // certificate (AddressSanitizer stops there).
  TestServer server;
  serve_echo(server);
  int port = server.start("::1");
  if (port == 0) {
    WARN("no IPv6 loopback on this machine; not tested");
    return;
  }
  auto upstream = make_upstream(config_for("http://[::1]:" + std::to_string(port) + "/p"));
  auto response = upstream->send({"GET", "/job", ""});
  INFO(response.error_message);
  CHECK(response.error == UpstreamError::None);
  CHECK(response.body == "GET /p/job ");
  CHECK(server.last_request().get_header_value("Host") == "[::1]:" + std::to_string(port));
}

TEST_CASE("Upstream: without --ca-file the test CA is not trusted", "[upstream]") {
  TestServer server("server");
  serve_echo(server);
  int port = server.start();
  auto upstream = make_upstream(config_for("https://127.0.0.1:" + std::to_string(port)));
  auto response = upstream->send({"GET", "/job", ""});
  CHECK(response.error == UpstreamError::Tls);
  CHECK(response.status == 0);
  CHECK(response.error_message.find("certificate verification failed") != std::string::npos);
  CHECK(server.connections_seen() == 0);
}

TEST_CASE("Upstream: the system's CA file and directory are trusted besides --ca-file",
          "[upstream]") {
  // OpenSSL takes the system CA locations from SSL_CERT_FILE and SSL_CERT_DIR
  // when they are set: pointing them at the test CA stands in for a system CA.
  TestServer server("server");
  serve_echo(server);
  int port = server.start();
  auto config = config_for("https://127.0.0.1:" + std::to_string(port));
  auto check_trusted = [](HttpUpstream &upstream) {
    auto response = upstream.send({"GET", "/job", ""});
    INFO(response.error_message);
    CHECK(response.error == UpstreamError::None);
    CHECK(response.status == 200);
  };
  SECTION("the CA file") {
    std::unique_ptr<HttpUpstream> upstream;
    {
      EnvironmentOverride file("SSL_CERT_FILE", kCertDir + "/ca.pem");
      upstream = make_upstream(config);
    }
    check_trusted(*upstream);
  }
  SECTION("the hashed CA directory alone, read when a certificate is verified") {
    TempDirectory directory;
    std::unique_ptr<FILE, decltype(&std::fclose)> pem(
        std::fopen((kCertDir + "/ca.pem").c_str(), "r"), &std::fclose);
    REQUIRE(pem);
    std::unique_ptr<X509, decltype(&X509_free)> ca(
        PEM_read_X509(pem.get(), nullptr, nullptr, nullptr), &X509_free);
    REQUIRE(ca);
    char hash[16];
    std::snprintf(hash, sizeof hash, "%08lx.0", X509_subject_name_hash(ca.get()));
    std::filesystem::copy_file(kCertDir + "/ca.pem", directory.path() / hash);
    std::unique_ptr<HttpUpstream> upstream;
    {
      // Without SSL_CERT_FILE, a directory of hashed names is all that is read.
      EnvironmentOverride file("SSL_CERT_FILE", std::nullopt);
      EnvironmentOverride dir("SSL_CERT_DIR", directory.path().string());
      upstream = make_upstream(config);
    }
    check_trusted(*upstream);
  }
}

TEST_CASE("Upstream: a self-signed certificate is refused", "[upstream]") {
  TestServer server("untrusted");
  serve_echo(server);
  int port = server.start();
  auto upstream = make_upstream(tls_config_for(port));
  auto response = upstream->send({"GET", "/job", ""});
  CHECK(response.error == UpstreamError::Tls);
  CHECK(response.error_message == "TLS handshake with 127.0.0.1:" + std::to_string(port) +
                                      " failed: certificate verification failed "
                                      "(self-signed certificate)");
  CHECK(server.connections_seen() == 0);
}

TEST_CASE("Upstream: a certificate for another host is refused", "[upstream]") {
  TestServer server("wrong-host");
  serve_echo(server);
  auto port = std::to_string(server.start());
  struct Case {
    std::string host;
    std::string reason;
  };
  for (const auto &[host, reason] :
       {Case{"127.0.0.1", "IP address mismatch"}, Case{"localhost", "hostname mismatch"}}) {
    auto config = config_for("https://" + host + ":" + port);
    config.ca_file = kCertDir + "/ca.pem";
    auto response = make_upstream(config)->send({"GET", "/job", ""});
    CHECK(response.error == UpstreamError::Tls);
    CHECK(response.error_message == "TLS handshake with " + host + ":" + port +
                                        " failed: certificate verification failed (" + reason +
                                        ")");
  }
  CHECK(server.connections_seen() == 0);
}

TEST_CASE("Upstream: HTTPS to a plain HTTP server fails the handshake", "[upstream]") {
  TestServer server;
  serve_echo(server);
  int port = server.start();
  auto upstream = make_upstream(tls_config_for(port));
  auto response = upstream->send({"GET", "/job", ""});
  CHECK(response.error == UpstreamError::Tls);
  CHECK(response.error_message ==
        "TLS handshake with 127.0.0.1:" + std::to_string(port) + " failed");
}

TEST_CASE("Upstream: a host name that does not exist fails at once, without a retry",
          "[upstream]") {
  // .invalid never resolves (RFC 6761).
  auto config = config_for("https://qovery-mcp-test.invalid");
  config.deadline = 10s;
  auto started = std::chrono::steady_clock::now();
  auto response = make_upstream(config)->send({"GET", "/job", ""});
  CHECK(response.error == UpstreamError::Unresolved);
  // Its advice names --api-url only to a user who set it.
  CHECK(response.error_message == "could not connect to qovery-mcp-test.invalid:443: the host "
                                  "name qovery-mcp-test.invalid does not resolve (is this "
                                  "machine offline?)");
  CHECK(response.attempts == 1);
  CHECK(std::chrono::steady_clock::now() - started < 5s);

  for (std::string option : {"--api-url", "QOVERY_API_URL"}) {
    config.base_url_option = option;
    CHECK(make_upstream(config)->send({"GET", "/job", ""}).error_message ==
          "could not connect to qovery-mcp-test.invalid:443: the host name "
          "qovery-mcp-test.invalid does not resolve (check " +
              option + ")");
  }
}

TEST_CASE("Upstream: nothing listening is a connection error", "[upstream]") {
  RefusingPort refusing;
  auto port = std::to_string(refusing.port());
  for (auto scheme : {"http", "https"}) {
    INFO(scheme);
    auto config = config_for(std::string(scheme) + "://127.0.0.1:" + port);
    // A refused GET is retried until then. Under TSan setting up the first
    // TLS attempt alone took most of 1 s, leaving no time for a second.
    config.deadline = 3s;
    auto response = make_upstream(config)->send({"GET", "/job", ""});
    CHECK(response.error == UpstreamError::Connection);
    CHECK(response.status == 0);
    CHECK(response.error_message == "could not connect to 127.0.0.1:" + port);
    CHECK(response.attempts > 1);
  }
}

TEST_CASE("Upstream: a server slower than the read timeout is a timeout, reported promptly",
          "[upstream]") {
  std::mutex mutex;
  std::condition_variable released_changed;
  bool released = false;
  TestServer server("server");
  server.http().Get("/slow", [&](const httplib::Request &, httplib::Response &response) {
    std::unique_lock lock(mutex);
    released_changed.wait_for(lock, 10s, [&] { return released; });
    response.set_content("{}", "application/json");
  });
  int port = server.start();
  auto config = tls_config_for(port);
  config.read_timeout = 300ms;
  config.retry.max_attempts = 1;
  auto upstream = make_upstream(config);

  auto started = std::chrono::steady_clock::now();
  auto response = upstream->send({"GET", "/slow", ""});
  auto elapsed = std::chrono::steady_clock::now() - started;
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  released_changed.notify_all();

  CHECK(response.error == UpstreamError::Timeout);
  CHECK(response.error_message ==
        "no response from 127.0.0.1:" + std::to_string(port) + " within 300 ms");
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 5s);
}

TEST_CASE("Upstream: sequential calls over HTTPS share one connection", "[upstream]") {
  TestServer server("server");
  server.http().set_keep_alive_max_count(1000);
  serve_echo(server);
  int port = server.start();
  auto upstream = make_upstream(tls_config_for(port));
  for (int i = 0; i < 50; ++i) {
    auto response = upstream->send({"GET", "/n/" + std::to_string(i), ""});
    REQUIRE(response.error == UpstreamError::None);
    REQUIRE(response.body == "GET /n/" + std::to_string(i) + " ");
  }
  CHECK(server.connections_seen() == 1);
}

TEST_CASE("Upstream: a connection the server closed after its last response is replaced",
          "[upstream]") {
  TestServer server("server");
  server.http().set_keep_alive_max_count(1);
  serve_echo(server);
  int port = server.start();
  auto upstream = make_upstream(tls_config_for(port));
  for (int i = 0; i < 10; ++i) {
    auto response = upstream->send({"GET", "/n/" + std::to_string(i), ""});
    INFO(response.error_message);
    REQUIRE(response.error == UpstreamError::None);
    REQUIRE(response.body == "GET /n/" + std::to_string(i) + " ");
  }
  CHECK(server.connections_seen() == 10);
}

TEST_CASE("Upstream: an idle pooled connection the server closed is not used", "[upstream]") {
  // The server ends idle keep-alive connections at once; before each call the
  // test waits until it has closed the previous one, so every call finds a
  // stale connection in the pool (over TLS the server leaves a close_notify
  // alert behind, which httplib 0.11.4 alone takes for a live connection).
  auto run = [](TestServer &server, HttpUpstreamConfig config) {
    server.http().set_keep_alive_timeout(0);
    serve_echo(server);
    int port = server.start();
    config.base_url += ":" + std::to_string(port);
    auto upstream = make_upstream(config);
    for (int i = 0; i < 5; ++i) {
      REQUIRE(server.wait_for_closed(i));
      auto response = upstream->send({"GET", "/n/" + std::to_string(i), ""});
      INFO(response.error_message);
      REQUIRE(response.error == UpstreamError::None);
      REQUIRE(response.body == "GET /n/" + std::to_string(i) + " ");
    }
    CHECK(server.connections_seen() == 5);
  };
  SECTION("over TLS") {
    TestServer server("server");
    auto config = config_for("https://127.0.0.1");
    config.ca_file = kCertDir + "/ca.pem";
    run(server, config);
  }
  SECTION("over plain HTTP") {
    TestServer server;
    run(server, config_for("http://127.0.0.1"));
  }
}

TEST_CASE("Upstream: many threads share the upstream, each getting its own answers", "[upstream]") {
  constexpr int kThreads = 16;
  constexpr int kCalls = 50;
  TestServer server("server");
  serve_echo(server);
  int port = server.start();
  auto upstream = make_upstream(tls_config_for(port));

  std::atomic<int> succeeded{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        auto tag = std::to_string(t) + "-" + std::to_string(i);
        auto body = R"({"key":"K)" + tag + R"("})";
        auto response = upstream->send({"POST", "/job/" + tag + "/secret", body});
        if (response.error == UpstreamError::None && response.status == 201 &&
            response.body == "POST /job/" + tag + "/secret " + body) {
          ++succeeded;
          continue;
        }
        std::lock_guard lock(failures_mutex);
        failures.push_back(tag + ": " + std::to_string(response.status) + " " + response.body +
                           response.error_message);
      }
    });
  }
  for (auto &thread : threads)
    thread.join();

  INFO((failures.empty() ? std::string() : failures.front()));
  CHECK(failures.empty());
  CHECK(succeeded == kThreads * kCalls);
  CHECK(server.connections_seen() < static_cast<std::size_t>(kThreads * kCalls));
}

TEST_CASE("Upstream: the key never appears in an error message", "[upstream]") {
  const std::string key = "qov_very_secret_key_0123456789";
  std::vector<UpstreamResponse> failures;

  RefusingPort refusing;
  failures.push_back(
      make_upstream(config_for("https://127.0.0.1:" + std::to_string(refusing.port()), key))
          ->send({"POST", "/job", ""}));

  TestServer untrusted("untrusted");
  serve_echo(untrusted);
  failures.push_back(
      make_upstream(tls_config_for(untrusted.start(), "", key))->send({"GET", "/job", ""}));

  TestServer slow;
  slow.http().Get("/slow", [](const httplib::Request &, httplib::Response &response) {
    std::this_thread::sleep_for(500ms);
    response.set_content("{}", "application/json");
  });
  auto config = config_for("http://127.0.0.1:" + std::to_string(slow.start()), key);
  config.read_timeout = 100ms;
  config.deadline = 1s; // a timed-out GET is retried until then
  failures.push_back(make_upstream(config)->send({"GET", "/slow", ""}));

  auto jwt_config = config_for("https://127.0.0.1:" + std::to_string(refusing.port()), kJwt);
  failures.push_back(make_upstream(jwt_config)->send({"POST", "/job", ""}));

  for (const auto &failure : failures) {
    INFO(failure.error_message);
    CHECK(failure.error != UpstreamError::None);
    CHECK_FALSE(failure.error_message.empty());
    CHECK(failure.error_message.find(key) == std::string::npos);
    CHECK(failure.error_message.find(kJwt) == std::string::npos);
    CHECK(failure.error_message.find("qov_") == std::string::npos);
  }
}

TEST_CASE("Upstream: a body growing past the size limit is refused as soon as it passes it",
          "[upstream]") {
  constexpr std::size_t kServed = 50 * 1024 * 1024;
  const std::string block(64 * 1024, 'x');
  struct Case {
    const char *name;
    std::string head;
    std::function<std::string(const std::string &)> frame;
  };
  for (const auto &[name, head, frame] :
       {Case{"chunked", "Transfer-Encoding: chunked\r\n", chunk},
        Case{"until the connection closes", "Connection: close\r\n",
             [](const std::string &data) { return data; }}}) {
    INFO(name);
    HostileServer server([&](HostileServer &self, int socket, int) {
      if (!self.write(socket, answer_head(head)))
        return false;
      for (std::size_t sent = 0; sent < kServed; sent += block.size())
        if (!self.write(socket, frame(block)))
          return false;
      return false;
    });
    auto config = config_for(server.base_url());
    config.max_answer_bytes = 1024 * 1024;
    auto started = std::chrono::steady_clock::now();
    auto response = make_upstream(config)->send({"GET", "/job/1/secret", ""});
    CHECK(elapsed_since(started) < 5s);
    CHECK(response.error == UpstreamError::BadAnswer);
    CHECK(response.error_message ==
          "the answer from " + server.authority() + " is larger than the 1 MiB limit");
    CHECK(response.body.empty());
    CHECK(response.attempts == 1);
    // The client hung up long before the server could write it all.
    REQUIRE(server.wait_for_closed(1));
    CHECK(server.bytes_written() < kServed);
  }
}

TEST_CASE("Upstream: a body of exactly the size limit is accepted, one byte more is not",
          "[upstream]") {
  constexpr std::size_t kLimit = 64 * 1024;
  for (bool chunked : {false, true}) {
    for (std::size_t size : {kLimit, kLimit + 1}) {
      INFO((chunked ? "chunked, " : "with Content-Length, ") << size << " bytes");
      const std::string body(size, 'b');
      HostileServer server([&](HostileServer &self, int socket, int) {
        if (chunked)
          return self.write(socket, answer_head("Transfer-Encoding: chunked\r\n") + chunk(body) +
                                        "0\r\n\r\n");
        return self.write(socket,
                          answer_head("Content-Length: " + std::to_string(size) + "\r\n") + body);
      });
      auto config = config_for(server.base_url());
      config.max_answer_bytes = kLimit;
      auto response = make_upstream(config)->send({"GET", "/job/1/secret", ""});
      if (size == kLimit) {
        CHECK(response.error == UpstreamError::None);
        CHECK(response.status == 200);
        CHECK(response.body == body);
      } else {
        CHECK(response.error == UpstreamError::BadAnswer);
        CHECK(response.error_message.find("64 KiB limit") != std::string::npos);
      }
    }
  }
}

TEST_CASE("Upstream: a Content-Length over the size limit is refused before the body is read",
          "[upstream]") {
  constexpr std::size_t kServed = 50 * 1024 * 1024;
  const std::string block(64 * 1024, 'x');
  for (std::uint64_t announced :
       {std::uint64_t{kMaxAnswerBytes} + 1, std::uint64_t{kServed}, std::uint64_t{1} << 62}) {
    INFO("Content-Length: " << announced);
    HostileServer server([&](HostileServer &self, int socket, int) {
      if (!self.write(socket, answer_head("Content-Length: " + std::to_string(announced) + "\r\n")))
        return false;
      for (std::size_t sent = 0; sent < kServed; sent += block.size())
        if (!self.write(socket, block))
          return false;
      return false;
    });
    auto started = std::chrono::steady_clock::now();
    auto response = make_upstream(config_for(server.base_url()))->send({"GET", "/job", ""});
    CHECK(elapsed_since(started) < 5s);
    CHECK(response.error == UpstreamError::BadAnswer);
    CHECK(response.error_message == "the answer from " + server.authority() + " announces " +
                                        std::to_string(announced) +
                                        " bytes, more than the 8 MiB limit");
    REQUIRE(server.wait_for_closed(1));
    CHECK(server.bytes_written() < kServed);
  }
}

TEST_CASE("Upstream: an encoded answer is refused, never decompressed", "[upstream]") {
  // {"results":[]} compressed with gzip.
  const std::string gzipped("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff\xab\x56\x2a\x4a\x2d\x2e\xcd"
                            "\x29\x29\x56\xb2\x8a\x8e\xad\x05\x00\x0a\x27\x7c\x9e\x0e\x00\x00\x00",
                            34);
  for (const char *encoding : {"gzip", "deflate", "br", "GZIP", "x-gzip"}) {
    INFO(encoding);
    HostileServer server([&](HostileServer &self, int socket, int) {
      return self.write(socket, answer_head("Content-Encoding: " + std::string(encoding) +
                                            "\r\nContent-Length: 34\r\n") +
                                    gzipped);
    });
    auto response = make_upstream(config_for(server.base_url()))->send({"GET", "/job", ""});
    CHECK(response.error == UpstreamError::BadAnswer);
    CHECK(response.status == 0);
    CHECK(response.body.empty());
    CHECK(response.error_message == server.authority() + " answered with Content-Encoding " +
                                        encoding + ", which was not asked for");
    auto request = to_lower(server.last_request());
    CHECK(request.find("\r\naccept-encoding: identity") != std::string::npos);
    CHECK(request.find("gzip") == std::string::npos);
  }
  SECTION("identity is no encoding") {
    HostileServer server([&](HostileServer &self, int socket, int) {
      return self.write(socket,
                        answer_head("Content-Encoding: identity\r\nContent-Length: 2\r\n") + "{}");
    });
    auto response = make_upstream(config_for(server.base_url()))->send({"GET", "/job", ""});
    CHECK(response.error == UpstreamError::None);
    CHECK(response.body == "{}");
  }
}

TEST_CASE("Upstream: the deadline ends an answer that trickles in, saying so", "[upstream]") {
  // httplib's read timeout starts again with each byte: only the deadline ends these.
  struct Case {
    const char *name;
    std::string head;
    std::string trickled;
    std::string message;
  };
  const std::string endless(100, 'a');
  for (const auto &[name, head, trickled, message] : {
           Case{"the status line", "", "HTTP/1.1 200 OK\r\nX-Slow: " + endless,
                "no complete answer"},
           Case{"the headers", "HTTP/1.1 200 OK\r\n", "X-Slow: " + endless, "no complete answer"},
           Case{"the body", answer_head("Content-Length: 1000\r\n"), endless,
                "the answer did not complete"},
           Case{"a chunked body", answer_head("Transfer-Encoding: chunked\r\n"),
                chunk(endless) + chunk(endless), "the answer did not complete"},
       }) {
    INFO(name);
    HostileServer server([&](HostileServer &self, int socket, int) {
      if (self.write(socket, head) && self.trickle(socket, trickled, 200ms))
        self.hold(socket);
      return false;
    });
    auto config = config_for(server.base_url());
    config.read_timeout = 10s;
    config.deadline = 1s;
    auto started = std::chrono::steady_clock::now();
    auto response = make_upstream(config)->send({"GET", "/job", ""});
    auto elapsed = elapsed_since(started);
    CHECK(response.error == UpstreamError::Timeout);
    CHECK(response.error_message ==
          (message == "no complete answer"
               ? "no complete answer from " + server.authority() + " within 1 s"
               : "the answer from " + server.authority() + " did not complete within 1 s"));
    CHECK(response.attempts == 1);
    CHECK(elapsed >= 900ms);
    CHECK(elapsed < 5s);
  }
}

TEST_CASE("Upstream: a silent server gets no response within the time left before the deadline",
          "[upstream]") {
  HostileServer server([](HostileServer &self, int socket, int) {
    self.hold(socket);
    return false;
  });
  auto config = config_for(server.base_url());
  config.read_timeout = 10s;
  config.deadline = 500ms;
  auto started = std::chrono::steady_clock::now();
  auto response = make_upstream(config)->send({"GET", "/job", ""});
  CHECK(response.error == UpstreamError::Timeout);
  CHECK(response.error_message == "no response from " + server.authority() + " within 500 ms");
  CHECK(elapsed_since(started) < 5s);
}

TEST_CASE("Upstream: a header block past the head limit is refused as soon as it passes it",
          "[upstream]") {
  // Before the limit, httplib read the whole block: 64 MiB here, and a 200 MB
  // block took the server from 85 MB to 550 MB of memory.
  constexpr std::size_t kServed = 64 * 1024 * 1024;
  const std::string line = "X-Pad: " + std::string(1000, 'p') + "\r\n";
  const std::string unending(64 * 1024, 'p');
  for (bool one_line : {false, true}) {
    INFO((one_line ? "one endless line" : "many lines"));
    HostileServer server([&](HostileServer &self, int socket, int) {
      if (!self.write(socket, "HTTP/1.1 200 OK\r\n" + std::string(one_line ? "X-Pad: " : "")))
        return false;
      std::string block;
      while (block.size() < 64 * 1024)
        block += one_line ? unending : line;
      for (std::size_t sent = 0; sent < kServed; sent += block.size())
        if (!self.write(socket, block))
          return false;
      self.hold(socket);
      return false;
    });
    auto config = config_for(server.base_url());
    config.read_timeout = 20s;
    config.deadline = 30s;
    auto started = std::chrono::steady_clock::now();
    auto response = make_upstream(config)->send({"GET", "/job", ""});
    CHECK(elapsed_since(started) < 5s);
    CHECK(response.error == UpstreamError::BadAnswer);
    CHECK(response.error_message == "the header block of the answer from " + server.authority() +
                                        " is larger than the 64 KiB limit");
    CHECK(response.attempts == 1);
    // The client hung up long before the server could write it all.
    REQUIRE(server.wait_for_closed(1));
    CHECK(server.bytes_written() < kServed / 4);
  }
}

TEST_CASE("Upstream: a head of exactly the head limit is accepted, one byte more is not",
          "[upstream]") {
  for (std::size_t size : {kMaxAnswerHeadBytes, kMaxAnswerHeadBytes + 1}) {
    INFO(size << " bytes of head");
    // Fields of about 4,000 bytes: httplib refuses a line over 8 KiB itself.
    std::string fields = "Content-Length: 2\r\n";
    std::size_t padding = size - answer_head(fields).size();
    std::size_t lines = (padding + 4008) / 4009; // "X-Pad: " + value + CRLF
    for (std::size_t i = 0; i < lines; ++i) {
      std::size_t line = padding / lines + (i < padding % lines ? 1 : 0);
      fields += "X-Pad: " + std::string(line - 9, 'p') + "\r\n";
    }
    std::string head = answer_head(fields);
    REQUIRE(head.size() == size);
    HostileServer server(
        [&](HostileServer &self, int socket, int) { return self.write(socket, head + "{}"); });
    auto response = make_upstream(config_for(server.base_url()))->send({"GET", "/job", ""});
    if (size == kMaxAnswerHeadBytes) {
      INFO(response.error_message);
      CHECK(response.error == UpstreamError::None);
      CHECK(response.status == 200);
      CHECK(response.body == "{}");
    } else {
      CHECK(response.error == UpstreamError::BadAnswer);
      CHECK(response.error_message.find("64 KiB limit") != std::string::npos);
    }
  }
}

TEST_CASE("Upstream: over HTTPS, a header block past the head limit is refused", "[upstream]") {
  for (std::size_t fields : {20, 2000}) {
    INFO(fields << " fields of 1000 bytes");
    TestServer server("server");
    server.http().Get(".*", [&](const httplib::Request &, httplib::Response &response) {
      for (std::size_t i = 0; i < fields; ++i)
        response.set_header("X-Pad-" + std::to_string(i), std::string(1000, 'p'));
      response.set_content("{}", "application/json");
    });
    int port = server.start();
    auto config = config_for("https://localhost:" + std::to_string(port));
    config.ca_file = kCertDir + "/ca.pem";
    auto started = std::chrono::steady_clock::now();
    auto response = make_upstream(config)->send({"GET", "/job", ""});
    CHECK(elapsed_since(started) < 5s);
    INFO(response.error_message);
    if (fields == 20) {
      CHECK(response.error == UpstreamError::None);
      CHECK(response.body == "{}");
    } else {
      CHECK(response.error == UpstreamError::BadAnswer);
      CHECK(response.error_message ==
            "the header block of the answer from localhost:" + std::to_string(port) +
                " is larger than the 64 KiB limit");
      CHECK(response.attempts == 1);
    }
  }
}

TEST_CASE("Upstream: Retry-After: 0 neither hammers the API nor floods the log", "[upstream]") {
  for (int status : {503, 429}) {
    INFO("HTTP " << status);
    HostileServer server([&](HostileServer &self, int socket, int) {
      return self.write(socket, answer_head("Retry-After: 0\r\nContent-Length: 0\r\n", status));
    });
    auto config = config_for(server.base_url());
    config.deadline = 5s;
    auto upstream = make_upstream(config);
    StderrCapture log;
    auto started = std::chrono::steady_clock::now();
    auto response = upstream->send({"GET", "/job/1/secret", ""});
    auto elapsed = elapsed_since(started);
    auto logged = log.text();

    CHECK(response.error == UpstreamError::None);
    CHECK(response.status == status);
    CHECK(response.attempts == 4);
    CHECK(server.requests() == 4);
    // Each retry waited at least half its backoff ceiling: 50 + 100 + 200 ms.
    CHECK(elapsed >= 350ms);
    CHECK(elapsed < 5s);
    auto lines = lines_with(logged, "upstream: GET /job/1/secret");
    REQUIRE(lines.size() == 1);
    CHECK(lines.front().find("HTTP " + std::to_string(status) + " after 4 attempts") !=
          std::string::npos);
  }
}

TEST_CASE("Upstream: a certificate naming the host only in its subject CN is refused",
          "[upstream]") {
  // RFC 9525 section 6.3: no fallback to the CN when the certificate has no subjectAltName.
  struct Case {
    std::string cert;
    std::string host;
    std::string reason;
  };
  for (const auto &[cert, host, reason] :
       {Case{"cn-only", "localhost", "hostname mismatch"},
        Case{"cn-only-ip", "127.0.0.1", "IP address mismatch"}}) {
    INFO(cert);
    TestServer server(cert);
    serve_echo(server);
    auto port = std::to_string(server.start());
    auto config = config_for("https://" + host + ":" + port);
    config.ca_file = kCertDir + "/ca.pem";
    auto response = make_upstream(config)->send({"GET", "/job", ""});
    CHECK(response.error == UpstreamError::Tls);
    CHECK(response.error_message == "TLS handshake with " + host + ":" + port +
                                        " failed: certificate verification failed (" + reason +
                                        ")");
    CHECK(server.connections_seen() == 0);
  }
}
