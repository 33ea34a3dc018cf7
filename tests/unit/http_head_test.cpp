#include "qovery_mcp/http_head.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

using namespace qovery_mcp;

namespace {

/// The head size, or the refusal's status as a negative number.
long scan_all(const std::string &bytes, HeadLimits limits = {}) {
  HeadScanner scanner(limits);
  auto result = scanner.scan(bytes);
  if (auto *refusal = std::get_if<HttpRefusal>(&result))
    return -refusal->status;
  return static_cast<long>(std::get<std::size_t>(result));
}

/// The refusal's status of parse_head, or 0.
int parse_status(const std::string &head, httplib::Request &req) {
  std::optional<HttpRefusal> refusal = parse_head(head, req);
  return refusal ? refusal->status : 0;
}

int parse_status(const std::string &head) {
  httplib::Request req;
  return parse_status(head, req);
}

} // namespace

TEST_CASE("HTTP head: the scanner finds the end of a head, with CRLF or LF lines", "[http_head]") {
  std::string head = "GET /mcp HTTP/1.1\r\nHost: a\r\n\r\n";
  CHECK(scan_all(head + "body") == static_cast<long>(head.size()));
  CHECK(scan_all("GET / HTTP/1.1\nHost: a\n\n") == 24);
  CHECK(scan_all("\r\nGET / HTTP/1.1\r\n\r\n") == 20);   // a leading empty line is skipped
  CHECK(scan_all("GET / HTTP/1.1\r\nHost: a\r\n") == 0); // not yet whole
}

TEST_CASE("HTTP head: byte by byte, the scanner ends where it would all at once", "[http_head]") {
  std::string head = "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}";
  HeadScanner scanner;
  std::string buffer;
  std::size_t end = 0;
  for (char c : head) {
    buffer += c;
    auto result = scanner.scan(buffer);
    REQUIRE(std::holds_alternative<std::size_t>(result));
    if (std::get<std::size_t>(result) != 0) {
      end = std::get<std::size_t>(result);
      break;
    }
  }
  CHECK(end == head.size() - 2);
}

TEST_CASE("HTTP head: limits on a line, the head and the field count", "[http_head]") {
  HeadLimits limits; // 8 KiB a line, 32 KiB in all, 100 fields
  // A request line over 8 KiB: 414, before its end is even seen.
  CHECK(scan_all("GET /" + std::string(9000, 'a'), limits) == -414);
  // A header line over 8 KiB, with or without its end.
  CHECK(scan_all("GET / HTTP/1.1\r\nX-Pad: " + std::string(9000, 'a'), limits) == -431);
  CHECK(scan_all("GET / HTTP/1.1\r\nX-Pad: " + std::string(9000, 'a') + "\r\n\r\n", limits) ==
        -431);
  // Many lines each within the limit, past 32 KiB in all.
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 50; ++i)
    many += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
  CHECK(scan_all(many, limits) == -431);
  // 101 short fields; 100 pass.
  std::string fields = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i)
    fields += "X-" + std::to_string(i) + ": 1\r\n";
  CHECK(scan_all(fields + "\r\n", limits) > 0);
  CHECK(scan_all(fields + "X-last: 1\r\n\r\n", limits) == -431);
  // An endless run of bare newlines is empty lines: still bounded by the head limit.
  CHECK(scan_all("GET / HTTP/1.1\r\n" + std::string(40000, 'a'), limits) == -431);
}

TEST_CASE("HTTP head: a request line and fields parse as httplib gave them", "[http_head]") {
  httplib::Request req;
  REQUIRE(parse_status("POST /mcp/%7Ex?a=1&b=two%20words HTTP/1.1\r\nHost: 127.0.0.1:9090\r\n"
                       "content-type:  application/json \r\nX-Empty:\r\n\r\n",
                       req) == 0);
  CHECK(req.method == "POST");
  CHECK(req.path == "/mcp/~x");
  CHECK(req.get_param_value("a") == "1");
  CHECK(req.get_param_value("b") == "two words");
  CHECK(req.version == "HTTP/1.1");
  CHECK(req.get_header_value("Content-Type") == "application/json");
  CHECK(req.has_header("X-Empty"));
  CHECK(req.get_header_value("Host") == "127.0.0.1:9090");
}

TEST_CASE("HTTP head: the absolute form's authority is the Host", "[http_head]") {
  httplib::Request req;
  REQUIRE(parse_status("GET http://localhost:9090/mcp?x=1 HTTP/1.1\r\nHost: evil.example\r\n\r\n",
                       req) == 0);
  CHECK(req.path == "/mcp");
  CHECK(req.get_header_value_count("Host") == 1);
  CHECK(req.get_header_value("Host") == "localhost:9090");
  httplib::Request star;
  CHECK(parse_status("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", star) == 0);
  CHECK(star.path == "*");
}

