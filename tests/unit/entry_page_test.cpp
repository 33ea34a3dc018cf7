#include "qovery_mcp/entry_page.hpp"

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/sealed_box.hpp"

#include <catch2/catch.hpp>

#include <httplib.h>

#include <atomic>
#include <thread>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

httplib::Request form(const std::string &content_type, std::string body) {
  httplib::Request req;
  req.headers.emplace("Content-Type", content_type);
  req.body = std::move(body);
  return req;
}

} // namespace

TEST_CASE("Entry page: form fields urlencoded and multipart", "[entry]") {
  auto urlencoded = form_fields(
      form("application/x-www-form-urlencoded", "csrf=ab12&value=a+b%2Bc%26d%3D%C3%A9"));
  REQUIRE(urlencoded);
  CHECK(urlencoded->find("csrf")->second == "ab12");
  CHECK(urlencoded->find("value")->second == "a b+c&d=\xC3\xA9");

  // As chromium sends it: a file part with its filename and type, CRLF line ends.
  const std::string file = "line 1\r\n--not-the-boundary\r\n{\"k\":\"v\"}\n";
  std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nab12\r\n"
                     "--XyZ\r\nContent-Disposition: form-data; name=\"value\"; "
                     "filename=\"creds.json\"\r\nContent-Type: application/json\r\n\r\n" +
                     file + "\r\n--XyZ--\r\n";
  for (const char *type :
       {"multipart/form-data; boundary=XyZ", "Multipart/Form-Data; boundary=\"XyZ\""}) {
    INFO(type);
    auto multipart = form_fields(form(type, body));
    REQUIRE(multipart);
    CHECK(multipart->find("csrf")->second == "ab12");
    CHECK(multipart->find("value")->second == file);
  }

  SECTION("what is not a form") {
    CHECK_FALSE(form_fields(form("application/json", "{}")));
    CHECK_FALSE(form_fields(form("multipart/form-data", body)));                 // no boundary
    CHECK_FALSE(form_fields(form("multipart/form-data; boundary=Other", body))); // wrong one
    CHECK_FALSE(form_fields(
        form("multipart/form-data; boundary=XyZ", body.substr(0, body.size() - 10)))); // cut short
    CHECK_FALSE(
        form_fields(form("multipart/form-data; boundary=XyZ",
                         "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--"))); // no name
  }
}

TEST_CASE("Entry page: links are bounded in number and ended ones make room", "[entry]") {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  FakeQovery fake;
  SandboxUpstream upstream(fake);
  ToolCaller caller(capability, registry, upstream);
  const ToolRegistry::Tool &add = *registry.find("add-secret-job");
  const json arguments = {{"jobId", FakeQovery::kJobId}, {"body", {{"key", "K"}}}};

  EntryPages pending(caller, {"http://127.0.0.1:9", std::chrono::seconds(600), 2, "", ""});
  std::set<std::string> links;
  for (int i = 0; i < 2; ++i) {
    json result = pending.open(add, arguments, {"mcp", "s"});
    REQUIRE_FALSE(result.contains("isError"));
    std::string text = result["content"][0]["text"];
    std::size_t at = text.find("http://127.0.0.1:9/entry/");
    REQUIRE(at != std::string::npos);
    links.insert(text.substr(at, 25 + 32));
    CHECK(text.find("list-job-secrets") != std::string::npos);
  }
  CHECK(links.size() == 2);
  json full = pending.open(add, arguments, {"mcp", "s"});
  CHECK(full["isError"] == true);
  CHECK(full["content"][0]["text"].get<std::string>().find("2 links") != std::string::npos);
  CHECK(pending.size() == 2);

  // Links that expired at once are forgotten to make room for new ones.
  EntryPages expiring(caller, {"http://127.0.0.1:9", std::chrono::seconds(0), 2, "", ""});
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(expiring.open(add, arguments, {"mcp", "s"}).contains("isError"));
  CHECK(expiring.size() <= 2);
}

