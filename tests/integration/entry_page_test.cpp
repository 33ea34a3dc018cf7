// The value-entry page (issue 13, the link flow) on a real server process and
// fake-qovery, over real HTTP: a call without a value gives a link and writes
// nothing; the person's form makes the call; every refusal sends nothing.

#include "entry_client.hpp"
#include "stack.hpp"

#include <catch2/catch.hpp>

#include <ifaddrs.h>
#include <netdb.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

using nlohmann::json;
using namespace test;

namespace {

const std::string kToken = "inbound-entry-5e8a1c07d3";

/// A non-loopback IPv4 address of this machine, or "" when it has none.
std::string non_loopback_address() {
  ifaddrs *addresses = nullptr;
  if (getifaddrs(&addresses) != 0)
    return {};
  std::string found;
  for (ifaddrs *a = addresses; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET)
      continue;
    char host[NI_MAXHOST];
    if (getnameinfo(a->ifa_addr, sizeof(sockaddr_in), host, sizeof host, nullptr, 0,
                    NI_NUMERICHOST) == 0 &&
        std::string(host).rfind("127.", 0) != 0)
      found = host;
  }
  freeifaddrs(addresses);
  return found;
}

} // namespace

TEST_CASE("Entry page: a call without a value gives a link and the page makes the call",
          "[entry]") {
  const std::string value = "entry-value-4f1c9a77e2";
  const std::string file_value = "{\"entry-file\":\"c0ffee-91d2\"}\n";
  EntryStack s;
  std::string mcp_answers;
  s.client.initialize();

  json result =
      s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "DB_PASSWORD"}}}});
  mcp_answers += result.dump();
  CHECK_FALSE(result.value("isError", false));
  CHECK(text_of(result).find("list-job-secrets") != std::string::npos);
  std::string path = link_path(result, s.origin());
  CHECK(s.writes().empty());

  Browser browser(s.server.port);
  HttpReply page = browser.get(path);
  REQUIRE(page.status == 200);
  CHECK(page.header("Content-Type").find("text/html") == 0);
  CHECK(page.body.find("DB_PASSWORD") != std::string::npos);
  CHECK(page.body.find(kJobId) != std::string::npos);
  CHECK(page.body.find("type=\"password\"") != std::string::npos);
  CHECK(page.body.find("<script") == std::string::npos);
  CHECK(page.body.find("name=\"viewport\"") != std::string::npos);

  HttpReply done =
      browser.post(path, {{"csrf", csrf_in(page.body)}, {"value", value}}, from_page(s.origin()));
  REQUIRE(done.status == 200);
  CHECK(done.body.find("DB_PASSWORD") != std::string::npos);
  CHECK(done.body.find("JOB") != std::string::npos);
  std::vector<json> writes = s.writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0]["method"] == "POST");
  CHECK(writes[0]["body"]["key"] == "DB_PASSWORD");
  CHECK(writes[0]["body"]["value"] == value);

  json list = s.client.call("list-job-secrets", {{"jobId", kJobId}});
  mcp_answers += list.dump();
  std::string created_id;
  for (const json &secret : list["structuredContent"]["results"])
    if (secret["key"] == "DB_PASSWORD" && secret["scope"] == "JOB")
      created_id = secret["id"];
  REQUIRE_FALSE(created_id.empty());
  std::string project_key;
  for (const json &secret : list["structuredContent"]["results"])
    if (secret["id"] == kProjectSecretId)
      project_key = secret["key"];
  REQUIRE_FALSE(project_key.empty());
  CHECK(done.body.find(created_id) != std::string::npos);

  // Edit the secret just made, and override an inherited one, the same way.
  s.fake.clear_requests();
  json edit = s.client.call(
      "edit-secret-belonging-job",
      {{"jobId", kJobId}, {"secretId", created_id}, {"body", {{"key", "DB_PASSWORD"}}}});
  json override =
      s.client.call("create-secret-override-job-level",
                    {{"jobId", kJobId}, {"secretId", kProjectSecretId}, {"body", json::object()}});
  mcp_answers += edit.dump() + override.dump();
  CHECK(s.writes().empty());
  for (const auto &[asked, key] :
       {std::pair(edit, std::string("DB_PASSWORD")), std::pair(override, project_key)}) {
    std::string link = link_path(asked, s.origin());
    HttpReply form = browser.get(link);
    REQUIRE(form.status == 200);
    // The override's key, which its call does not name, read from the list.
    CHECK(form.body.find("<dd>" + key + "</dd>") != std::string::npos);
    HttpReply made = browser.post(link, {{"csrf", csrf_in(form.body)}, {"value", value + "-2"}},
                                  from_page(s.origin()));
    CHECK(made.status == 200);
  }
  writes = s.writes();
  REQUIRE(writes.size() == 2);
  CHECK(writes[0]["method"] == "PUT");
  CHECK(writes[1]["path"].get<std::string>().find(kProjectSecretId) != std::string::npos);
  for (const json &write : writes)
    CHECK(write["body"]["value"] == value + "-2");

  // A FILE secret (mount_path) takes a file, sent as multipart/form-data.
  s.fake.clear_requests();
  json file =
      s.client.call("add-secret-job",
                    {{"jobId", kJobId},
                     {"body", {{"key", "CREDENTIALS"}, {"mount_path", "/etc/app/creds.json"}}}});
  mcp_answers += file.dump();
  std::string file_link = link_path(file, s.origin());
  HttpReply file_form = browser.get(file_link);
  CHECK(file_form.body.find("type=\"file\"") != std::string::npos);
  CHECK(file_form.body.find("multipart/form-data") != std::string::npos);
  httplib::MultipartFormDataItems items = {{"csrf", csrf_in(file_form.body), "", ""},
                                           {"value", file_value, "creds.json", "application/json"}};
  HttpReply file_done =
      browser.reply(browser.http.Post(file_link.c_str(), from_page(s.origin()), items));
  CHECK(file_done.status == 200);
  writes = s.writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0]["body"]["value"] == file_value);
  CHECK(writes[0]["body"]["mount_path"] == "/etc/app/creds.json");

  // The audit log has the page's calls, as tool calls, and no value.
  std::string audit = read_all(s.audit.path);
  CHECK(audit.find("\"entry-page\"") != std::string::npos);
  CHECK(audit.find("DB_PASSWORD") != std::string::npos);

  // The transcript: MCP answers, server log (debug), audit log, page answers.
  std::string transcript = mcp_answers + s.server.process->stderr_text() + audit + browser.answers;
  for (const std::string &secret : {value, value + "-2", std::string("c0ffee-91d2")})
    CHECK(transcript.find(secret) == std::string::npos);
}

