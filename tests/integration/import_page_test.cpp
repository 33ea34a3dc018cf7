// The .env import (issue 13): the server's own tool gives a link; the page
// takes the file, shows the plan against the job's secrets (keys only), and
// applies the lines the person picks through fake-qovery, each line's
// outcome shown. Real server process, real HTTP. No value of the file may
// reach an MCP answer, the server's log, the audit log or a page.

#include "entry_client.hpp"
#include "stack.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>
#include <thread>

using nlohmann::json;
using namespace test;

namespace {

const std::string kImportTool = "import-job-secrets-from-dotenv";

/// The import tool called over MCP (2025-11-25) for the seeded job: its link's path.
std::string import_link(EntryStack &s, std::string &transcript) {
  json result = s.client.call(kImportTool, {{"jobId", kJobId}});
  transcript += result.dump();
  REQUIRE_FALSE(result.value("isError", false));
  return link_path(result, s.origin());
}

} // namespace

TEST_CASE("Import page: the plan's classes, the lines picked applied, a partial failure",
          "[import]") {
  EntryStack s;
  s.client.initialize();
  std::string transcript;

  // The tool is listed as the server's own, with honest annotations.
  json tools = s.client.request("tools/list", json::object())["result"]["tools"];
  const json *listed = nullptr;
  for (const json &tool : tools)
    if (tool["name"] == kImportTool)
      listed = &tool;
  REQUIRE(listed != nullptr);
  CHECK((*listed)["annotations"]["readOnlyHint"] == false);
  CHECK((*listed)["annotations"]["destructiveHint"] == true);
  CHECK((*listed)["annotations"]["idempotentHint"] == false);

  // An ALIAS of the job (its value cannot change), made beforehand.
  json alias =
      s.client.call("create-secret-alias-job-level", {{"jobId", kJobId},
                                                      {"secretId", kProjectSecretId},
                                                      {"body", {{"key", "DB_PASSWORD_ALIAS"}}}});
  REQUIRE_FALSE(alias.value("isError", false));
  s.fake.clear_requests();

  json result = s.client.call(kImportTool, {{"jobId", kJobId}});
  transcript += result.dump();
  CHECK_FALSE(result.value("isError", false));
  CHECK(result["structuredContent"]["status"] == "awaiting_value");
  CHECK(text_of(result).find("list-job-secrets") != std::string::npos);
  std::string path = link_path(result, s.origin());
  CHECK(s.writes().empty());

  Browser browser(s.server.port);
  HttpReply page = browser.get(path);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("<textarea") != std::string::npos);
  CHECK(page.body.find("type=\"file\"") != std::string::npos);
  CHECK(page.body.find("multipart/form-data") != std::string::npos);
  CHECK(page.body.find("<script") == std::string::npos);
  const std::string csrf = csrf_in(page.body);

  const std::map<std::string, std::string> values = {
      {"NEW_TOKEN", "import-new-7c1e55"},           {"JOB_SIGNING_KEY", "import-own-2b9d40"},
      {"DATABASE_PASSWORD", "import-up-5e03a1"},    {"STRIPE_API_KEY", "import-env-91f7c2"},
      {"BROKEN", "import-broken-44ad0e"},           {"SKIPPED", "import-skip-0d6b83"},
      {"DB_PASSWORD_ALIAS", "import-alias-6a2f19"}, {"QOVERY_MINE", "import-reserved-3c8e77"}};
  std::string dotenv = "# the app's secrets\n";
  for (const auto &[key, value] : values)
    dotenv += key + "=" + value + "\n";
  dotenv += "EMPTY=\nnot an assignment import-problem-58e2aa\n";

  HttpReply plan = send_file(browser, path, csrf, dotenv, from_page(s.origin()));
  REQUIRE(plan.status == 200);
  std::map<std::string, PlanLine> lines = plan_of(plan.body);
  CHECK(lines["NEW_TOKEN"].action == "create");
  CHECK(lines["JOB_SIGNING_KEY"].action == "replace");
  CHECK(lines["DATABASE_PASSWORD"].action == "override");
  CHECK(lines["STRIPE_API_KEY"].action == "override");
  CHECK(lines["DB_PASSWORD_ALIAS"].action == "refused");
  CHECK(lines["QOVERY_MINE"].action == "refused");
  CHECK(lines["(problem)"].action == "refused");
  CHECK(plan.body.find("ALIAS: its value cannot change") != std::string::npos);
  CHECK(plan.body.find("QOVERY_ is reserved") != std::string::npos);
  for (const char *key : {"NEW_TOKEN", "JOB_SIGNING_KEY", "DATABASE_PASSWORD", "STRIPE_API_KEY",
                          "BROKEN", "SKIPPED"}) {
    INFO(key);
    CHECK(lines[key].checked);
  }
  CHECK(lines["EMPTY"].action == "create");
  CHECK_FALSE(lines["EMPTY"].checked); // unsure: an empty value
  CHECK(s.writes().empty());           // the plan read the secrets, and wrote nothing

  // Qovery refuses BROKEN's create and the ENVIRONMENT secret's override.
  s.fake.inject_fault({{"status", 400}, {"key", "BROKEN"}});
  s.fake.inject_fault(
      {{"status", 409},
       {"path", "/job/" + kJobId + "/secret/" + kEnvironmentSecretId + "/override"}});
  // The person unchecks SKIPPED and confirms.
  httplib::Params picked = {{"csrf", csrf}, {"plan", plan_token(plan.body)}};
  for (const auto &[key, line] : lines)
    if (line.checked && key != "SKIPPED")
      picked.emplace("line", line.index);
  HttpReply done = browser.post(path + "/apply", picked, from_page(s.origin()));
  CHECK(done.status == 502);
  const auto outcome = [&done](const std::string &key) {
    std::smatch match;
    std::regex_search(
        done.body, match,
        std::regex("<b>" + key + R"(</b> <small>\(line [0-9]+\)</small>: ([a-z]+( [a-z]+)?))"));
    return match[1].str();
  };
  CHECK(outcome("NEW_TOKEN") == "created");
  CHECK(outcome("JOB_SIGNING_KEY") == "replaced");
  CHECK(outcome("DATABASE_PASSWORD") == "overridden");
  CHECK(outcome("STRIPE_API_KEY") == "not overridden");
  CHECK(outcome("BROKEN") == "not created");
  CHECK(outcome("SKIPPED") == "not applied");
  CHECK(outcome("EMPTY") == "not applied");
  CHECK(outcome("DB_PASSWORD_ALIAS") == "not applied");

  // What Qovery got: the picked lines, each with its value, and nothing else.
  std::map<std::string, std::string> sent; // method and path -> value
  for (const json &write : s.writes())
    sent[write["method"].get<std::string>() + " " + write["path"].get<std::string>()] =
        write["body"]["value"];
  const std::string secrets = "/job/" + kJobId + "/secret";
  CHECK(s.writes().size() == 5); // two creates, a replace, two overrides
  CHECK(sent["PUT " + secrets + "/" + kJobSecretId] == values.at("JOB_SIGNING_KEY"));
  CHECK(sent["POST " + secrets + "/" + kProjectSecretId + "/override"] ==
        values.at("DATABASE_PASSWORD"));
  CHECK(sent["POST " + secrets + "/" + kEnvironmentSecretId + "/override"] ==
        values.at("STRIPE_API_KEY"));
  std::vector<std::string> created;
  for (const json &write : s.writes())
    if (write["path"] == secrets)
      created.push_back(write["body"]["key"]);
  CHECK(created == std::vector<std::string>{"BROKEN", "NEW_TOKEN"});

  json list = s.client.call("list-job-secrets", {{"jobId", kJobId}});
  transcript += list.dump();
  std::set<std::string> job_keys;
  for (const json &secret : list["structuredContent"]["results"])
    if (secret["scope"] == "JOB")
      job_keys.insert(secret["key"]);
  CHECK(job_keys.count("NEW_TOKEN") == 1);
  CHECK(job_keys.count("BROKEN") == 0);
  CHECK(job_keys.count("SKIPPED") == 0);

  // The link was used: the page and the confirmation are refused, nothing sent.
  s.fake.clear_requests();
  CHECK(browser.get(path).status == 410);
  CHECK(browser.post(path + "/apply", picked, from_page(s.origin())).status == 410);
  CHECK(send_file(browser, path, csrf, dotenv, from_page(s.origin())).status == 410);
  CHECK(s.writes().empty());

  // The audit log has each applied line, as the page's calls, and no value.
  std::string audit = read_all(s.audit.path);
  CHECK(audit.find("\"entry-page\"") != std::string::npos);
  CHECK(audit.find("NEW_TOKEN") != std::string::npos);

  transcript += s.server.process->stderr_text() + audit + browser.answers;
  for (const auto &[key, value] : values) {
    INFO(key);
    CHECK(transcript.find(value) == std::string::npos);
  }
  CHECK(transcript.find("import-problem-58e2aa") == std::string::npos);
}

