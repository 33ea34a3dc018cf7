// CORS on both HTTP adapters (/mcp and the REST API), as a browser speaks it
// (Fetch standard, "CORS protocol"): preflights, the headers of every answer
// to an accepted origin, and nothing for a refused origin or none.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <strings.h>

#include <algorithm>
#include <set>

using nlohmann::json;
using namespace test;

namespace {

const std::string kToken = "inbound-cors-5d2e81a0c7";
const std::string kConsole = "https://console.example.com";
const std::string kSecrets = "/v1/job/" + kJobId + "/secret";
const std::string kOneSecret = kSecrets + "/" + kJobSecretId;

/// Origins the server accepts without --allowed-origin: loopback ones, any port and scheme.
const std::vector<std::string> kLoopbackOrigins = {"http://localhost:5173", "http://127.0.0.1:8000",
                                                   "http://[::1]:3000", "https://localhost",
                                                   "http://LOCALHOST:6274"};
/// Origins refused when only kConsole is allowed besides loopback.
const std::vector<std::string> kRefusedOrigins = {
    "https://evil.example",
    "http://localhost.evil.example",
    "null",
    "http://console.example.com", // kConsole's host, another scheme
    kConsole + ".evil.example",
    "file://",
    "http://127.0.0.1.nip.io:8080"};

/// The MCP request headers a page sends (2025-11-25 and 2026-07-28).
const std::set<std::string> kMcpRequestHeaders = {
    "content-type",         "accept",        "authorization", "mcp-session-id",
    "mcp-protocol-version", "last-event-id", "mcp-method",    "mcp-name"};

/// Sends `method` to `path` on 127.0.0.1:`port` with `headers`, and `body`
/// as JSON when not empty.
HttpReply send(int port, const std::string &method, const std::string &path,
               const httplib::Headers &headers, const std::string &body = "") {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(30, 0);
  httplib::Request request;
  request.method = method;
  request.path = path;
  request.headers = headers;
  request.body = body;
  if (!body.empty())
    request.headers.emplace("Content-Type", "application/json");
  auto res = http.send(request);
  if (!res)
    throw std::runtime_error(method + " " + path + " failed: " + httplib::to_string(res.error()));
  return {res->status, res->body, res->headers};
}

/// A preflight for `method` with MCP's headers, from `origin`.
HttpReply preflight(int port, const std::string &path, const std::string &origin,
                    const std::string &method = "POST") {
  return send(port, "OPTIONS", path,
              {{"Origin", origin},
               {"Access-Control-Request-Method", method},
               {"Access-Control-Request-Headers",
                "authorization,content-type,mcp-protocol-version,mcp-session-id"}});
}

/// The lower-cased items of a comma-separated header value.
std::set<std::string> items(const std::string &value) {
  std::set<std::string> out;
  std::size_t begin = 0;
  while (begin <= value.size()) {
    std::size_t comma = std::min(value.find(',', begin), value.size());
    std::string item = value.substr(begin, comma - begin);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    std::transform(item.begin(), item.end(), item.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (!item.empty())
      out.insert(item);
    begin = comma + 1;
  }
  return out;
}

bool includes(const std::set<std::string> &all, const std::set<std::string> &some) {
  return std::includes(all.begin(), all.end(), some.begin(), some.end());
}

/// The names of the reply's Access-Control-* headers.
std::vector<std::string> cors_headers(const HttpReply &reply) {
  std::vector<std::string> names;
  for (const auto &[name, value] : reply.headers)
    if (strncasecmp(name.c_str(), "Access-Control-", 15) == 0)
      names.push_back(name);
  return names;
}

/// What every answer to an accepted `origin` carries: that origin (never
/// "*"), Vary: Origin, and the headers a page may read.
void check_answer_to(const HttpReply &reply, const std::string &origin,
                     const std::set<std::string> &exposed) {
  CHECK(reply.header("Access-Control-Allow-Origin") == origin);
  CHECK(reply.headers.count("Access-Control-Allow-Origin") == 1);
  CHECK(items(reply.header("Vary")).count("origin") == 1);
  CHECK(includes(items(reply.header("Access-Control-Expose-Headers")), exposed));
  CHECK(reply.headers.count("Access-Control-Allow-Credentials") == 0);
}

/// What a preflight's answer holds for an accepted `origin` (Fetch standard,
/// "CORS-preflight fetch"): an ok status, the origin, the route's methods,
/// the headers the page will send, a max age.
void check_preflight(const HttpReply &reply, const std::string &origin,
                     const std::set<std::string> &methods,
                     const std::set<std::string> &request_headers) {
  CHECK(reply.status == 204);
  CHECK(reply.body.empty());
  CHECK(reply.header("Access-Control-Allow-Origin") == origin);
  CHECK(items(reply.header("Vary")).count("origin") == 1);
  CHECK(items(reply.header("Access-Control-Allow-Methods")) == methods);
  CHECK(includes(items(reply.header("Access-Control-Allow-Headers")), request_headers));
  std::string max_age = reply.header("Access-Control-Max-Age");
  REQUIRE_FALSE(max_age.empty());
  CHECK(max_age.find_first_not_of("0123456789") == std::string::npos);
  CHECK(std::stoi(max_age) >= 600);
}

json initialize_message() {
  return {{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "initialize"},
          {"params",
           {{"protocolVersion", "2025-11-25"},
            {"capabilities", json::object()},
            {"clientInfo", {{"name", "cors-test"}, {"version", "1"}}}}}};
}

/// The headers of an MCP POST, plus `extra`.
httplib::Headers mcp_headers(const httplib::Headers &extra = {}) {
  httplib::Headers headers = {{"Accept", "application/json, text/event-stream"}};
  headers.insert(extra.begin(), extra.end());
  return headers;
}

/// The headers of an MCP POST from `origin`, plus `extra`.
httplib::Headers mcp_headers(const std::string &origin, const httplib::Headers &extra = {}) {
  httplib::Headers headers = mcp_headers(extra);
  headers.emplace("Origin", origin);
  return headers;
}

} // namespace

TEST_CASE("CORS: /mcp answers a preflight from each accepted origin, without the token", "[cors]") {
  record_secret(kToken);
  ServerProcess server({"--sandbox", "--allowed-origin", kConsole},
                       {{"QOVERY_MCP_AUTH_TOKEN", kToken}, {"QOVERY_API_KEY", ""}});
  std::vector<std::string> origins = kLoopbackOrigins;
  origins.push_back(kConsole);
  for (const std::string &origin : origins) {
    for (const std::string path : {"/mcp", "/mcp/"}) {
      INFO(origin << " " << path);
      check_preflight(preflight(server.port, path, origin), origin, {"post", "delete"},
                      kMcpRequestHeaders);
      check_preflight(preflight(server.port, path, origin, "DELETE"), origin, {"post", "delete"},
                      kMcpRequestHeaders);
    }
    INFO(origin);
    // The request itself still needs the token, and its 401 is readable.
    HttpReply unauthorized =
        send(server.port, "POST", "/mcp", mcp_headers(origin), initialize_message().dump());
    CHECK(unauthorized.status == 401);
    CHECK(unauthorized.header("WWW-Authenticate") == "Bearer");
    check_answer_to(unauthorized, origin, {"mcp-session-id", "www-authenticate"});

    HttpReply initialized = send(server.port, "POST", "/mcp",
                                 mcp_headers(origin, {{"Authorization", "Bearer " + kToken}}),
                                 initialize_message().dump());
    CHECK(initialized.status == 200);
    CHECK_FALSE(initialized.header("Mcp-Session-Id").empty());
    check_answer_to(initialized, origin, {"mcp-session-id", "www-authenticate"});
  }
  // An OPTIONS that is not a preflight (no Access-Control-Request-Method) still needs the token.
  CHECK(send(server.port, "OPTIONS", "/mcp", {{"Origin", kConsole}}).status == 401);
  CHECK(server.process->stderr_text().find(kToken) == std::string::npos);
}

TEST_CASE("CORS: every answer of /mcp to an accepted origin carries the CORS headers", "[cors]") {
  ServerProcess server({"--sandbox", "--allowed-origin", kConsole}, {{"QOVERY_API_KEY", ""}});
  const std::set<std::string> exposed = {"mcp-session-id", "www-authenticate"};
  for (const std::string &origin : {std::string("http://localhost:6274"), kConsole}) {
    INFO(origin);
    HttpReply initialized =
        send(server.port, "POST", "/mcp", mcp_headers(origin), initialize_message().dump());
    REQUIRE(initialized.status == 200);
    check_answer_to(initialized, origin, exposed);
    std::string session = initialized.header("Mcp-Session-Id");
    REQUIRE_FALSE(session.empty());
    httplib::Headers in_session =
        mcp_headers(origin, {{"Mcp-Session-Id", session}, {"MCP-Protocol-Version", "2025-11-25"}});

    HttpReply notified =
        send(server.port, "POST", "/mcp", in_session,
             json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}.dump());
    CHECK(notified.status == 202);
    check_answer_to(notified, origin, exposed);

    HttpReply listed =
        send(server.port, "POST", "/mcp", in_session,
             json{{"jsonrpc", "2.0"},
                  {"id", 2},
                  {"method", "tools/call"},
                  {"params", {{"name", "list-job-secrets"}, {"arguments", {{"jobId", kJobId}}}}}}
                 .dump());
    CHECK(listed.status == 200);
    CHECK(listed.json()["result"]["structuredContent"]["results"].size() > 0);
    check_answer_to(listed, origin, exposed);

    json ping = {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "ping"}};
    std::vector<std::pair<int, HttpReply>> errors = {
        {400, send(server.port, "POST", "/mcp", mcp_headers(origin), ping.dump())},
        {404, send(server.port, "POST", "/mcp", mcp_headers(origin, {{"Mcp-Session-Id", "0bad"}}),
                   ping.dump())},
        {400, send(server.port, "POST", "/mcp",
                   mcp_headers(origin, {{"Mcp-Session-Id", session},
                                        {"MCP-Protocol-Version", "2099-01-01"}}),
                   ping.dump())},
        {406, send(server.port, "POST", "/mcp",
                   {{"Origin", origin}, {"Mcp-Session-Id", session}, {"Accept", "text/html"}},
                   ping.dump())},
        {400, send(server.port, "POST", "/mcp", in_session, "{\"jsonrpc\":")},
        {413, send(server.port, "POST", "/mcp", in_session,
                   R"({"jsonrpc":"2.0","id":4,"method":"ping","params":{"pad":")" +
                       std::string(5 * 1024 * 1024, 'a') + "\"}}")},
        {405, send(server.port, "GET", "/mcp", {{"Origin", origin}})},
        {404, send(server.port, "GET", "/other", {{"Origin", origin}})},
    };
    for (const auto &[status, reply] : errors) {
      INFO(status << " " << reply.body.substr(0, 200));
      CHECK(reply.status == status);
      check_answer_to(reply, origin, exposed);
    }
    CHECK(errors[6].second.header("Allow") == "POST, DELETE");

    // A path no route has: the preflight passes, naming no method, so that the
    // page reads the 404 rather than a network error.
    HttpReply other = preflight(server.port, "/other", origin);
    CHECK(other.status == 204);
    CHECK(other.header("Access-Control-Allow-Origin") == origin);
    CHECK(other.headers.count("Access-Control-Allow-Methods") == 0);

    HttpReply ended = send(server.port, "DELETE", "/mcp", in_session);
    CHECK(ended.status == 200);
    check_answer_to(ended, origin, exposed);
  }
}