TEST_CASE("Entry page: each refusal is a page and sends nothing to Qovery", "[entry]") {
  EntryStack s;
  s.client.initialize();
  Browser browser(s.server.port);

  SECTION("unknown links") {
    CHECK(browser.get("/entry/" + std::string(32, 'a')).status == 404);
    HttpReply malformed = browser.get("/entry/not-a-link");
    CHECK(malformed.status == 404);
    CHECK(malformed.body.find("<html") != std::string::npos);
    CHECK(browser
              .post("/entry/" + std::string(32, 'b'), {{"csrf", "x"}, {"value", "v"}},
                    from_page(s.origin()))
              .status == 404);
  }

  SECTION("bad CSRF, foreign origin, and no proof of the origin") {
    json result =
        s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "REFUSED"}}}});
    std::string path = link_path(result, s.origin());
    std::string csrf = csrf_in(browser.get(path).body);
    const httplib::Params form = {{"csrf", csrf}, {"value", "refused-value-81b3"}};
    const httplib::Params forged = {{"csrf", std::string(32, '0')},
                                    {"value", "refused-value-81b3"}};
    CHECK(browser.post(path, forged, from_page(s.origin())).status == 403);
    CHECK(browser.post(path, {{"value", "refused-value-81b3"}}, from_page(s.origin())).status ==
          403);
    CHECK(browser
              .post(path, form,
                    {{"Origin", "http://evil.example"}, {"Sec-Fetch-Site", "same-origin"}})
              .status == 403);
    CHECK(
        browser.post(path, form, {{"Origin", "http://localhost:" + std::to_string(s.server.port)}})
            .status == 403);
    CHECK(browser.post(path, form, {{"Origin", "null"}}).status == 403);
    CHECK(browser.post(path, form, {{"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}}).status ==
          403);
    CHECK(browser.post(path, form, {}).status == 403);
    CHECK(s.writes().empty());

    // The refusals left the link usable: Origin null with same-origin is the page's own.
    HttpReply done =
        browser.post(path, form, {{"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}});
    CHECK(done.status == 200);
    CHECK(s.writes().size() == 1);

    SECTION("a used link") {
      s.fake.clear_requests();
      CHECK(browser.get(path).status == 410);
      HttpReply again = browser.post(path, form, from_page(s.origin()));
      CHECK(again.status == 410);
      CHECK(again.body.find("already used") != std::string::npos);
      CHECK(s.writes().empty());
    }
  }
  CHECK(browser.answers.find("refused-value-81b3") == std::string::npos);
}

TEST_CASE("Entry page: a link expires after --entry-link-ttl", "[entry]") {
  EntryStack s({"--entry-link-ttl", "1"});
  s.client.initialize();
  Browser browser(s.server.port);
  json result = s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "LATE"}}}});
  CHECK(text_of(result).find("1 minute") != std::string::npos);
  std::string path = link_path(result, s.origin());
  std::string csrf = csrf_in(browser.get(path).body);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  HttpReply page = browser.get(path);
  CHECK(page.status == 410);
  CHECK(page.body.find("expired") != std::string::npos);
  CHECK(browser.post(path, {{"csrf", csrf}, {"value", "late-value-3a9e"}}, from_page(s.origin()))
            .status == 410);
  CHECK(s.writes().empty());
}

