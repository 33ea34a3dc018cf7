#include "qovery_mcp/entry_page.hpp"

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/resources.hpp"

#include <catch2/catch.hpp>

#include <httplib.h>

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

  EntryPages pending(caller, {"http://127.0.0.1:9", std::chrono::seconds(600), 2, ""});
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
  EntryPages expiring(caller, {"http://127.0.0.1:9", std::chrono::seconds(0), 2, ""});
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
