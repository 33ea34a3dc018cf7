#pragma once

#include "qovery_mcp/result.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qovery_mcp {

/// One request to the consumed API, as the ToolRegistry built it.
struct UpstreamRequest {
  std::string method; ///< "GET", "POST", "PUT", "DELETE"
  std::string path;   ///< "/job/<uuid>/secret", already percent-encoded, with any query string
  std::string body;   ///< JSON text; empty when no body is sent
  /// Header fields of the operation's header parameters (name, value), sent
  /// beside the Upstream's own (Authorization, User-Agent...); each a token
  /// and a field value (text.hpp), or the request is refused unsent.
  std::vector<std::pair<std::string, std::string>> headers = {};
};

/// Why no HTTP response came back.
enum class UpstreamError {
  None,       ///< a response came back (any status)
  Connection, ///< refused, reset, unreachable, or DNS failing for now
  Unresolved, ///< the host name does not exist: nothing was sent
  Tls,        ///< handshake or certificate verification failed
  Timeout,    ///< connect or read timed out, or the deadline passed before the answer completed
  /// An answer came but was refused unread: a body over the size limit, or a
  /// Content-Encoding the request did not offer.
  BadAnswer,
  Other,
};

/// The answer to an UpstreamRequest: an HTTP status and body, or a transport error.
struct UpstreamResponse {
  int status = 0;   ///< HTTP status; 0 when `error` is not None
  std::string body; ///< response body as received
  UpstreamError error = UpstreamError::None;
  /// With an error: what happened, lower-case, naming the host but never the key
  /// ("connection refused by 127.0.0.1:8443").
  std::string error_message;
  /// How many times the request was sent; this is the last attempt's answer.
  int attempts = 1;
};

/// Something that answers UpstreamRequests: the real API over HTTP(S), or the
/// in-process sandbox. Never throws; safe to call from many threads at once.
class Upstream {
public:
  virtual ~Upstream() = default;
  virtual UpstreamResponse send(const UpstreamRequest &request) = 0;
};

/// How the API key is presented: Qovery API tokens as "Token <key>", JWTs
/// (OIDC sessions) as "Bearer <key>".
enum class AuthScheme { Auto, Token, Bearer };

/// Parses "auto", "token" or "bearer".
Result<AuthScheme> parse_auth_scheme(std::string_view text);

/// True when `key` has the shape of a JWT: three non-empty base64url parts joined by dots.
bool looks_like_jwt(std::string_view key);

/// The Authorization header value for `key` ("Token abc", "Bearer a.b.c");
/// Auto picks Bearer for a JWT-shaped key and Token otherwise.
std::string authorization_value(std::string_view key, AuthScheme scheme);

/// When HttpUpstream sends a request again, and how long it waits first.
/// Pure: no clock, no randomness, no sockets, so every rule can be tested alone.
///
/// GET, PUT and DELETE are retried on HTTP 429, 502, 503 and 504 and on
/// connection errors and timeouts; POST never (a create sent twice could be
/// applied twice), nor TLS failures, refused answers, nor any other answer. A
/// call makes at most `max_attempts` attempts. The backoff after the n-th
/// attempt is drawn from [ceiling/2, ceiling], ceiling = min(max_delay,
/// base_delay * 2^(n-1)) ("equal jitter": the half floor keeps a retry from
/// following at once whatever the draw). The wait is the larger of that
/// backoff and the answer's Retry-After (RFC 9110 section 10.2.3), so
/// "Retry-After: 0" cannot make a call hammer the API. No attempt starts
/// unless the wait leaves it at least `min_attempt_time` before the deadline.
struct RetryPolicy {
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{2000};
  std::chrono::milliseconds min_attempt_time{100};
  /// Attempts per call, the first included; at least 1.
  int max_attempts = 4;