TEST_CASE("Entry page: with an access token the person gives it once per link", "[entry]") {
  record_secret(kToken);
  EntryStack s({}, {{"QOVERY_API_KEY", kApiKey}, {"QOVERY_MCP_AUTH_TOKEN", kToken}});
  s.client.http.set_bearer_token_auth(kToken);
  s.client.initialize();
  Browser browser(s.server.port);
  json result = s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "SIGNED"}}}});
  std::string path = link_path(result, s.origin());
  const std::string value = "signed-value-6d02b1";

  // The page asks for the token first (no bearer token needed to see it).
  HttpReply ask = browser.get(path);
  REQUIRE(ask.status == 200);
  CHECK(ask.body.find("name=\"token\"") != std::string::npos);
  CHECK(ask.body.find("name=\"value\"") == std::string::npos);
  std::string csrf = csrf_in(ask.body);

  // No cookie, a wrong one, a wrong token: refused, nothing sent.
  CHECK(browser.post(path, {{"csrf", csrf}, {"value", value}}, from_page(s.origin())).status ==
        403);
  httplib::Headers forged = from_page(s.origin());
  forged.emplace("Cookie", "qmcp_entry=" + std::string(32, 'c'));
  CHECK(browser.post(path, {{"csrf", csrf}, {"value", value}}, forged).status == 403);
  HttpReply wrong = browser.post(path + "/login", {{"csrf", csrf}, {"token", "inbound-wrong-1"}},
                                 from_page(s.origin()));
  CHECK(wrong.status == 403);
  CHECK(wrong.header("Set-Cookie").empty());
  // The token form is checked like the value form: its CSRF token and origin.
  CHECK(browser
            .post(path + "/login", {{"csrf", csrf}, {"token", kToken}},
                  {{"Origin", "http://evil.example"}})
            .status == 403);
  CHECK(s.writes().empty());

  HttpReply signed_in =
      browser.post(path + "/login", {{"csrf", csrf}, {"token", kToken}}, from_page(s.origin()));
  REQUIRE(signed_in.status == 303);
  CHECK(signed_in.header("Location") == path);
  std::string cookie = signed_in.header("Set-Cookie");
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("Path=" + path + ";") != std::string::npos);
  CHECK(cookie.find("Secure") == std::string::npos); // plain http here
  std::string pair = cookie.substr(0, cookie.find(';'));

  HttpReply form = browser.get(path, {{"Cookie", pair}});
  REQUIRE(form.status == 200);
  CHECK(form.body.find("name=\"value\"") != std::string::npos);
  httplib::Headers with_cookie = from_page(s.origin());
  with_cookie.emplace("Cookie", pair);
  CHECK(browser.post(path, {{"csrf", csrf}, {"value", value}}, with_cookie).status == 200);
  REQUIRE(s.writes().size() == 1);
  CHECK(browser.answers.find(value) == std::string::npos);
  CHECK(browser.answers.find(kToken) == std::string::npos);

  // Five wrong tokens revoke a link: the right one then comes too late.
  json guessed =
      s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "GUESSED"}}}});
  std::string guessed_path = link_path(guessed, s.origin());
  std::string guessed_csrf = csrf_in(browser.get(guessed_path).body);
  for (int i = 0; i < 5; ++i)
    CHECK(browser
              .post(guessed_path + "/login", {{"csrf", guessed_csrf}, {"token", "guess"}},
                    from_page(s.origin()))
              .status == 403);
  HttpReply late = browser.post(guessed_path + "/login",
                                {{"csrf", guessed_csrf}, {"token", kToken}}, from_page(s.origin()));
  CHECK(late.status == 410);
  CHECK(late.header("Set-Cookie").empty());
}