TEST_CASE("Import page: the file uploaded, a new file replaces the plan, and over 2026-07-28",
          "[import]") {
  EntryStack s;
  s.client.initialize();
  std::string transcript;

  // The 2026-07-28 era: no session, the same link flow.
  json call = modern_call(1, kImportTool, {{"jobId", kJobId}}, json::object());
  McpClient stateless(s.server.port);
  HttpReply reply = stateless.post(call, modern_headers(call));
  REQUIRE(reply.status == 200);
  json result = reply.json()["result"];
  transcript += reply.body;
  CHECK(result["resultType"] == "complete");
  CHECK(result["structuredContent"]["status"] == "awaiting_value");
  std::string path = link_path(result, s.origin());

  Browser browser(s.server.port);
  std::string csrf = csrf_in(browser.get(path).body);
  const std::string first = "import-first-1a7f30";
  const std::string second = "import-second-8b2c64";
  HttpReply old_plan =
      send_file(browser, path, csrf, "FIRST_KEY=" + first + "\n", from_page(s.origin()), true);
  REQUIRE(old_plan.status == 200);
  HttpReply new_plan = send_file(browser, path, csrf, "SECOND_KEY=\"" + second + "\"\n",
                                 from_page(s.origin()), true);
  REQUIRE(new_plan.status == 200);
  CHECK(plan_of(new_plan.body)["SECOND_KEY"].action == "create");

  // Confirming the older plan (another tab) is refused, and the link stays usable.
  HttpReply stale = browser.post(
      path + "/apply", {{"csrf", csrf}, {"plan", plan_token(old_plan.body)}, {"line", "0"}},
      from_page(s.origin()));
  CHECK(stale.status == 409);
  // So is a confirmation with no line checked.
  HttpReply none =
      browser.post(path + "/apply", {{"csrf", csrf}, {"plan", plan_token(new_plan.body)}},
                   from_page(s.origin()));
  CHECK(none.status == 400);
  CHECK(s.writes().empty());

  HttpReply done = browser.post(
      path + "/apply", {{"csrf", csrf}, {"plan", plan_token(new_plan.body)}, {"line", "0"}},
      from_page(s.origin()));
  CHECK(done.status == 200);
  std::vector<json> writes = s.writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0]["body"] == json{{"key", "SECOND_KEY"}, {"value", second}});

  transcript += s.server.process->stderr_text() + read_all(s.audit.path) + browser.answers;
  CHECK(transcript.find(first) == std::string::npos);
  CHECK(transcript.find(second) == std::string::npos);
}