TEST_CASE("HTTP head: what RFC 9112 says a server must reject is refused", "[http_head]") {
  for (const char *head : {
           "GET /\r\n\r\n",                               // no version
           "GET  / HTTP/1.1\r\n\r\n",                     // two spaces
           "GET / HTTP/1.1 extra\r\n\r\n",                // a space in the target
           "G(T / HTTP/1.1\r\n\r\n",                      // the method is not a token
           "GET mcp HTTP/1.1\r\n\r\n",                    // not origin-form
           "GET * HTTP/1.1\r\n\r\n",                      // "*" is for OPTIONS
           "GET / HTTX/1.1\r\n\r\n",                      // not HTTP
           "GET / HTTP/1.1\r\nHost : a\r\n\r\n",          // space before the colon (5.1)
           "GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", // obsolete line folding (5.2)
           "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
           "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", // a bare CR
           "GET /\x01 HTTP/1.1\r\n\r\n",          // a control in the target
           "GET /\xc3\xa9 HTTP/1.1\r\n\r\n",      // a raw non-ASCII byte in the target
       })
    CHECK(parse_status(head) == 400);
  CHECK(parse_status(std::string("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 27)) == 400);
  CHECK(parse_status("GET / HTTP/2.0\r\n\r\n") == 505);
  CHECK(parse_status("GET / HTTP/1.0\r\n\r\n") == 0);
}

TEST_CASE("HTTP head: the body's framing", "[http_head]") {
  auto framing = [](const std::string &method, httplib::Headers headers) {
    httplib::Request req;
    req.method = method;
    req.headers = std::move(headers);
    return body_framing(req, 1000);
  };
  auto status = [&](const std::string &method, httplib::Headers headers) {
    auto result = framing(method, std::move(headers));
    return std::holds_alternative<HttpRefusal>(result) ? std::get<HttpRefusal>(result).status : 0;
  };
  auto length = std::get<BodyFraming>(framing("POST", {{"Content-Length", "0012"}}));
  CHECK(length.kind == BodyFraming::Kind::length);
  CHECK(length.length == 12);
  CHECK(std::get<BodyFraming>(framing("GET", {})).kind == BodyFraming::Kind::none);
  CHECK(std::get<BodyFraming>(framing("POST", {{"Content-Length", "0"}})).kind ==
        BodyFraming::Kind::none);
  CHECK(std::get<BodyFraming>(framing("POST", {{"Transfer-Encoding", "Chunked"}})).kind ==
        BodyFraming::Kind::chunked);
  CHECK(status("POST", {{"Content-Length", "1000"}}) == 0);
  CHECK(status("POST", {{"Content-Length", "1001"}}) == 413);
  CHECK(status("POST", {{"Content-Length", "99999999999999999999999"}}) == 413);
  CHECK(status("POST", {{"Content-Length", "-1"}}) == 400);
  CHECK(status("POST", {{"Content-Length", "1e3"}}) == 400);
  CHECK(status("POST", {{"Content-Length", ""}}) == 400);
  CHECK(status("POST", {{"Content-Length", "5"}, {"Content-Length", "6"}}) == 400);
  CHECK(status("POST", {{"Content-Length", "5"}, {"Content-Length", "5"}}) == 0);
  CHECK(status("POST", {{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}) == 400);
  CHECK(status("POST", {{"Transfer-Encoding", "gzip, chunked"}}) == 501);
  CHECK(status("POST", {{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}) ==
        501);
  CHECK(status("GET", {{"Transfer-Encoding", "chunked"}}) == 411);
}

TEST_CASE("HTTP head: a chunked body is decoded as it arrives, within the limit", "[http_head]") {
  std::string wire = "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n"
                     "Trailer: x\r\n\r\nNEXT";
  SECTION("all at once") {
    ChunkedDecoder decoder(1000);
    std::size_t offset = 0;
    std::string body;
    auto status = decoder.decode(wire, offset, body);
    REQUIRE(std::holds_alternative<ChunkedDecoder::Status>(status));
    CHECK(std::get<ChunkedDecoder::Status>(status) == ChunkedDecoder::Status::complete);
    CHECK(body == "Wikipedia in\r\n\r\nchunks.");
    CHECK(wire.substr(offset) == "NEXT");
  }
  SECTION("byte by byte") {
    ChunkedDecoder decoder(1000);
    std::string input, body;
    bool complete = false;
    for (char c : wire) {
      input += c;
      std::size_t offset = 0;
      auto status = decoder.decode(input, offset, body);
      REQUIRE(std::holds_alternative<ChunkedDecoder::Status>(status));
      input.erase(0, offset);
      if (std::get<ChunkedDecoder::Status>(status) == ChunkedDecoder::Status::complete) {
        complete = true;
        break;
      }
    }
    CHECK(complete);
    CHECK(body == "Wikipedia in\r\n\r\nchunks.");
  }
  auto refusal = [](const std::string &input, std::size_t limit = 1000) {
    ChunkedDecoder decoder(limit);
    std::size_t offset = 0;
    std::string body;
    auto status = decoder.decode(input, offset, body);
    return std::holds_alternative<HttpRefusal>(status) ? std::get<HttpRefusal>(status).status : 0;
  };
  CHECK(refusal("zz\r\n") == 400);
  CHECK(refusal("-1\r\n") == 400);
  CHECK(refusal("ffffffffffffffffffff\r\n") == 400);
  CHECK(refusal("3\r\nabcd\r\n") == 400); // data longer than its size
  CHECK(refusal("3e9\r\n", 1000) == 413);
  CHECK(refusal("200\r\n" + std::string(0x200, 'a') + "\r\n200\r\n", 0x3ff) == 413);
  CHECK(refusal(std::string(5000, '1')) == 400);           // a size line without end
  CHECK(refusal("0\r\n" + std::string(9000, 'a')) == 400); // trailers without end
  CHECK(refusal("3\r\nabc\r\n") == 0);                     // incomplete, not wrong
}