TEST_CASE("Entry page: over --stdio the link names a loopback port of the pages' own", "[entry]") {
  const std::string value = "stdio-entry-value-7d02b4";
  FakeQoveryProcess fake;
  StdioServer server(fake);
  server.initialize();
  json answer = server.exchange(StdioServer::call(
      2, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "STDIO_TYPED"}}}}));
  const json &result = answer["result"];
  CHECK_FALSE(result.value("isError", false));
  CHECK(result["structuredContent"]["status"] == "awaiting_value");
  const std::string text = text_of(result);
  const LoopbackLink link = loopback_link(text);
  const int port = link.port;
  const std::string path = link.path;
  CHECK(fake.requests().empty());

  Browser browser(port);
  HttpReply page = browser.get(path);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("STDIO_TYPED") != std::string::npos);
  const std::string origin = "http://127.0.0.1:" + std::to_string(port);
  HttpReply done =
      browser.post(path, {{"csrf", csrf_in(page.body)}, {"value", value}}, from_page(origin));
  REQUIRE(done.status == 200);
  REQUIRE(fake.requests().size() == 1);
  CHECK(fake.requests()[0]["body"]["value"] == value);
  // The page's listener is a page's only: no MCP there.
  CHECK(browser.http.Post("/mcp", "{}", "application/json")->status == 404);

  server.process.close_stdin();
  CHECK(server.process.wait() == 0);
  CHECK(server.process.stderr_text().find(value) == std::string::npos);
  CHECK(server.transcript.find(value) == std::string::npos);
  CHECK(browser.answers.find(value) == std::string::npos);
}

TEST_CASE("Entry page: without a token only a loopback peer gets the page", "[entry]") {
  std::string address = non_loopback_address();
  REQUIRE_FALSE(address.empty()); // the test needs an address other than loopback
  EntryStack s({"--host", "0.0.0.0", "--allow-unauthenticated", "--allowed-host", address});
  s.client.initialize();
  json result = s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "LOCAL"}}}});
  std::string path = link_path(result, s.origin("localhost"));

  Browser remote(s.server.port, address);
  HttpReply refused = remote.get(path);
  CHECK(refused.status == 403);
  CHECK(refused.body.find("name=\"value\"") == std::string::npos);

  Browser local(s.server.port);
  HttpReply page = local.get(path);
  REQUIRE(page.status == 200);
  CHECK(remote
            .post(path, {{"csrf", csrf_in(page.body)}, {"value", "remote-value-2b7d"}},
                  from_page(s.origin("localhost")))
            .status == 403);
  CHECK(s.writes().empty());
}