TEST_CASE("CORS: a refused origin gets 403 and no CORS header, on both adapters", "[cors]") {
  ServerProcess server({"--sandbox", "--allowed-origin", kConsole}, {{"QOVERY_API_KEY", ""}},
                       Rest::kOn);
  for (const std::string &origin : kRefusedOrigins) {
    INFO(origin);
    std::vector<HttpReply> replies = {
        preflight(server.port, "/mcp", origin),
        send(server.port, "POST", "/mcp", mcp_headers(origin), initialize_message().dump()),
        preflight(server.rest_port, kSecrets, origin, "GET"),
        send(server.rest_port, "GET", kSecrets, {{"Origin", origin}}),
    };
    for (const HttpReply &reply : replies) {
      CHECK(reply.status == 403);
      CHECK(reply.body.find("Origin not allowed") != std::string::npos);
      CHECK(cors_headers(reply).empty());
    }
  }
}

TEST_CASE("CORS: without an Origin header no answer carries CORS headers", "[cors]") {
  ServerProcess server({"--sandbox", "--allowed-origin", "*"}, {{"QOVERY_API_KEY", ""}}, Rest::kOn);
  std::vector<HttpReply> replies = {
      send(server.port, "POST", "/mcp", mcp_headers(), initialize_message().dump()),
      send(server.port, "GET", "/mcp", {}),
      send(server.port, "GET", "/other", {}),
      // Not a preflight without an Origin: /mcp takes no OPTIONS.
      send(server.port, "OPTIONS", "/mcp", {{"Access-Control-Request-Method", "POST"}}),
      send(server.rest_port, "GET", kSecrets, {}),
      send(server.rest_port, "GET", "/v1/nothing", {}),
      send(server.rest_port, "OPTIONS", kSecrets, {{"Access-Control-Request-Method", "GET"}}),
  };
  std::vector<int> statuses;
  for (const HttpReply &reply : replies) {
    statuses.push_back(reply.status);
    CHECK(cors_headers(reply).empty());
    // What the answer carries depends on the Origin: caches must know.
    CHECK(items(reply.header("Vary")).count("origin") == 1);
  }
  CHECK(statuses == std::vector<int>{200, 405, 404, 405, 200, 404, 405});
}

