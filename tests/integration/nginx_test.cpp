// examples/nginx.conf, run by Debian's nginx as written but for its ports,
// certificate paths and pid file, in front of a sandbox server: MCP and REST
// pass through it over TLS, and the heads and bodies it bounds are refused
// before the server sees them.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using namespace test;

namespace {

std::string read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// `text` with its one occurrence of `from` replaced by `to`: an example that
/// no longer says `from` exactly once fails here instead of being half-tested.
void replace_once(std::string &text, const std::string &from, const std::string &to) {
  INFO("examples/nginx.conf must hold exactly once: " << from);
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  text.replace(at, from.size(), to);
}

/// nginx running examples/nginx.conf in front of `server`, on a free port.
struct Nginx {
  explicit Nginx(const ServerProcess &server) {
    char dir_template[] = "/tmp/qmcp-nginx-XXXXXX";
    REQUIRE(mkdtemp(dir_template) != nullptr);
    dir = dir_template;
    port = free_port();
    std::string conf = read_text(std::string(QMCP_SOURCE_DIR) + "/examples/nginx.conf");
    replace_once(conf, "pid /run/qovery-mcp-nginx.pid;", "pid " + dir + "/nginx.pid;");
    replace_once(conf, "listen 443 ssl;", "listen 127.0.0.1:" + std::to_string(port) + " ssl;");
    replace_once(conf, "/etc/qovery-mcp/tls/fullchain.pem", kCertDir + "/server.pem");
    replace_once(conf, "/etc/qovery-mcp/tls/privkey.pem", kCertDir + "/server-key.pem");
    replace_once(conf, "server 127.0.0.1:9090;",
                 "server 127.0.0.1:" + std::to_string(server.port) + ";");
    replace_once(conf, "server 127.0.0.1:8080;",
                 "server 127.0.0.1:" + std::to_string(server.rest_port) + ";");
    std::ofstream(dir + "/nginx.conf") << conf;
    process = std::make_unique<Process>(std::vector<std::string>{
        "/usr/sbin/nginx", "-p", dir, "-c", dir + "/nginx.conf", "-g", "daemon off;"});
    for (int i = 0; i < 100; ++i) {
      try {
        close(connect_loopback(port));
        return;
      } catch (const std::exception &) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    FAIL("nginx did not start: " << process->stderr_text());
  }
  ~Nginx() {
    process->stop(SIGTERM);
    std::system(("rm -rf " + dir).c_str());
  }

  /// A client of nginx over TLS, trusting the test CA.
  std::unique_ptr<httplib::SSLClient> client() const {
    auto tls = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    tls->set_ca_cert_path((kCertDir + "/ca.pem").c_str());
    tls->enable_server_certificate_verification(true);
    tls->set_read_timeout(30, 0);
    return tls;
  }

  std::string dir;
  int port = 0;
  std::unique_ptr<Process> process;
};

const httplib::Headers kMcpHeaders = {{"Accept", "application/json, text/event-stream"}};

httplib::Result post_mcp(httplib::SSLClient &tls, const json &message,
                         httplib::Headers headers = kMcpHeaders, const std::string &path = "/mcp") {
  return tls.Post(path.c_str(), headers, message.dump(), "application/json");
}

httplib::Result initialize(httplib::SSLClient &tls) {
  return post_mcp(tls, {{"jsonrpc", "2.0"},
                        {"id", 1},
                        {"method", "initialize"},
                        {"params",
                         {{"protocolVersion", "2025-11-25"},
                          {"capabilities", json::object()},
                          {"clientInfo", {{"name", "nginx-test"}, {"version", "1"}}}}}});
}

} // namespace

TEST_CASE("Example nginx.conf: MCP and REST pass through nginx over TLS", "[examples][nginx]") {
  ServerProcess server({"--sandbox"}, {}, Rest::kOn);
  Nginx nginx(server);
  auto tls = nginx.client();

  auto init = initialize(*tls);
  REQUIRE(init);
  INFO(init->body);
  REQUIRE(init->status == 200);
  std::string session = init->get_header_value("Mcp-Session-Id");
  REQUIRE(session.size() == 64);

  httplib::Headers in_session = kMcpHeaders;
  in_session.emplace("Mcp-Session-Id", session);
  in_session.emplace("MCP-Protocol-Version", "2025-11-25");
  auto initialized =
      post_mcp(*tls, {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, in_session);
  REQUIRE(initialized);
  CHECK(initialized->status == 202);

  // /mcp/ too, as clients and proxies send it.
  for (const std::string path : {"/mcp", "/mcp/"}) {
    auto call =
        post_mcp(*tls,
                 {{"jsonrpc", "2.0"},
                  {"id", 2},
                  {"method", "tools/call"},
                  {"params", {{"name", "list-job-secrets"}, {"arguments", {{"jobId", kJobId}}}}}},
                 in_session, path);
    REQUIRE(call);
    INFO(path << ": " << call->body);
    CHECK(call->status == 200);
    json result = json::parse(call->body)["result"];
    CHECK_FALSE(result.value("isError", false));
    CHECK(result["structuredContent"]["results"].is_array());
  }

  auto rest = tls->Get(("/v1/job/" + kJobId + "/secret").c_str());
  REQUIRE(rest);
  INFO(rest->body);
  CHECK(rest->status == 200);
  CHECK(json::parse(rest->body)["results"].is_array());
}

TEST_CASE("Example nginx.conf: heads and bodies past its limits never reach the server",
          "[examples][nginx]") {
  ServerProcess server({"--sandbox"}, {}, Rest::kOn);
  Nginx nginx(server);
  const json ping = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}};

  struct Row {
    std::string name;
    httplib::Headers headers;
    std::string body;
    int status;
  };
  httplib::Headers long_line = kMcpHeaders;
  long_line.emplace("X-Pad", std::string(9000, 'a'));
  httplib::Headers many_lines = kMcpHeaders;
  for (int i = 0; i < 5; ++i)
    many_lines.emplace("X-Pad-" + std::to_string(i), std::string(7900, 'a'));
  for (const Row &row : std::vector<Row>{
           {"a header line over 8 KiB", long_line, ping.dump(), 400},
           {"a head over 4 buffers of 8 KiB", many_lines, ping.dump(), 400},
           {"a body over 4 MiB", kMcpHeaders, std::string(5 * 1024 * 1024, ' '), 413},
       }) {
    INFO(row.name);
    auto tls = nginx.client();
    auto reply = tls->Post("/mcp", row.headers, row.body, "application/json");
    REQUIRE(reply);
    CHECK(reply->status == row.status);
  }
  // Both still serve.
  auto tls = nginx.client();
  auto init = initialize(*tls);
  REQUIRE(init);
  CHECK(init->status == 200);
}