TEST_CASE("Entry page: --public-url names the links' origin and the only one a form may come from",
          "[entry]") {
  record_secret(kToken);
  const std::string origin = "https://mcp.example.test";
  EntryStack s({"--public-url", origin + "/"},
               {{"QOVERY_API_KEY", kApiKey}, {"QOVERY_MCP_AUTH_TOKEN", kToken}});
  s.client.http.set_bearer_token_auth(kToken);
  s.client.initialize();
  json result = s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "PUBLIC"}}}});
  std::string path = link_path(result, origin);

  // As a proxy that terminates TLS forwards it: Host is the public name.
  Browser browser(s.server.port);
  const httplib::Headers host = {{"Host", "mcp.example.test"}};
  HttpReply ask = browser.get(path, host);
  REQUIRE(ask.status == 200);
  std::string csrf = csrf_in(ask.body);
  httplib::Headers from_loopback = {
      {"Host", "mcp.example.test"}, {"Origin", s.origin()}, {"Sec-Fetch-Site", "cross-site"}};
  CHECK(browser.post(path + "/login", {{"csrf", csrf}, {"token", kToken}}, from_loopback).status ==
        403);
  httplib::Headers from_public = {{"Host", "mcp.example.test"}, {"Origin", origin}};
  HttpReply signed_in =
      browser.post(path + "/login", {{"csrf", csrf}, {"token", kToken}}, from_public);
  REQUIRE(signed_in.status == 303);
  CHECK(signed_in.header("Set-Cookie").find("; Secure") != std::string::npos);

  SECTION("a --public-url that is not an origin stops the server at start") {
    for (const char *bad : {"mcp.example.test", "ftp://mcp.example.test",
                            "https://mcp.example.test/mcp", "https://user@mcp.example.test"}) {
      INFO(bad);
      Process server({QMCP_SERVER_BIN, "--public-url", bad, "--mcp-port", "0", "--rest-port", "0",
                      "--sandbox"});
      CHECK(server.wait() == 2);
      CHECK(server.stderr_text().find("--public-url") != std::string::npos);
    }
  }
}

namespace {

const json kAccept = {{"page", {{"action", "accept"}}}};

} // namespace

TEST_CASE("Entry page: a 2026-07-28 client with URL elicitation gets input_required and the "
          "retry the secret",
          "[entry][mrtr]") {
  const std::string value = "mrtr-value-0b7e55c1a9";
  EntryStack s;
  std::string mcp_answers;
  const auto send = [&](const json &message) {
    HttpReply reply = s.client.post(message, modern_headers(message));
    mcp_answers += reply.body;
    json answer = reply.json();
    CHECK(reply.status == (answer.contains("error") ? 400 : 200));
    return answer;
  };
  const json arguments = {{"jobId", kJobId}, {"body", {{"key", "MRTR_PASSWORD"}}}};
  const json asked = modern_call(1, "add-secret-job", arguments);
  json first = send(asked)["result"];
  REQUIRE(first["resultType"] == "input_required");
  const json &request = first["inputRequests"]["page"];
  CHECK(request["method"] == "elicitation/create");
  CHECK(request["params"]["mode"] == "url");
  CHECK(request["params"]["message"].get<std::string>().find("MRTR_PASSWORD") != std::string::npos);
  const std::string url = request["params"]["url"];
  REQUIRE(url.rfind(s.origin() + "/entry/", 0) == 0);
  const std::string path = url.substr(s.origin().size());
  const std::string state = first["requestState"];
  CHECK(s.writes().empty());

  // No answer for the input request: the same request again (mrtr, "Error Handling").
  json again = send(retry(asked, 2, json::object(), state))["result"];
  CHECK(again["resultType"] == "input_required");
  CHECK(again["inputRequests"]["page"]["params"]["url"] == url);

  // A state altered anywhere, or echoed with other arguments, is refused.
  for (std::size_t at : {std::size_t(0), std::size_t(3), state.size() / 2, state.size() - 1}) {
    std::string altered = state;
    altered[at] = altered[at] == '0' ? '1' : '0';
    json refused = send(retry(asked, 3, kAccept, altered));
    INFO(at);
    CHECK(refused["error"]["code"] == -32602);
  }
  json other = modern_call(4, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "OTHER"}}}});
  CHECK(send(retry(other, 4, kAccept, state))["error"]["code"] == -32602);
  json other_tool = modern_call(
      5, "edit-secret-belonging-job",
      {{"jobId", kJobId}, {"secretId", kProjectSecretId}, {"body", {{"key", "MRTR_PASSWORD"}}}});
  CHECK(send(retry(other_tool, 5, kAccept, state))["error"]["code"] == -32602);
  CHECK(s.writes().empty());

  // The retry after "accept" waits until the person has submitted the page.
  std::thread person([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Browser browser(s.server.port);
    HttpReply page = browser.get(path);
    REQUIRE(page.status == 200);
    browser.post(path, {{"csrf", csrf_in(page.body)}, {"value", value}}, from_page(s.origin()));
    mcp_answers += browser.answers;
  });
  json done = send(retry(asked, 6, kAccept, state));
  person.join();
  const json &result = done["result"];
  CHECK(result["resultType"] == "complete");
  CHECK_FALSE(result.value("isError", false));
  CHECK(result["structuredContent"]["key"] == "MRTR_PASSWORD");
  CHECK(result["structuredContent"]["scope"] == "JOB");
  std::vector<json> writes = s.writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0]["body"]["value"] == value);
  // Retried (a client whose first retry timed out), the state reads the same
  // outcome again; the page took one submission, so nothing is written twice.
  json again_done = send(retry(asked, 7, kAccept, state))["result"];
  CHECK(again_done["structuredContent"] == result["structuredContent"]);
  CHECK(s.writes().size() == 1);

  // Declined: the page is revoked, and nothing is written.
  s.fake.clear_requests();
  json declined_ask =
      modern_call(8, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "MRTR_DECLINED"}}}});
  json declined_first = send(declined_ask)["result"];
  const std::string declined_url = declined_first["inputRequests"]["page"]["params"]["url"];
  json declined = send(retry(declined_ask, 9, {{"page", {{"action", "decline"}}}},
                             declined_first["requestState"]))["result"];
  CHECK(declined["isError"] == true);
  CHECK(text_of(declined).find("nothing changed") != std::string::npos);
  Browser browser(s.server.port);
  HttpReply closed = browser.get(declined_url.substr(s.origin().size()));
  CHECK(closed.status == 410);
  CHECK(s.writes().empty());

  // A client that declares no URL elicitation gets the link flow.
  json plain = send(modern_call(10, "add-secret-job", arguments, json::object()))["result"];
  CHECK(plain["resultType"] == "complete");
  CHECK(plain["structuredContent"]["status"] == "awaiting_value");

  std::string transcript =
      mcp_answers + s.server.process->stderr_text() + read_all(s.audit.path) + browser.answers;
  CHECK(transcript.find(value) == std::string::npos);
}