TEST_CASE("Entry page: the links' origin", "[entry]") {
  CHECK(parse_origin("https://MCP.Example.com/").value() == "https://mcp.example.com");
  CHECK(parse_origin("http://[::1]:9090").value() == "http://[::1]:9090");
  for (const char *bad : {"mcp.example.com", "ftp://mcp.example.com", "https://", "https://a/mcp",
                          "https://a?b", "https://user@a"}) {
    INFO(bad);
    Result<std::string> refused = parse_origin(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().find(bad) != std::string::npos);
  }
  CHECK(default_origin("127.0.0.1", 9090) == "http://127.0.0.1:9090");
  CHECK(default_origin("::1", 9090) == "http://[::1]:9090");
  CHECK(default_origin("0.0.0.0", 80) == "http://localhost:80");
  CHECK(default_origin("::", 80) == "http://localhost:80");
  CHECK(origin_host("https://mcp.example.com") == "mcp.example.com");
  CHECK(origin_host("http://mcp.example.com:8443") == "mcp.example.com");
  CHECK(origin_host("http://[::1]:9090") == "[::1]");
}

namespace {

/// The sandbox stack a page's submission reaches, in process.
struct PageStack {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  FakeQovery fake;
  SandboxUpstream upstream{fake};
  ToolCaller caller{capability, registry, upstream};
  EntryPages pages;
  HttpRoutes routes;

  /// `shared_key`: the replicas' (EntryPageOptions::shared_key), or none;
  /// `token`: the server's access token, or none (loopback peers only).
  explicit PageStack(std::chrono::seconds ttl = std::chrono::seconds(600),
                     const std::string &shared_key = "", const std::string &token = "")
      : pages(caller, {"http://127.0.0.1:9", ttl, 8, token, shared_key}) {
    pages.route(routes);
  }

  /// A request to entry `id` from a loopback browser on the page's origin.
  httplib::Response request(const std::string &method, const std::string &id,
                            const std::string &body = {}, const std::string &cookie = {}) {
    httplib::Request req;
    if (!cookie.empty())
      req.headers.emplace("Cookie", cookie);
    req.method = method;
    req.path = std::string(kEntryPrefix) + id;
    req.remote_addr = "127.0.0.1";
    req.headers.emplace("Origin", "http://127.0.0.1:9");
    req.headers.emplace("Content-Type", "application/x-www-form-urlencoded");
    req.body = body;
    httplib::Response res;
    routes.answer(req, res);
    return res;
  }

  /// GETs the page of `id` and POSTs `value` with its CSRF token.
  httplib::Response submit(const std::string &id, const std::string &value) {
    httplib::Response page = request("GET", id);
    std::size_t at = page.body.find("name=\"csrf\" value=\"");
    REQUIRE(at != std::string::npos);
    std::string csrf = page.body.substr(at + 19, 32);
    return request("POST", id, "csrf=" + csrf + "&value=" + value);
  }
};

const json kAddArguments = {{"jobId", FakeQovery::kJobId}, {"body", {{"key", "AWAITED"}}}};

} // namespace

