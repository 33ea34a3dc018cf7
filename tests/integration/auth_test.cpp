// Inbound authentication, connection limits and timeouts of the HTTP adapters,
// on a real server process.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

using nlohmann::json;
using namespace test;

namespace {

const std::string kToken = "inbound-7c41d2e9a05f";
const std::string kWrongToken = "inbound-wrong-0b9e33";
const std::string kSecrets = "/v1/job/" + kJobId + "/secret";
/// No token from the test's own environment, and no Qovery key (the sandbox needs none).
const std::map<std::string, std::string> kNoTokenEnv = {{"QOVERY_MCP_AUTH_TOKEN", ""},
                                                        {"QOVERY_API_KEY", ""}};

/// A file holding `content`, removed at the end of the test.
struct TempFile {
  explicit TempFile(const std::string &content)
      : path(std::filesystem::temp_directory_path() /
             ("qmcp-auth-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++))) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path); }
  std::filesystem::path path;
  static inline int counter = 0;
};

/// A TCP connection to 127.0.0.1:`port` that sends nothing.
struct IdleConnection {
  explicit IdleConnection(int port) : fd(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
      throw std::runtime_error("cannot connect to port " + std::to_string(port));
  }
  ~IdleConnection() { close(fd); }
  IdleConnection(const IdleConnection &) = delete;
  IdleConnection &operator=(const IdleConnection &) = delete;
  /// Whether the server closes the connection within `timeout`.
  bool closed_by_server(std::chrono::milliseconds timeout) const {
    pollfd p{fd, POLLIN, 0};
    char byte;
    return poll(&p, 1, static_cast<int>(timeout.count())) == 1 && recv(fd, &byte, 1, 0) == 0;
  }
  int fd;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

json initialize_message() {
  return {{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "initialize"},
          {"params",
           {{"protocolVersion", "2025-11-25"},
            {"capabilities", json::object()},
            {"clientInfo", {{"name", "auth-test"}, {"version", "1"}}}}}};
}

/// The MCP client's session works: initialize, then a tool call.
void check_mcp_serves(McpClient &client) {
  client.initialize();
  json list = client.call("list-job-secrets", {{"jobId", kJobId}});
  CHECK_FALSE(list.contains("isError"));
  CHECK(list["structuredContent"]["results"].size() > 0);
}

HttpReply rest_get(int port, const httplib::Headers &headers = {}) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get(kSecrets.c_str(), headers);
  if (!res)
    throw std::runtime_error("GET " + kSecrets + " failed: " + httplib::to_string(res.error()));
  return {res->status, res->body, res->headers};
}

} // namespace

TEST_CASE("Auth: /mcp answers 401 with WWW-Authenticate without the right token", "[auth]") {
  record_secret(kToken);
  record_secret(kWrongToken);
  TempFile token_file(kToken + "\n");
  ServerProcess server({"--sandbox", "--auth-token-file", token_file.path.string()}, kNoTokenEnv);
  McpClient client(server.port);

  SECTION("no Authorization header, or another scheme: 401, Bearer") {
    for (const httplib::Headers &headers :
         {httplib::Headers{}, httplib::Headers{{"Authorization", "Token " + kToken}}}) {
      HttpReply reply = client.post(initialize_message(), headers);
      CHECK(reply.status == 401);
      CHECK(reply.header("WWW-Authenticate") == "Bearer");
      CHECK(reply.header("Content-Type") == "application/json");
      CHECK(reply.json()["error"]["code"] == -32600);
      CHECK(reply.json()["error"]["message"].get<std::string>().find("Bearer") !=
            std::string::npos);
      CHECK(reply.header("Mcp-Session-Id").empty());
    }
  }
  SECTION("a wrong token: 401, invalid_token, the token not echoed") {
    for (const std::string &wrong : {kWrongToken, kToken + "x", kToken.substr(1)}) {
      HttpReply reply = client.post(initialize_message(), {{"Authorization", "Bearer " + wrong}});
      CHECK(reply.status == 401);
      CHECK(reply.header("WWW-Authenticate") == "Bearer error=\"invalid_token\"");
      CHECK(reply.json()["error"]["code"] == -32600);
      CHECK(reply.body.find(kWrongToken) == std::string::npos);
    }
  }
  SECTION("a foreign Host is refused first: 403") {
    HttpReply reply = client.post(initialize_message(), {{"Host", "evil.example"}});
    CHECK(reply.status == 403);
    CHECK(reply.header("WWW-Authenticate").empty());
  }
  SECTION("the right token: the session works, the scheme in any case") {
    client.http.set_bearer_token_auth(kToken);
    check_mcp_serves(client);
    CHECK(client.end_session().status == 200);
    McpClient lower_case(server.port);
    lower_case.http.set_default_headers({{"Authorization", "bearer " + kToken}});
    check_mcp_serves(lower_case);
  }
  SECTION("a session is no substitute for the token") {
    client.http.set_bearer_token_auth(kToken);
    client.initialize();
    McpClient thief(server.port);
    thief.session_id = client.session_id;
    CHECK(thief.post(json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}}).status == 401);
  }
  std::string log = server.process->stderr_text();
  CHECK(log.find(kToken) == std::string::npos);
  CHECK(log.find(kWrongToken) == std::string::npos);
}