  /// Whether a `method` request that got `response` may be sent again.
  static bool retryable(std::string_view method, const UpstreamResponse &response);
  /// The longest backoff after the `attempt`-th attempt (1-based): the capped exponential.
  std::chrono::milliseconds backoff_ceiling(int attempt) const;
  /// The backoff after the `attempt`-th attempt for `jitter` in [0, 1]
  /// (clamped): from half the ceiling (0) to the ceiling (1).
  std::chrono::milliseconds backoff(int attempt, double jitter) const;
  /// The wait before sending again after the `attempt`-th attempt got
  /// `response` (with `retry_after`, its Retry-After header, when it had one),
  /// with `time_left` until the deadline and `jitter` drawn uniformly from
  /// [0, 1]; nullopt when the answer is final: not retryable, the last
  /// attempt allowed, or no time left for another.
  std::optional<std::chrono::milliseconds>
  next_delay(std::string_view method, const UpstreamResponse &response,
             std::optional<std::chrono::milliseconds> retry_after, int attempt,
             std::chrono::milliseconds time_left, double jitter) const;
};

/// A Retry-After header's wait: delay-seconds only ("120"); nullopt for
/// anything else (an HTTP date is treated as absent).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header);

/// The largest answer body HttpUpstream accepts, in bytes (8 MiB): Qovery's
/// list of a job's secrets is a few kilobytes, and a body is held in memory.
inline constexpr std::size_t kMaxAnswerBytes = 8 * 1024 * 1024;

/// The largest answer head HttpUpstream reads, in bytes (64 KiB, Envoy's
/// default for headers): its status line and header fields, with any 1xx
/// answers before it. Qovery's heads are well under 2 KiB; a larger one is
/// refused (BadAnswer) as soon as it passes the limit, over TLS within one
/// record (16 KiB) of it.
inline constexpr std::size_t kMaxAnswerHeadBytes = 64 * 1024;

struct HttpUpstreamConfig {
  /// "https://api.qovery.com", optionally with a path prefix. Plain http:// is
  /// accepted only for a loopback host (127.0.0.0/8, ::1, localhost).
  std::string base_url;
  /// The option the user gave base_url with ("--api-url"), which the advice
  /// in an address or TLS error names; empty when base_url is the
  /// capability's own, so that a user who never set it is not told to check it.
  std::string base_url_option;
  std::string api_key;
  AuthScheme auth_scheme = AuthScheme::Auto;
  /// Extra PEM file of trusted CAs, added to the system store. Empty for none.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{5000};
  /// Per attempt, the longest silence while reading; an attempt never waits past the deadline.
  std::chrono::milliseconds read_timeout{30000};
  /// The whole call, all attempts and the waits between them included, and
  /// an answer that trickles in: an attempt still reading 0.2 s after it is ended.
  std::chrono::milliseconds deadline{30000};
  /// An answer whose body is larger (announced or as read) is refused; settable for tests.
  std::size_t max_answer_bytes = kMaxAnswerBytes;
  RetryPolicy retry;
  /// At most this many idle connections are kept for reuse.
  std::size_t max_idle_connections = 64;
};

/// The real consumed API over HTTP(S) with cpp-httplib: TLS verification
/// always on (system CAs plus `ca_file`; the host name is checked against the
/// subjectAltName only, never the subject CN, as RFC 9525 section 6.3 says),
/// keep-alive connections pooled and reused across calls and threads,
/// TCP_NODELAY on, failed attempts retried as `retry` says within `deadline`.
/// Answers are taken as they are: "Accept-Encoding: identity" is sent, nothing
/// is decompressed, and an answer with another Content-Encoding, a head over
/// kMaxAnswerHeadBytes or a body over `max_answer_bytes` is refused
/// (BadAnswer) as soon as that shows. One
/// watchdog thread, started with the first call and joined by the destructor,
/// ends an attempt still reading 0.2 s after the deadline by shutting its
/// socket down (httplib's read timeout restarts with every byte).
class HttpUpstream : public Upstream {
public:
  /// Fails with a message naming what is wrong with the configuration
  /// ("--api-url: plain http is only allowed for a loopback host, got ...",
  /// "--ca-file: cannot read /x.pem"). Also sets SIGPIPE to ignored when it
  /// has its default action: httplib writes without MSG_NOSIGNAL, so a server
  /// closing a connection would otherwise kill the process.
  static Result<std::unique_ptr<HttpUpstream>> create(HttpUpstreamConfig config);
  ~HttpUpstream() override;
  UpstreamResponse send(const UpstreamRequest &request) override;

  struct Impl;

private:
  explicit HttpUpstream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace qovery_mcp
