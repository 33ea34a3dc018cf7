#include "qovery_mcp/upstream.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace qovery_mcp;

namespace {

/// A real JWT's shape: header.payload.signature, base64url without padding.
const std::string kJwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
                         "eyJzdWIiOiJhdXRoMHwxMjM0NTYiLCJleHAiOjE3MDAwMDAwMDB9."
                         "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

HttpUpstreamConfig config_for(std::string base_url) {
  HttpUpstreamConfig config;
  config.base_url = std::move(base_url);
  config.api_key = "qov_test_key";
  return config;
}

std::string create_error(HttpUpstreamConfig config) {
  auto created = HttpUpstream::create(std::move(config));
  if (created)
    return "";
  return created.error();
}

bool creates(std::string base_url) { return create_error(config_for(std::move(base_url))).empty(); }

/// A file in the temporary directory, removed at the end of the test.
class TempFile {
public:
  explicit TempFile(const std::string &content) {
    path_ = (std::filesystem::temp_directory_path() /
             ("qmcp-upstream-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++)))
                .string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;
  const std::string &path() const { return path_; }

private:
  static inline int counter_ = 0;
  std::string path_;
};

/// A self-signed certificate made for this test; it is only parsed, never verified.
const std::string kPemCertificate = R"(-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUVes+LTPyNLNOncozkWVxZFf/viUwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUcW92ZXJ5LW1jcCB1bml0IHRlc3QwHhcNMjYxMTI2MjI0NTUy
WhcNMzYxMTIzMjI0NTUyWjAfMR0wGwYDVQQDDBRxb3ZlcnktbWNwIHVuaXQgdGVz
dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABLPy6T9xgrh5TE43j5VcYkYDqTX0
8YwKzF2FsrsosmRJjMBmydH+giHD0ODvSfLM+MKBzaY95LaNv11JTsfNJRSjUzBR
MB0GA1UdDgQWBBRDvuuxkDzEtKOzTdDSSqL5Gc9HjDAfBgNVHSMEGDAWgBRDvuux
kDzEtKOzTdDSSqL5Gc9HjDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCIQD+rBJ6Rh2VWTVMdD+JjO0Ba08u1zdOCYb96I4do4t3AgIgEXEgfFbNgdUC
j+MG3MH8V5HLbNBuStyJhtxvyLVpld0=
-----END CERTIFICATE-----
)";

} // namespace

TEST_CASE("Upstream: parse_auth_scheme accepts the three names", "[upstream]") {
  CHECK(parse_auth_scheme("auto").value() == AuthScheme::Auto);
  CHECK(parse_auth_scheme("token").value() == AuthScheme::Token);
  CHECK(parse_auth_scheme("bearer").value() == AuthScheme::Bearer);
}

TEST_CASE("Upstream: parse_auth_scheme refuses anything else, naming it", "[upstream]") {
  for (const char *text : {"", "Bearer", "TOKEN", "basic", "bearer ", " auto"}) {
    auto scheme = parse_auth_scheme(text);
    REQUIRE_FALSE(scheme);
    CHECK(scheme.error() ==
          "auth scheme must be auto, token or bearer, got \"" + std::string(text) + "\"");
  }
  auto long_text = std::string(100, 'x');
  auto scheme = parse_auth_scheme(long_text);
  REQUIRE_FALSE(scheme);
  CHECK(scheme.error().find(std::string(32, 'x') + "\"") != std::string::npos);
  CHECK(scheme.error().find(std::string(33, 'x')) == std::string::npos);
}

TEST_CASE("Upstream: looks_like_jwt recognises JWT shapes", "[upstream]") {
  CHECK(looks_like_jwt(kJwt));
  CHECK(looks_like_jwt("a.b.c"));
  CHECK(looks_like_jwt("A-_z.0_9-.x"));
}

TEST_CASE("Upstream: looks_like_jwt refuses Qovery tokens and near misses", "[upstream]") {
  CHECK_FALSE(looks_like_jwt("qov_7f3b2c9d4e5a6b7c8d9e0f1a2b3c4d5e"));
  CHECK_FALSE(looks_like_jwt("7f3b2c9d-4e5a-6b7c-8d9e-0f1a2b3c4d5e"));
  CHECK_FALSE(looks_like_jwt(""));
  CHECK_FALSE(looks_like_jwt("."));
  CHECK_FALSE(looks_like_jwt(".."));
  SECTION("empty parts") {
    CHECK_FALSE(looks_like_jwt(".b.c"));
    CHECK_FALSE(looks_like_jwt("a..c"));
    CHECK_FALSE(looks_like_jwt("a.b."));
  }
  SECTION("two or four parts") {
    CHECK_FALSE(looks_like_jwt("a.b"));
    CHECK_FALSE(looks_like_jwt("a.b.c.d"));
    CHECK_FALSE(looks_like_jwt(kJwt + ".extra"));
  }
  SECTION("characters outside base64url") {
    CHECK_FALSE(looks_like_jwt("a.b.c="));
    CHECK_FALSE(looks_like_jwt("a.b.c=="));
    CHECK_FALSE(looks_like_jwt("a+b.c.d"));
    CHECK_FALSE(looks_like_jwt("a/b.c.d"));
    CHECK_FALSE(looks_like_jwt("a.b .c"));
    CHECK_FALSE(looks_like_jwt(" a.b.c"));
    CHECK_FALSE(looks_like_jwt("a.b.c "));
    CHECK_FALSE(looks_like_jwt("a.b.c\n"));
    CHECK_FALSE(looks_like_jwt("Bearer a.b.c"));
  }
}

TEST_CASE("Upstream: authorization_value presents the key per scheme", "[upstream]") {
  CHECK(authorization_value("qov_abc", AuthScheme::Auto) == "Token qov_abc");
  CHECK(authorization_value(kJwt, AuthScheme::Auto) == "Bearer " + kJwt);
  CHECK(authorization_value("qov_abc", AuthScheme::Token) == "Token qov_abc");
  CHECK(authorization_value(kJwt, AuthScheme::Token) == "Token " + kJwt);
  CHECK(authorization_value("qov_abc", AuthScheme::Bearer) == "Bearer qov_abc");
  CHECK(authorization_value(kJwt, AuthScheme::Bearer) == "Bearer " + kJwt);
  CHECK(authorization_value("a.b.", AuthScheme::Auto) == "Token a.b.");
}

TEST_CASE("Upstream: create accepts https URLs with ports, prefixes and IPv6", "[upstream]") {
  CHECK(creates("https://api.qovery.com"));
  CHECK(creates("https://api.qovery.com/"));
  CHECK(creates("HTTPS://api.qovery.com"));
  CHECK(creates("https://api.qovery.com:8443"));
  CHECK(creates("https://api.qovery.com/api/v1/"));
  CHECK(creates("https://[2001:db8::1]:8443/prefix"));
  CHECK(creates("https://[::1]"));
  CHECK(creates("https://10.0.0.5"));
}

TEST_CASE("Upstream: create accepts plain http to a loopback host", "[upstream]") {
  CHECK(creates("http://127.0.0.1:8080"));
  CHECK(creates("http://127.42.0.9"));
  CHECK(creates("http://localhost:9000/api"));
  CHECK(creates("http://LocalHost"));
  CHECK(creates("http://[::1]:8080"));
  CHECK(creates("http://[0:0:0:0:0:0:0:1]"));
}

TEST_CASE("Upstream: create refuses plain http to any other host", "[upstream]") {
  for (const char *url : {"http://api.qovery.com", "http://10.0.0.1:8080", "http://128.0.0.1",
                          "http://[::2]", "http://localhost.example.com",
                          "http://127.0.0.1.example.com", "http://[::ffff:10.0.0.1]"}) {
    auto error = create_error(config_for(url));
    INFO(url);
    CHECK(error.rfind("--api-url: plain http is only allowed for a loopback host", 0) == 0);
    CHECK(error.find(std::string("\"") + url + "\"") != std::string::npos);
  }
}

TEST_CASE("Upstream: create refuses malformed base URLs, naming --api-url", "[upstream]") {
  struct Case {
    const char *url;
    const char *message;
  };
  for (auto [url, message] : {
           Case{"", "expected scheme://host[:port][/prefix]"},
           Case{"api.qovery.com", "expected scheme://host[:port][/prefix]"},
           Case{"ftp://api.qovery.com", "scheme must be https"},
           Case{"https://", "missing host"},
           Case{"https:///job", "missing host"},
           Case{"https://:443", "missing host"},
           Case{"https://api.qovery.com:", "invalid port"},
           Case{"https://api.qovery.com:0", "invalid port"},
           Case{"https://api.qovery.com:65536", "invalid port"},
           Case{"https://api.qovery.com:-1", "invalid port"},
           Case{"https://api.qovery.com:44x", "invalid port"},
           Case{"https://api.qovery.com:123456", "invalid port"},
           Case{"https://::1", "IPv6 address must be written in brackets"},
           Case{"https://[::1", "unterminated IPv6 literal"},
           Case{"https://[not-ipv6]", "invalid IPv6 address"},
           Case{"https://[::1]x", "unexpected text after the IPv6 literal"},
           Case{"https://[::1]:", "invalid port"},
           Case{"https://api qovery.com", "invalid host"},
           Case{"https://api.qovery.com/a b", "may not contain spaces"},
           Case{"https://api.qovery.com/?x=1", "query or fragment"},
           Case{"https://api.qovery.com#top", "query or fragment"},
       }) {
    auto error = create_error(config_for(url));
    INFO(url);
    CHECK(error.rfind("--api-url: ", 0) == 0);
    CHECK(error.find(message) != std::string::npos);
  }
}

TEST_CASE("Upstream: create refuses credentials in the URL without echoing them", "[upstream]") {
  for (const char *url : {"https://user:hunter2@api.qovery.com", "ftp://user:hunter2@host",
                          "user:hunter2@api.qovery.com", "http://user:hunter2@example.com"}) {
    auto error = create_error(config_for(url));
    INFO(url);
    CHECK(error.rfind("--api-url: '@' is not allowed (credentials in the URL", 0) == 0);
    CHECK(error.find("hunter2") == std::string::npos);
  }
  // A key in a query or fragment, whatever else is wrong with the URL.
  for (const char *url :
       {"https://api.qovery.com/?api_key=hunter2", "https://api.qovery.com#token=hunter2",
        "ftp://api.qovery.com?key=hunter2", "api.qovery.com?key=hunter2",
        "https://[::1?key=hunter2", "https://api.qovery.com:99999/?key=hunter2"}) {
    auto error = create_error(config_for(url));
    INFO(url);
    CHECK(error.rfind("--api-url: a query or fragment is not allowed (the URL is not shown", 0) ==
          0);
    CHECK(error.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("Upstream: create refuses a key with a control character, without echoing it",
          "[upstream]") {
  auto config = config_for("https://api.qovery.com");
  config.api_key = "qov_secret_value\n";
  auto error = create_error(config);
  CHECK(error.find("API key contains a control character") != std::string::npos);
  CHECK(error.find("qov_secret_value") == std::string::npos);
}

TEST_CASE("Upstream: create refuses non-positive timeouts", "[upstream]") {
  auto config = config_for("https://api.qovery.com");
  config.read_timeout = std::chrono::milliseconds(0);
  CHECK(create_error(config) == "connect and read timeouts and the deadline must be positive");
  config.read_timeout = std::chrono::milliseconds(1000);
  config.deadline = std::chrono::milliseconds(0);
  CHECK(create_error(config) == "connect and read timeouts and the deadline must be positive");
}

TEST_CASE("Upstream: create refuses no attempt and no room for an answer", "[upstream]") {
  auto config = config_for("https://api.qovery.com");
  config.retry.max_attempts = 0;
  CHECK(create_error(config) == "the number of attempts per call must be at least 1");
  config.retry.max_attempts = 1;
  CHECK(create_error(config).empty());
  config.max_answer_bytes = 0;
  CHECK(create_error(config) == "the answer size limit must be positive");
}

TEST_CASE("Upstream: the answer size limit is 8 MiB by default", "[upstream]") {
  CHECK(kMaxAnswerBytes == 8u * 1024 * 1024);
  CHECK(HttpUpstreamConfig().max_answer_bytes == kMaxAnswerBytes);
}

TEST_CASE("Upstream: create reads --ca-file and names it when it is unusable", "[upstream]") {
  auto config = config_for("https://api.qovery.com");
  SECTION("a PEM certificate is accepted") {
    TempFile file(kPemCertificate);
    config.ca_file = file.path();
    CHECK(create_error(config).empty());
  }
  SECTION("several certificates and other blocks are accepted") {
    TempFile file("# trusted roots\n" + kPemCertificate + "\n" + kPemCertificate);
    config.ca_file = file.path();
    CHECK(create_error(config).empty());
  }
  SECTION("a missing file") {
    config.ca_file = "/nonexistent/qmcp-ca.pem";
    CHECK(create_error(config) == "--ca-file: cannot read /nonexistent/qmcp-ca.pem");
  }
  SECTION("a directory") {
    config.ca_file = std::filesystem::temp_directory_path().string();
    CHECK(create_error(config) ==
          "--ca-file: " + config.ca_file + " is a directory, expected a PEM file");
  }
  SECTION("an empty file") {
    TempFile file("");
    config.ca_file = file.path();
    CHECK(create_error(config) == "--ca-file: " + file.path() + " holds no PEM certificate");
  }
  SECTION("a file that is not PEM") {
    TempFile file("just some text\n");
    config.ca_file = file.path();
    CHECK(create_error(config) == "--ca-file: " + file.path() + " holds no PEM certificate");
  }
  SECTION("a PEM file with a key but no certificate") {
    TempFile file("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIC0=\n"
                  "-----END PRIVATE KEY-----\n");
    config.ca_file = file.path();
    CHECK(create_error(config) == "--ca-file: " + file.path() + " holds no PEM certificate");
  }
  SECTION("a damaged certificate") {
    TempFile file("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
    config.ca_file = file.path();
    CHECK(create_error(config) ==
          "--ca-file: " + file.path() + " holds a malformed PEM certificate");
  }
  SECTION("with plain http the file is still checked") {
    config.base_url = "http://127.0.0.1:8080";
    config.ca_file = "/nonexistent/qmcp-ca.pem";
    CHECK(create_error(config) == "--ca-file: cannot read /nonexistent/qmcp-ca.pem");
  }
}

TEST_CASE("Upstream: create does not connect", "[upstream]") {
  // Nothing listens on port 1; create() succeeds all the same.
  auto created = HttpUpstream::create(config_for("http://127.0.0.1:1"));
  REQUIRE(created);
  CHECK(created.value() != nullptr);
}

TEST_CASE("Upstream: send refuses a malformed request without sending it", "[upstream]") {
  auto created = HttpUpstream::create(config_for("http://127.0.0.1:1"));
  REQUIRE(created);
  auto &upstream = *created.value();
  auto bad_path = upstream.send({"GET", "/job/x\r\nX-Injected: 1", ""});
  CHECK(bad_path.error == UpstreamError::Other);
  CHECK(bad_path.error_message.find("invalid request path") != std::string::npos);
  CHECK(upstream.send({"GET", "job/x", ""}).error == UpstreamError::Other);
  CHECK(upstream.send({"GET", "", ""}).error == UpstreamError::Other);
  auto bad_method = upstream.send({"GET /x HTTP/1.1\r\n", "/job", ""});
  CHECK(bad_method.error == UpstreamError::Other);
  CHECK(bad_method.error_message.rfind("invalid request method", 0) == 0);
  // A header field whose name is no token, or whose value would end the
  // field or the head.
  for (const auto &[name, value] :
       std::vector<std::pair<std::string, std::string>>{{"X-Id", "a\r\nX-Injected: 1"},
                                                        {"X-Id", "a\nb"},
                                                        {"X-Id", std::string("a\0b", 3)},
                                                        {"X-Id", "a\x7f"},
                                                        {"X Id", "a"},
                                                        {"X-Id:", "a"},
                                                        {"", "a"}}) {
    auto bad_header = upstream.send({"GET", "/job", "", {{name, value}}});
    INFO(name);
    CHECK(bad_header.error == UpstreamError::Other);
    CHECK(bad_header.error_message.rfind("invalid header field", 0) == 0);
  }
  // A tab and UTF-8 are field content: sent (and refused by the closed port).
  CHECK(upstream.send({"GET", "/job", "", {{"X-Id", "a\tb \xc3\xa9"}}}).error ==
        UpstreamError::Connection);
}

namespace {

using std::chrono::milliseconds;

UpstreamResponse answered(int status) {
  UpstreamResponse response;
  response.status = status;
  return response;
}

UpstreamResponse failed(UpstreamError error) {
  UpstreamResponse response;
  response.error = error;
  response.error_message = "what happened";
  return response;
}

} // namespace

TEST_CASE("Retry: GET, PUT and DELETE retry 429, 502, 503, 504, connection errors and timeouts",
          "[upstream][retry]") {
  for (const char *method : {"GET", "PUT", "DELETE"}) {
    INFO(method);
    for (int status : {429, 502, 503, 504})
      CHECK(RetryPolicy::retryable(method, answered(status)));
    CHECK(RetryPolicy::retryable(method, failed(UpstreamError::Connection)));
    CHECK(RetryPolicy::retryable(method, failed(UpstreamError::Timeout)));
  }
}

TEST_CASE("Retry: POST is never retried", "[upstream][retry]") {
  for (int status : {429, 500, 502, 503, 504})
    CHECK_FALSE(RetryPolicy::retryable("POST", answered(status)));
  for (auto error : {UpstreamError::Connection, UpstreamError::Timeout, UpstreamError::Tls})
    CHECK_FALSE(RetryPolicy::retryable("POST", failed(error)));
  CHECK_FALSE(RetryPolicy::retryable("PATCH", answered(503)));
}

TEST_CASE("Retry: success, other 4xx and 5xx, TLS, refused answers and other failures are final",
          "[upstream][retry]") {
  for (int status : {200, 201, 204, 400, 401, 403, 404, 409, 422, 500, 501, 505})
    CHECK_FALSE(RetryPolicy::retryable("GET", answered(status)));
  CHECK_FALSE(RetryPolicy::retryable("GET", failed(UpstreamError::Tls)));
  CHECK_FALSE(RetryPolicy::retryable("GET", failed(UpstreamError::BadAnswer)));
  CHECK_FALSE(RetryPolicy::retryable("GET", failed(UpstreamError::Unresolved)));
  CHECK_FALSE(RetryPolicy::retryable("DELETE", failed(UpstreamError::Other)));
}

TEST_CASE("Retry: the backoff doubles from the base and stops at the cap", "[upstream][retry]") {
  RetryPolicy policy; // 100 ms base, 2 s cap
  CHECK(policy.backoff_ceiling(1) == milliseconds(100));
  CHECK(policy.backoff_ceiling(2) == milliseconds(200));
  CHECK(policy.backoff_ceiling(3) == milliseconds(400));
  CHECK(policy.backoff_ceiling(5) == milliseconds(1600));
  CHECK(policy.backoff_ceiling(6) == milliseconds(2000));
  CHECK(policy.backoff_ceiling(1000) == milliseconds(2000));
}

TEST_CASE("Retry: equal jitter waits from half the ceiling to the ceiling, never at once",
          "[upstream][retry]") {
  RetryPolicy policy;
  policy.max_attempts = 10;
  const milliseconds plenty(30000);
  for (int attempt : {1, 3, 8}) {
    INFO("attempt " << attempt);
    auto ceiling = policy.backoff_ceiling(attempt);
    CHECK(policy.next_delay("GET", answered(503), std::nullopt, attempt, plenty, 0.0) ==
          ceiling / 2);
    CHECK(policy.next_delay("GET", answered(503), std::nullopt, attempt, plenty, 1.0) == ceiling);
    auto middle = policy.next_delay("GET", answered(503), std::nullopt, attempt, plenty, 0.5);
    REQUIRE(middle);
    CHECK(*middle == ceiling * 3 / 4);
  }
  // A jitter outside [0, 1] cannot push the wait past the ceiling nor under the floor.
  CHECK(policy.next_delay("GET", answered(503), std::nullopt, 1, plenty, 7.0) == milliseconds(100));
  CHECK(policy.next_delay("GET", answered(503), std::nullopt, 1, plenty, -3.0) == milliseconds(50));
}

TEST_CASE("Retry: Retry-After shorter than the backoff, 0 included, waits the backoff",
          "[upstream][retry]") {
  RetryPolicy policy; // 100 ms base: the first backoff is 50 to 100 ms
  const milliseconds plenty(30000);
  for (int status : {429, 503}) {
    INFO("HTTP " << status);
    CHECK(policy.next_delay("GET", answered(status), milliseconds(0), 1, plenty, 0.0) ==
          milliseconds(50));
    CHECK(policy.next_delay("GET", answered(status), milliseconds(0), 1, plenty, 1.0) ==
          milliseconds(100));
    CHECK(policy.next_delay("GET", answered(status), milliseconds(0), 3, plenty, 0.0) ==
          milliseconds(200));
    CHECK(policy.next_delay("DELETE", answered(status), milliseconds(30), 2, plenty, 1.0) ==
          milliseconds(200));
  }
}

TEST_CASE("Retry: a call makes at most max_attempts attempts", "[upstream][retry]") {
  RetryPolicy policy;
  REQUIRE(policy.max_attempts == 4);
  const milliseconds plenty(30000);
  for (const auto &response : {answered(503), answered(429), failed(UpstreamError::Timeout)}) {
    for (auto retry_after : {std::optional<milliseconds>(), std::optional(milliseconds(0))}) {
      CHECK(policy.next_delay("GET", response, retry_after, 3, plenty, 0.5));
      CHECK_FALSE(policy.next_delay("GET", response, retry_after, 4, plenty, 0.5));
      CHECK_FALSE(policy.next_delay("GET", response, retry_after, 40, plenty, 0.5));
    }
  }
  policy.max_attempts = 1;
  CHECK_FALSE(policy.next_delay("GET", answered(503), std::nullopt, 1, plenty, 0.5));
}

TEST_CASE("Retry: final answers get no delay", "[upstream][retry]") {
  RetryPolicy policy;
  CHECK_FALSE(policy.next_delay("POST", answered(503), std::nullopt, 1, milliseconds(30000), 0.5));
  CHECK_FALSE(policy.next_delay("GET", answered(200), std::nullopt, 1, milliseconds(30000), 0.5));
  CHECK_FALSE(
      policy.next_delay("GET", answered(404), milliseconds(0), 1, milliseconds(30000), 0.5));
}

TEST_CASE("Retry: Retry-After is honoured when it fits the deadline, else the answer is final",
          "[upstream][retry]") {
  RetryPolicy policy; // an attempt needs at least 100 ms
  CHECK(policy.next_delay("GET", answered(429), milliseconds(1000), 1, milliseconds(30000), 0.0) ==
        milliseconds(1000));
  CHECK(policy.next_delay("PUT", answered(503), milliseconds(5000), 3, milliseconds(5100), 0.0) ==
        milliseconds(5000));
  CHECK_FALSE(
      policy.next_delay("GET", answered(429), milliseconds(5000), 1, milliseconds(5099), 0.0));
  CHECK_FALSE(
      policy.next_delay("GET", answered(429), milliseconds(60000), 1, milliseconds(30000), 0.0));
}

TEST_CASE("Retry: no attempt starts without time for it before the deadline", "[upstream][retry]") {
  RetryPolicy policy;
  auto timeout = failed(UpstreamError::Timeout);
  CHECK(policy.next_delay("GET", timeout, std::nullopt, 1, milliseconds(200), 1.0) ==
        milliseconds(100));
  CHECK_FALSE(policy.next_delay("GET", timeout, std::nullopt, 1, milliseconds(199), 1.0));
  CHECK_FALSE(policy.next_delay("GET", timeout, std::nullopt, 1, milliseconds(0), 0.0));
}

TEST_CASE("Retry: parse_retry_after reads delay-seconds only", "[upstream][retry]") {
  CHECK(parse_retry_after("1") == milliseconds(1000));
  CHECK(parse_retry_after(" 120 ") == milliseconds(120000));
  CHECK(parse_retry_after("0") == milliseconds(0));
  CHECK_FALSE(parse_retry_after(""));
  CHECK_FALSE(parse_retry_after("-1"));
  CHECK_FALSE(parse_retry_after("1.5"));
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  CHECK_FALSE(parse_retry_after("99999999999999999999"));
}