TEST_CASE("Auth: REST answers 401 with WWW-Authenticate without the right token", "[auth]") {
  record_secret(kToken);
  record_secret(kWrongToken);
  TempFile token_file(kToken);
  ServerProcess server({"--sandbox", "--auth-token-file", token_file.path.string()}, kNoTokenEnv,
                       Rest::kOn);

  HttpReply missing = rest_get(server.rest_port);
  CHECK(missing.status == 401);
  CHECK(missing.header("WWW-Authenticate") == "Bearer");
  CHECK(missing.header("Content-Type") == "application/json");
  CHECK(missing.json()["error"].get<std::string>().find("Bearer") != std::string::npos);

  HttpReply wrong = rest_get(server.rest_port, {{"Authorization", "Bearer " + kWrongToken}});
  CHECK(wrong.status == 401);
  CHECK(wrong.header("WWW-Authenticate") == "Bearer error=\"invalid_token\"");
  CHECK(wrong.json().contains("error"));
  CHECK(wrong.body.find(kWrongToken) == std::string::npos);

  HttpReply right = rest_get(server.rest_port, {{"Authorization", "Bearer " + kToken}});
  CHECK(right.status == 200);
  CHECK(right.json()["results"].size() > 0);

  std::string log = server.process->stderr_text();
  CHECK(log.find(kToken) == std::string::npos);
  CHECK(log.find(kWrongToken) == std::string::npos);
}

TEST_CASE("Auth: the token can come from QOVERY_MCP_AUTH_TOKEN", "[auth]") {
  record_secret(kToken);
  ServerProcess server({"--sandbox"}, {{"QOVERY_MCP_AUTH_TOKEN", kToken}, {"QOVERY_API_KEY", ""}},
                       Rest::kOn);
  McpClient client(server.port);
  CHECK(client.post(initialize_message()).status == 401);
  client.http.set_bearer_token_auth(kToken);
  check_mcp_serves(client);
  CHECK(rest_get(server.rest_port).status == 401);
  CHECK(rest_get(server.rest_port, {{"Authorization", "Bearer " + kToken}}).status == 200);
  CHECK(server.process->stderr_text().find(kToken) == std::string::npos);
}

TEST_CASE("Auth: an unreadable or empty token file stops the start, naming the option", "[auth]") {
  TempFile empty("\n");
  for (const std::string &path : {empty.path.string(), std::string("/nonexistent/token")}) {
    Process server({QMCP_SERVER_BIN, "--sandbox", "--auth-token-file", path, "--mcp-port", "0",
                    "--rest-port", "0"},
                   kNoTokenEnv);
    CHECK(server.wait() == 2);
    CHECK(server.stderr_text().find("--auth-token-file") != std::string::npos);
  }
}

TEST_CASE("Auth: a non-loopback --host needs a token or --allow-unauthenticated", "[auth]") {
  record_secret(kToken);
  std::vector<std::string> args = {QMCP_SERVER_BIN, "--sandbox", "--host",      "0.0.0.0",
                                   "--mcp-port",    "0",         "--rest-port", "0"};
  Process refused(args, kNoTokenEnv);
  CHECK(refused.wait() == 2);
  std::string message = refused.stderr_text();
  CHECK(message.find("0.0.0.0") != std::string::npos);
  CHECK(message.find("loopback") != std::string::npos);
  CHECK(message.find("--auth-token-file") != std::string::npos);
  CHECK(message.find("--allow-unauthenticated") != std::string::npos);

  ServerProcess allowed({"--sandbox", "--host", "0.0.0.0", "--allow-unauthenticated"}, kNoTokenEnv);
  McpClient open_client(allowed.port);
  check_mcp_serves(open_client);

  ServerProcess with_token({"--sandbox", "--host", "0.0.0.0"},
                           {{"QOVERY_MCP_AUTH_TOKEN", kToken}, {"QOVERY_API_KEY", ""}});
  McpClient client(with_token.port);
  client.http.set_bearer_token_auth(kToken);
  check_mcp_serves(client);
}

TEST_CASE("Limits: silent connections beyond the worker threads starve nobody", "[limits]") {
  constexpr int kTimeout = 3;
  ServerProcess server({"--sandbox", "--threads", "4", "--http-timeout", std::to_string(kTimeout)},
                       kNoTokenEnv);
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < 8; ++i)
    idle.push_back(std::make_unique<IdleConnection>(server.port));

  auto start = std::chrono::steady_clock::now();
  McpClient client(server.port);
  check_mcp_serves(client);
  // httplib's fixed pool would answer only once two rounds of silent ones timed out.
  CHECK(seconds_since(start) < kTimeout);

  // The silent ones are closed after the timeout.
  for (const auto &connection : idle)
    CHECK(connection->closed_by_server(std::chrono::seconds(kTimeout + 3)));
}

TEST_CASE("Limits: beyond --max-connections a connection is answered 503 at once", "[limits]") {
  constexpr int kTimeout = 1;
  ServerProcess server({"--sandbox", "--threads", "1", "--max-connections", "2", "--http-timeout",
                        std::to_string(kTimeout)},
                       kNoTokenEnv);
  {
    IdleConnection first(server.port);
    IdleConnection second(server.port);
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // both accepted
    auto start = std::chrono::steady_clock::now();
    McpClient client(server.port);
    test::HttpReply reply = client.post(std::string(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"));
    CHECK(reply.status == 503);
    CHECK(reply.body.find("as many connections open as it serves at once") != std::string::npos);
    CHECK(reply.header("Retry-After") == "1");
    CHECK(seconds_since(start) < kTimeout + 3.0);
  }
  // Once they are gone (the server sees them close at once), a client is served.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  McpClient client(server.port);
  check_mcp_serves(client);
}
