#include "entry_browser.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

namespace test {

std::string text_of(const nlohmann::json &result) { return result["content"][0]["text"]; }

std::string csrf_in(const std::string &page) {
  std::smatch match;
  REQUIRE(std::regex_search(page, match, std::regex(R"re(name="csrf" value="([0-9a-f]+)")re")));
  return match[1].str();
}

void check_security_headers(const HttpReply &reply) {
  INFO("status " << reply.status);
  CHECK(reply.header("Cache-Control") == "no-store");
  std::string policy = reply.header("Content-Security-Policy");
  CHECK(policy.find("default-src 'none'") != std::string::npos);
  CHECK(policy.find("form-action 'self'") != std::string::npos);
  CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(policy.find("unsafe-inline") == std::string::npos);
  CHECK(reply.header("X-Frame-Options") == "DENY");
  CHECK(reply.header("Referrer-Policy") == "no-referrer");
  CHECK(reply.header("X-Content-Type-Options") == "nosniff");
  CHECK(reply.header("Access-Control-Allow-Origin").empty());
}

Browser::Browser(int port, const std::string &address) : http(address, port) {
  http.set_read_timeout(30, 0);
}

HttpReply Browser::reply(const httplib::Result &res) {
  if (!res)
    throw std::runtime_error("the page did not answer: " + httplib::to_string(res.error()));
  HttpReply got{res->status, res->body, res->headers};
  check_security_headers(got);
  answers += got.body;
  return got;
}

HttpReply Browser::get(const std::string &path, const httplib::Headers &headers) {
  return reply(http.Get(path.c_str(), headers));
}

HttpReply Browser::post(const std::string &path, const httplib::Params &fields,
                        const httplib::Headers &headers) {
  return reply(http.Post(path.c_str(), headers, httplib::detail::params_to_query_str(fields),
                         "application/x-www-form-urlencoded"));
}

httplib::Headers from_page(const std::string &origin) {
  return {{"Origin", origin}, {"Sec-Fetch-Site", "same-origin"}};
}

std::vector<nlohmann::json> writes_to(FakeQoveryProcess &fake) {
  std::vector<nlohmann::json> found;
  for (const nlohmann::json &request : fake.requests())
    if (request["method"] != "GET")
      found.push_back(request);
  return found;
}

std::string read_all(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace test