TEST_CASE("Entry page: over --stdio a 2026-07-28 client gets input_required too", "[entry][mrtr]") {
  const std::string value = "stdio-mrtr-value-93c1d7";
  FakeQoveryProcess fake;
  StdioServer server(fake);
  json asked =
      modern_call(1, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "STDIO_MRTR"}}}});
  json first = server.exchange(asked)["result"];
  REQUIRE(first["resultType"] == "input_required");
  const LoopbackLink link = loopback_link(first["inputRequests"]["page"]["params"]["url"]);
  Browser browser(link.port);
  HttpReply page = browser.get(link.path);
  REQUIRE(page.status == 200);
  browser.post(link.path, {{"csrf", csrf_in(page.body)}, {"value", value}},
               from_page(link.origin()));
  json done = server.exchange(retry(asked, 2, kAccept, first["requestState"]))["result"];
  CHECK(done["structuredContent"]["key"] == "STDIO_MRTR");
  REQUIRE(fake.requests().size() == 1);
  CHECK(fake.requests()[0]["body"]["value"] == value);
  server.process.close_stdin();
  CHECK(server.process.wait() == 0);
  const std::string transcript = server.transcript + server.process.stderr_text() + browser.answers;
  CHECK(transcript.find(value) == std::string::npos);
}