TEST_CASE("CORS: --allowed-origin * echoes each origin, never *", "[cors]") {
  ServerProcess server({"--sandbox", "--allowed-origin", "*"}, {{"QOVERY_API_KEY", ""}}, Rest::kOn);
  for (const std::string origin :
       {"https://a.example", "https://b.example:8443", "http://localhost:1", "null"}) {
    INFO(origin);
    check_preflight(preflight(server.port, "/mcp", origin), origin, {"post", "delete"},
                    kMcpRequestHeaders);
    check_answer_to(
        send(server.port, "POST", "/mcp", mcp_headers(origin), initialize_message().dump()), origin,
        {"mcp-session-id"});
    check_answer_to(send(server.rest_port, "GET", kSecrets, {{"Origin", origin}}), origin,
                    {"www-authenticate"});
  }
}

TEST_CASE("CORS: the REST API answers preflights with each path's methods", "[cors]") {
  FakeQoveryProcess fake;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--allowed-origin", kConsole},
      {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
  fake.clear_requests();
  const std::set<std::string> rest_headers = {"content-type", "authorization"};
  const std::set<std::string> exposed = {"www-authenticate", "allow"};
  for (const std::string &origin : {std::string("http://127.0.0.1:5500"), kConsole}) {
    INFO(origin);
    check_preflight(preflight(server.rest_port, kSecrets, origin, "GET"), origin, {"get", "post"},
                    rest_headers);
    check_preflight(preflight(server.rest_port, kOneSecret, origin, "PUT"), origin,
                    {"delete", "put"}, rest_headers);
    check_preflight(
        preflight(server.rest_port, kSecrets + "/" + kProjectSecretId + "/alias", origin), origin,
        {"post"}, rest_headers);
    HttpReply nowhere = preflight(server.rest_port, "/v1/nothing", origin);
    CHECK(nowhere.status == 204);
    CHECK(nowhere.headers.count("Access-Control-Allow-Methods") == 0);
  }
  // Preflights reach nothing upstream.
  CHECK(fake.requests().empty());

  std::vector<std::pair<int, HttpReply>> replies = {
      {200, send(server.rest_port, "GET", kSecrets, {{"Origin", kConsole}})},
      {201, send(server.rest_port, "POST", kSecrets, {{"Origin", kConsole}},
                 json{{"key", "CORS_KEY"}, {"value", "cors-value-61b2"}}.dump())},
      {400, send(server.rest_port, "POST", kSecrets, {{"Origin", kConsole}}, "{\"key\":")},
      {404, send(server.rest_port, "GET", "/v1/nothing", {{"Origin", kConsole}})},
      {405, send(server.rest_port, "PATCH", kOneSecret, {{"Origin", kConsole}}, "{}")},
      {405, send(server.rest_port, "OPTIONS", kSecrets, {{"Origin", kConsole}})},
      {413, send(server.rest_port, "POST", kSecrets, {{"Origin", kConsole}},
                 R"({"key":"A","value":")" + std::string(5 * 1024 * 1024, 'x') + R"("})")},
  };
  for (const auto &[status, reply] : replies) {
    INFO(status << " " << reply.body.substr(0, 200));
    CHECK(reply.status == status);
    check_answer_to(reply, kConsole, exposed);
  }
  CHECK(replies[4].second.header("Allow") == "DELETE, PUT");
}

TEST_CASE("CORS: REST preflights need no token, its requests do", "[cors]") {
  record_secret(kToken);
  ServerProcess server({"--sandbox", "--allowed-origin", kConsole},
                       {{"QOVERY_MCP_AUTH_TOKEN", kToken}, {"QOVERY_API_KEY", ""}}, Rest::kOn);
  for (const std::string &origin : {std::string("http://localhost:8080"), kConsole}) {
    INFO(origin);
    check_preflight(preflight(server.rest_port, kSecrets, origin, "GET"), origin, {"get", "post"},
                    {"authorization"});
    HttpReply missing = send(server.rest_port, "GET", kSecrets, {{"Origin", origin}});
    CHECK(missing.status == 401);
    CHECK(missing.header("WWW-Authenticate") == "Bearer");
    check_answer_to(missing, origin, {"www-authenticate"});
    HttpReply wrong = send(server.rest_port, "GET", kSecrets,
                           {{"Origin", origin}, {"Authorization", "Bearer not-the-token"}});
    CHECK(wrong.status == 401);
    check_answer_to(wrong, origin, {"www-authenticate"});
    HttpReply right = send(server.rest_port, "GET", kSecrets,
                           {{"Origin", origin}, {"Authorization", "Bearer " + kToken}});
    CHECK(right.status == 200);
    check_answer_to(right, origin, {"www-authenticate"});
  }
}