TEST_CASE("Import page: each refusal is a page and sends nothing to Qovery", "[import]") {
  const std::string value = "import-refused-2e6d91";
  const std::string dotenv = "REFUSED_KEY=" + value + "\n";
  std::string transcript;

  SECTION("bad CSRF, foreign origin, another kind of link") {
    EntryStack s;
    s.client.initialize();
    std::string path = import_link(s, transcript);
    Browser browser(s.server.port);
    std::string csrf = csrf_in(browser.get(path).body);
    CHECK(send_file(browser, path, std::string(32, '0'), dotenv, from_page(s.origin())).status ==
          403);
    CHECK(send_file(browser, path, csrf, dotenv,
                    {{"Origin", "http://evil.example"}, {"Sec-Fetch-Site", "same-origin"}})
              .status == 403);
    CHECK(send_file(browser, path, csrf, dotenv,
                    {{"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}})
              .status == 403);
    HttpReply plan = send_file(browser, path, csrf, dotenv, from_page(s.origin()));
    REQUIRE(plan.status == 200);
    const httplib::Params form = {{"csrf", csrf}, {"plan", plan_token(plan.body)}, {"line", "0"}};
    httplib::Params forged = form;
    forged.erase("csrf");
    forged.emplace("csrf", std::string(32, '1'));
    CHECK(browser.post(path + "/apply", forged, from_page(s.origin())).status == 403);
    CHECK(browser.post(path + "/apply", form, {{"Origin", "http://evil.example"}}).status == 403);
    CHECK(browser.post(path + "/apply", form, {}).status == 403);
    // The value page's form is not the import's, nor the reverse.
    CHECK(browser.post(path, {{"csrf", csrf}, {"value", value}}, from_page(s.origin())).status ==
          404);
    json add = s.client.call("add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "TYPED"}}}});
    std::string value_path = link_path(add, s.origin());
    std::string value_csrf = csrf_in(browser.get(value_path).body);
    CHECK(send_file(browser, value_path, value_csrf, dotenv, from_page(s.origin())).status == 404);
    CHECK(s.writes().empty());
    // The refusals left the import usable.
    CHECK(browser.post(path + "/apply", form, from_page(s.origin())).status == 200);
    CHECK(s.writes().size() == 1);
    transcript += s.server.process->stderr_text() + read_all(s.audit.path) + browser.answers;
  }

  SECTION("an expired link") {
    EntryStack s({"--entry-link-ttl", "1"});
    s.client.initialize();
    std::string path = import_link(s, transcript);
    Browser browser(s.server.port);
    std::string csrf = csrf_in(browser.get(path).body);
    HttpReply plan = send_file(browser, path, csrf, dotenv, from_page(s.origin()));
    REQUIRE(plan.status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    HttpReply late = browser.post(path + "/apply",
                                  {{"csrf", csrf}, {"plan", plan_token(plan.body)}, {"line", "0"}},
                                  from_page(s.origin()));
    CHECK(late.status == 410);
    CHECK(late.body.find("expired") != std::string::npos);
    CHECK(send_file(browser, path, csrf, dotenv, from_page(s.origin())).status == 410);
    CHECK(s.writes().empty());
    transcript += s.server.process->stderr_text() + browser.answers;
  }

  SECTION("a wrong access token, and none") {
    const std::string token = "inbound-import-3f81c2";
    record_secret(token);
    EntryStack s({}, {{"QOVERY_API_KEY", kApiKey}, {"QOVERY_MCP_AUTH_TOKEN", token}});
    s.client.http.set_bearer_token_auth(token);
    s.client.initialize();
    std::string path = import_link(s, transcript);
    Browser browser(s.server.port);
    HttpReply ask = browser.get(path);
    CHECK(ask.body.find("name=\"token\"") != std::string::npos);
    CHECK(ask.body.find("<textarea") == std::string::npos);
    std::string csrf = csrf_in(ask.body);
    CHECK(send_file(browser, path, csrf, dotenv, from_page(s.origin())).status == 403);
    CHECK(browser
              .post(path + "/login", {{"csrf", csrf}, {"token", "inbound-wrong-2"}},
                    from_page(s.origin()))
              .status == 403);
    HttpReply signed_in =
        browser.post(path + "/login", {{"csrf", csrf}, {"token", token}}, from_page(s.origin()));
    REQUIRE(signed_in.status == 303);
    std::string pair = signed_in.header("Set-Cookie");
    pair = pair.substr(0, pair.find(';'));
    httplib::Headers with_cookie = from_page(s.origin());
    with_cookie.emplace("Cookie", pair);
    CHECK(browser.get(path, {{"Cookie", pair}}).body.find("<textarea") != std::string::npos);
    HttpReply plan = send_file(browser, path, csrf, dotenv, with_cookie);
    REQUIRE(plan.status == 200);
    // The confirmation needs the cookie too.
    const httplib::Params form = {{"csrf", csrf}, {"plan", plan_token(plan.body)}, {"line", "0"}};
    CHECK(browser.post(path + "/apply", form, from_page(s.origin())).status == 403);
    CHECK(s.writes().empty());
    CHECK(browser.post(path + "/apply", form, with_cookie).status == 200);
    CHECK(s.writes().size() == 1);
    transcript += s.server.process->stderr_text() + browser.answers;
    CHECK(transcript.find(token) == std::string::npos);
  }
  CHECK(transcript.find(value) == std::string::npos);
}

TEST_CASE("Import page: over --stdio the link names the pages' loopback port", "[import]") {
  const std::string value = "import-stdio-6e20f4";
  FakeQoveryProcess fake;
  StdioServer server(fake);
  server.initialize();
  json answer = server.exchange(StdioServer::call(2, kImportTool, {{"jobId", kJobId}}));
  const LoopbackLink link = loopback_link(text_of(answer["result"]));
  const std::string origin = link.origin();
  const std::string path = link.path;
  Browser browser(link.port);
  std::string csrf = csrf_in(browser.get(path).body);
  HttpReply plan =
      send_file(browser, path, csrf, "STDIO_IMPORTED=" + value + "\n", from_page(origin));
  REQUIRE(plan.status == 200);
  CHECK(plan_of(plan.body)["STDIO_IMPORTED"].action == "create");
  HttpReply done = browser.post(path + "/apply",
                                {{"csrf", csrf}, {"plan", plan_token(plan.body)}, {"line", "0"}},
                                from_page(origin));
  CHECK(done.status == 200);
  std::vector<json> writes = writes_to(fake);
  REQUIRE(writes.size() == 1);
  CHECK(writes[0]["body"] == json{{"key", "STDIO_IMPORTED"}, {"value", value}});

  server.process.close_stdin();
  CHECK(server.process.wait() == 0);
  CHECK((server.transcript + server.process.stderr_text() + browser.answers).find(value) ==
        std::string::npos);
}

TEST_CASE("Import page: a 2026-07-28 client with URL elicitation waits and learns each line's "
          "outcome",
          "[import][mrtr]") {
  EntryStack s;
  std::string transcript;
  const std::string value = "import-mrtr-value-5d21e0";
  json call = modern_call(1, kImportTool, {{"jobId", kJobId}});
  McpClient stateless(s.server.port);
  const auto send = [&](const json &message) {
    HttpReply reply = stateless.post(message, modern_headers(message));
    transcript += reply.body;
    REQUIRE(reply.status == 200);
    return reply.json()["result"];
  };
  json asked = send(call);
  REQUIRE(asked["resultType"] == "input_required");
  const json &request = asked["inputRequests"]["page"];
  CHECK(request["params"]["mode"] == "url");
  CHECK(request["params"]["message"].get<std::string>().find(kJobId) != std::string::npos);
  const std::string url = request["params"]["url"];
  REQUIRE(url.rfind(s.origin() + "/entry/", 0) == 0);
  const std::string path = url.substr(s.origin().size());

  // The person gives the file and applies one line while the retry waits.
  std::thread person([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Browser browser(s.server.port);
    const std::string csrf = csrf_in(browser.get(path).body);
    HttpReply plan = send_file(browser, path, csrf,
                               "MRTR_IMPORTED=" + value + "\nMRTR_SKIPPED=" + value + "-2\n",
                               from_page(s.origin()));
    browser.post(path + "/apply",
                 {{"csrf", csrf},
                  {"plan", plan_token(plan.body)},
                  {"line", plan_of(plan.body)["MRTR_IMPORTED"].index}},
                 from_page(s.origin()));
    transcript += browser.answers;
  });
  json done = send(retry(call, 2, {{"page", {{"action", "accept"}}}}, asked["requestState"]));
  person.join();
  CHECK(done["resultType"] == "complete");
  CHECK_FALSE(done.value("isError", false));
  const json &imported = done["structuredContent"];
  CHECK(imported["status"] == "imported");
  CHECK(imported["lines"] ==
        json::array({{{"line", 1}, {"key", "MRTR_IMPORTED"}, {"outcome", "created"}},
                     {{"line", 2}, {"key", "MRTR_SKIPPED"}, {"outcome", "unchecked"}}}));
  std::vector<json> writes = s.writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0]["body"]["key"] == "MRTR_IMPORTED");

  transcript += s.server.process->stderr_text() + read_all(s.audit.path);
  CHECK(transcript.find(value) == std::string::npos);
}