TEST_CASE("Entry page: a 2026-07-28 client with form elicitation confirms a delete first",
          "[entry][mrtr]") {
  const json form = {{"elicitation", {{"form", json::object()}}}};
  for (const std::string policy : {"auto", "always", "never"}) {
    INFO(policy);
    EntryStack s({"--confirm-destructive=" + policy});
    const auto send = [&](const json &message) {
      HttpReply reply = s.client.post(message, modern_headers(message));
      return reply.json();
    };
    int next_id = 1;
    // A secret of the job to delete, made through the fake's API.
    const auto made = [&](const std::string &key) {
      json created = send(modern_call(next_id++, "add-secret-job",
                                      {{"jobId", kJobId}, {"body", {{"key", key}, {"value", "v"}}}},
                                      json::object()))["result"];
      REQUIRE(created["structuredContent"].contains("id"));
      return created["structuredContent"]["id"].get<std::string>();
    };
    const auto deletes = [&] {
      int n = 0;
      for (const json &write : s.writes())
        n += write["method"] == "DELETE";
      return n;
    };

    const json arguments = {{"jobId", kJobId}, {"secretId", made("TO_DELETE")}};
    const json asked = modern_call(next_id++, "delete-secret-job", arguments, form);
    json first = send(asked)["result"];
    if (policy == "never") {
      CHECK(first["resultType"] == "complete");
      CHECK(deletes() == 1);
      continue;
    }
    REQUIRE(first["resultType"] == "input_required");
    const json &request = first["inputRequests"]["confirm"];
    CHECK(request["method"] == "elicitation/create");
    CHECK(request["params"]["mode"] == "form");
    CHECK(request["params"]["message"].get<std::string>().find("TO_DELETE") != std::string::npos);
    CHECK(request["params"]["requestedSchema"]["properties"]["confirm"]["type"] == "boolean");
    CHECK(deletes() == 0);

    // No, or a yes left unticked: nothing is deleted.
    for (const json &answer : {json{{"action", "decline"}},
                               json{{"action", "accept"}, {"content", {{"confirm", false}}}}}) {
      json fresh = send(asked)["result"];
      json no =
          send(retry(asked, next_id++, {{"confirm", answer}}, fresh["requestState"]))["result"];
      CHECK(no["isError"] == true);
      CHECK(text_of(no).find("nothing was deleted") != std::string::npos);
    }
    CHECK(deletes() == 0);
    // Yes: deleted, once.
    const json yes = {{"confirm", {{"action", "accept"}, {"content", {{"confirm", true}}}}}};
    json done = send(retry(asked, next_id++, yes, first["requestState"]))["result"];
    CHECK_FALSE(done.value("isError", false));
    CHECK(deletes() == 1);
    CHECK(send(retry(asked, next_id++, yes, first["requestState"]))["error"]["code"] == -32602);
    CHECK(deletes() == 1);

    // A client that cannot ask: deleted unasked under auto, refused under always.
    json unasked = send(modern_call(next_id++, "delete-secret-job",
                                    {{"jobId", kJobId}, {"secretId", made("UNASKED")}},
                                    json::object()))["result"];
    CHECK(unasked["resultType"] == "complete");
    if (policy == "auto") {
      CHECK_FALSE(unasked.value("isError", false));
      CHECK(deletes() == 2);
    } else {
      CHECK(unasked["isError"] == true);
      CHECK(text_of(unasked).find("--confirm-destructive") != std::string::npos);
      CHECK(deletes() == 1);
    }
  }
}

TEST_CASE("Entry page: a 2026-07-28 retry waiting on a page ends when input ends or the server "
          "stops",
          "[entry][mrtr]") {
  FakeQoveryProcess fake;
  for (const bool by_signal : {false, true}) {
    INFO(by_signal);
    // The page would wait 10 minutes: only the end of the client may end it sooner.
    Process server({QMCP_SERVER_BIN, "--stdio", "--api-url", fake.url(), "--ca-file",
                    kCertDir + "/ca.pem", "--entry-link-ttl", "600"},
                   {{"QOVERY_API_KEY", kApiKey}});
    json asked = modern_call(1, "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "GONE"}}}});
    server.write_stdin(asked.dump() + "\n");
    std::optional<std::string> line = server.read_stdout_line();
    REQUIRE(line);
    json first = json::parse(*line)["result"];
    REQUIRE(first["resultType"] == "input_required");
    server.write_stdin(
        retry(asked, 2, {{"page", {{"action", "accept"}}}}, first["requestState"]).dump() + "\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the retry is waiting
    if (by_signal) {
      CHECK(server.stop(SIGTERM, std::chrono::seconds(30)) == 0);
    } else {
      server.close_stdin();
      std::optional<std::string> answer = server.read_stdout_line(std::chrono::seconds(30));
      REQUIRE(answer);
      json ended = json::parse(*answer);
      CHECK(ended["id"] == 2);
      CHECK(ended["result"]["isError"] == true);
      CHECK(server.wait(std::chrono::seconds(30)) == 0);
    }
    CHECK(fake.requests().empty());
  }
}