TEST_CASE("Entry page: await returns the submitted call's result", "[entry][await]") {
  PageStack stack;
  const ToolRegistry::Tool &add = *stack.registry.find("add-secret-job");
  Result<OpenedEntry> opened = stack.pages.open_entry(add, kAddArguments, {"mcp", "s"});
  REQUIRE(opened);
  CHECK(opened->id.size() == 32);
  CHECK(opened->url == "http://127.0.0.1:9/entry/" + opened->id);
  CHECK(opened->message.find("AWAITED") != std::string::npos);
  CHECK(opened->message.find(FakeQovery::kJobId) != std::string::npos);

  // Not submitted yet: a deadline of now says so without waiting.
  CHECK(stack.pages.await(opened->id, std::chrono::steady_clock::now()).state ==
        EntryState::Pending);
  CHECK(stack.pages.await(std::string(32, '0'), std::chrono::steady_clock::now()).state ==
        EntryState::Unknown);

  std::atomic<int> ticks{0};
  EntryOutcome outcome;
  std::thread waiter([&] {
    AwaitHooks hooks;
    hooks.tick_every = std::chrono::milliseconds(20);
    hooks.on_tick = [&] { ++ticks; };
    outcome = stack.pages.await(opened->id,
                                std::chrono::steady_clock::now() + std::chrono::minutes(1), hooks);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  httplib::Response done = stack.submit(opened->id, "s3cr3t-awaited");
  waiter.join();
  CHECK(done.status == 200);
  REQUIRE(outcome.state == EntryState::Submitted);
  CHECK_FALSE(outcome.result.value("isError", false));
  CHECK(outcome.result["structuredContent"]["key"] == "AWAITED");
  CHECK(outcome.result.dump().find("s3cr3t-awaited") == std::string::npos);
  CHECK(ticks >= 2);
  // The outcome stays to be found again, and the link is spent.
  CHECK(stack.pages.await(opened->id, std::chrono::steady_clock::now()).state ==
        EntryState::Submitted);
  CHECK_FALSE(stack.pages.revoke(opened->id, "too late"));
  CHECK(stack.request("GET", opened->id).status == 410);
}

TEST_CASE("Entry page: a revoked entry ends its waiters and sends nothing", "[entry][await]") {
  PageStack stack;
  const ToolRegistry::Tool &add = *stack.registry.find("add-secret-job");
  Result<OpenedEntry> opened = stack.pages.open_entry(add, kAddArguments, {"mcp", "s"});
  REQUIRE(opened);
  httplib::Response page = stack.request("GET", opened->id); // opened before the revocation

  EntryOutcome outcome;
  auto started = std::chrono::steady_clock::now();
  std::thread waiter(
      [&] { outcome = stack.pages.await(opened->id, started + std::chrono::minutes(1)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(stack.pages.revoke(opened->id, "The assistant cancelled this request."));
  waiter.join();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  CHECK(outcome.state == EntryState::Revoked);
  CHECK(outcome.reason == "The assistant cancelled this request.");
  CHECK_FALSE(stack.pages.revoke(opened->id, "twice"));

  httplib::Response shown = stack.request("GET", opened->id);
  CHECK(shown.status == 410);
  CHECK(shown.body.find("This request was cancelled") != std::string::npos);
  CHECK(shown.body.find("The assistant cancelled this request.") != std::string::npos);
  std::size_t at = page.body.find("name=\"csrf\" value=\"");
  REQUIRE(at != std::string::npos);
  httplib::Response posted = stack.request(
      "POST", opened->id, "csrf=" + page.body.substr(at + 19, 32) + "&value=never-sent");
  CHECK(posted.status == 410);
  CHECK(posted.body.find("This request was cancelled") != std::string::npos);
  json listed = stack.caller.call(*stack.registry.find("list-job-secrets"),
                                  {{"jobId", FakeQovery::kJobId}}, {"mcp", "s"});
  REQUIRE_FALSE(listed.value("isError", false));
  CHECK(listed.dump().find("AWAITED") == std::string::npos); // nothing was added

  SECTION("revoke_all ends every pending entry") {
    Result<OpenedEntry> other = stack.pages.open_entry(add, kAddArguments, {"mcp", "s"});
    REQUIRE(other);
    stack.pages.revoke_all("The server is stopping.");
    EntryOutcome ended = stack.pages.await(other->id, std::chrono::steady_clock::now());
    CHECK(ended.state == EntryState::Revoked);
    CHECK(ended.reason == "The server is stopping.");
  }
}

TEST_CASE("Entry page: await ends on expiry and on cancellation", "[entry][await]") {
  PageStack stack(std::chrono::seconds(1));
  const ToolRegistry::Tool &add = *stack.registry.find("add-secret-job");
  Result<OpenedEntry> opened = stack.pages.open_entry(add, kAddArguments, {"mcp", "s"});
  REQUIRE(opened);
  auto started = std::chrono::steady_clock::now();
  std::atomic<bool> cancelled{false};
  AwaitHooks hooks;
  hooks.cancelled = [&] { return cancelled.load(); };
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancelled = true;
  });
  EntryOutcome outcome = stack.pages.await(opened->id, started + std::chrono::minutes(1), hooks);
  canceller.join();
  CHECK(outcome.state == EntryState::Cancelled);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(900));

  // Not revoked by the cancellation: the entry waits on until it expires.
  EntryOutcome expired = stack.pages.await(opened->id, started + std::chrono::minutes(1));
  CHECK(expired.state == EntryState::Expired);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  CHECK_FALSE(stack.pages.revoke(opened->id, "expired already"));
}

namespace {

const std::string kSharedKey(64, 'r');

/// How many of the job's secrets in `stack`'s fake are named AWAITED.
std::size_t awaited(PageStack &stack) {
  json listed = stack.caller.call(*stack.registry.find("list-job-secrets"),
                                  {{"jobId", FakeQovery::kJobId}}, {"mcp", "s"});
  std::size_t found = 0;
  for (const json &secret : listed["structuredContent"]["results"])
    found += secret.value("key", "") == "AWAITED" ? 1 : 0;
  return found;
}

/// The CSRF token in a page's form.
std::string csrf_of(const httplib::Response &page) {
  std::size_t at = page.body.find("name=\"csrf\" value=\"");
  REQUIRE(at != std::string::npos);
  return page.body.substr(at + 19, 32);
}

} // namespace

TEST_CASE("Entry page: a sealed link is served by any replica with the shared key, once each",
          "[entry][stateless]") {
  PageStack opener(std::chrono::seconds(600), kSharedKey);
  PageStack other(std::chrono::seconds(600), kSharedKey);
  const ToolRegistry::Tool &add = *opener.registry.find("add-secret-job");
  Result<OpenedEntry> opened = opener.pages.open_entry(add, kAddArguments, {"mcp", "s"});
  REQUIRE(opened);
  INFO(opened->id);
  CHECK(opened->id.size() > 100);
  CHECK(opened->id.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
  // Encrypted, not just signed: the id's bytes do not hold the key's name.
  REQUIRE(from_base64url(opened->id));
  CHECK(from_base64url(opened->id)->find("AWAITED") == std::string::npos);
  CHECK(opener.pages.sealed());

  // Another replica, which never saw the link, shows it and takes the value.
  httplib::Response page = other.request("GET", opened->id);
  CHECK(page.status == 200);
  CHECK(page.body.find("AWAITED") != std::string::npos);
  // Every replica puts the same CSRF token in the form (an HMAC of the id).
  CHECK(csrf_of(page) == csrf_of(opener.request("GET", opened->id)));
  httplib::Response done = other.submit(opened->id, "s3cr3t-sealed");
  CHECK(done.status == 200);
  CHECK(done.body.find("s3cr3t-sealed") == std::string::npos);
  CHECK(awaited(other) == 1);
  // Once on that replica; the opener, which did not see the submission,
  // still takes one (README: single use is per replica).
  CHECK(other.request("GET", opened->id).status == 410);
  CHECK(other.request("POST", opened->id, "csrf=" + csrf_of(page) + "&value=again").status == 410);
  CHECK(awaited(other) == 1);
  CHECK(opener.pages.await(opened->id, std::chrono::steady_clock::now()).state ==
        EntryState::Pending);
  CHECK(other.pages.await(opened->id, std::chrono::steady_clock::now()).state ==
        EntryState::Submitted);
}

TEST_CASE("Entry page: a sealed link altered, foreign or expired is refused",
          "[entry][stateless]") {
  PageStack opener(std::chrono::seconds(600), kSharedKey);
  const ToolRegistry::Tool &add = *opener.registry.find("add-secret-job");
  Result<OpenedEntry> opened = opener.pages.open_entry(add, kAddArguments, {"mcp", "s"});
  REQUIRE(opened);
  const std::string id = opened->id;

  PageStack other(std::chrono::seconds(600), kSharedKey);
  // Any character changed (a sample across the id) makes it unknown.
  for (std::size_t at = 0; at < id.size(); at += 7) {
    std::string altered = id;
    altered[at] = altered[at] == 'A' ? 'B' : 'A';
    INFO(at);
    CHECK(other.request("GET", altered).status == 404);
  }
  CHECK(other.request("GET", id.substr(0, id.size() - 1)).status == 404);
  PageStack foreign(std::chrono::seconds(600), std::string(64, 'f'));
  CHECK(foreign.request("GET", id).status == 404);
  PageStack unsealed;
  CHECK(unsealed.request("GET", id).status == 404);
  CHECK(other.pages.size() == 0); // nothing held for what did not open

  PageStack lapsed(std::chrono::seconds(0), kSharedKey);
  Result<OpenedEntry> expired = lapsed.pages.open_entry(add, kAddArguments, {"mcp", "s"});
  REQUIRE(expired);
  httplib::Response refused = other.request("GET", expired->id);
  CHECK(refused.status == 410);
  CHECK(refused.body.find("expired") != std::string::npos);
  CHECK(awaited(other) == 0);
}

TEST_CASE("Entry page: a sealed link's sign-in holds on every replica", "[entry][stateless]") {
  const std::string token = "page-token-71c2";
  PageStack opener(std::chrono::seconds(600), kSharedKey, token);
  PageStack signer(std::chrono::seconds(600), kSharedKey, token);
  PageStack submitter(std::chrono::seconds(600), kSharedKey, token);
  const ToolRegistry::Tool &add = *opener.registry.find("add-secret-job");
  Result<OpenedEntry> opened = opener.pages.open_entry(add, kAddArguments, {"mcp", "s"});
  REQUIRE(opened);
  const std::string id = opened->id;
  const std::string csrf = csrf_of(signer.request("GET", id));
  httplib::Response signed_in =
      signer.request("POST", id + "/login", "csrf=" + csrf + "&token=" + token);
  REQUIRE(signed_in.status == 303);
  std::string set_cookie = signed_in.get_header_value("Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  CHECK(cookie.rfind("qmcp_entry=", 0) == 0);
  // A third replica knows the cookie: it shows the value's form and takes it.
  CHECK(submitter.request("GET", id, {}, cookie).body.find("name=\"value\"") != std::string::npos);
  CHECK(submitter
            .request("POST", id, "csrf=" + csrf + "&value=v",
                     "qmcp_entry=0123456789abcdef0123456789abcdef")
            .status == 403);
  CHECK(awaited(submitter) == 0);
  CHECK(submitter.request("POST", id, "csrf=" + csrf + "&value=v", cookie).status == 200);
  CHECK(awaited(submitter) == 1);
}

TEST_CASE("Entry page: a used sealed link stays known until it expires, even when links are full",
          "[entry][stateless]") {
  PageStack stack(std::chrono::seconds(600), kSharedKey); // holds 8 links
  const ToolRegistry::Tool &add = *stack.registry.find("add-secret-job");
  Result<OpenedEntry> used = stack.pages.open_entry(add, kAddArguments, {"mcp", "s"});
  REQUIRE(used);
  REQUIRE(stack.submit(used->id, "s3cr3t-once").status == 200);
  for (int i = 0; i < 7; ++i)
    REQUIRE(stack.pages.open_entry(add, kAddArguments, {"mcp", "s"}));
  // Full: forgetting the used link to make room would let it be adopted
  // again as new, so nothing is opened instead.
  CHECK_FALSE(stack.pages.open_entry(add, kAddArguments, {"mcp", "s"}));
  CHECK(stack.request("GET", used->id).status == 410);
  CHECK(awaited(stack) == 1);
}

TEST_CASE("Entry page: a sealed link too long for a browser is not opened", "[entry][stateless]") {
  PageStack sealed(std::chrono::seconds(600), kSharedKey);
  PageStack plain;
  const ToolRegistry::Tool &add = *sealed.registry.find("add-secret-job");
  const json arguments = {{"jobId", FakeQovery::kJobId},
                          {"body", {{"key", "LONG"}, {"description", std::string(3000, 'd')}}}};
  Result<OpenedEntry> refused = sealed.pages.open_entry(add, arguments, {"mcp", "s"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().find("too long for a browser") != std::string::npos);
  CHECK(sealed.pages.size() == 0);
  CHECK(plain.pages.open_entry(add, arguments, {"mcp", "s"})); // a random id is short
  const json shorter = {{"jobId", FakeQovery::kJobId},
                        {"body", {{"key", "LONG"}, {"description", std::string(1500, 'd')}}}};
  Result<OpenedEntry> opened = sealed.pages.open_entry(add, shorter, {"mcp", "s"});
  REQUIRE(opened);
  CHECK(sealed.request("GET", opened->id).status == 200);
}
